"""`clerkflow city ...` and `clerkflow fees report`: the administrator's hands on the city data and the fee audit.

The city data (offices and hours, the register of designated custodians, fee schedules, closure
days, the exemption catalogue, letter templates, the offices' cash floats) is read and changed
through `city.citydata`;
each change is one transaction (`console.engine.database.write()`), recorded in
`city_data_change` with the acting user (`--actor`, `$CLERKFLOW_ACTOR`, the OS user name).
`fees report` prints `city.ledger.fee_audit_report` for a period of city days, with totals.

Dates are ISO (YYYY-MM-DD) city days and amounts are decimal text ("0.30"); a value that cannot
be used is refused with a message naming the option (exit status 2, like every refusal).
See docs/cli.md ("City data") and docs/city-data.md.
"""
from __future__ import annotations

import argparse
import re
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from city import citydata
from engine.cli import CommandLine, Console, OptionInvalid, actor_of, json_object
from engine.cli_output import Columns, emit, print_table
from city.ledger import fee_audit_report
from city.models import (CashFloat, CityClosure, CustodianDesignation, Exemption, FeeScheduleRow,
                                LetterTemplate, Office)
from city.rules.business_calendar import CITY_TIME_ZONE, city_day
from city.rules.fees import FEE_AMOUNTS, RESOLUTION_FIELDS, ZERO, cents, in_cents, money_text

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONEY_LIMIT = Decimal("100000000")   # the columns are Numeric(10, 2)


# -- reading options ----------------------------------------------------------------------------

def parse_day(text: str, option: str) -> date:
    """A city day written YYYY-MM-DD; `OptionInvalid` naming the option otherwise."""
    given = text.strip()
    if _ISO_DAY.match(given):
        try:
            return date.fromisoformat(given)
        except ValueError:
            pass
    raise OptionInvalid(f'{option} "{text}" is not a date: give it as YYYY-MM-DD, e.g. 2026-12-24.')


def parse_amount(text: str, option: str) -> Decimal:
    """Dollars and cents as text ("0.30"), zero or more; `OptionInvalid` naming the option otherwise."""
    try:
        value = Decimal(text.strip())
        usable = in_cents(value) and ZERO <= value < MONEY_LIMIT
    except (InvalidOperation, ValueError):
        usable = False
    if not usable:
        raise OptionInvalid(f'{option} "{text}" is not an amount: give dollars and cents, zero or more, '
                            "such as 0.30.")
    return cents(value)


def read_text_file(name: str, option: str) -> str:
    """The file's text (`-` reads standard input); `OptionInvalid` naming the option when it cannot be read."""
    try:
        return sys.stdin.read() if name == "-" else Path(name).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise OptionInvalid(f"{option} {name} could not be read: {getattr(err, 'strerror', None) or err}.") from None


def _known_office(session: Session, office_key: str, option: str) -> None:
    if session.get(Office, office_key) is None:
        known = ", ".join(office.office_key for office in citydata.list_offices(session)) or "none yet"
        raise OptionInvalid(f'{option} "{office_key}": there is no such office (offices: {known}).')


# -- rows as the command line shows them (JSON-ready with as_json) ------------------------------

def office_row(office: Office) -> dict[str, Any]:
    return {"office_key": office.office_key, "name": office.name, "official_custodian": office.official_custodian,
            "hours": office.hours, "active": office.active}


def designation_row(row: CustodianDesignation) -> dict[str, Any]:
    return {"designation_id": row.id, "office_key": row.office_key, "person": row.person,
            "designated_by": row.designated_by, "since": row.since, "until": row.until, "created_at": row.created_at}


def schedule_rows(rows: list[FeeScheduleRow], today: date) -> list[dict[str, Any]]:
    """Each schedule with its amounts and whether it is `in force` today, `past` or `future`."""
    in_force = max((row.effective_from for row in rows if row.effective_from <= today), default=None)
    return [{"effective_from": row.effective_from,
             **{name: getattr(row, name) for name in citydata.SCHEDULE_FIELDS},
             "created_by": row.created_by, "created_at": row.created_at,
             "status": "in force" if row.effective_from == in_force
             else "past" if row.effective_from < today else "future"} for row in rows]


