"""The helpers scripts and expressions may call, declared once: name, signature, one-line description.

Like the operators a service task names (`engine.operators`), each helper is declared here with what an
analyst needs to use it; the sandbox offers exactly these (`engine.sandbox`), the modeler lists them, and
docs/scripting.md shows the table `markdown_table()` writes (a test keeps the two the same). A host adds
its own helpers by handing `ProcessEngine(helpers=...)` more `Helper`s. Helpers read no database and no
config: what a step needs from the host comes in through service-task operators.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from engine import clock

CITY_TIME = ZoneInfo("America/Chicago")


@dataclass(frozen=True)
class Helper:
    """One name scripts may call. `value` is what they get; a helper that reads the step's own data
    (`value_of`) has `for_step` instead, which makes it from that data each time."""

    name: str
    signature: str       # as an analyst writes the call: "value_of(name, default)"
    description: str     # one line, for docs/scripting.md and the modeler
    example: str = ""
    value: Any = None
    for_step: Callable[[Mapping[str, Any]], Any] | None = None


def isoformat(moment: date | datetime) -> str:
    """The ISO 8601 text of a date or date-time: what task data and timer expressions hold."""
    return moment.isoformat()


def city_time(moment: datetime) -> datetime:
    """`moment` in the city's local time (America/Chicago), for letters."""
    return moment.astimezone(CITY_TIME)


def _value_of(data: Mapping[str, Any]) -> Callable[..., Any]:
    def value_of(name: str, default: Any = None) -> Any:
        return data.get(name, default)
    return value_of


HELPERS: tuple[Helper, ...] = (
    Helper("Decimal", "Decimal(text)", "an exact decimal number, for money", 'str(Decimal("0.25") * pages)', Decimal),
    Helper("date", "date(year, month, day)", "Python's date type", "date(2026, 12, 1)", date),
    Helper("datetime", "datetime(year, month, day, hour, minute)", "Python's date-time type",
           "datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)", datetime),
    Helper("timedelta", "timedelta(days=..., hours=...)", "a length of time, to add to a date-time",
           "timedelta(hours=72)", timedelta),
    Helper("timezone", "timezone.utc", "time zones; `timezone.utc` is UTC", "timezone.utc", timezone),
    Helper("now", "now()", "the current date-time in UTC (the engine's clock)",
           "isoformat(now() + timedelta(days=3))", clock.now),
    Helper("parse_datetime", "parse_datetime(text)",
           "reads ISO 8601 text as a UTC date-time; text with no zone is taken to be UTC",
           "parse_datetime(received_at)", clock.parse_instant),
    Helper("isoformat", "isoformat(value)", "turns a date or date-time into ISO 8601 text, as task data keeps it",
           "deadline_at = isoformat(parse_datetime(due) + timedelta(days=3))", isoformat),
    Helper("city_time", "city_time(moment)", "a date-time in the city's local time (America/Chicago), for letters",
           'city_time(parse_datetime(due)).strftime("%A %d %B %Y")', city_time),
    Helper("value_of", "value_of(name, default)",
           "a variable that may be absent (an optional form field left blank), or `default`; it reads the data "
           "as the step received it", 'value_of("on_behalf_of_name", "")', for_step=_value_of),
)


def by_name(helpers: Iterable[Helper]) -> dict[str, Helper]:
    """Helpers keyed by name; a later one with the same name (a host's) replaces an earlier one."""
    return {helper.name: helper for helper in helpers}


def fixed_values(helpers: Iterable[Helper]) -> dict[str, Any]:
    """What scripts get under each helper's name, for the helpers that do not depend on the step."""
    return {helper.name: helper.value for helper in helpers if helper.for_step is None}


def step_values(helpers: Iterable[Helper], data: Mapping[str, Any]) -> dict[str, Any]:
    """The helpers made from one step's data (`value_of`)."""
    return {helper.name: helper.for_step(data) for helper in helpers if helper.for_step is not None}


def describe(helpers: Iterable[Helper]) -> list[dict[str, str]]:
    """Every helper with its signature, description and example, sorted by name (for the modeler)."""
    return [{"name": helper.name, "signature": helper.signature, "description": helper.description,
             "example": helper.example} for helper in sorted(helpers, key=lambda helper: helper.name.lower())]


def markdown_table(helpers: Iterable[Helper] = HELPERS) -> str:
    """The helpers as docs/scripting.md shows them."""
    rows = ["| Helper | What it gives | Example |", "|---|---|---|"]
    rows += [f"| `{row['signature']}` | {row['description']} | `{row['example']}` |" if row["example"]
             else f"| `{row['signature']}` | {row['description']} | |" for row in describe(helpers)]
    return "\n".join(rows) + "\n"
