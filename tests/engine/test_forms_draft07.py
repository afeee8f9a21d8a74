"""Every form is JSON Schema draft-07, the draft SpiffArena's form view (react-jsonschema-form with the
ajv8 validator) knows, and the engine checks submissions against it as before (issue #19)."""
from __future__ import annotations

import json

import pytest
from jsonschema import Draft7Validator
from scenario_data import REPO

from engine import form_validator, schema_problem
from engine.forms import with_task_data_options

FORM_FILES = sorted((REPO / "forms").glob("**/*.schema.json"))
DRAFT_07 = "http://json-schema.org/draft-07/schema#"


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_form_is_a_draft_07_schema_spiffarena_can_show(path):
    form = json.loads(path.read_text())
    assert form.get("$schema") == DRAFT_07
    # SpiffArena fills `options_from_task_data_var:` choices in before its validator sees the form; so do we.
    Draft7Validator.check_schema(with_task_data_options(form, {}))
    assert schema_problem(form) is None


def test_form_without_schema_line_is_read_as_draft_07():
    # A form written in SpiffArena has no "$schema". A list under `items` (one schema per position) is
    # draft-07; draft 2020-12 would refuse the form.
    form = {"type": "object", "properties": {"pair": {"type": "array", "items": [{"type": "string"},
                                                                                 {"type": "integer"}]}}}
    assert schema_problem(form) is None
    validator = form_validator(form)
    assert validator.is_valid({"pair": ["pages", 3]})
    assert not validator.is_valid({"pair": ["pages", "three"]})


def test_server_still_refuses_a_wrong_answer_on_a_draft_07_form():
    form = json.loads((REPO / "forms" / "records_request" / "request.schema.json").read_text())
    validator = form_validator(form)
    assert validator.META_SCHEMA["$id"] == DRAFT_07
    assert list(validator.iter_errors({})), "a request with nothing filled in must be refused"