def closure_row(row: CityClosure) -> dict[str, Any]:
    return {"day": row.day, "reason": row.reason}


def exemption_row(row: Exemption) -> dict[str, Any]:
    return {"code": row.code, "citation": row.citation, "summary": row.summary, "active": row.active}


def letter_row(row: LetterTemplate) -> dict[str, Any]:
    return {"name": row.name, "subject": row.subject, "body": row.body, "updated_by": row.updated_by,
            "updated_at": row.updated_at}


def float_row(row: CashFloat) -> dict[str, Any]:
    return {"float_id": row.id, "office_key": row.office_key, "amount": row.amount, "issued_by": row.issued_by,
            "issued_at": row.issued_at, "returned_at": row.returned_at, "returned_by": row.returned_by,
            "status": "in force" if row.returned_at is None else "returned"}


def hours_text(hours: dict[str, Any]) -> str:
    """{"mon": [["08:00", "17:00"]], ...} as "mon-fri 08:00-17:00; sat-sun closed"."""
    runs: list[list[Any]] = []
    for day in citydata.WEEKDAYS:
        spans = [list(span) for span in (hours or {}).get(day) or []]
        if runs and runs[-1][2] == spans:
            runs[-1][1] = day
        else:
            runs.append([day, day, spans])
    return "; ".join(f"{first if first == last else f'{first}-{last}'} "
                     + (", ".join(f"{opens}-{closes}" for opens, closes in spans) if spans else "closed")
                     for first, last, spans in runs)


OFFICE_COLUMNS: Columns = [
    ("office", lambda o: o["office_key"]), ("name", lambda o: o["name"]),
    ("official custodian", lambda o: o["official_custodian"]), ("hours (city time)", lambda o: hours_text(o["hours"])),
    ("active", lambda o: "yes" if o["active"] else "no")]
DESIGNATION_COLUMNS: Columns = [
    ("id", lambda d: d["designation_id"]), ("office", lambda d: d["office_key"]), ("person", lambda d: d["person"]),
    ("designated by", lambda d: d["designated_by"]), ("since", lambda d: d["since"]),
    ("until (first day out)", lambda d: d["until"])]
SCHEDULE_COLUMNS: Columns = [
    ("effective from", lambda s: s["effective_from"]),
    *((amount.heading, lambda s, name=amount.name: "not set" if s[name] is None else s[name]) for amount in FEE_AMOUNTS),
    ("accident resolution", lambda s: " of ".join(str(part) for part in (s["accident_report_resolution"],
                                                                        s["accident_report_resolution_date"]) if part)),
    ("status", lambda s: s["status"]), ("added by", lambda s: s["created_by"])]
CLOSURE_COLUMNS: Columns = [("day", lambda c: c["day"]), ("weekday", lambda c: f"{c['day']:%a}"),
                            ("reason", lambda c: c["reason"])]
EXEMPTION_COLUMNS: Columns = [
    ("code", lambda e: e["code"]), ("citation", lambda e: e["citation"]),
    ("active", lambda e: "yes" if e["active"] else "no"), ("summary", lambda e: e["summary"])]
IN_FORCE_FLOAT_COLUMNS = ("id", "office", "float", "issued by", "issued (UTC)")
FLOAT_COLUMNS: Columns = [
    ("id", lambda f: f["float_id"]), ("office", lambda f: f["office_key"]), ("float", lambda f: f["amount"]),
    ("issued by", lambda f: f["issued_by"]), ("issued (UTC)", lambda f: f["issued_at"]),
    ("returned (UTC)", lambda f: f["returned_at"]), ("returned by", lambda f: f["returned_by"]),
    ("status", lambda f: f["status"])]
LETTER_COLUMNS: Columns = [
    ("letter", lambda t: t["name"]), ("subject", lambda t: t["subject"]), ("updated by", lambda t: t["updated_by"]),
    ("updated (UTC)", lambda t: t["updated_at"])]


