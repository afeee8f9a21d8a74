"""The `clerkflow` command line: an operator's hands on the engine (deploy, start, work, repair).

Each command makes one call on `ProcessEngine` and prints a table, or JSON with `--json`.
Only `clerkflow db upgrade` migrates; any other command on a database without the current
schema says to run it. Exit status: 0 done; 2 refused with a message a person can act on
(any `ClerkflowError`, including not-found, a bad option or a database that needs
migrating); 1 unexpected, printed as a reference id whose traceback is in the log file
(`CLERKFLOW_LOG_FILE`, default `instance/clerkflow.log`). See docs/cli.md.
"""
from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import logging
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from engine.api import ProcessEngine
from engine.audit_chain import verify
from engine.calls import in_call_order
from engine.config import database_url, instance_dir
from engine.db import Database
from engine.migrate import Schema
from engine.errors import ClerkflowError, FormInvalid
from engine.spiffarena import MAX_UNPACKED_BYTES, export_version, import_zip
from engine.start_needs import missing_variables
from engine.models import IncidentStatus, InstanceStatus, TaskStatus
from engine.cli_output import (INCIDENT_COLUMNS, INSTANCE_COLUMNS, TASK_COLUMNS, TIMER_COLUMNS,
                               VERSION_COLUMNS, as_json, emit, print_instance, print_table)

logger = logging.getLogger("clerkflow.cli")

EXIT_OK, EXIT_UNEXPECTED, EXIT_REFUSED = 0, 1, 2
UPGRADE_HINT = "run `clerkflow db upgrade` first"


class OptionInvalid(ClerkflowError):
    """A command-line option's value cannot be used (bad JSON, unreadable file, missing path)."""


def engine_without_operators(url: str) -> ProcessEngine:
    """The engine alone: its service tasks can call nothing (an entry point hands in a better opener)."""
    return ProcessEngine(Database(url))


