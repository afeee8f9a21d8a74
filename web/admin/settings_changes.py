"""Settings: the change log of the city data (`city_data_change`, docs/city-data.md "How changes are kept").

Every change an administrator (or the City Clerk, for cash floats) makes is recorded by the change
functions of `city.citydata` with who, when and the values before and after. This page pages
through them newest first, filtered by kind, by who and by the day made (city time), says each
change in words, and downloads the same selection as CSV.
"""
from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from flask import Response, render_template, request

from city.open_data.settings import APPROVERS, PUBLISHERS
from city.change_log import CHANGE_KINDS, change_actors, effective_date_of, list_changes, search_changes
from city.citydata import list_offices
from city.models import CityDataChange
from city.rules.fees import FEE_AMOUNTS
from web.admin.blueprint import bp
from web.admin.dashboard import csv_safe
from web.admin.settings import LATEST_CHANGES, SECTIONS, parse_day, read_city
from web.auth import role_required
from web.access import ADMINISTRATOR

PAGE_SIZE = 50
KIND_CHOICES = dict(zip(CHANGE_KINDS, ("Fee schedules", "Closure days", "Offices and hours", "Designated custodians",
                                       "Exemptions", "Letter templates", "Cash floats", "Staff accounts and roles",
                                       "Mail server", "Privacy rules", "Open data")))
KIND_LABELS = dict(zip(CHANGE_KINDS, ("fee schedule", "closure day", "office", "designated custodian", "exemption",
                                      "letter template", "cash float", "staff account", "mail server",
                                      "privacy rule", "open data settings")))
OPEN_DATA_CHOICES = {"approver_role": APPROVERS, "publisher_role": PUBLISHERS}
FEE_WORDS = {amount.name: amount.in_words for amount in FEE_AMOUNTS}
DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
             "sat": "Saturday", "sun": "Sunday"}


@dataclass(frozen=True)
class ChangeFilter:
    """The filters as typed (text, so a page sent back keeps them); `page` counts from 1."""

    kind: str = ""
    actor: str = ""
    made_from: str = ""
    made_until: str = ""
    page: str = "1"

    def args(self, **overrides: Any) -> dict[str, str]:
        """The query string for `url_for`, without the empty filters."""
        return {name: value for name, value in {**asdict(self), **overrides}.items() if value not in ("", None)}


def _chosen_filter() -> tuple[ChangeFilter, dict[str, Any], dict[str, str]]:
    """The filters in the query string, what `search_changes` takes from them, and a message for each bad one."""
    chosen = ChangeFilter(**{name: request.args.get(name, default).strip()
                             for name, default in asdict(ChangeFilter()).items()})
    errors: dict[str, str] = {}
    if chosen.kind and chosen.kind not in KIND_CHOICES:
        errors["kind"] = f'"{chosen.kind}" is not a kind of setting; choose one from the list.'
    if chosen.actor and chosen.actor not in read_city(change_actors):
        errors["actor"] = f'Nobody called "{chosen.actor}" has changed the settings; choose someone from the list.'
    made_from = parse_day(chosen.made_from, errors, "made_from", required=False)
    made_until = parse_day(chosen.made_until, errors, "made_until", required=False)
    if made_from and made_until and made_until < made_from:
        errors["made_until"] = (f"The last day ({made_until.isoformat()}) comes before the first "
                                f"({made_from.isoformat()}); swap them.")
    if not chosen.page.isdigit() or int(chosen.page) < 1:
        errors["page"] = f'"{chosen.page}" is not a page number; pages are counted from 1.'
    search = {"kind": chosen.kind or None, "actor": chosen.actor or None, "made_from": made_from,
              "made_until": made_until}
    return chosen, search, errors


def change_rows(changes: list[CityDataChange]) -> list[tuple[CityDataChange, date, str]]:
    """Each change with the day it takes effect and what it did, in words."""
    office_names = {office.office_key: office.name for office in read_city(list_offices)}
    return [(change, effective_date_of(change), describe(change, office_names)) for change in changes]


@bp.get("/settings")
@role_required(ADMINISTRATOR)
def settings():
    """The settings' sections, with the latest changes to them."""
    return render_template("admin/settings/index.html", sections=SECTIONS,
                           rows=change_rows(read_city(list_changes, limit=LATEST_CHANGES)))


