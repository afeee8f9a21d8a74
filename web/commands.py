"""The `clerkflow` console script: the engine's commands plus `setup`, `run` and `serve`.

`clerkflow setup` migrates the database, deploys every diagram in `processes/` (with the
forms in `forms/`) and adds the demo accounts and demo requests; running it again keeps
what is there. `clerkflow run` serves the web app and runs the timer scheduler beside it
as a child process, started again (with backoff) whenever it exits: one Ctrl-C stops both. `clerkflow serve` is the web app alone (start
the scheduler once elsewhere with `clerkflow scheduler`). The scheduler also runs the mail
(dispatch and send, every 30 seconds); `clerkflow mail send` does one round by hand, `mail
status` counts the outbox and `mail retry` queues failed mail again (docs/mail.md). `clerkflow backup DIR`
copies the database and the file store while the app runs; `clerkflow restore DIR --into FOLDER` makes a new
instance folder from it (web/backup.py, docs/operations.md "Backup and restore").
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from city.citydata import list_letter_templates, seed_defaults, set_letter_template
from city.defaults import DEFAULT_LETTERS
from city.rules.letters import LETTERHEAD
from city.cli import add_city_commands
from city.privacy_cli import add_privacy_commands
from city.open_data.settings_cli import add_open_data_settings_commands
from city.office import city_data_of, open_engine_at
from engine import cli, clock
from migrations import SCHEMA, upgrade

MAIL_EVERY_SECONDS = 30
SCHEDULER_RESTART_BACKOFF = (1, 2, 5, 10, 30, 60)   # seconds before each new start; the last one repeats
SCHEDULER_STEADY_SECONDS = 300                      # a scheduler that ran this long starts the backoff afresh
log = logging.getLogger("clerkflow.mail")
run_log = logging.getLogger("clerkflow.run")

# The demo city signs its letters; a city's own name and address replace it on Settings, Letter templates.
DEMO_CITY = ("City of Springfield (demo)", "City Hall, 100 Main Street\nSpringfield, KS 66000")
DEMO_REQUESTS = (
    {"requester_name": "Pat Doe", "requester_address": "12 Elm Street",
     "records_description": "Council minutes, January 2026", "office_key": "city_clerk"},
    {"requester_name": "Sam Roe", "requester_address": "4 Oak Avenue",
     "records_description": "Police incident reports for the 300 block of Main Street, March 2026",
     "office_key": "police"},
    {"requester_name": "Lee Moe", "requester_address": "9 Pine Road",
     "records_description": "Contracts for street resurfacing, 2025", "office_key": None},
)


def main(argv: list[str] | None = None) -> int:
    """`clerkflow`: the engine's commands, then the city's, then the web app's, on the city's engine."""
    return cli.main(argv, schema=SCHEMA, extensions=(add_city_commands, add_privacy_commands,
                                                         add_open_data_settings_commands, add_web_commands), open_engine=open_engine_at)


def add_web_commands(command_line: cli.CommandLine) -> None:
    """`setup`, `run`, `serve` and `mail ...`; the mail round joins the `scheduler` command's periodic jobs (the
    performance data set is refreshed by a diagram's timer, processes/open_data_performance_refresh.bpmn)."""
    setup_parser = command_line.add("setup", setup, "migrate, deploy processes/, add demo accounts and data")
    setup_parser.description = "Prepare the database; safe to run again (keeps the data)."
    setup_parser.add_argument("--processes", default="processes", metavar="DIR")
    setup_parser.add_argument("--forms", default="forms", metavar="DIR")
    setup_parser.add_argument("--no-demo", action="store_true", help="no demo accounts or demo requests")
    for name, summary, handler in (("run", "serve the web app with the timer scheduler beside it", run),
                                   ("serve", "serve the web app only (run one `clerkflow scheduler` elsewhere)",
                                    serve)):
        sub = command_line.add(name, handler, summary)
        sub.add_argument("--host", default=os.environ.get("CLERKFLOW_HOST", "127.0.0.1"))
        sub.add_argument("--port", type=int, default=int(os.environ.get("CLERKFLOW_PORT", "5000")))
        sub.add_argument("--threads", type=int, default=8)
    command_line.periodic.append(mail_job)
    backup_parser = command_line.add("backup", backup, "copy the database and the file store into a new folder, "
                                     "while the app runs")
    backup_parser.add_argument("destination", metavar="DEST_DIR")
    restore_parser = command_line.add("restore", restore, "make a new instance folder from a SQLite backup")
    restore_parser.add_argument("backup_dir", metavar="BACKUP_DIR")
    restore_parser.add_argument("--into", required=True, metavar="INSTANCE_DIR",
                                help="a new folder; run Clerkflow on it with CLERKFLOW_INSTANCE_DIR")
    mail_parser = command_line.add("mail", None, "the outbox of letters and task notices (docs/mail.md)")
    mail_parser.description = "Mail to requesters and staff, through the outbox."
    mail_actions = mail_parser.add_subparsers(dest="mail_action", required=True, metavar="ACTION")
    mail_actions.add_parser("send", help="queue what is owed and send what is due, once").set_defaults(run=mail_send)
    mail_actions.add_parser("status", help="count the outbox: waiting, sent, failed").set_defaults(run=mail_status)
    mail_actions.add_parser("retry", help="queue every failed mail again (not status links: those are erased)"
                            ).set_defaults(run=mail_retry)