class Console:
    """What a command works with: the database URL, its migration history and, opened on first use by
    `open_engine`, the engine."""

    def __init__(self, url: str, schema: Schema,
                 open_engine: Callable[[str], ProcessEngine] = engine_without_operators):
        self.url = url
        self.schema = schema
        self.open_engine = open_engine
        self._engine: ProcessEngine | None = None

    @property
    def engine(self) -> ProcessEngine:
        if self._engine is None:
            self._engine = self.open_engine(self.url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.database.dispose()


@dataclasses.dataclass
class CommandLine:
    """The `clerkflow` parser as an outer layer (the city, the web app) extends it: `add` a command (a name
    already taken is refused, never replaced), the shared options, and `periodic`: jobs the `scheduler`
    command runs beside the timers, each made from the console (`PeriodicJob` in engine.scheduler)."""

    commands: argparse._SubParsersAction
    as_json: argparse.ArgumentParser
    acting: argparse.ArgumentParser
    data: argparse.ArgumentParser
    periodic: list[Callable[[Console], Any]] = dataclasses.field(default_factory=list)

    def add(self, name: str, run, summary: str, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
        if name in self.commands.choices:
            raise ValueError(f'the command "{name}" is defined twice')
        sub = self.commands.add_parser(name, help=summary, description=summary, parents=list(parents))
        if run is not None:
            sub.set_defaults(run=run)
        return sub


Extension = Callable[[CommandLine], None]


def main(argv: Sequence[str] | None, *, schema: Schema, extensions: Sequence[Extension] = (),
         open_engine: Callable[[str], ProcessEngine] = engine_without_operators) -> int:
    """Run one command; returns the exit status (see the module docstring).

    `schema` is the application's migration history (`db upgrade`); `extensions` add the commands of outer
    layers (the city's `city ...`, the web app's `setup`, `run`), in order; `open_engine` opens the
    engine the commands use (the city's, with its operators)."""
    parser = build_parser(extensions)
    try:
        options = parser.parse_args(argv)
    except SystemExit as stop:   # --help, or a usage error argparse already printed
        return stop.code if isinstance(stop.code, int) else EXIT_REFUSED
    console = None
    try:
        console = Console(database_url(), schema, open_engine)
        return options.run(console, options) or EXIT_OK
    except FormInvalid as err:
        print(err.user_message, file=sys.stderr)
        for field, message in err.field_errors.items():
            print(f"  {field}: {message}", file=sys.stderr)
        return EXIT_REFUSED
    except ClerkflowError as err:
        print(err, file=sys.stderr)
        return EXIT_REFUSED
    except (OperationalError, ProgrammingError):
        problem = schema_problem(console.url, console.schema) if console else None
        if problem is None:
            return _unexpected()
        print(problem, file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:   # the command line's boundary: never a traceback on the terminal
        return _unexpected()
    finally:
        if console is not None:
            console.close()


# -- reporting problems ---------------------------------------------------------------------

def schema_problem(url: str, schema: Schema) -> str | None:
    """Why the database cannot serve the engine yet (missing or old schema, unreachable), or None."""
    from alembic.runtime.migration import MigrationContext

    shown = make_url(url).render_as_string(hide_password=True)
    heads = schema.heads(url)
    probe = create_engine(url)
    try:
        with probe.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except (OperationalError, ProgrammingError) as err:
        return f"Could not open the database {shown}: {str(getattr(err, 'orig', err)).strip()}"
    finally:
        probe.dispose()
    if not current:
        return f"The database {shown} has no Clerkflow tables yet; {UPGRADE_HINT}."
    if current != heads:
        return (f"The database {shown} is at schema revision {', '.join(sorted(current))} but this Clerkflow "
                f"needs {', '.join(sorted(heads))}; {UPGRADE_HINT}.")
    return None


def log_file() -> Path:
    return Path(os.environ.get("CLERKFLOW_LOG_FILE") or instance_dir() / "clerkflow.log")


def _unexpected() -> int:
    """Log the exception being handled under a fresh reference id; tell the person only the id."""
    reference = uuid.uuid4().hex[:12]
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = None
    if handler is not None:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    try:
        logger.error("unexpected error; reference %s", reference, exc_info=True)
    finally:
        if handler is not None:
            logger.removeHandler(handler)
            handler.close()
    where = f"the details are in {path}" if handler is not None else f"{path} could not be written"
    print(f"unexpected error; reference {reference} ({where})", file=sys.stderr)
    return EXIT_UNEXPECTED


# -- reading options --------------------------------------------------------------------------

def actor_of(options: argparse.Namespace) -> str:
    """--actor, else $CLERKFLOW_ACTOR, else the operating-system user name."""
    if getattr(options, "actor", None):
        return options.actor
    if os.environ.get("CLERKFLOW_ACTOR"):
        return os.environ["CLERKFLOW_ACTOR"]
    try:
        return getpass.getuser()
    except Exception:   # no user name in some containers (KeyError on 3.11, OSError later)
        return "unknown"


def json_object(text: str, option: str) -> dict[str, Any]:
    """The JSON object an option names; `OptionInvalid` naming the option otherwise."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise OptionInvalid(f"{option} is not valid JSON ({err.msg} at line {err.lineno} column {err.colno}); "
                            """give an object such as '{"pages": 3}'.""") from None
    if not isinstance(value, dict):
        raise OptionInvalid(f"{option} must be a JSON object (names to values), not {type(value).__name__}.")
    return value


def submitted_data(options: argparse.Namespace) -> dict[str, Any]:
    """--data or --data-file (`-` reads standard input); an empty object when neither is given."""
    if getattr(options, "data_file", None):
        try:
            text = sys.stdin.read() if options.data_file == "-" else Path(options.data_file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise OptionInvalid(f"--data-file {options.data_file} could not be read: "
                                f"{getattr(err, 'strerror', None) or err}.") from None
        return json_object(text, f"--data-file {options.data_file}")
    return json_object(options.data, "--data") if options.data is not None else {}


# -- commands ---------------------------------------------------------------------------------

def db_upgrade(console: Console, options: argparse.Namespace) -> None:
    console.schema.upgrade(console.url)
    print(f"database {make_url(console.url).render_as_string(hide_password=True)} is up to date")


def deploy(console: Console, options: argparse.Namespace) -> None:
    if options.forms and not Path(options.forms).is_dir():
        raise OptionInvalid(f"--forms {options.forms} is not a directory.")
    forms = Path(options.forms or "forms")
    files: list[Path] = []
    for given in map(Path, options.paths):   # check every path before deploying any
        if given.is_dir():
            found = sorted(given.glob("*.bpmn"))
            if not found:
                raise OptionInvalid(f"{given} holds no .bpmn files.")
            files.extend(found)
        elif given.is_file():
            files.append(given)
        else:
            raise OptionInvalid(f"{given}: no such file or directory.")
    results = []
    for path in in_call_order(files):   # each file is its own transaction: an earlier one stays deployed if a later one is refused
        result = console.engine.deploy_file(path, forms if forms.is_dir() else None, actor=actor_of(options))
        results.append(result)
        if not options.json:
            verb = "deployed" if result.created else "unchanged:"
            print(f"{verb} {result.version.process_key} version {result.version.version}")
    if options.json:
        print(as_json(results))


def export(console: Console, options: argparse.Namespace) -> None:
    """A deployed version as a SpiffArena process model zip (engine/spiffarena.py); trusted as `deploy` is."""
    output = Path(options.output)
    if not output.parent.is_dir():
        raise OptionInvalid(f"-o {options.output}: the folder {output.parent} does not exist.")
    _name, data = export_version(console.engine, options.process_key, options.version)
    output.write_bytes(data)
    print(f"wrote {output} ({len(data)} bytes): open it in SpiffArena as a process model")


def import_zip_file(console: Console, options: argparse.Namespace) -> None:
    """Deploy a SpiffArena process model zip, its forms renamed to Clerkflow's names; trusted as `deploy` is."""
    path = Path(options.zip_file)
    if not path.is_file():
        raise OptionInvalid(f"{options.zip_file}: no such file.")
    if path.stat().st_size > MAX_UNPACKED_BYTES:
        raise OptionInvalid(f"{options.zip_file} is larger than a process model zip may be "
                            f"({MAX_UNPACKED_BYTES // (1024 * 1024)} MB).")
    result = import_zip(console.engine, path.read_bytes(), actor=actor_of(options))
    if options.json:
        print(as_json([result]))
    else:
        print(f"{'deployed' if result.created else 'unchanged:'} {result.version.process_key} "
              f"version {result.version.version}")


def versions(console: Console, options: argparse.Namespace) -> None:
    emit(options, console.engine.versions(options.process),
         lambda rows: print_table(rows, VERSION_COLUMNS, "no process is deployed"))


def start(console: Console, options: argparse.Namespace) -> None:
    data = submitted_data(options)
    console.engine.check_start(options.process_key, data)     # refused whatever --anyway says
    missing = missing_variables(console.engine.start_needs(options.process_key), data,
                                numbered=options.tracking_prefix is not None)
    if missing and not options.anyway:
        names = ", ".join(missing)
        raise OptionInvalid(f"{options.process_key} reads {names} at its start, before anything sets "
                         f"{'them' if len(missing) > 1 else 'it'}: give {names} in --data (or --anyway to start it "
                         "without, and repair the incident it stops at)")
    view = console.engine.start_instance(options.process_key, data, actor=actor_of(options),
                                         business_key=options.business_key, tracking_prefix=options.tracking_prefix)
    emit(options, view, print_instance)


def instances(console: Console, options: argparse.Namespace) -> None:
    rows = console.engine.list_instances(status=options.status, process_key=options.process,
                                         business_key=options.business_key, limit=options.limit)
    emit(options, rows, lambda rows: print_table(rows, INSTANCE_COLUMNS, "no instances"))


def instance(console: Console, options: argparse.Namespace) -> None:
    view = console.engine.get_instance(options.instance_id)
    audit = console.engine.audit_trail(options.instance_id) if options.audit else None
    if options.json:
        value = dataclasses.asdict(view)
        if audit is not None:
            value["audit"] = [dataclasses.asdict(event) for event in audit]
        print(as_json(value))
    else:
        print_instance(view, audit)


def tasks(console: Console, options: argparse.Namespace) -> None:
    rows = console.engine.list_tasks(roles=set(options.roles) if options.roles else None,
                                     assignee=options.assignee, instance_id=options.instance,
                                     status=options.status, limit=options.limit)
    emit(options, rows, lambda rows: print_table(rows, TASK_COLUMNS, f"no {options.status} tasks"))


def claim(console: Console, options: argparse.Namespace) -> None:
    view = console.engine.claim_task(options.task_id, actor=actor_of(options))
    emit(options, view, lambda t: print(f'task {t.task_id} "{t.title}" is claimed by {t.assignee}'))


def unclaim(console: Console, options: argparse.Namespace) -> None:
    view = console.engine.unclaim_task(options.task_id, actor=actor_of(options), administrator=options.administrator)
    emit(options, view, lambda t: print(f'task {t.task_id} "{t.title}" is released; anyone in its role may claim it'))


def complete(console: Console, options: argparse.Namespace) -> None:
    data = submitted_data(options)
    view = console.engine.complete_task(options.task_id, data, actor=actor_of(options))
    if not options.json:
        print(f"completed task {options.task_id}")
    emit(options, view, print_instance)


def message(console: Console, options: argparse.Namespace) -> None:
    """Deliver a message as a trusted operator on the server (trusted like the database itself): no roles are
    asked, but the payload still goes through the engine's message rules (a payment's amount, for example)."""
    correlation = json_object(options.correlation, "--correlation") if options.correlation else None
    payload = json_object(options.payload, "--payload") if options.payload else None
    receivers = console.engine.deliver_message(options.name, correlation, payload, actor=actor_of(options))
    emit(options, {"message": options.name, "instance_ids": receivers},
         lambda value: print(f'delivered "{options.name}" to instance {", ".join(map(str, receivers))}'))


def timers(console: Console, options: argparse.Namespace) -> None:
    if options.timers_action == "fire":
        fired = console.engine.fire_due_timers(actor=actor_of(options))
        emit(options, {"fired": fired}, lambda value: print(f"fired {fired} timer{'' if fired == 1 else 's'}"))
        return
    rows = console.engine.pending_timers(instance_id=options.instance)
    emit(options, rows, lambda rows: print_table(rows, TIMER_COLUMNS, "no pending timers"))


def incidents(console: Console, options: argparse.Namespace) -> None:
    rows = console.engine.list_incidents(
        status=None if options.status == "all" else options.status, instance_id=options.instance)
    emit(options, rows, lambda rows: print_table(rows, INCIDENT_COLUMNS, "no incidents"))


def retry(console: Console, options: argparse.Namespace) -> None:
    patch = json_object(options.data, "--data") if options.data is not None else None
    view = console.engine.retry_incident(options.incident_id, actor=actor_of(options), data_patch=patch)
    if not options.json:
        print(f"retried incident {options.incident_id}")
    emit(options, view, print_instance)


def change_status(console: Console, options: argparse.Namespace) -> None:
    action = {"suspend": console.engine.suspend_instance, "resume": console.engine.resume_instance,
              "terminate": console.engine.terminate_instance}[options.command]
    view = action(options.instance_id, actor=actor_of(options), reason=options.reason)
    emit(options, view, lambda v: print(f"instance {v.instance_id} is now {v.status}"))


def audit_verify(console: Console, options: argparse.Namespace) -> int:
    """Check the audit trail's hash chains; exit 2 when a link or a head is broken (docs/reliability.md)."""
    if options.instance is not None:
        console.engine.get_instance(options.instance)     # NotFound (exit 2) for an instance that never was
    with console.engine.database.read() as session:
        result = verify(session.connection(), instance_id=options.instance)
    if options.json:
        print(as_json({"intact": result.intact, "events": result.events, "chains": result.chains,
                       "breaks": [dataclasses.asdict(broken) for broken in result.breaks]}))
    elif result.intact:
        print(f"audit trail intact: {result.events} events in {result.chains} chains")
    else:
        for broken in result.breaks:
            print(broken)
        print(f"audit trail broken: {len(result.breaks)} problem(s) in {result.events} events", file=sys.stderr)
    return EXIT_OK if result.intact else EXIT_REFUSED


def scheduler(console: Console, options: argparse.Namespace) -> None:
    from engine.scheduler import run_scheduler   # imported only here: it pulls in APScheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)   # its own per-run lines drown ours
    run_scheduler(console.engine, periodic=[make(console) for make in options.periodic])   # until Ctrl-C or SIGTERM


# -- the parser -------------------------------------------------------------------------------

def build_parser(extensions: Sequence[Extension] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clerkflow", description="Run the clerk's office processes: deploy diagrams, start and work instances.",
        epilog="The database is $DATABASE_URL, else instance/clerkflow.db. Exit status: 0 done, 2 refused "
               "(the message says why), 1 unexpected (see the log for the reference id).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON instead of a table")
    acting = argparse.ArgumentParser(add_help=False)
    acting.add_argument("--actor", metavar="NAME", help="who does this (default: $CLERKFLOW_ACTOR or your user name)")
    data = argparse.ArgumentParser(add_help=False)
    given = data.add_mutually_exclusive_group()
    given.add_argument("--data", metavar="JSON", help="""form data as a JSON object, e.g. '{"pages": 3}'""")
    given.add_argument("--data-file", metavar="FILE", help="read the JSON object from FILE (- for standard input)")

    command_line = CommandLine(commands, as_json, acting, data)
    command = command_line.add

    db = command("db", None, "database schema")
    db_commands = db.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="create or migrate the tables").set_defaults(run=db_upgrade)

    sub = command("deploy", deploy, "deploy BPMN diagrams (files or directories of .bpmn files)", [as_json, acting])
    sub.add_argument("paths", nargs="+", metavar="PATH")
    sub.add_argument("--forms", metavar="DIR", help="where the form files are (default: forms/)")

    sub = command("export", export, "write a deployed process (diagram, forms, decision tables) as a SpiffArena "
                                    "process model zip")
    sub.add_argument("process_key", metavar="PROCESS_KEY")
    sub.add_argument("--version", type=int, metavar="N", help="the version to export (default: the newest)")
    sub.add_argument("-o", "--output", required=True, metavar="FILE", help="the zip to write")
    sub = command("import", import_zip_file, "deploy a SpiffArena process model zip (its forms renamed to "
                                             "Clerkflow's names)", [as_json, acting])
    sub.add_argument("zip_file", metavar="FILE")

    command("versions", versions, "list deployed process versions", [as_json]).add_argument(
        "--process", metavar="KEY")

    sub = command("start", start, "start an instance of a process", [as_json, acting, data])
    sub.add_argument("process_key", metavar="PROCESS_KEY")
    numbering = sub.add_mutually_exclusive_group()
    numbering.add_argument("--business-key", metavar="KEY", help="e.g. the request's tracking number")
    numbering.add_argument("--tracking-prefix", metavar="PREFIX",
                           help="number the instance PREFIX-<year>-<sequence>, e.g. R for a records request")
    sub.add_argument("--anyway", action="store_true",
                     help="start even without the variables the process reads at its start (it stops at an incident)")

    sub = command("instances", instances, "list process instances, most recently changed first", [as_json])
    sub.add_argument("--status", choices=[status.value for status in InstanceStatus])
    sub.add_argument("--process", metavar="KEY")
    sub.add_argument("--business-key", metavar="KEY")
    sub.add_argument("--limit", type=int, default=50)

    sub = command("instance", instance, "show one instance with its open tasks and incidents", [as_json])
    sub.add_argument("instance_id", type=int, metavar="ID")
    sub.add_argument("--audit", action="store_true", help="also print the audit trail")

    sub = command("tasks", tasks, "list human tasks, oldest first", [as_json])
    sub.add_argument("--role", dest="roles", action="append", metavar="ROLE", help="candidate role (repeatable)")
    sub.add_argument("--assignee", metavar="USER")
    sub.add_argument("--instance", type=int, metavar="ID")
    sub.add_argument("--status", choices=[status.value for status in TaskStatus], default="open")
    sub.add_argument("--limit", type=int, default=50)

    command("claim", claim, "claim an open task", [as_json, acting]).add_argument("task_id", type=int, metavar="TASK_ID")
    sub = command("unclaim", unclaim, "release a claimed task", [as_json, acting])
    sub.add_argument("task_id", type=int, metavar="TASK_ID")
    sub.add_argument("--administrator", action="store_true", help="release a task someone else claimed")

    sub = command("complete", complete, "complete a task with its form data", [as_json, acting, data])
    sub.add_argument("task_id", type=int, metavar="TASK_ID")

    sub = command("message", message, "deliver a message to the instances waiting for it (as a trusted operator: "
                  "no roles asked, the payload checked by the message rules)", [as_json, acting])
    sub.add_argument("name", metavar="NAME")
    sub.add_argument("--correlation", metavar="JSON", help="""correlation values, e.g. '{"request_id": "R-1"}'""")
    sub.add_argument("--payload", metavar="JSON", help="the message's data as a JSON object")

    sub = command("timers", timers, "list pending timers; `timers fire` fires those due now", [as_json, acting])
    sub.add_argument("--instance", type=int, metavar="ID")
    sub.add_argument("timers_action", nargs="?", choices=["fire"], metavar="fire",
                     help="fire every timer that is due now and print how many fired")

    sub = command("incidents", incidents, "list incidents (failed script or service tasks)", [as_json])
    sub.add_argument("--status", choices=[status.value for status in IncidentStatus] + ["all"], default="open")
    sub.add_argument("--instance", type=int, metavar="ID")

    sub = command("retry", retry, "run an incident's failed task again", [as_json, acting])
    sub.add_argument("incident_id", type=int, metavar="INCIDENT_ID")
    sub.add_argument("--data", metavar="JSON", help="corrections to the task's data before the retry")

    for name, summary in (("suspend", "pause an instance"), ("resume", "resume a suspended instance"),
                          ("terminate", "end an instance for good")):
        sub = command(name, change_status, summary, [as_json, acting])
        sub.add_argument("instance_id", type=int, metavar="ID")
        sub.add_argument("--reason", default="", help="recorded in the audit trail")

    audit = command("audit", None, "the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_action", required=True, metavar="ACTION")
    sub = audit_commands.add_parser("verify", parents=[as_json],
                                    help="check that no audit event was changed or removed (exit 2 if one was)")
    sub.add_argument("--instance", type=int, metavar="ID", help="only this instance's events")
    sub.set_defaults(run=audit_verify)

    command("scheduler", scheduler, "run the timer scheduler until Ctrl-C or SIGTERM"
            ).set_defaults(periodic=command_line.periodic)
    for extend in extensions:
        extend(command_line)
    return parser
