"""What the task page shows about the request so far: the request itself at the top (who asked for what,
received when and how, its money), the deadline in business days, the audit trail as a history in words,
the letters sent, and the value each form field starts with.

Words come from the process, not from a list per element: a step is named by the diagram, a value by the
title of the form field that asks for it (any form of the process), a choice by its label (the form's
`oneOf` titles, or the `{value, label}` choices a service task gave the form). The request's summary is
the start form's fields with their titles, and the facts the intake records beside them (`INTAKE_FACTS`,
web/portal/filing.py). Money and times are written as on every page (web/formatting.py).
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from engine import clock, hardened_xml
from city.rules.business_calendar import CITY_TIME_ZONE, is_business_day
from web.formatting import day, is_day_text, is_moment_text, money, when
from web.inbox.form_files import parse_file_reference
from web.inbox.forms import FormField, fields_of
from web.portal.filing import CHANNEL_LABELS

ACTIONS = {"start": "Started", "complete": "Completed", "claim": "Claimed", "unclaim": "Unclaimed",
           "send": "Sent", "incident": "Incident", "retry": "Retried", "timer": "Timer fired",
           "message": "Message received", "suspend": "Suspended", "resume": "Resumed",
           "terminate": "Terminated", "delegate": "Delegated", "reassign": "Reassigned",
           "migrate": "Moved to another version", "skip": "Step skipped", "move_back": "Moved back to a step"}
MAX_DAYS = 3660
# What the intake records beside the start form (web/portal/filing.py, web/inbox/intake.py), in words.
INTAKE_FACTS = (("received_at", "Received"), ("received_via", "How it came"), ("received_by", "Taken by"))
OFFICE_NAME = "office_name"          # the office that has the request now, as its custodian register names it
REQUESTER = "requester_name"         # who asked, in each of the city's request processes
DESCRIPTION_SUFFIX = "_description"  # what they asked for: the start form's first field named so
# A computed bill (fees.invoice: lines and a total) by the variable the diagram keeps it in.
BILL_TITLES = {"estimate_invoice": "Fee estimate", "invoice": "Fees charged"}
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
FORM_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename")
MESSAGE_DETAIL = re.compile(r"received ([a-z][a-z0-9_]*)")   # the engine's detail of a message delivered


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    due_day: date            # in city time
    overdue: bool
    business_days_left: int  # business days after today, up to and including the due day


@dataclass(frozen=True)
class Letter:
    at: datetime
    actor: str
    name: str
    letter: str
    subject: str
    text: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    step: str | None                   # the step's name in the diagram ("Review the request")
    changes: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    said: tuple[tuple[str, str], ...] = ()   # (question, answer) in words: what the step recorded


@dataclass(frozen=True)
class ProcessWords:
    """A process's own words: each step's name, and each form field (start form first)."""
    step_names: dict[str, str]
    start_fields: tuple[FormField, ...]
    fields: dict[str, FormField]
    step_fields: dict[str, tuple[FormField, ...]] = field(default_factory=dict)   # the form of each user task


@dataclass(frozen=True)
class Bill:
    title: str
    lines: tuple[tuple[str, str, str, str], ...]   # item, quantity, rate, amount (money in words)
    total: str


@dataclass(frozen=True)
class RequestSummary:
    """The request at the top of each of its tasks: who asked for what, when and how, where it is, its money."""
    tracking_number: str | None
    facts: tuple[tuple[str, str], ...]
    bills: tuple[Bill, ...] = ()
    money: tuple[tuple[str, str], ...] = ()


def deadline(due_at: datetime | None, now: datetime, city_closures: Collection[date] = ()) -> Deadline | None:
    if due_at is None:
        return None
    due_at = clock.as_utc(due_at)
    due_day = due_at.astimezone(CITY_TIME_ZONE).date()
    today = now.astimezone(CITY_TIME_ZONE).date()
    closures = frozenset(city_closures)
    left, day = 0, today
    while day < due_day and (day - today).days < MAX_DAYS:
        day += timedelta(days=1)
        if is_business_day(day, closures):
            left += 1
    return Deadline(due_at, due_day, due_at < now, left)


def is_letter(name: str, value: Any) -> bool:
    return name.endswith("_letter") and isinstance(value, dict) and {"letter", "subject", "text"} <= value.keys()


def history(trail: Iterable, words: ProcessWords | None = None) -> tuple[list[HistoryEntry], list[Letter]]:
    """(entries, letters): each audit event with what it recorded in words, and every letter in the changes.

    The start says what the start form and the intake recorded; a completed task, what its form recorded;
    each with the field's title. What a step computed on the way (routing, fee arithmetic, choices, the
    defaults the diagram gives the next form) is left to the administrator's instance page."""
    words = words or ProcessWords({}, (), {})
    trail = list(trail)
    labels = option_labels(trail)
    intake = dict(INTAKE_FACTS)
    entries: list[HistoryEntry] = []
    letters: list[Letter] = []
    for event in trail:
        plain = {}
        for name, value in (event.changes or {}).items():
            if is_letter(name, value):
                letters.append(Letter(event.at, event.actor, name, str(value["letter"]), str(value["subject"]),
                                      str(value["text"])))
            else:
                plain[name] = value
        asked = _asked_by(event, words)
        said = tuple((label, answer) for label, answer in (
            (asked[name].label, in_words(asked[name], value, labels)) if name in asked
            else (intake[name], intake_words(name, value))
            for name, value in plain.items() if name in asked or (event.action == "start" and name in intake))
            if answer)
        step, detail = words.step_names.get(event.bpmn_id or "") or _humane(event.bpmn_id), event.detail or ""
        if event.action == "message" and (message := MESSAGE_DETAIL.fullmatch(detail)):
            step, detail = step or _humane(message.group(1)), ""     # "received payment_received": Payment received
        entries.append(HistoryEntry(event.at, event.actor, ACTIONS.get(event.action, event.action.capitalize()),
                                    step, plain, detail, said))
    return entries, letters


