"""A user task's form, drawn from its JSON Schema and UI schema: which input each property gets.

The UI schema follows react-jsonschema-form, as SpiffArena writes it (`docs/forms.md`):
"ui:order", and per property "ui:widget" (textarea, radio, select, date, hidden, file, money),
"ui:readonly", "ui:help", "ui:placeholder", "ui:title"; an array's columns under its "items".
Without a UI schema: enum (or oneOf consts) -> select; boolean -> yes/no radios; integer/number
-> number input (money when "format": "money" or "multipleOf": 0.01); string with format date
-> date input; string with "format": "data-url" -> file upload; a string allowed to be longer
than `LONG_TEXT` characters -> textarea; any other string -> text input; an array of objects ->
a table of rows; an array whose items have choices -> checkboxes; an array of files (items with
"format": "data-url") -> one upload of several files; an array of plain strings or numbers -> a
list, one input per row. Rows of a table or list can be added, removed and moved.
Choices taken from the task's data (`options_from_task_data_var:`) arrive filled in by the
engine (`ProcessEngine.form_schema`). Reading the browser's answer back is
`web/inbox/form_values.py`'s job.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from engine import with_task_data_options
from web.filestore import ALLOWED_TYPES

LONG_TEXT = 200
BLANK_ROWS = 2          # empty rows offered below the filled ones of a table
MAX_ROWS = 100          # a table never offers more rows than this, whatever its maxItems
MONEY_FORMATS = ("money", "currency")
FILE_ACCEPT = ",".join(ALLOWED_TYPES)
LIST_ITEM = "item"      # the one column of a list: its rows are {"item": text} on the page, plain values saved
TABLE_WIDGETS = ("rows", "list")


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str          # text, textarea, date, datetime, email, select, radio, integer, number, money, yes_no,
    #                      file, rows (an array of objects: `columns` are its sub-fields), list (an array of
    #                      plain values: one column, `LIST_ITEM`), checkboxes (an array of choices), files (an
    #                      array of file references: several uploads at once), unsupported
    required: bool
    help: str = ""
    choices: tuple[tuple[str, str, Any], ...] = ()   # (submitted text, label, value)
    attributes: dict[str, Any] = field(default_factory=dict)   # min, max, maxlength, placeholder, ... for the input
    default: str = ""
    readonly: bool = False     # shows the request's earlier value; never read back from the browser
    hidden: bool = False       # carried in a hidden input, not shown
    columns: tuple[FormField, ...] = ()
    max_rows: int = MAX_ROWS


def fields_of(schema: Mapping[str, Any] | None, ui_schema: Mapping[str, Any] | None = None) -> list[FormField]:
    """One field per property of the schema, in "ui:order" (else the schema's) order."""
    if not schema:
        return []
    # A form read from its file (not a task's) may name choices taken from task data: here it has none.
    schema = with_task_data_options(dict(schema), {})
    ui_schema = ui_schema if isinstance(ui_schema, Mapping) else {}
    required = set(schema.get("required", ()))
    properties = schema.get("properties", {})
    return [_field(name, dict(properties[name]), name in required, _ui_of(ui_schema, name))
            for name in ordered(list(properties), ui_schema.get("ui:order"))]


def ordered(names: list[str], order: Any) -> list[str]:
    """`names` in "ui:order" order; "*" stands for every name the order leaves out (at the end without it)."""
    if not isinstance(order, list):
        return names
    listed = [name for name in order if name in names]
    rest = [name for name in names if name not in listed]
    if "*" in order:
        position = sum(1 for name in order[:order.index("*")] if name in names)
        return listed[:position] + rest + listed[position:]
    return listed + rest


def _ui_of(ui_schema: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    ui = ui_schema.get(name)
    return ui if isinstance(ui, Mapping) else {}


def _field(name: str, spec: dict[str, Any], required: bool, ui: Mapping[str, Any]) -> FormField:
    kind = _type_of(spec)
    asked = ui.get("ui:widget")
    attributes: dict[str, Any] = {}
    if ui.get("ui:placeholder"):
        attributes["placeholder"] = ui["ui:placeholder"]
    common = {"name": name, "label": ui.get("ui:title") or spec.get("title") or name.replace("_", " ").capitalize(),
              "required": required, "help": ui.get("ui:help") or spec.get("description", ""),
              "default": as_text(spec.get("default")),
              "readonly": bool(ui.get("ui:readonly") or ui.get("ui:disabled") or spec.get("readOnly")),
              "hidden": asked == "hidden"}
    choices = _choices(spec)
    if choices or spec.get("enum") == []:   # an empty list: choices from the task's data, and it has none
        return FormField(widget="radio" if asked == "radio" else "select", choices=choices, attributes=attributes,
                         **common)
    if kind == "boolean":
        yes_no = (("true", "Yes", True), ("false", "No", False))
        return FormField(widget="select" if asked == "select" else "yes_no", choices=yes_no, **common)
    if kind in ("integer", "number"):
        if kind == "number" and (asked == "money" or spec.get("format") in MONEY_FORMATS or _in_cents(spec)):
            return FormField(widget="money", attributes={**attributes, "inputmode": "decimal", **_bounds(spec)},
                             **common)
        attributes.update({"step": "1" if kind == "integer" else "any", **_bounds(spec)})
        return FormField(widget=kind, attributes=attributes, **common)
    if kind == "string":
        return _text_field(spec, asked, attributes, common)
    if kind == "array" and isinstance(spec.get("items"), Mapping):
        return _array_field(spec, ui, common)
    return FormField(widget="unsupported", **common)


def _text_field(spec: dict[str, Any], asked: Any, attributes: dict[str, Any], common: dict[str, Any]) -> FormField:
    text_format = spec.get("format")
    if asked == "file" or text_format == "data-url":
        return FormField(widget="file", attributes={"accept": FILE_ACCEPT}, **common)
    if asked == "date" or text_format == "date":
        return FormField(widget="date", attributes=attributes, **common)
    if text_format == "email":
        return FormField(widget="email", attributes=attributes, **common)
    if text_format == "date-time":
        return FormField(widget="datetime", attributes={"placeholder": "2026-11-20T15:00:00+00:00", **attributes},
                         **common)
    attributes.update({key: spec[keyword] for keyword, key in (("maxLength", "maxlength"), ("minLength", "minlength"))
                       if keyword in spec})
    long_text = asked == "textarea" or (asked is None and spec.get("maxLength", 0) > LONG_TEXT)
    return FormField(widget="textarea" if long_text else "text", attributes=attributes, **common)


def _array_field(spec: dict[str, Any], ui: Mapping[str, Any], common: dict[str, Any]) -> FormField:
    """An array: a table of rows (objects), checkboxes (items with choices) or a list (plain values)."""
    items = spec["items"]
    items_ui = ui.get("items") if isinstance(ui.get("items"), Mapping) else {}
    max_rows = min(int(spec.get("maxItems", MAX_ROWS)), MAX_ROWS)
    item_kind = _type_of(items)
    if item_kind == "string" and (items_ui.get("ui:widget") == "file" or items.get("format") == "data-url"):
        return FormField(widget="files", attributes={"accept": FILE_ACCEPT}, max_rows=max_rows, **common)
    if item_kind == "object":
        columns = tuple(column for column in fields_of(items, items_ui) if column.widget not in ("rows", "file"))
        return FormField(widget="rows", columns=columns, max_rows=max_rows, **common)
    choices = _choices(items)
    if choices or "enum" in items:
        return FormField(widget="checkboxes", choices=choices, max_rows=max_rows, **common)
    if item_kind in ("string", "integer", "number"):
        column = _field(LIST_ITEM, dict(items), True, items_ui)
        column = replace(column, label=items_ui.get("ui:title") or items.get("title") or "Entry")
        return FormField(widget="list", columns=(column,), max_rows=max_rows, **common)
    return FormField(widget="unsupported", **common)


def _bounds(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {attribute: spec[keyword] for keyword, attribute in (("minimum", "min"), ("maximum", "max"))
            if keyword in spec}


def _in_cents(spec: Mapping[str, Any]) -> bool:
    return spec.get("multipleOf") in (0.01, "0.01")


def _type_of(spec: Mapping[str, Any]) -> str | None:
    kind = spec.get("type")
    if isinstance(kind, list):      # ["string", "null"]: the non-null one decides the input
        kind = next((each for each in kind if each != "null"), None)
    return kind


def _choices(spec: Mapping[str, Any]) -> tuple[tuple[str, str, Any], ...]:
    if "enum" in spec:
        return tuple((as_text(value), as_text(value), value) for value in spec["enum"] if value is not None)
    options = spec.get("oneOf") or spec.get("anyOf") or ()
    if options and all(isinstance(option, dict) and "const" in option for option in options):
        return tuple((as_text(option["const"]), option.get("title") or as_text(option["const"]), option["const"])
                     for option in options)
    return ()


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

