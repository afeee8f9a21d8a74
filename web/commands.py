"""The `clerkflow` console script: the engine's commands plus `setup`, `run` and `serve`.

`clerkflow setup` migrates the database, deploys every diagram in `processes/` (with the
forms in `forms/`) and adds the demo accounts and demo requests; running it again keeps
what is there. `clerkflow run` serves the web app and runs the timer scheduler beside it
as a child process: one Ctrl-C stops both. `clerkflow serve` is the web app alone (start
the scheduler once elsewhere with `clerkflow scheduler`).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from engine import clock
from engine import cli
from engine.citydata import seed_defaults
from engine.migrate import upgrade

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
    return cli.main(argv, extend=add_web_commands)


def add_web_commands(commands: argparse._SubParsersAction) -> None:
    setup_parser = commands.add_parser("setup", help="migrate, deploy processes/, add demo accounts and data",
                                       description="Prepare the database; safe to run again (keeps the data).")
    setup_parser.add_argument("--processes", default="processes", metavar="DIR")
    setup_parser.add_argument("--forms", default="forms", metavar="DIR")
    setup_parser.add_argument("--no-demo", action="store_true", help="no demo accounts or demo requests")
    setup_parser.set_defaults(run=setup)
    for name, summary, handler in (("run", "serve the web app with the timer scheduler beside it", run),
                                   ("serve", "serve the web app only (run one `clerkflow scheduler` elsewhere)",
                                    serve)):
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.add_argument("--host", default=os.environ.get("CLERKFLOW_HOST", "127.0.0.1"))
        sub.add_argument("--port", type=int, default=int(os.environ.get("CLERKFLOW_PORT", "5000")))
        sub.add_argument("--threads", type=int, default=8)
        sub.set_defaults(run=handler)


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
        return
    accounts = ensure_demo_accounts(console.url)
    started = ensure_demo_requests(console.engine)
    print(f"demo accounts: {', '.join(username for username, _ in accounts)}; "
          f"demo requests started now: {started}")


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
    print(f"Clerkflow is at http://{options.host}:{options.port}/  (Ctrl-C stops it)", flush=True)
    waitress_serve(app, host=options.host, port=options.port, threads=options.threads, ident="Clerkflow")


def _stop(_signum, _frame):
    raise KeyboardInterrupt


def run(console: cli.Console, options: argparse.Namespace) -> None:
    # Ctrl-C, or SIGTERM from a service manager, stops web and scheduler alike (set explicitly:
    # a process started in the background may have inherited SIGINT as ignored).
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    _print_demo_logins()
    environment = {**os.environ, "DATABASE_URL": console.url}
    scheduler = subprocess.Popen([sys.executable, "-m", "web.commands", "scheduler"], env=environment)
    try:
        serve(console, options)
    except KeyboardInterrupt:
        pass
    finally:
        if scheduler.poll() is None:
            scheduler.send_signal(signal.SIGTERM)
            try:
                scheduler.wait(timeout=15)
            except subprocess.TimeoutExpired:
                scheduler.kill()
        print("Clerkflow stopped (web and scheduler).", flush=True)


def _print_demo_logins() -> None:
    from web.demo import DEFAULT_DEMO_PASSWORD, DEMO_ACCOUNTS

    password = "$CLERKFLOW_DEMO_PASSWORD" if os.environ.get("CLERKFLOW_DEMO_PASSWORD") else DEFAULT_DEMO_PASSWORD
    print("Demo logins (password: %s):" % password)
    for username, _display, roles in DEMO_ACCOUNTS:
        print(f"  {username:<10} {', '.join(roles)}")


if __name__ == "__main__":
    sys.exit(main())