# -- listings -----------------------------------------------------------------------------------

def _read_city(console: Console) -> dict[str, Any]:
    today = citydata.city_today()
    with console.engine.database.read() as session:
        return {
            "today": today,
            "offices": [office_row(office) for office in citydata.list_offices(session)],
            "designations": [designation_row(row) for row in citydata.list_designations(session, on=today)],
            "fee_schedules": schedule_rows(citydata.list_fee_schedules(session), today),
            "closures": [closure_row(row) for row in citydata.list_closures(session)],
            "exemptions": [exemption_row(row) for row in citydata.list_exemptions(session)],
            "letter_templates": [row.name for row in citydata.list_letter_templates(session)],
            "cash_floats": [float_row(row) for row in citydata.list_cash_floats(session)],
        }


def city_show(console: Console, options: argparse.Namespace) -> None:
    emit(options, _read_city(console), print_city)


def print_city(city: dict[str, Any]) -> None:
    print("offices:")
    print_table(city["offices"], OFFICE_COLUMNS, "none (run `clerkflow setup`, or add one with `city office set`)",
                indent="  ")
    print(f"designated custodians in force today ({city['today'].isoformat()}):")
    print_table(city["designations"], DESIGNATION_COLUMNS, "none", indent="  ")
    print("fee schedules:")
    print_table(city["fee_schedules"], SCHEDULE_COLUMNS, "none (the article's default amounts apply)", indent="  ")
    print("closure days:")
    print_table(city["closures"], CLOSURE_COLUMNS, "none", indent="  ")
    print("exemptions:")
    print_table(city["exemptions"], [column for column in EXEMPTION_COLUMNS if column[0] != "summary"], "none",
                indent="  ")
    print("letter templates:")
    print(f"  {', '.join(city['letter_templates']) or 'none'}")
    print("cash floats in force (change money, not fee money: never transmitted):")
    print_table(city["cash_floats"], [column for column in FLOAT_COLUMNS if column[0] in IN_FORCE_FLOAT_COLUMNS],
                "none", indent="  ")


def city_offices(console: Console, options: argparse.Namespace) -> None:
    with console.engine.database.read() as session:
        rows = [office_row(office) for office in citydata.list_offices(session)]
    emit(options, rows, lambda rows: print_table(rows, OFFICE_COLUMNS, "no offices"))


def city_designations(console: Console, options: argparse.Namespace) -> None:
    on = None if options.all else parse_day(options.on, "--on") if options.on else citydata.city_today()
    with console.engine.database.read() as session:
        if options.office:
            _known_office(session, options.office, "--office")
        rows = [designation_row(row) for row in citydata.list_designations(session, options.office, on=on)]
    empty = "no designations" + (f" in force on {on.isoformat()}" if on else "")
    emit(options, rows, lambda rows: print_table(rows, DESIGNATION_COLUMNS, empty))


def city_schedules(console: Console, options: argparse.Namespace) -> None:
    with console.engine.database.read() as session:
        rows = schedule_rows(citydata.list_fee_schedules(session), citydata.city_today())
    emit(options, rows, lambda rows: print_table(rows, SCHEDULE_COLUMNS, "no fee schedules"))


def city_closures(console: Console, options: argparse.Namespace) -> None:
    with console.engine.database.read() as session:
        rows = [closure_row(row) for row in citydata.list_closures(session)]
    emit(options, rows, lambda rows: print_table(rows, CLOSURE_COLUMNS, "no closure days"))


def city_exemptions(console: Console, options: argparse.Namespace) -> None:
    with console.engine.database.read() as session:
        rows = [exemption_row(row) for row in citydata.list_exemptions(session)]
    emit(options, rows, lambda rows: print_table(rows, EXEMPTION_COLUMNS, "no exemptions"))