def _asked_by(event, words: ProcessWords) -> dict[str, FormField]:
    """The form fields whose answers an audit event records: the start form's at the start, the task's own
    form when it is completed (every form of the process when the diagram names none for it)."""
    if event.action == "start":
        return {form_field.name: form_field for form_field in words.start_fields}
    if event.action == "complete":
        if event.bpmn_id in words.step_fields:
            return {form_field.name: form_field for form_field in words.step_fields[event.bpmn_id]}
        return dict(words.fields)
    return {}


def task_values(engine, task, trail: Iterable, names: Collection[str]) -> dict[str, Any]:
    """The value each of `names` has for the task: an open task's own data, or the variable its answers go
    into (so what the diagram cleared before it, such as the review answers a referral leaves behind, starts blank); for a task no longer
    open, the request's latest recorded values."""
    if task.status == "open":
        data = engine.form_answers(task.task_id)
        return {name: data[name] for name in names if name in data}
    return latest_values(trail, names)


def latest_values(trail: Iterable, names: Collection[str]) -> dict[str, Any]:
    """The last value the audit trail records for each of `names` (absent: never set)."""
    found: dict[str, Any] = {}
    for event in trail:
        for name, value in (event.changes or {}).items():
            if name in names:
                found[name] = value
    return found


def shown(value: Any, labels: Mapping[str, str] | None = None) -> str:
    """A recorded value as a person reads it: Yes or No, a time or a day as every page writes it."""
    labels = labels or {}
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if value is None:
        return "(empty)"
    if isinstance(value, (list, tuple)):
        return ", ".join(shown(each, labels) for each in value)
    if isinstance(value, dict):
        return "; ".join(f"{_humane(str(key))}: {shown(each, labels)}" for key, each in value.items())
    if is_moment_text(value):
        return when(value)
    if is_day_text(value):
        return day(value)
    return labels.get(str(value), str(value))


# -- the process's words, the request summary, values in words ------------------------------------

def process_words(engine, process_key: str, calling: frozenset[str] = frozenset()) -> ProcessWords:
    """The words of the process's newest version (read once per deployed version); `calling`: the processes
    whose words are being read, which call this one (a call back to one of them adds nothing)."""
    versions = engine.versions(process_key)
    if not versions:
        return ProcessWords({}, (), {})
    newest = versions[-1]
    return _words(engine, newest.process_key, newest.version, newest.checksum, calling)


