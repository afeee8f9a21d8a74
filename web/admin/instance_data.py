"""How the instance page shows an instance's data: dates as the city reads them, the data itself untouched.

Task data holds dates as ISO 8601 text: the portal writes `received_at` in city time, operators and
scripts write theirs with `isoformat` (docs/scripting.md). The engine cannot keep a `datetime` in task data
(SpiffWorkflow 3.2 stores a task's data as a plain-JSON delta on its parent's), but should one reach the
workflow's own data, SpiffWorkflow's registry writes it as {"typename": "datetime", "value": "<ISO text>"}
(`DefaultRegistry` in SpiffWorkflow/bpmn/serializer/helpers/registry.py); that form is read too.

`readable(data)` is for reading only: a copy in which every date is a `ShownDate`, shown in city time
(America/Chicago, like the city's letters and deadlines) as "Nov 20, 2026, 9:00 AM CST" (web/formatting.py, as on every
page); a date and time
stored without its zone is shown as typed, "(no time zone)", never guessed into city time. The page keeps
the data as stored (JSON, ISO text) beside it, because that is what the retry form takes back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from web.formatting import day, when

_DAY = r"\d{4}-\d{2}-\d{2}"
_DATE_TIME = re.compile(_DAY + r"[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?")
_DATE = re.compile(_DAY)


@dataclass(frozen=True)
class ShownDate:
    """A date in the data: `stored` as the data holds it (ISO text), `text` as a person reads it."""

    stored: str
    text: str


def readable(value: Any) -> Any:
    """`value` (dicts and lists at any depth) with each date or date-time replaced by a `ShownDate`."""
    if isinstance(value, dict):
        if value.get("typename") == "datetime" and set(value) == {"typename", "value"}:
            return _shown_text(str(value["value"])) or value
        return {key: readable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [readable(item) for item in value]
    if isinstance(value, str):
        return _shown_text(value) or value
    return value


def _shown_text(text: str) -> ShownDate | None:
    try:
        if _DATE_TIME.fullmatch(text):   # without an offset: as typed, "(no time zone)"
            shown = when(text)
            return ShownDate(text, shown) if shown != text else None
        if _DATE.fullmatch(text):
            return ShownDate(text, day(date.fromisoformat(text)))
    except ValueError:   # shaped like a date but not one ("2026-13-45"): the text as it is
        return None
    return None
