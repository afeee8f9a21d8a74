"""Between a task's form and the browser: the text each input starts with, and the typed values a
submission means.

The engine checks every submission against the JSON Schema (`engine/forms.py`); this module turns
the browser's strings into the schema's types (empty optional inputs are left out, empty table
rows dropped), keeps what the person typed so a refused form comes back as they left it, and
places each of the engine's errors beside its input, table cells included: the engine's
"search_hours.0.hours" is the first *kept* row, which may be the third row on the page.
Table cells are named `<table>-<row>-<column>` (`search_hours-2-hours`); `<table>-rows` says how
many rows the page showed, so blank rows survive a round trip. A list (an array of plain values) is
a table of one column, `item`, whose rows are saved as the plain values. Checkboxes send one value
per box ticked.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from city.rules.fees import in_cents, money_text
from web.inbox.forms import BLANK_ROWS, LIST_ITEM, TABLE_WIDGETS, FormField, as_text

WHOLE_NUMBER = re.compile(r"[+-]?\d+")


@dataclass
class Submission:
    values: dict[str, Any] = field(default_factory=dict)     # typed, for the engine
    errors: dict[str, str] = field(default_factory=dict)     # plain-words errors by input name
    typed: dict[str, Any] = field(default_factory=dict)      # as typed, to show the form again
    rows_kept: dict[str, list[int]] = field(default_factory=dict)   # table -> page row of each submitted item
    lists: set[str] = field(default_factory=set)    # the tables that are lists of plain values

    def input_errors(self, engine_errors: Mapping[str, str]) -> dict[str, str]:
        """The engine's errors by input name, with this module's plainer words where both speak of one input."""
        placed = {self.input_name(path): message for path, message in engine_errors.items()}
        return {**placed, **self.errors}

    def input_name(self, path: str) -> str:
        """The input an error path names: "search_hours.1.hours" (or "search_hours/1/hours") -> "search_hours-4-hours"."""
        parts = re.split(r"[./]", path)
        table = parts[0]
        if table in self.rows_kept and len(parts) >= 2 and parts[1].isdigit():
            kept = self.rows_kept[table]
            item = int(parts[1])
            row = kept[item] if item < len(kept) else item
            if len(parts) >= 3:
                return f"{table}-{row}-{parts[2]}"
            return f"{table}-{row}-{LIST_ITEM}" if table in self.lists else table
        return path


def read_submission(fields: list[FormField], form: Mapping[str, str],
                    earlier: Mapping[str, Any] | None = None) -> Submission:
    """The typed submission of `form` (file fields aside: `web/inbox/form_files.py` reads those).

    A read-only field submits the request's earlier value (`earlier`), never what the browser sent.
    A value that cannot be read as its type stays in the submission as the text typed, so the
    engine's schema check (which always refuses it) reports it along with every other problem."""
    earlier = earlier or {}
    submission = Submission()
    for form_field in fields:
        if form_field.widget in ("unsupported", "file", "files"):
            continue
        if form_field.readonly:
            if earlier.get(form_field.name) is not None:
                submission.values[form_field.name] = earlier[form_field.name]
            submission.typed[form_field.name] = shown_value(form_field, earlier.get(form_field.name))
        elif form_field.widget in TABLE_WIDGETS:
            _read_rows(form_field, form, submission)
        elif form_field.widget == "checkboxes":
            _read_ticked(form_field, form, submission)
        else:
            raw = form.get(form_field.name, "")
            submission.typed[form_field.name] = raw
            _read_one(form_field, form_field.name, raw, submission)
    return submission


def _read_one(form_field: FormField, input_name: str, raw: str, submission: Submission,
              into: dict[str, Any] | None = None) -> None:
    text = raw if form_field.widget == "textarea" else raw.strip()
    if not text.strip():
        return
    value, error = typed_value(form_field, text)
    (submission.values if into is None else into)[form_field.name] = value
    if error:
        submission.errors[input_name] = error


def _read_rows(table: FormField, form: Mapping[str, str], submission: Submission) -> None:
    rows = typed_rows(table, form)
    submission.typed[table.name] = rows
    items: list[dict[str, Any]] = []
    kept: list[int] = []
    for number, row in enumerate(rows):
        if not any(text.strip() for text in row.values()):
            continue                         # an empty row is a row not used
        item: dict[str, Any] = {}
        for column in table.columns:
            _read_one(column, f"{table.name}-{number}-{column.name}", row.get(column.name, ""), submission, item)
        items.append(item)
        kept.append(number)
    if table.widget == "list":
        submission.lists.add(table.name)
        submission.values[table.name] = [item[LIST_ITEM] for item in items if LIST_ITEM in item]
    else:
        submission.values[table.name] = items
    submission.rows_kept[table.name] = kept


def _read_ticked(boxes: FormField, form: Mapping[str, str], submission: Submission) -> None:
    """The values of the boxes ticked, in the order the choices are listed; nothing ticked is an empty list."""
    ticked = form.getlist(boxes.name) if hasattr(form, "getlist") else _as_list(form.get(boxes.name))
    submission.typed[boxes.name] = list(ticked)
    known = {submitted: value for submitted, _label, value in boxes.choices}
    submission.values[boxes.name] = [value for submitted, _label, value in boxes.choices if submitted in ticked]
    if any(text not in known for text in ticked):
        submission.errors[boxes.name] = "choose from the boxes shown"


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]

