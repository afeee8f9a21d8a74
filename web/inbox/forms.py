"""A user task's form, drawn from its JSON Schema, and the typed values a submission means.

The engine checks every submission against the schema; this module only chooses an input for
each property and turns the browser's strings back into the schema's types (empty optional
inputs are left out). Widgets: enum (or oneOf consts) -> select; boolean -> yes/no radios;
integer/number -> number input; string with format date -> date input; a string allowed to be
longer than `LONG_TEXT` characters -> textarea; any other string -> text input.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

LONG_TEXT = 200
WHOLE_NUMBER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str          # text, textarea, date, datetime, email, select, integer, number, yes_no, unsupported
    required: bool
    help: str = ""
    choices: tuple[tuple[str, str, Any], ...] = ()   # (submitted text, label, value)
    attributes: dict[str, Any] = field(default_factory=dict)   # min, max, maxlength, ... for the input
    default: str = ""


def fields_of(schema: Mapping[str, Any] | None) -> list[FormField]:
    """One field per property of the schema, in the schema's order."""
    if not schema:
        return []
    required = set(schema.get("required", ()))
    return [_field(name, dict(spec), name in required) for name, spec in schema.get("properties", {}).items()]


def coerce_submission(fields: list[FormField], form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(submission, field errors) from the posted strings.

    A value that cannot be read as its type stays in the submission as the text typed, so the
    engine's schema check (which always refuses it) reports it along with every other problem
    in one go; the error here, in plainer words, is shown instead of the engine's."""
    submission: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for form_field in fields:
        if form_field.widget == "unsupported":
            continue
        raw = form.get(form_field.name, "")
        text = raw if form_field.widget == "textarea" else raw.strip()
        if not text.strip():
            continue
        value, error = _typed(form_field, text)
        submission[form_field.name] = value
        if error:
            errors[form_field.name] = error
    return submission, errors


def initial_values(fields: list[FormField]) -> dict[str, str]:
    return {form_field.name: form_field.default for form_field in fields}


def _field(name: str, spec: dict[str, Any], required: bool) -> FormField:
    kind = _type_of(spec)
    label = spec.get("title") or name.replace("_", " ").capitalize()
    common = {"name": name, "label": label, "required": required, "help": spec.get("description", ""),
              "default": _as_text(spec.get("default"))}
    choices = _choices(spec)
    if choices:
        return FormField(widget="select", choices=choices, **common)
    if kind == "boolean":
        return FormField(widget="yes_no", choices=(("true", "Yes", True), ("false", "No", False)), **common)
    if kind in ("integer", "number"):
        attributes = {"step": "1" if kind == "integer" else "any"}
        for keyword, attribute in (("minimum", "min"), ("maximum", "max")):
            if keyword in spec:
                attributes[attribute] = spec[keyword]
        return FormField(widget=kind, attributes=attributes, **common)
    if kind == "string":
        text_format = spec.get("format")
        if text_format in ("date", "email"):
            return FormField(widget=text_format, **common)
        if text_format == "date-time":
            return FormField(widget="datetime", attributes={"placeholder": "2026-11-20T15:00:00+00:00"}, **common)
        attributes = {key: spec[keyword] for keyword, key in (("maxLength", "maxlength"), ("minLength", "minlength"))
                      if keyword in spec}
        long_text = spec.get("maxLength", 0) > LONG_TEXT
        return FormField(widget="textarea" if long_text else "text", attributes=attributes, **common)
    return FormField(widget="unsupported", **common)


def _type_of(spec: Mapping[str, Any]) -> str | None:
    kind = spec.get("type")
    if isinstance(kind, list):      # ["string", "null"]: the non-null one decides the input
        kind = next((each for each in kind if each != "null"), None)
    return kind


def _choices(spec: Mapping[str, Any]) -> tuple[tuple[str, str, Any], ...]:
    if "enum" in spec:
        return tuple((_as_text(value), _as_text(value), value) for value in spec["enum"] if value is not None)
    options = spec.get("oneOf") or spec.get("anyOf") or ()
    if options and all(isinstance(option, dict) and "const" in option for option in options):
        return tuple((_as_text(option["const"]), option.get("title") or _as_text(option["const"]), option["const"])
                     for option in options)
    return ()


def _typed(form_field: FormField, text: str) -> tuple[Any, str | None]:
    widget = form_field.widget
    if widget in ("select", "yes_no"):
        for submitted, _label, value in form_field.choices:
            if submitted == text:
                return value, None
        return text, "choose one of the options" if widget == "select" else "choose yes or no"
    if widget == "integer":
        return (int(text), None) if WHOLE_NUMBER.fullmatch(text) else (text, "must be a whole number")
    if widget == "number":
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text, "must be a number"
        if not number.is_finite():
            return text, "must be a number"
        as_float = float(number)
        return (int(number) if number == number.to_integral_value() and math.isfinite(as_float) else as_float), None
    return text, None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def prefilled_values(fields: list[FormField], latest: Mapping[str, Any]) -> dict[str, str]:
    """The form's defaults, replaced by the request's latest recorded value for each field."""
    values = initial_values(fields)
    for form_field in fields:
        if form_field.name in latest and latest[form_field.name] is not None:
            values[form_field.name] = _as_text(latest[form_field.name])
    return values