# A deployed version never changes: its words are read once (keyed by its checksum, so a database
# rebuilt with other diagrams under the same key and number reads its own).
_WORDS: dict[tuple[str, int, str], ProcessWords] = {}
_WORDS_KEPT = 64


def _words(engine, process_key: str, version: int, checksum: str, calling: frozenset[str]) -> ProcessWords:
    key = (process_key, version, checksum)
    if key not in _WORDS:
        _view, xml = engine.version_diagram(process_key, version)
        root = hardened_xml(f"{process_key}.bpmn", xml.encode())
        names: dict[str, str] = {}
        start: list[FormField] = []
        fields: dict[str, FormField] = {}
        step_fields: dict[str, tuple[FormField, ...]] = {}
        for element in root.iter():
            bpmn_id, name = element.get("id"), element.get("name")
            if bpmn_id and name and isinstance(element.tag, str) and element.tag.startswith(BPMN):
                names.setdefault(bpmn_id, " ".join(name.split()))
            found = _form_files(element)
            if not found:
                continue
            form = engine.latest_form(process_key, found[0]) if found[0] else None
            ui = engine.latest_form(process_key, found[1]) if found[1] else None
            form_fields = fields_of(form, ui)
            if element.tag == f"{BPMN}startEvent" and not start:
                start = [form_field for form_field in form_fields if not form_field.hidden]
            elif bpmn_id:
                step_fields[bpmn_id] = tuple(form_field for form_field in form_fields if not form_field.hidden)
            for form_field in form_fields:
                fields.setdefault(form_field.name, form_field)
        words = ProcessWords(names, tuple(start), fields, step_fields)
        _with_called_words(engine, root, words, calling | {process_key})
        if len(_WORDS) >= _WORDS_KEPT:
            _WORDS.clear()
        _WORDS[key] = words
    return _WORDS[key]


def _with_called_words(engine, root, words: ProcessWords, calling: frozenset[str]) -> None:
    """The words of each process of another diagram a call activity calls (its newest version): its steps run
    inside the calling instance, so its history names them too. The caller's own words win."""
    for call in root.iter(f"{BPMN}callActivity"):
        called = call.get("calledElement")
        if not called or called in calling or called in words.step_names or not engine.versions(called):
            continue
        found = process_words(engine, called, calling)
        for mine, theirs in ((words.step_names, found.step_names), (words.fields, found.fields),
                             (words.step_fields, found.step_fields)):
            for name, value in theirs.items():
                mine.setdefault(name, value)


def _form_files(element) -> tuple[str | None, str | None] | None:
    if not isinstance(element.tag, str) or element.tag not in (f"{BPMN}startEvent", f"{BPMN}userTask"):
        return None
    found = {prop.get("name"): prop.get("value") for prop in element.iter(f"{SPIFF}property")
             if prop.get("name") in FORM_PROPERTIES}
    return (found.get(FORM_PROPERTIES[0]), found.get(FORM_PROPERTIES[1])) if found else None


def request_data(trail: Iterable) -> dict[str, Any]:
    """The latest value of every variable the request's steps set. A step running beside another path
    reports the other path's values as removed (None): the last real value is kept."""
    data: dict[str, Any] = {}
    for event in trail:
        data.update({name: value for name, value in (event.changes or {}).items()
                     if value is not None or name not in data})
    return data


def request_summary(trail: Iterable, words: ProcessWords, tracking_number: str | None) -> RequestSummary:
    """Who asked for what (the start form's fields), received when and how, the office, and the money."""
    trail = list(trail)
    data = request_data(trail)
    labels = option_labels(trail)
    facts: list[tuple[str, str]] = [(form_field.label, in_words(form_field, data.get(form_field.name), labels))
              for form_field in words.start_fields if data.get(form_field.name) not in (None, "")]
    facts += [(label, intake_words(name, data[name])) for name, label in INTAKE_FACTS if data.get(name)]
    if data.get(OFFICE_NAME):
        facts.append(("Office", str(data[OFFICE_NAME])))
    return RequestSummary(tracking_number, tuple(facts), _bills(data), _money_facts(trail, data))