def city_floats(console: Console, options: argparse.Namespace) -> None:
    with console.engine.database.read() as session:
        if options.office:
            _known_office(session, options.office, "--office")
        rows = [float_row(row) for row in citydata.list_cash_floats(session, options.office,
                                                                     in_force_only=not options.all)]
    columns = FLOAT_COLUMNS if options.all else [column for column in FLOAT_COLUMNS
                                                 if column[0] in IN_FORCE_FLOAT_COLUMNS]
    empty = "no cash floats" + ("" if options.all else " in force")
    emit(options, rows, lambda rows: print_table(rows, columns, empty))


def city_letters(console: Console, options: argparse.Namespace) -> None:
    with console.engine.database.read() as session:
        rows = [letter_row(row) for row in citydata.list_letter_templates(session)]
    emit(options, rows, lambda rows: print_table(rows, LETTER_COLUMNS, "no letter templates"))


# -- changes: each one transaction, recorded with the acting user -------------------------------

def closure_add(console: Console, options: argparse.Namespace) -> None:
    day = parse_day(options.day, "DAY")
    with console.engine.database.write() as session:
        row = closure_row(citydata.add_closure(session, day, options.reason, actor=actor_of(options)))
    emit(options, row, lambda c: print(f"{c['day'].isoformat()} ({c['day']:%A}) is now a closure day: {c['reason']}"))


def closure_remove(console: Console, options: argparse.Namespace) -> None:
    day = parse_day(options.day, "DAY")
    with console.engine.database.write() as session:
        citydata.remove_closure(session, day, actor=actor_of(options))
    emit(options, {"day": day, "removed": True},
         lambda value: print(f"{day.isoformat()} is no longer a closure day (deadlines already set keep their dates)"))


def float_issue(console: Console, options: argparse.Namespace) -> None:
    amount = parse_amount(options.amount, "AMOUNT")
    with console.engine.database.write() as session:
        _known_office(session, options.office_key, "OFFICE")
        old = citydata.cash_float_in_force(session, options.office_key)
        replaced = float_row(old) if old else None
        shown = float_row(citydata.issue_cash_float(session, options.office_key, amount,
                                                    issued_by=actor_of(options)))

    def say(f: dict[str, Any]) -> None:
        print(f"issued a cash float of {f['amount']} to {f['office_key']} (change money: never transmitted)"
              + (f"; it replaces the float of {replaced['amount']} issued {city_day(replaced['issued_at']).isoformat()}, "
                 "now returned" if replaced else ""))
    emit(options, shown, say)


def float_return(console: Console, options: argparse.Namespace) -> None:
    with console.engine.database.write() as session:
        _known_office(session, options.office_key, "OFFICE")
        shown = float_row(citydata.return_cash_float(session, options.office_key, returned_by=actor_of(options)))
    emit(options, shown, lambda f: print(f"took back the cash float of {f['amount']} from {f['office_key']}; "
                                         "it holds no float now"))


def schedule_add(console: Console, options: argparse.Namespace) -> None:
    effective_from = parse_day(options.effective_from, "--effective-from")
    amounts = {name: parse_amount(getattr(options, name), "--" + name.replace("_", "-"))
               for name in citydata.SCHEDULE_AMOUNTS if getattr(options, name) is not None}
    amounts |= {name: getattr(options, name) for name in RESOLUTION_FIELDS if getattr(options, name) is not None}
    with console.engine.database.write() as session:
        citydata.add_fee_schedule(session, effective_from=effective_from, created_by=actor_of(options), **amounts)
        rows = schedule_rows(citydata.list_fee_schedules(session), citydata.city_today())
    (row,) = [row for row in rows if row["effective_from"] == effective_from]

    def show(row: dict[str, Any]) -> None:
        carried = [name for name in citydata.SCHEDULE_AMOUNTS if name not in amounts]
        print(f"added the fee schedule taking effect {effective_from.isoformat()}"
              + (f" (carried over: {', '.join(carried)})" if carried else ""))
        print_table([row], SCHEDULE_COLUMNS, "")
    emit(options, row, show)