def setup(console: cli.Console, options: argparse.Namespace) -> None:
    upgrade(console.url)
    with console.engine.database.write() as session:
        seed_defaults(session)   # the offices, fee schedule, exemptions and letters of Art. 6; keeps edits
    processes, forms = Path(options.processes), Path(options.forms)
    if processes.is_dir():
        for result in console.engine.deploy_directory(processes, forms if forms.is_dir() else None, actor="setup"):
            state = "deployed" if result.created else "unchanged:"
            print(f"{state} {result.version.process_key} version {result.version.version}")
    if options.no_demo:
        with console.engine.database.read() as session:
            if letterhead_unset(session):
                print("Letters are signed \"[the city's name]\" until an administrator sets the city's name and "
                      "address (Settings, Letter templates, Letterhead).")
        return
    with console.engine.database.write() as session:
        ensure_demo_letterhead(session)
    city_data_of(console.engine).invalidate()
    accounts = ensure_demo_accounts(console.url)
    started = ensure_demo_requests(console.engine)
    print(f"demo accounts: {', '.join(username for username, _ in accounts)}; "
          f"demo requests started now: {started}")
    from web.demo import ensure_demo_dataset_review
    with _web_app(console.url):
        sent = ensure_demo_dataset_review(console.engine)
    print(f"demo data sets waiting for review: {sent}")
    print(f"demo open data sets published now: {ensure_demo_catalog(console.url, console.engine)}")
    print(f"demo open data plan entries added now: {ensure_demo_plan(console.url)}")
    from web.demo import ensure_demo_dataset_report
    print(f"demo reports on a published data set sent now: {ensure_demo_dataset_report(console.engine)}")
    from web.demo import ensure_demo_compliance_report
    print(f"demo compliance reports waiting for the Records Manager: {ensure_demo_compliance_report(console.engine)}")


def ensure_demo_plan(url: str) -> int:
    """The departments' demo open data plans (web.demo_plan), only while no plan has an entry."""
    from web.demo_plan import ensure_demo_plan as add_missing
    from web.models import db

    with _web_app(url):
        added = add_missing(db.session.connection(), now=clock.now())
        db.session.commit()
    return added


def letterhead_unset(session) -> bool:
    """Whether the city's letterhead still holds the bracketed defaults every letter would show."""
    row = next((row for row in list_letter_templates(session) if row.name == LETTERHEAD), None)
    return row is None or (row.subject, row.body) == DEFAULT_LETTERS[LETTERHEAD]


def ensure_demo_letterhead(session) -> None:
    """The demo city's name and address on its letters, where the administrator has set none."""
    if letterhead_unset(session):
        set_letter_template(session, LETTERHEAD, actor="setup", subject=DEMO_CITY[0], body=DEMO_CITY[1])


def ensure_demo_accounts(url: str) -> list[tuple[str, tuple[str, ...]]]:
    from web import ENGINE_EXTENSION, create_app
    from web.demo import ensure_demo_accounts as add_missing
    from web.models import db

    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        listed = add_missing(db.session)
        db.session.commit()
        for engine in db.engines.values():
            engine.dispose()
    app.extensions[ENGINE_EXTENSION].database.dispose()
    return listed


def ensure_demo_catalog(url: str, engine) -> int:
    """The open data catalog's demo data sets (web.catalog.demo), only while the catalog is empty."""
    from web.catalog.demo import ensure_demo_catalog as publish_missing
    from web.filestore import file_store
    from web.models import db

    with _web_app(url):
        published = publish_missing(db.session.connection(), file_store(), now=clock.now(),
                                    city_closures=city_data_of(engine)()["city_closures"])
        db.session.commit()
    return published


