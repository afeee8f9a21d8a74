"""`clerkflow open-data-settings` and `clerkflow open-data-settings set`: who approves data sets and decides reports,
who catalogues and publishes them, and the catalog's DCAT-US publisher and codes, from the command line as on
Settings → Open data (002; city.open_data.settings). An option left out keeps what is saved; every change goes to
the settings change log. The environment's CLERKFLOW_OPEN_DATA_* still override the catalog's three in the web app."""
from __future__ import annotations

import argparse
from dataclasses import asdict

from city.open_data.settings import (APPROVERS, DEFAULT_BUREAU_CODE, DEFAULT_PROGRAM_CODE, PUBLISHERS,
                                     OpenDataSettings, read_open_data_settings, set_open_data_settings)
from engine.cli import CommandLine, Console, actor_of
from engine.cli_output import emit

FIELDS = tuple(asdict(OpenDataSettings()))


def _in_words(settings: dict) -> None:
    print(f"approver: {APPROVERS[settings['approver_role']]}")
    print(f"publisher: {PUBLISHERS[settings['publisher_role']]}")
    print("catalog publisher: " + (settings["publisher_name"] or "each data set's department"))
    print(f"bureauCode: {settings['bureau_code'] or DEFAULT_BUREAU_CODE}; "
          f"programCode: {settings['program_code'] or DEFAULT_PROGRAM_CODE}")


def open_data_settings(console: Console, options: argparse.Namespace) -> None:
    with console.engine.database.read() as session:
        saved = asdict(read_open_data_settings(session))
    if getattr(options, "open_data_action", None) == "set":
        wanted = {name: saved[name] if getattr(options, name) is None else getattr(options, name) for name in FIELDS}
        with console.engine.database.write() as session:
            saved = asdict(set_open_data_settings(session, actor=actor_of(options), **wanted))
    emit(options, saved, _in_words)


def add_open_data_settings_commands(command_line: CommandLine) -> None:
    """Add `open-data-settings [set ...]` to the `clerkflow` command line (an extension: engine.cli.main)."""
    parser = command_line.add("open-data-settings", open_data_settings,
                              "show (or set) who approves and who publishes data sets, and the catalog's publisher",
                              [command_line.as_json])
    actions = parser.add_subparsers(dest="open_data_action", metavar="ACTION")
    summary = "change the open data settings: an option left out keeps what is saved; running cases keep theirs"
    sub = actions.add_parser("set", help=summary, description=summary,
                             parents=[command_line.as_json, command_line.acting])
    sub.set_defaults(run=open_data_settings)
    sub.add_argument("--approver", dest="approver_role", choices=tuple(APPROVERS),
                     help="records_manager (Sacramento, the default) or open_data_officer (Kansas City)")
    sub.add_argument("--publisher", dest="publisher_role", choices=tuple(PUBLISHERS),
                     help="it_open_data_coordinator (Sacramento, the default) or open_data_officer (Kansas City)")
    sub.add_argument("--publisher-name", dest="publisher_name", metavar="TEXT",
                     help='the catalog\'s DCAT-US publisher, e.g. "City of Sacramento"; "" for each data set\'s '
                          "department")
    sub.add_argument("--bureau-code", dest="bureau_code", metavar="NNN:NN", help=f'"" for {DEFAULT_BUREAU_CODE}')
    sub.add_argument("--program-code", dest="program_code", metavar="NNN:NNN", help=f'"" for {DEFAULT_PROGRAM_CODE}')
