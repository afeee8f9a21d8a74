"""Checking what a person submits for a user task against the task's JSON Schema.

Errors name the fields ("pages: must be 0 or more"), so a form can show each one next to
its input; nothing is saved until the whole submission is valid.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from jsonschema import validators
from jsonschema.exceptions import SchemaError, ValidationError

from engine.errors import FormInvalid


# SpiffArena's convention for choices a form cannot list in advance: `"anyOf": ["options_from_task_data_var:
# grounds"]` (or `"items": [...]` for several choices) names a task variable holding
# [{"value": ..., "label": ...}]. The choices are those of the task being done, so the schema a
# person sees and the one their answer is checked against are both the task's.
TASK_DATA_OPTIONS = "options_from_task_data_var:"
# The draft a form without "$schema" is read in: draft-07, the one SpiffArena's form view (react-jsonschema-form
# with ajv8) knows, so a form moved from there is checked here as it was written.
DEFAULT_DRAFT = validators.Draft7Validator
# What a value in the wrong shape is told, in words rather than the validator's ("'pat' is not a 'email'").
FORMAT_WORDS = {"email": "must be written as name@example.org"}


def task_data_options(schema: Any) -> set[str]:
    """The task variables a form takes its choices from (none for most forms)."""
    found: set[str] = set()
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            variable = _options_variable(value) if key in ("anyOf", "items") else None
            if variable:
                found.add(variable)
            else:
                found |= task_data_options(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= task_data_options(value)
    return found


def with_task_data_options(schema: dict[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The form with each `options_from_task_data_var:` placeholder replaced by the task's choices,
    as `{"const": value, "title": label}` alternatives. A variable the task lacks, or one that is not
    a list of {"value", "label"}, gives no choices: nothing can be picked, and the answer is refused."""
    return _resolved(copy.deepcopy(schema), data)


def _resolved(node: Any, data: Mapping[str, Any]) -> Any:
    if isinstance(node, list):
        return [_resolved(value, data) for value in node]
    if not isinstance(node, dict):
        return node
    for key in list(node):
        variable = _options_variable(node[key]) if key in ("anyOf", "items") else None
        if variable is None:
            node[key] = _resolved(node[key], data)
            continue
        options = _options(data.get(variable))
        alternatives = {"anyOf": options} if options else {"enum": []}
        if key == "anyOf":
            del node["anyOf"]
            node.update(alternatives)
        else:   # "items": ["options_from_task_data_var:x"] - several choices from the list
            node["items"] = alternatives
    return node


def _options_variable(value: Any) -> str | None:
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str) \
            and value[0].startswith(TASK_DATA_OPTIONS):
        return value[0].removeprefix(TASK_DATA_OPTIONS).strip() or None
    return None


def _options(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [{"const": option["value"], "title": str(option.get("label") or option["value"])}
            for option in value if isinstance(option, Mapping) and "value" in option]


def schema_problem(schema: Any) -> str | None:
    """Why a form is not a valid JSON Schema ("at properties/pages: ..."), or None when it is. Choices
    taken from task data are checked as the empty list they may turn out to be."""
    checked = with_task_data_options(schema, {}) if isinstance(schema, dict) else schema
    try:
        validators.validator_for(checked, default=DEFAULT_DRAFT).check_schema(checked)
    except SchemaError as err:
        return f"at {'/'.join(str(part) for part in err.path) or '(top)'}: {err.message}"
    return None


def form_validator(schema: dict[str, Any]):
    """A validator for a form's schema (with format checks: a "date" must be a date); build once, reuse."""
    validator_class = _with_decimal_multiples(validators.validator_for(schema, default=DEFAULT_DRAFT))
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


@cache
def _with_decimal_multiples(validator_class):
    """The validator class with `multipleOf` checked in decimal: jsonschema divides binary floats,
    so `"multipleOf": 0.01` would refuse amounts such as 19.99 that a clerk types correctly."""
    return validators.extend(validator_class, {"multipleOf": _decimal_multiple_of})


def _decimal_multiple_of(validator, divisor, instance, schema):
    if not validator.is_type(instance, "number"):
        return
    try:
        remainder = Decimal(str(instance)) % Decimal(str(divisor))
    except InvalidOperation:     # too large to divide exactly: a number that size is no amount of money
        remainder = Decimal(1)
    if remainder != 0:
        yield ValidationError(f"{instance!r} is not a multiple of {divisor}")


def validate_submission(validator, submission: dict[str, Any], task_title: str) -> dict[str, Any]:
    """The submission if it satisfies the form (`validator`, or None: no form); else `FormInvalid` naming every bad field."""
    field_errors = field_problems(validator, submission)
    if field_errors:
        raise FormInvalid(f'"{task_title}" was not saved: {len(field_errors)} field(s) need attention.', field_errors)
    return submission


def field_problems(validator, submission: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with `submission` by the form (`validator`, or None: no form), by field ({} when nothing)."""
    field_errors: dict[str, str] = {}
    if validator is not None:
        for error in sorted(validator.iter_errors(submission), key=lambda e: list(map(str, e.absolute_path))):
            field_errors.setdefault(_field_of(error), _message_of(error))
    return field_errors


def on_the_form(schema: Mapping[str, Any] | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """The values of `data` that are fields of the form `schema`. A start's other data (what the process reads
    besides, such as `received_at`) is not its start form's to check."""
    fields = (schema or {}).get("properties", {})
    return {name: value for name, value in data.items() if name in fields}


def _field_of(error: ValidationError) -> str:
    path = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return f"{path}.{missing}" if path else missing
    if error.validator == "additionalProperties" and "'" in error.message:
        return error.message.split("'")[1]
    return path or "(form)"


def _message_of(error: ValidationError) -> str:
    if error.validator == "required":
        return "is required"
    if error.validator == "additionalProperties":
        return "is not a field of this form"
    if error.validator == "minimum":
        return f"must be {error.validator_value} or more"
    if error.validator == "maximum":
        return f"must be {error.validator_value} or less"
    if error.validator == "minLength" and error.instance == "":
        return "is required"
    if error.validator == "maxLength" and isinstance(error.instance, str):
        return f"must be at most {error.validator_value} characters; this has {len(error.instance)}"
    if error.validator == "type":
        return f"must be of type {error.validator_value}"
    if error.validator == "multipleOf":
        return f"must be a multiple of {error.validator_value}"
    if error.validator == "enum":
        return "must be one of: " + ", ".join(map(str, error.validator_value))
    if error.validator == "format" and error.validator_value in FORMAT_WORDS:
        return FORMAT_WORDS[error.validator_value]
    return error.message