def who_asked_for_what(engine, instance_ids: Collection[int]) -> dict[int, str]:
    """Per instance, "Pat Doe: Council minutes of January 2026" (the inbox row), from its start data."""
    if not instance_ids:
        return {}
    asked: dict[int, dict[str, Any]] = {}
    for changed in engine.variable_changes(upto=engine.latest_event_id(), instance_ids=set(instance_ids)):
        data = asked.setdefault(changed.instance_id, {})
        data.update({name: value for name, value in changed.changes.items() if value not in (None, "")})
    lines = {}
    for instance_id, data in asked.items():
        what = next((str(value) for name, value in data.items()
                     if name.endswith(DESCRIPTION_SUFFIX) and isinstance(value, str)), "")
        who = str(data.get(REQUESTER) or "")
        lines[instance_id] = ": ".join(part for part in (who, what) if part)
    return lines


def option_labels(trail: Iterable) -> dict[str, str]:
    """Every {value: label} a service task offered a form as choices in this request (the offices a
    referral may pick, the exemption catalogue's grounds), so an answer is read by its label later."""
    labels: dict[str, str] = {}
    for event in trail:
        for value in (event.changes or {}).values():
            if isinstance(value, list) and value and all(isinstance(option, Mapping) and "value" in option
                                                         and "label" in option for option in value):
                labels.update({str(option["value"]): str(option["label"]) for option in value})
    return labels


def in_words(form_field: FormField, value: Any, labels: Mapping[str, str] | None = None) -> str:
    """A recorded answer as the person who reads the form says it: the choice's label, Yes or No, "$31.50",
    "Dec 7, 2026", a table's rows."""
    labels = labels or {}
    if value is None or value == "":
        return ""
    if form_field.widget in ("rows", "list") and isinstance(value, list):
        return "; ".join(_row_words(form_field, item, labels) for item in value)
    if isinstance(value, list):
        return ", ".join(in_words(form_field, item, labels) for item in value)
    if form_field.choices:
        text = "true" if value is True else "false" if value is False else str(value)
        return next((label for submitted, label, _value in form_field.choices if submitted == text),
                    labels.get(text, text))
    if form_field.widget == "money":
        return money(value)
    if form_field.widget == "date":
        return day(value)
    # One file, or each of several (a complaint's evidence): by its name, never the store's reference.
    if form_field.widget in ("file", "files") and (stored := parse_file_reference(value)):
        return stored.filename
    return shown(value, labels)


def intake_words(name: str, value: Any) -> str:
    if name == "received_via":
        return CHANNEL_LABELS.get(str(value), str(value))
    return shown(value)


def _row_words(form_field: FormField, item: Any, labels: Mapping[str, str]) -> str:
    if not form_field.columns or not isinstance(item, Mapping):
        return shown(item, labels)
    return ", ".join(f"{column.label}: {in_words(column, item.get(column.name), labels)}"
                     for column in form_field.columns if item.get(column.name) not in (None, ""))


def _bills(data: Mapping[str, Any]) -> tuple[Bill, ...]:
    bills = []
    for name, value in data.items():
        if isinstance(value, Mapping) and isinstance(value.get("lines"), list) and "total" in value:
            lines = tuple((str(line.get("item", "")), str(line.get("quantity", "")), money(line.get("rate")),
                           money(line.get("amount"))) for line in value["lines"] if isinstance(line, Mapping))
            bills.append(Bill(BILL_TITLES.get(name) or _humane(name), lines, money(value["total"])))
    return tuple(bills)


def _money_facts(trail: list, data: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """What has been prepaid, and the balance due or the refund owed by the latest settlement."""
    facts = []
    if _positive(data.get("prepaid")):
        facts.append(("Prepaid", money(data["prepaid"])))
    settled = None
    for event in trail:
        for value in (event.changes or {}).values():
            if isinstance(value, Mapping) and "balance_due" in value and "refund_due" in value and "lines" not in value:
                settled = value
    if settled is not None:
        if _positive(settled.get("balance_due")):
            facts.append(("Balance due", money(settled["balance_due"])))
        if _positive(settled.get("refund_due")):
            facts.append(("Refund due", money(settled["refund_due"])))
    return tuple(facts)


def _positive(value: Any) -> bool:
    try:
        return float(str(value)) > 0
    except ValueError:
        return False


def _humane(name: str | None) -> str | None:
    return name.replace("_", " ").capitalize() if name else None