def schedule_withdraw(console: Console, options: argparse.Namespace) -> None:
    effective_from = parse_day(options.effective_from, "DATE")
    with console.engine.database.write() as session:
        citydata.withdraw_fee_schedule(session, effective_from, actor=actor_of(options))
    emit(options, {"effective_from": effective_from, "withdrawn": True},
         lambda value: print(f"withdrew the fee schedule that was to take effect {effective_from.isoformat()}"))


def designate(console: Console, options: argparse.Namespace) -> None:
    since = parse_day(options.since, "--since") if options.since else None
    until = parse_day(options.until, "--until") if options.until else None
    if until is not None and until <= (since or citydata.city_today()):
        raise OptionInvalid(f"--until {until.isoformat()} must be after the first day in force "
                            f"({(since or citydata.city_today()).isoformat()}): --until is the first day "
                            "the person is no longer a custodian.")
    actor = actor_of(options)
    with console.engine.database.write() as session:
        _known_office(session, options.office_key, "OFFICE")
        row = citydata.designate_custodian(session, options.office_key, options.person, designated_by=actor,
                                           since=since)
        if until is not None:
            citydata.end_designation(session, row.id, ended_by=actor, until=until)
        shown = designation_row(row)

    def say(d: dict[str, Any]) -> None:
        ends = f" until {d['until'].isoformat()} (first day out)" if d["until"] else ""
        print(f"designation {d['designation_id']}: {d['person']} is a record custodian of {d['office_key']} "
              f"from {d['since'].isoformat()}{ends}")
    emit(options, shown, say)


def end_designation(console: Console, options: argparse.Namespace) -> None:
    until = parse_day(options.until, "--until") if options.until else None
    with console.engine.database.write() as session:
        shown = designation_row(citydata.end_designation(session, options.designation_id,
                                                         ended_by=actor_of(options), until=until))
    emit(options, shown, lambda d: print(f"designation {d['designation_id']} ended: {d['person']} is no longer a "
                                         f"record custodian of {d['office_key']} from {d['until'].isoformat()}"))


def office_set(console: Console, options: argparse.Namespace) -> None:
    hours = None
    if options.hours is not None:
        hours = json_object(options.hours, "--hours")
        try:
            hours = citydata.check_hours(hours)
        except citydata.CityDataRefused as refused:
            raise OptionInvalid(f"--hours: {refused}") from None
    active = True if options.active else False if options.inactive else None
    if options.name is None and options.custodian is None and hours is None and active is None:
        raise OptionInvalid("Nothing to change: give --name, --custodian, --hours, --active or --inactive.")
    with console.engine.database.write() as session:
        existed = session.get(Office, options.office_key) is not None
        shown = office_row(citydata.set_office(session, options.office_key, actor=actor_of(options),
                                               name=options.name, official_custodian=options.custodian,
                                               hours=hours, active=active))
    emit(options, shown, lambda o: print(f"{'changed' if existed else 'added'} office {o['office_key']}: {o['name']}; "
                                         f"official custodian {o['official_custodian']}; {hours_text(o['hours'])}"
                                         f"{'' if o['active'] else ' (inactive)'}"))


def exemption_set(console: Console, options: argparse.Namespace) -> None:
    active = True if options.active else False if options.inactive else None
    if options.citation is None and options.summary is None and active is None:
        raise OptionInvalid("Nothing to change: give --citation, --summary, --active or --inactive.")
    with console.engine.database.write() as session:
        existed = session.get(Exemption, options.code) is not None
        shown = exemption_row(citydata.set_exemption(session, options.code, actor=actor_of(options),
                                                     citation=options.citation, summary=options.summary,
                                                     active=active))
    emit(options, shown, lambda e: print(f"{'changed' if existed else 'added'} exemption {e['code']} "
                                         f"({e['citation']}){'' if e['active'] else ', not offered (inactive)'}"))


def letter_set(console: Console, options: argparse.Namespace) -> None:
    body = read_text_file(options.body_file, "--body-file")
    with console.engine.database.write() as session:
        existed = session.get(LetterTemplate, options.name) is not None
        row = citydata.set_letter_template(session, options.name, actor=actor_of(options), subject=options.subject,
                                           body=body)
        shown = letter_row(row)
        placeholders = sorted(citydata.template_placeholders(row.subject) | citydata.template_placeholders(row.body))
    emit(options, shown, lambda t: print(f"{'changed' if existed else 'added'} letter {t['name']}: \"{t['subject']}\""
                                         f"; placeholders: {', '.join(placeholders) or 'none'}"))


