"""`clerkflow privacy-rules` and `clerkflow privacy-rule set`: the rules a data privacy decision may cite, with their
appeal time limits and fines, from the command line as on Settings → Privacy rules (000; city.privacy_rules).

A figure not given is "not set": the seed publishes none, and nothing is invented."""
from __future__ import annotations

import argparse
from typing import Any

from city.privacy_rules import list_privacy_rules, set_privacy_rule
from city.rules.privacy import NOT_SET, OFFENCES
from engine.cli import CommandLine, Console, actor_of
from engine.cli_output import emit, print_table

COLUMNS = (("rule", lambda row: row["rule_ref"]), ("title", lambda row: row["title"]),
           ("appeal limit (days)", lambda row: row["appeal_limit_days"] or NOT_SET),
           *((f"fine, {offence}", lambda row, offence=offence: row[f"fine_{offence}"] or NOT_SET)
             for offence in OFFENCES))


def rule_row(row) -> dict[str, Any]:
    return {"rule_ref": row.rule_ref, "title": row.title, "appeal_limit_days": row.appeal_limit_days,
            **{f"fine_{offence}": getattr(row, f"fine_{offence}") for offence in OFFENCES}, "active": row.active}


def privacy_rules(console: Console, options: argparse.Namespace) -> None:
    with console.engine.database.read() as session:
        rows = [rule_row(row) for row in list_privacy_rules(session)]
    emit(options, rows, lambda rows: print_table(rows, COLUMNS, "no rule entered: every appeal limit and fine is "
                                                                f"{NOT_SET}"))


def privacy_rule_set(console: Console, options: argparse.Namespace) -> None:
    with console.engine.database.write() as session:
        row = rule_row(set_privacy_rule(session, options.rule_ref, actor=actor_of(options), title=options.title,
                                        appeal_limit_days=options.appeal_limit_days,
                                        fines={offence: getattr(options, f"fine_{offence}") for offence in OFFENCES}))
    emit(options, row, lambda rule: print(f"{rule['rule_ref']}: appeal limit "
                                          f"{rule['appeal_limit_days'] or NOT_SET}"
                                          + "".join(f"; fine, {offence}: {rule[f'fine_{offence}'] or NOT_SET}"
                                                    for offence in OFFENCES)))


def add_privacy_commands(command_line: CommandLine) -> None:
    """Add `privacy-rules` and `privacy-rule set` to the `clerkflow` command line (an extension: engine.cli.main)."""
    command_line.add("privacy-rules", privacy_rules, "list the rules a privacy decision may cite, with their appeal "
                                                     "limits and fines", [command_line.as_json])
    actions = command_line.add("privacy-rule", None, "enter or change a rule a privacy decision may cite") \
        .add_subparsers(dest="privacy_rule_action", required=True, metavar="ACTION")
    summary = "enter a rule, or change one: a figure not given is not set"
    sub = actions.add_parser("set", help=summary, description=summary,
                             parents=[command_line.as_json, command_line.acting])
    sub.set_defaults(run=privacy_rule_set)
    sub.add_argument("rule_ref", metavar="RULE", help='as decisions cite it, e.g. "Code Sec. 2-1234"')
    sub.add_argument("--title", required=True, metavar="TEXT")
    sub.add_argument("--appeal-limit-days", type=int, metavar="DAYS", help="leave out when the rule publishes none")
    for offence in OFFENCES:
        sub.add_argument(f"--fine-{offence}", dest=f"fine_{offence}", metavar="D",
                         help=f"the fine for a {offence} offence in dollars and cents; leave out when none is set")
