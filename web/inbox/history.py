"""What the task page shows about the request so far: the deadline in business days, the
audit trail as history, the letters sent, and the latest value of each form field."""
from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from engine import clock
from city.rules.business_calendar import CITY_TIME_ZONE, is_business_day

ACTIONS = {"start": "Started", "complete": "Completed", "claim": "Claimed", "unclaim": "Unclaimed",
           "send": "Sent", "incident": "Incident", "retry": "Retried", "timer": "Timer fired",
           "message": "Message received", "suspend": "Suspended", "resume": "Resumed",
           "terminate": "Terminated", "delegate": "Delegated", "reassign": "Reassigned"}
MAX_DAYS = 3660


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
    step: str | None
    changes: dict[str, Any] = field(default_factory=dict)
    detail: str = ""


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


def history(trail: Iterable) -> tuple[list[HistoryEntry], list[Letter]]:
    """(entries, letters): each audit event with its plain changes, and every letter in the changes."""
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
        entries.append(HistoryEntry(event.at, event.actor, ACTIONS.get(event.action, event.action.capitalize()),
                                    event.bpmn_id, plain, event.detail or ""))
    return entries, letters


def latest_values(trail: Iterable, names: Collection[str]) -> dict[str, Any]:
    """The last value the audit trail records for each of `names` (absent: never set)."""
    found: dict[str, Any] = {}
    for event in trail:
        for name, value in (event.changes or {}).items():
            if name in names:
                found[name] = value
    return found


def shown(value: Any) -> str:
    """A recorded value as a person reads it."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "(empty)"
    if isinstance(value, (list, tuple)):
        return ", ".join(shown(each) for each in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {shown(each)}" for key, each in value.items())
    return str(value)