def ensure_demo_requests(engine) -> int:
    """A few open records requests at different steps, only when there are none yet."""
    if "records_request" not in {version.process_key for version in engine.versions()}:
        return 0
    if engine.list_instances(process_key="records_request", limit=1):
        return 0
    received = clock.now() - timedelta(hours=2)
    for request in DEMO_REQUESTS:
        engine.start_instance("records_request", {**request, "received_at": received.isoformat()},
                              actor="clerk", tracking_prefix="R")
    return len(DEMO_REQUESTS)


def serve(console: cli.Console, options: argparse.Namespace) -> None:
    from waitress import serve as waitress_serve
    from web import create_app

    app = create_app({"DATABASE_URL": console.url})
    with app.app_context():
        mail_configured = _mail_settings(app).configured
    if not mail_configured:
        print("Mail: no mail server is set (Settings, Mail, or CLERKFLOW_SMTP_HOST); letters and notices wait in the outbox "
              "(docs/mail.md).", flush=True)
    print(f"Clerkflow is at http://{options.host}:{options.port}/  (Ctrl-C stops it)", flush=True)
    waitress_serve(app, host=options.host, port=options.port, threads=options.threads, ident="Clerkflow")


@contextlib.contextmanager
def _web_app(url: str):
    """The web app on `url`, inside an app context; its connections are closed afterwards."""
    from web import ENGINE_EXTENSION, create_app
    from web.models import db

    app = create_app({"DATABASE_URL": url})
    try:
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()      # hand its connection back first: disposing leaves checked-out ones open
                for engine in db.engines.values():
                    engine.dispose()
    finally:
        app.extensions[ENGINE_EXTENSION].database.dispose()


def _mail_settings(app):
    """The mail settings in force (the environment's, else the Settings page's); needs an app context."""
    from web.mail.settings import mail_settings
    from web.models import db

    return mail_settings(app.config, db.session)   # a bad setting is a ClerkflowError: printed, exit status 2


def mail_send(console: cli.Console, options: argparse.Namespace) -> None:
    from web.mail import run_mail

    with _web_app(console.url) as app:
        _mail_settings(app)
        outcome = run_mail()
    dispatched, delivery = outcome.dispatched, outcome.delivery
    print(f"queued: {dispatched.letters} to requesters, {dispatched.task_notices} task notice(s), "
          f"{dispatched.digests} daily list(s)")
    if not outcome.configured:
        print(f"not sent: no mail server is set (Settings, Mail, or CLERKFLOW_SMTP_HOST); {delivery.waiting} mail(s) wait in the outbox")
    else:
        print(f"sent: {delivery.sent}; to be tried again: {delivery.retrying}; failed: {delivery.failed}")


def backup(console: cli.Console, options: argparse.Namespace) -> None:
    from web.backup import back_up
    from web.filestore import file_store

    with _web_app(console.url) as app:
        files_dir, instance_folder = file_store().root, Path(app.instance_path)
    manifest = back_up(console.url, files_dir, Path(options.destination), instance_dir=instance_folder)
    print(f"backed up {manifest.database}: {manifest.instances if manifest.instances is not None else 'all'} "
          f"instances, {manifest.files} files, into {options.destination} (manifest.json lists their sha256)")


def restore(console: cli.Console, options: argparse.Namespace) -> None:
    from web.backup import restore as restore_into

    manifest = restore_into(Path(options.backup_dir), Path(options.into))
    print(f"restored the backup of {manifest.created_at}: {manifest.instances} instances, {manifest.files} files, "
          f"into {options.into}; start Clerkflow with CLERKFLOW_INSTANCE_DIR={options.into} (and DATABASE_URL unset)")


def mail_status(console: cli.Console, options: argparse.Namespace) -> None:
    from web.mail.outbox import outbox_counts
    from web.models import db

    with _web_app(console.url) as app:
        settings = _mail_settings(app)
        counts = outbox_counts(db.session)
    if settings.configured:
        print(f"mail server: {settings.host}:{settings.port} ({settings.security}), from {settings.sender}")
    else:
        print("mail server: none set (CLERKFLOW_SMTP_HOST): mail is queued but not sent")
    if not settings.public_base_url:
        print("links in mail: relative (set CLERKFLOW_PUBLIC_BASE_URL to the site's address)")
    print(f"waiting: {counts['queued']}; sent: {counts['sent']}; failed: {counts['failed']}")