# -- the fee audit ------------------------------------------------------------------------------

def _money(text: str | None) -> Decimal:
    return Decimal(text) if text is not None else ZERO


def report_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Sums of the rows' amounts (money as text, as the ledger gives it)."""
    def total(name: str) -> str:
        return money_text(sum((_money(row[name]) for row in rows), ZERO))
    return {"requests": len(rows), "collections": sum(len(row["collections"]) for row in rows),
            **{name: total(name) for name in ("charged", "waived_amount", "paid", "refunded", "billed", "outstanding")},
            "without_assessment": [row["tracking_number"] for row in rows if row["charged"] is None]}


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


REPORT_COLUMNS: Columns = [
    ("request", lambda r: r["tracking_number"]), ("office", lambda r: r["office_key"]),
    ("requester", lambda r: r["requester_key"]), ("assessed (UTC)", lambda r: _moment(r["assessed_at"])),
    ("schedule", lambda r: r["schedule_effective_from"]), ("inspection", lambda r: r["inspection_fee"]),
    ("copies", lambda r: r["copy_fee"]), ("mailing", lambda r: r["mailing_fee"]),
    ("waived", lambda r: r["waived_amount"]), ("charged", lambda r: r["charged"]), ("paid", lambda r: r["paid"]),
    ("refunded", lambda r: r["refunded"]), ("billed", lambda r: r["billed"]), ("outstanding", lambda r: r["outstanding"])]
COLLECTION_COLUMNS: Columns = [
    ("request", lambda c: c["tracking_number"]), ("collection", lambda c: c["collection_id"]),
    ("collected (UTC)", lambda c: _moment(c["collected_at"])), ("amount", lambda c: c["amount"]),
    ("method", lambda c: c["method"]), ("by", lambda c: c["collected_by"] or None),
    ("office", lambda c: c["office_key"]), ("transmittal", lambda c: c["transmittal_id"])]


def fees_report(console: Console, options: argparse.Namespace) -> None:
    since = parse_day(options.since, "--since")
    until = parse_day(options.until, "--until")
    if until < since:
        raise OptionInvalid(f"--until {until.isoformat()} is before --since {since.isoformat()}; "
                            "--until is the last day of the period (included).")
    start = datetime.combine(since, time.min, tzinfo=CITY_TIME_ZONE)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=CITY_TIME_ZONE)
    with console.engine.database.read() as session:
        if options.office:
            _known_office(session, options.office, "--office")
        rows = fee_audit_report(session.connection(), start, end, options.office)
    report = {"since": since, "until": until, "office_key": options.office, "requests": rows,
              "totals": report_totals(rows)}
    emit(options, report, print_fee_report)


def print_fee_report(report: dict[str, Any]) -> None:
    rows, totals = report["requests"], report["totals"]
    print(f"fees charged and collected, {report['since'].isoformat()} through {report['until'].isoformat()} "
          f"(city days), {'office ' + report['office_key'] if report['office_key'] else 'all offices'}")
    if not rows:
        print("no fees were assessed or collected in that period")
        return
    print_table(rows, REPORT_COLUMNS, "")
    print("collections:")
    print_table([{"tracking_number": row["tracking_number"], **collection}
                 for row in rows for collection in row["collections"]], COLLECTION_COLUMNS, "none", indent="  ")
    print(f"totals: {totals['requests']} request{'' if totals['requests'] == 1 else 's'}, "
          f"{totals['collections']} collection{'' if totals['collections'] == 1 else 's'}; "
          f"charged {totals['charged']}, waived {totals['waived_amount']}, paid {totals['paid']}, "
          f"refunded {totals['refunded']}, billed {totals['billed']}, outstanding {totals['outstanding']}")
    if totals["without_assessment"]:
        print(f"collected without any assessment (worth a look): {', '.join(totals['without_assessment'])}")