def typed_rows(table: FormField, form: Mapping[str, str]) -> list[dict[str, str]]:
    """Every row of a table as the page sent it, blank ones too (at most the table's `max_rows`)."""
    prefix = f"{table.name}-"
    numbers = [int(match.group(1)) for key in form
               if (match := re.fullmatch(re.escape(prefix) + r"(\d+)-.+", key))]
    try:
        shown_rows = int(form.get(f"{table.name}-rows", 0))
    except ValueError:
        shown_rows = 0
    count = min(max([shown_rows, *(number + 1 for number in numbers)]), table.max_rows)
    return [{column.name: form.get(f"{prefix}{number}-{column.name}", "") for column in table.columns}
            for number in range(count)]


def with_blank_rows(fields: list[FormField], values: dict[str, Any], blank: int = BLANK_ROWS) -> dict[str, Any]:
    """`values` with `blank` empty rows added to each table (up to its `max_rows`)."""
    for table in fields:
        if table.widget in TABLE_WIDGETS and not table.readonly:
            rows = list(values.get(table.name) or [])
            room = max(0, min(blank, table.max_rows - len(rows)))
            values[table.name] = rows + [{column.name: "" for column in table.columns} for _ in range(room)]
    return values


def typed_value(form_field: FormField, text: str) -> tuple[Any, str | None]:
    """(value, None), or (the text, a plain-words error) when the text cannot be the field's type."""
    widget = form_field.widget
    if widget in ("select", "radio", "yes_no"):
        for submitted, _label, value in form_field.choices:
            if submitted == text:
                return value, None
        return text, "choose yes or no" if widget == "yes_no" else "choose one of the options"
    if widget == "integer":
        return (int(text), None) if WHOLE_NUMBER.fullmatch(text) else (text, "must be a whole number")
    if widget == "number":
        number = _decimal(text)
        return (text, "must be a number") if number is None else (_json_number(number), None)
    if widget == "money":
        amount = _decimal(text.replace("$", "").replace(",", "").replace(" ", ""))
        if amount is None or not in_cents(amount):
            return text, "must be an amount in dollars and cents, like 31.50"
        return _json_number(amount), None
    return text, None


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _json_number(number: Decimal) -> int | float:
    as_float = float(number)
    return int(number) if number == number.to_integral_value() and math.isfinite(as_float) else as_float


def prefilled_values(fields: list[FormField], latest: Mapping[str, Any]) -> dict[str, Any]:
    """Each input's starting text: the request's latest recorded value, else the schema's default.
    Tables get their recorded rows plus a few blank ones."""
    values: dict[str, Any] = {}
    for form_field in fields:
        value = latest.get(form_field.name)
        if value is None and form_field.default:
            values[form_field.name] = form_field.default
        else:
            values[form_field.name] = shown_value(form_field, value)
    return with_blank_rows(fields, values)


def shown_value(form_field: FormField, value: Any) -> Any:
    """A recorded value as its input shows it: money with two decimals, a table as rows of text."""
    if form_field.widget == "rows":
        items = value if isinstance(value, list) else []
        return [{column.name: shown_value(column, item.get(column.name)) for column in form_field.columns}
                for item in items if isinstance(item, Mapping)]
    if form_field.widget == "list":
        items = value if isinstance(value, list) else []
        return [{LIST_ITEM: shown_value(form_field.columns[0], item)} for item in items]
    if form_field.widget in ("checkboxes", "files"):
        return [as_text(item) for item in value] if isinstance(value, list) else []
    if form_field.widget == "money" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return money_text(value)
    return as_text(value)


def rearranged(fields: list[FormField], typed: dict[str, Any], action: str) -> bool:
    """Move a row of a table or list up, or remove it, as the button `action` ("up:<table>:<row>",
    "remove:<table>:<row>") asks, in the values as typed; False when `action` names no row."""
    verb, _, rest = action.partition(":")
    name, _, number = rest.rpartition(":")
    table = next((each for each in fields if each.name == name and each.widget in TABLE_WIDGETS), None)
    if table is None or not number.isdigit() or verb not in ("up", "remove"):
        return False
    rows = list(typed.get(name) or [])
    row = int(number)
    if not 0 <= row < len(rows) or (verb == "up" and row == 0):
        return False
    if verb == "up":
        rows[row - 1], rows[row] = rows[row], rows[row - 1]
    else:
        del rows[row]
    typed[name] = rows
    return True


def choice_label(form_field: FormField, text: str) -> str:
    """What a read-only select, radio or yes/no field shows for its value."""
    return next((label for submitted, label, _value in form_field.choices if submitted == text), text)


def coerce_submission(fields: list[FormField], form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(typed submission, plain-words errors by input name): the portal's request form reads its answer with this."""
    submission = read_submission(fields, form)
    return submission.values, submission.errors
