"""Drawing a task's form from its JSON Schema and reading the browser's strings back as typed values."""
from __future__ import annotations

import pytest

from web.inbox.forms import coerce_submission, fields_of, initial_values

RELEASE_SCHEMA = {
    "type": "object",
    "required": ["released_on", "method"],
    "properties": {
        "released_on": {"type": "string", "format": "date", "title": "Released on"},
        "method": {"type": "string", "enum": ["email", "mail", "pickup"]},
        "copies": {"type": "integer", "minimum": 1, "maximum": 10},
        "fee": {"type": "number", "default": 0},
        "notes": {"type": "string", "maxLength": 2000, "description": "Anything the requester should know."},
        "certified": {"type": "boolean"},
        "requester_name": {"type": ["string", "null"], "maxLength": 100},
        "exemption": {"oneOf": [{"const": "45-221(a)(1)", "title": "Closed by statute"},
                                {"const": "45-221(a)(30)", "title": "Personal privacy"}]},
        "attachments": {"type": "array", "items": {"type": "string"}},
    },
}


def widgets(schema):
    return {field.name: field.widget for field in fields_of(schema)}


def test_each_schema_type_gets_its_input():
    assert widgets(RELEASE_SCHEMA) == {
        "released_on": "date", "method": "select", "copies": "integer", "fee": "number", "notes": "textarea",
        "certified": "yes_no", "requester_name": "text", "exemption": "select", "attachments": "unsupported"}


def test_labels_requiredness_limits_and_defaults_come_from_the_schema():
    fields = {field.name: field for field in fields_of(RELEASE_SCHEMA)}
    assert fields["released_on"].label == "Released on" and fields["released_on"].required
    assert fields["requester_name"].label == "Requester name" and not fields["requester_name"].required
    assert fields["copies"].attributes == {"step": "1", "min": 1, "max": 10}
    assert fields["notes"].help == "Anything the requester should know."
    assert [label for _, label, _ in fields["exemption"].choices] == ["Closed by statute", "Personal privacy"]
    assert initial_values(fields_of(RELEASE_SCHEMA))["fee"] == "0"


def test_strings_become_the_schema_types_and_empty_optional_inputs_are_left_out():
    submission, errors = coerce_submission(fields_of(RELEASE_SCHEMA), {
        "released_on": "2026-11-25", "method": "mail", "copies": " 3 ", "fee": "1.50", "notes": "  two boxes\n",
        "certified": "false", "requester_name": "", "exemption": "45-221(a)(30)", "attachments": "x"})
    assert errors == {}
    assert submission == {"released_on": "2026-11-25", "method": "mail", "copies": 3, "fee": 1.5,
                          "notes": "  two boxes\n", "certified": False, "exemption": "45-221(a)(30)"}


def test_whole_number_typed_in_a_number_field_stays_whole():
    submission, _ = coerce_submission(fields_of(RELEASE_SCHEMA), {"fee": "2"})
    assert submission == {"fee": 2} and isinstance(submission["fee"], int)


@pytest.mark.parametrize("name, typed, error", [
    ("copies", "2.5", "must be a whole number"),
    ("copies", "three", "must be a whole number"),
    ("fee", "NaN", "must be a number"),
    ("fee", "$4", "must be a number"),
    ("certified", "maybe", "choose yes or no"),
    ("method", "carrier pigeon", "choose one of the options"),
])
def test_unreadable_value_is_kept_as_typed_with_a_plain_error(name, typed, error):
    submission, errors = coerce_submission(fields_of(RELEASE_SCHEMA), {name: typed})
    assert errors == {name: error}
    assert submission == {name: typed}    # the engine's schema check refuses it along with everything else


def test_a_task_without_a_form_has_no_fields():
    assert fields_of(None) == [] and coerce_submission([], {"anything": "x"}) == ({}, {})