# -- the parser ---------------------------------------------------------------------------------

def add_city_commands(command_line: CommandLine) -> None:
    """Add `city ...` and `fees report` to the `clerkflow` command line (an extension: engine.cli.main)."""
    as_json, acting = command_line.as_json, command_line.acting

    def action(group: argparse._SubParsersAction, name: str, run, summary: str,
               parents=()) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=summary, description=summary, parents=list(parents))
        sub.set_defaults(run=run)
        return sub

    def command(name: str, summary: str, dest: str) -> argparse._SubParsersAction:
        return command_line.add(name, None, summary).add_subparsers(dest=dest, required=True, metavar="ACTION")

    def group(parent: argparse._SubParsersAction, name: str, summary: str, dest: str) -> argparse._SubParsersAction:
        sub = parent.add_parser(name, help=summary, description=summary)
        return sub.add_subparsers(dest=dest, required=True, metavar="ACTION")

    def on_off(sub: argparse.ArgumentParser, on_help: str, off_help: str) -> None:
        either = sub.add_mutually_exclusive_group()
        either.add_argument("--active", action="store_true", help=on_help)
        either.add_argument("--inactive", action="store_true", help=off_help)

    city = command("city", "show and change the city data: offices, custodians, fees, closures, "
                                   "exemptions, letters, cash floats", "city_action")
    action(city, "show", city_show, "everything at a glance: offices, custodians in force today, fee schedules, "
                                    "closures, exemptions, letter names, cash floats in force", [as_json])
    action(city, "offices", city_offices, "list the offices with their official custodians and hours", [as_json])
    sub = action(city, "designations", city_designations,
                 "the register of designated custodians: those in force today, unless --on or --all", [as_json])
    sub.add_argument("--office", metavar="KEY", help="only this office")
    when = sub.add_mutually_exclusive_group()
    when.add_argument("--on", metavar="DATE", help="those in force on this day (YYYY-MM-DD) instead of today")
    when.add_argument("--all", action="store_true", help="the whole register, ended designations too")
    action(city, "schedules", city_schedules, "list the fee schedules, oldest first, with the one in force",
           [as_json])
    action(city, "closures", city_closures, "list the days the city declared closed", [as_json])
    action(city, "exemptions", city_exemptions, "list the exemption catalogue", [as_json])
    action(city, "letters", city_letters, "list the letter templates", [as_json])
    sub = action(city, "floats", city_floats, "the offices' cash floats for making change: those in force, "
                                              "unless --all", [as_json])
    sub.add_argument("--office", metavar="KEY", help="only this office")
    sub.add_argument("--all", action="store_true", help="every float issued, returned ones too")

    closure = group(city, "closure", "add or remove a closure day (K.S.A. 45-217)", "closure_action")
    sub = action(closure, "add", closure_add, "make a day a closure day (not a business day)", [as_json, acting])
    sub.add_argument("day", metavar="DAY", help="YYYY-MM-DD")
    sub.add_argument("--reason", required=True, metavar="TEXT", help="e.g. the resolution declaring the holiday")
    sub = action(closure, "remove", closure_remove, "take back a closure day entered by mistake", [as_json, acting])
    sub.add_argument("day", metavar="DAY", help="YYYY-MM-DD")

    schedule = group(city, "schedule", "add a fee schedule, or withdraw one not yet in force", "schedule_action")
    sub = action(schedule, "add", schedule_add,
                 "a new fee schedule from a date (today or later); amounts not given carry over", [as_json, acting])
    sub.add_argument("--effective-from", required=True, metavar="DATE", help="first day in force (YYYY-MM-DD)")
    for amount in FEE_AMOUNTS:
        sub.add_argument("--" + amount.name.replace("_", "-"), dest=amount.name, metavar="D", help=amount.label)
    sub.add_argument("--accident-report-resolution", dest="accident_report_resolution", metavar="TEXT",
                     help='the resolution setting the accident report copy fee, e.g. "Resolution 2026-14"')
    sub.add_argument("--accident-report-resolution-date", dest="accident_report_resolution_date", metavar="DATE",
                     help="the day that resolution was adopted (YYYY-MM-DD)")
    sub = action(schedule, "withdraw", schedule_withdraw, "withdraw a schedule that has not taken effect yet",
                 [as_json, acting])
    sub.add_argument("effective_from", metavar="DATE", help="its effective date (YYYY-MM-DD)")

    sub = action(city, "designate", designate, "enter a designated record custodian in the register",
                 [as_json, acting])
    sub.add_argument("office_key", metavar="OFFICE")
    sub.add_argument("person", metavar="PERSON", help="the staff username")
    sub.add_argument("--since", metavar="DATE", help="first day in force (default today)")
    sub.add_argument("--until", metavar="DATE", help="first day no longer in force (default: until ended)")
    sub = action(city, "end-designation", end_designation, "end a designation in the register", [as_json, acting])
    sub.add_argument("designation_id", type=int, metavar="ID")
    sub.add_argument("--until", metavar="DATE", help="first day no longer in force (default today)")

    cash_float = group(city, "float", "issue or take back an office's cash float (not fee money)", "float_action")
    sub = action(cash_float, "issue", float_issue, "give the office a cash float for making change; it replaces "
                                                   "the float in force", [as_json, acting])
    sub.add_argument("office_key", metavar="OFFICE")
    sub.add_argument("amount", metavar="AMOUNT", help="dollars and cents, more than zero, e.g. 50.00")
    sub = action(cash_float, "return", float_return, "take back the office's cash float", [as_json, acting])
    sub.add_argument("office_key", metavar="OFFICE")

    office = group(city, "office", "add or change an office", "office_action")
    sub = action(office, "set", office_set, "add an office, or change its name, custodian, hours or whether active",
                 [as_json, acting])
    sub.add_argument("office_key", metavar="KEY", help='e.g. "city_clerk"')
    sub.add_argument("--name", metavar="TEXT")
    sub.add_argument("--custodian", metavar="NAME", help="the official custodian, e.g. \"City Clerk\"")
    sub.add_argument("--hours", metavar="JSON",
                     help="""city time, e.g. '{"mon": [["08:00", "17:00"]], "sat": []}' (a day left out is closed)""")
    on_off(sub, "route requests to the office again", "leave the office out of routing (its history stays)")

    exemption = group(city, "exemption", "add or change a ground for denial", "exemption_action")
    sub = action(exemption, "set", exemption_set, "add an exemption, or change its citation, summary or whether "
                                                  "it is offered", [as_json, acting])
    sub.add_argument("code", metavar="CODE", help='e.g. "45-221(a)(1)"')
    sub.add_argument("--citation", metavar="TEXT", help='e.g. "K.S.A. 45-221(a)(1)" (needed for a new code)')
    sub.add_argument("--summary", metavar="TEXT", help="a short reminder of the ground (needed for a new code)")
    on_off(sub, "offer it again", "no longer offer it to denials (it stays in old letters)")

    letter = group(city, "letter", "add or reword a letter template", "letter_action")
    sub = action(letter, "set", letter_set, "add or reword a letter: a subject and a body with {placeholders}",
                 [as_json, acting])
    sub.add_argument("name", metavar="NAME", help='e.g. "acknowledgement"')
    sub.add_argument("--subject", required=True, metavar="TEXT")
    sub.add_argument("--body-file", required=True, metavar="FILE", help="the body, UTF-8 text (- for standard input)")

    fees = command("fees", "the fee ledgers", "fees_action")
    sub = action(fees, "report", fees_report, "fees charged and collected per request, for the clerk-finance "
                                              "officer and the treasurer, with totals", [as_json])
    sub.add_argument("--since", required=True, metavar="DATE", help="first city day of the period (YYYY-MM-DD)")
    sub.add_argument("--until", required=True, metavar="DATE", help="last city day of the period, included")
    sub.add_argument("--office", metavar="KEY", help="only this office")