@bp.get("/settings/changes")
@role_required(ADMINISTRATOR)
def settings_changes():
    chosen, search, errors = _chosen_filter()
    rows, total, pages = [], 0, 1
    if not errors:
        page = int(chosen.page)
        changes, total = read_city(search_changes, **search, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages:
            errors["page"] = f"There {'is' if pages == 1 else 'are'} only {pages} page{'s' * (pages != 1)} of changes."
        rows = change_rows(changes)
    return render_template("admin/settings/changes.html", chosen=chosen, rows=rows, total=total, pages=pages,
                           kinds=KIND_CHOICES, actors=read_city(change_actors), errors=errors,
                           page_size=PAGE_SIZE), 400 if errors else 200


@bp.get("/settings/changes.csv")
@role_required(ADMINISTRATOR)
def settings_changes_csv():
    _chosen, search, errors = _chosen_filter()
    errors.pop("page", None)                     # the download is every page
    if errors:
        return settings_changes()
    changes, _total = read_city(search_changes, **search, limit=None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("when (UTC)", "who", "kind", "subject", "action", "effective", "what changed"))
    writer.writerows([csv_safe(cell) for cell in (change.at.isoformat(), change.actor, change.kind,
                                                  change.subject_key, change.action, effective.isoformat(), words)]
                     for change, effective, words in change_rows(changes))
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="clerkflow-settings-changes.csv"'})


# -- a change in words -------------------------------------------------------------------------------

def describe(change: CityDataChange, office_names: dict[str, str]) -> str:
    """What a change did, as an administrator says it (amounts in dollars, days as YYYY-MM-DD)."""
    words = _DESCRIBERS.get(change.kind)
    said = words(change, change.before or {}, change.after or {}, office_names) if words else None
    return said or f"{change.kind.replace('_', ' ')} {change.subject_key} {change.action}."


def _dollars(amount: Any) -> str:
    return f"${amount}"


def _quoted(text: Any) -> str:
    return f"“{text}”"


def _replaced(before: dict, after: dict, labels: dict[str, str]) -> list[str]:
    """"label “old” → “new”" for each field in `labels` whose value changed."""
    return [f"{label} {_quoted(before.get(field))} → {_quoted(after.get(field))}"
            for field, label in labels.items() if before.get(field) != after.get(field)]


def _switched(before: dict, after: dict, made_active: str, made_inactive: str) -> list[str]:
    if before.get("active") == after.get("active"):
        return []
    return [made_active if after.get("active") else made_inactive]


def _listed(subject: str, said: list[str]) -> str:
    return f"{subject}: {'; '.join(said) if said else 'saved with no change'}."


def _fee_schedule(change, before, after, _offices) -> str:
    day = change.subject_key
    if change.action == "withdrawn":
        return f"The fee schedule that was to take effect {day} was withdrawn."
    amounts = "; ".join(words.format("not set (set by resolution)" if after[name] is None else _dollars(after[name]))
                        for name, words in FEE_WORDS.items() if name in after)
    resolution = (f" (the accident report copy fee by {after['accident_report_resolution']} of "
                  f"{after.get('accident_report_resolution_date')})" if after.get("accident_report_resolution") else "")
    return f"A fee schedule taking effect {day} was added: {amounts}{resolution}."


def _closure(change, before, after, _offices) -> str:
    if change.action == "removed":
        return f"{change.subject_key} is no longer a closure day (it was: {before.get('reason', '')})."
    return f"{change.subject_key} was made a closure day: {after.get('reason', '')}."


def _hours(spans: list[list[str]] | None) -> str:
    return ", ".join(f"{opens}–{closes}" for opens, closes in spans or []) or "closed"


def _office(change, before, after, offices) -> str:
    name = after.get("name") or offices.get(change.subject_key, change.subject_key)
    if change.action == "added":
        return (f"The office {_quoted(name)} ({change.subject_key}) was added, official custodian "
                f"{after.get('official_custodian')}.")
    old_hours, new_hours = before.get("hours") or {}, after.get("hours") or {}
    return _listed(name, [
        *_replaced(before, after, {"name": "name", "official_custodian": "official custodian"}),
        *(f"{DAY_NAMES[day]} {_hours(old_hours.get(day))} → {_hours(new_hours.get(day))}"
          for day in DAY_NAMES if _hours(old_hours.get(day)) != _hours(new_hours.get(day))),
        *_switched(before, after, "made active again", "made inactive (no longer routed requests)")])


def _designation(change, before, after, offices) -> str:
    office_key, _, person = change.subject_key.partition(":")
    office = offices.get(office_key, office_key)
    if change.action == "ended":
        return f"{person} is no longer a record custodian of the {office} from {after.get('until')}."
    until = f", until {after['until']} (first day out)" if after.get("until") else ""
    return f"{person} was designated a record custodian of the {office} from {after.get('since')}{until}."


def _exemption(change, before, after, _offices) -> str:
    code = change.subject_key
    if change.action == "added":
        return f"The ground {code} was added to the catalogue ({after.get('citation')})."
    reworded = [f"summary reworded to {_quoted(after.get('summary'))}"] \
        if before.get("summary") != after.get("summary") else []
    return _listed(f"The ground {code}", [
        *_replaced(before, after, {"citation": "citation"}), *reworded,
        *_switched(before, after, "offered again in denials", "withdrawn (no longer offered in denials)")])


def _letter_template(change, before, after, _offices) -> str:
    name = change.subject_key
    if change.action == "added":
        return f"The letter {_quoted(name)} was added."
    reworded = ["body reworded"] if before.get("body") != after.get("body") else []
    return _listed(f"The letter {_quoted(name)}", [*_replaced(before, after, {"subject": "subject"}), *reworded])


def _cash_float(change, before, after, offices) -> str:
    office = offices.get(change.subject_key, change.subject_key)
    if change.action == "returned":
        return f"The {office}'s cash float of {_dollars(before.get('amount'))} was taken back."
    if change.action == "changed":
        return (f"The {office}'s cash float was changed from {_dollars(before.get('amount'))} to "
                f"{_dollars(after.get('amount'))} (the old float returned).")
    return f"The {office} was given a cash float of {_dollars(after.get('amount'))}."


NOTICE_WORDS = {"immediate": "one e-mail per new task", "digest": "a daily list", "none": "none"}


def _staff_account(change, before, after, _offices) -> str:
    who = change.subject_key
    roles = ", ".join(after.get("roles") or []) or "no role"
    if change.action == "added":
        return f"The staff account {who} was created with {roles}."
    if change.action == "password":
        return f"A new password was set for {who}."
    if change.action in ("deactivated", "reactivated"):
        return f"The staff account {who} was {change.action}."
    added = sorted(set(after.get("roles") or []) - set(before.get("roles") or []))
    taken = sorted(set(before.get("roles") or []) - set(after.get("roles") or []))
    return _listed(f"The staff account {who}", [
        *([f"given {', '.join(added)}"] if added else []), *([f"no longer {', '.join(taken)}"] if taken else []),
        *_replaced(before, after, {"display_name": "name"}),
        *(["e-mail address changed"] if after.get("email_changed") else []),
        *([f"task notices: {NOTICE_WORDS.get(after.get('notify'), after.get('notify'))}"]
          if before.get("notify") != after.get("notify") else [])])


MAIL_SERVER_FIELDS = {"host": "host", "port": "port", "security": "security", "username": "username",
                      "sender": "sender", "public_base_url": "links in mail"}
PASSWORD_WORDS = {"set": "password set", "cleared": "password cleared"}


def _mail_server(change, before, after, _offices) -> str:
    """The server set on the Settings page; the password is never in the log, only that it was set or cleared."""
    def shown(facts: dict) -> dict:
        return {name: facts.get(name) or ("usual" if name == "port" else "not set") for name in MAIL_SERVER_FIELDS}
    password = PASSWORD_WORDS.get(after.get("password"))
    return _listed("Mail server", [*_replaced(shown(before), shown(after), MAIL_SERVER_FIELDS),
                                   *([password] if password else [])])


PRIVACY_RULE_FIELDS = {"title": "title", "appeal_limit_days": "appeal time limit (days)",
                       "fine_first": "fine, first offence", "fine_repeat": "fine, repeat offence",
                       "fine_continuing": "fine, continuing offence"}


def _privacy_rule(change, before, after, _offices) -> str:
    """A rule a privacy decision may cite (000); a figure the city has not published reads "not set"."""
    def shown(facts: dict) -> dict:
        return {name: "not set" if facts.get(name) is None else facts.get(name) for name in PRIVACY_RULE_FIELDS}
    if change.action == "added":
        return _listed(f"The privacy rule {change.subject_key} was entered",
                       [f"{label} {_quoted(value)}" for label, value in zip(PRIVACY_RULE_FIELDS.values(),
                                                                            shown(after).values())])
    return _listed(f"The privacy rule {change.subject_key}", _replaced(shown(before), shown(after), PRIVACY_RULE_FIELDS))


OPEN_DATA_FIELDS = {"approver_role": "who approves data sets and decides reports",
                    "publisher_role": "who catalogues and publishes", "publisher_name": "publisher (DCAT-US)",
                    "bureau_code": "bureauCode", "program_code": "programCode"}


def _open_data_setting(change, before, after, _offices) -> str:
    """Who approves and who publishes (each city's choice in words), and the catalog's DCAT-US codes."""
    def shown(facts: dict) -> dict:
        return {name: OPEN_DATA_CHOICES.get(name, {}).get(facts.get(name), facts.get(name)) or "not set"
                for name in OPEN_DATA_FIELDS}
    return _listed("Open data settings", _replaced(shown(before), shown(after), OPEN_DATA_FIELDS))


_DESCRIBERS = {"fee_schedule": _fee_schedule, "closure": _closure, "office": _office, "designation": _designation,
               "exemption": _exemption, "letter_template": _letter_template, "cash_float": _cash_float,
               "staff_account": _staff_account, "mail_server": _mail_server, "privacy_rule": _privacy_rule,
               "open_data_setting": _open_data_setting}