def mail_retry(console: cli.Console, options: argparse.Namespace) -> None:
    from sqlalchemy import update

    from web.models import db
    from web.models_mail import FAILED, QUEUED, MailOutbox

    with _web_app(console.url):
        result = db.session.execute(update(MailOutbox).where(MailOutbox.status == FAILED,
                                                             MailOutbox.kind != "status_link")
                                    .values(status=QUEUED, attempts=0, next_attempt_at=clock.now()))
        db.session.commit()
    print(f"queued again: {result.rowcount} failed mail(s)")


def mail_job(console: cli.Console):
    """The scheduler's mail round (dispatch and send), every 30 seconds, in a web app of its own."""
    from engine.scheduler import PeriodicJob
    from web import create_app
    from web.mail import run_mail

    app = create_app({"DATABASE_URL": console.url})
    with app.app_context():
        settings = _mail_settings(app)
    if not settings.configured:
        log.warning("no mail server is set (Settings, Mail, or CLERKFLOW_SMTP_HOST): mail is queued in the outbox but not sent")

    def mail_round() -> None:
        with app.app_context():
            outcome = run_mail()
        if outcome.dispatched.total or outcome.delivery.sent or outcome.delivery.retrying or outcome.delivery.failed:
            log.info("mail: queued %d, sent %d, to retry %d, failed %d", outcome.dispatched.total,
                     outcome.delivery.sent, outcome.delivery.retrying, outcome.delivery.failed)

    return PeriodicJob("mail", MAIL_EVERY_SECONDS, mail_round)


def _stop(_signum, _frame):
    raise KeyboardInterrupt


def run(console: cli.Console, options: argparse.Namespace) -> None:
    # Ctrl-C, or SIGTERM from a service manager, stops web and scheduler alike (set explicitly:
    # a process started in the background may have inherited SIGINT as ignored).
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    _print_demo_logins()
    environment = {**os.environ, "DATABASE_URL": console.url}
    stop = threading.Event()
    watcher = threading.Thread(
        target=supervise_scheduler, name="clerkflow-scheduler-watch", daemon=True,
        args=(lambda: subprocess.Popen([sys.executable, "-m", "web.commands", "scheduler"], env=environment), stop))
    watcher.start()
    try:
        serve(console, options)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        watcher.join(timeout=20)
        print("Clerkflow stopped (web and scheduler).", flush=True)


def supervise_scheduler(start_child: Callable[[], subprocess.Popen], stop: threading.Event, *,
                        backoff: Sequence[float] = SCHEDULER_RESTART_BACKOFF, poll_seconds: float = 1.0,
                        steady_seconds: float = SCHEDULER_STEADY_SECONDS) -> int:
    """Keep the scheduler child `start_child()` makes running until `stop` is set; returns how often it restarted.

    A child that exits is started again after the next wait of `backoff` (the waits start over
    once a child has run `steady_seconds`), with one log line each time; on `stop` the child
    gets SIGTERM (a kill after 15 s). Issue 14: a scheduler that died left timers and mail
    stopped with nothing to say so."""
    restarts = failures = 0
    child = start_child()
    while True:
        started = time.monotonic()
        while child.poll() is None:
            if stop.wait(poll_seconds):
                _end_scheduler(child)
                return restarts
        ran = time.monotonic() - started
        failures = 0 if ran >= steady_seconds else failures
        delay = backoff[min(failures, len(backoff) - 1)]
        failures += 1
        if stop.wait(delay):   # stopping (Ctrl-C reaches the child too): no restart, no line
            return restarts
        restarts += 1
        run_log.warning("the scheduler exited (status %s) after %d s; starting it again (restart %d, after %s s)",
                        child.returncode, ran, restarts, delay)
        child = start_child()


def _end_scheduler(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _print_demo_logins() -> None:
    from web.demo import DEFAULT_DEMO_PASSWORD, DEMO_ACCOUNTS

    password = "$CLERKFLOW_DEMO_PASSWORD" if os.environ.get("CLERKFLOW_DEMO_PASSWORD") else DEFAULT_DEMO_PASSWORD
    print("Demo logins (password: %s):" % password)
    for username, _display, roles in DEMO_ACCOUNTS:
        print(f"  {username:<10} {', '.join(roles)}")


if __name__ == "__main__":
    sys.exit(main())
