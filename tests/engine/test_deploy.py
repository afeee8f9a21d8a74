"""Deploying diagrams: versions, no-op redeploys, and every refusal with a located message."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine import DeployRefused
from scenario_data import DIAGRAMS, FORMS

GOOD = (DIAGRAMS / "request_shaped.bpmn").read_text()


def write_variant(tmp_path: Path, bpmn: str, *, forms: dict[str, str] | None = None) -> tuple[Path, Path]:
    """A copy of the request-shaped diagram (and its forms), changed as a test needs."""
    forms_dir = tmp_path / "forms"
    shutil.copytree(FORMS, forms_dir)
    for name, content in (forms or {}).items():
        (forms_dir / name).write_text(content)
    path = tmp_path / "request_shaped.bpmn"
    path.write_text(bpmn)
    return path, forms_dir


def refusal(engine, tmp_path, bpmn: str, **kwargs) -> str:
    path, forms_dir = write_variant(tmp_path, bpmn, **kwargs)
    with pytest.raises(DeployRefused) as refused:
        engine.deploy_file(path, forms_dir, actor="analyst")
    assert engine.versions() == [], "a refused diagram must not create a version"
    return str(refused.value)


def test_first_deploy_creates_version_one_with_checksum_and_author(engine, friday_9am):
    result = engine.deploy_file(DIAGRAMS / "request_shaped.bpmn", FORMS, actor="ana")
    assert result.created
    assert (result.version.process_key, result.version.version, result.version.deployed_by) == ("request_shaped", 1, "ana")
    assert len(result.version.checksum) == 64
    assert result.version.forms == ("release_records.schema.json", "review_request.schema.json")


def test_redeploying_an_unchanged_diagram_is_a_no_op(engine):
    first = engine.deploy_file(DIAGRAMS / "request_shaped.bpmn", FORMS, actor="ana")
    again = engine.deploy_file(DIAGRAMS / "request_shaped.bpmn", FORMS, actor="ben")
    assert not again.created
    assert again.version == first.version
    assert [v.version for v in engine.versions("request_shaped")] == [1]


def test_changed_form_alone_makes_a_new_version(engine, tmp_path):
    engine.deploy_file(DIAGRAMS / "request_shaped.bpmn", FORMS, actor="ana")
    schema = json.loads((FORMS / "release_records.schema.json").read_text())
    schema["properties"]["released_on"]["description"] = "The day the requester got the records"
    path, forms_dir = write_variant(tmp_path, GOOD, forms={"release_records.schema.json": json.dumps(schema)})
    assert engine.deploy_file(path, forms_dir, actor="ana").version.version == 2


def test_malformed_xml_is_refused_with_its_line(engine, tmp_path):
    message = refusal(engine, tmp_path, GOOD.replace("</bpmn:process>", "</bpmn:proces>"))
    assert "request_shaped.bpmn, line" in message and "not well-formed XML" in message


def test_doctype_with_entities_is_refused_and_never_resolved(engine, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    hostile = GOOD.replace('<?xml version="1.0" encoding="UTF-8"?>',
                           f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY leak SYSTEM "file://{secret}">]>')
    hostile = hostile.replace('name="Review request"', 'name="&leak;"')
    message = refusal(engine, tmp_path, hostile)
    assert "DOCTYPE" in message and "TOP-SECRET" not in message


def test_bpmn_the_spiff_parser_rejects_is_refused_with_the_element(engine, tmp_path):
    message = refusal(engine, tmp_path, GOOD.replace('targetRef="release_records"', 'targetRef="no_such_task"'))
    assert "request_shaped.bpmn" in message and "no_such_task" in message


def test_bpmn_failing_the_schema_is_refused(engine, tmp_path):
    message = refusal(engine, tmp_path, GOOD.replace("<bpmn:endEvent id=\"records_released\"",
                                                     "<bpmn:bogusElement id=\"x\" /><bpmn:endEvent id=\"records_released\""))
    assert "request_shaped.bpmn" in message and "bogusElement" in message


def test_missing_form_file_is_refused_naming_task_and_file(engine, tmp_path):
    message = refusal(engine, tmp_path, GOOD.replace("release_records.schema.json", "release_recrods.schema.json"))
    assert "element 'release_records'" in message and "release_recrods.schema.json" in message and "missing" in message


def test_form_that_is_not_a_json_schema_is_refused(engine, tmp_path):
    message = refusal(engine, tmp_path, GOOD, forms={
        "review_request.schema.json": json.dumps({"type": "object", "properties": {"pages": {"type": "pagecount"}}})})
    assert "review_request.schema.json" in message and "not a valid JSON Schema" in message


def test_form_that_is_not_json_is_refused(engine, tmp_path):
    message = refusal(engine, tmp_path, GOOD, forms={"review_request.schema.json": "{not json"})
    assert "review_request.schema.json: not valid JSON" in message


def test_unknown_operator_is_refused_with_a_suggestion(engine, tmp_path):
    message = refusal(engine, tmp_path, GOOD.replace('id="calendar.business_deadline"', 'id="calendar.business_deadlin"'))
    assert "element 'compute_deadline'" in message
    assert '"calendar.business_deadlin", which is not registered; did you mean "calendar.business_deadline"?' in message


def test_missing_required_operator_parameter_is_refused(engine, tmp_path):
    message = refusal(engine, tmp_path, GOOD.replace(
        '<spiffworkflow:parameter id="business_days" type="integer" value="3" />', ""))
    assert 'needs parameter "business_days"' in message and "element 'compute_deadline'" in message


def test_script_that_does_not_compile_is_refused_with_its_line(engine, tmp_path):
    message = refusal(engine, tmp_path, GOOD.replace("fee = round(pages * 0.25, 2)", "fee = round(pages * "))
    assert "element 'compute_fee'" in message and "script" in message


def test_condition_that_does_not_compile_is_refused(engine, tmp_path):
    message = refusal(engine, tmp_path, GOOD.replace("approved == True", "approved =="))
    assert "element 'decision'" in message and "condition on the flow to 'compute_fee'" in message


@pytest.mark.parametrize("script, forbidden", [
    ("import os", "import"),
    ("os = __import__('os')", "import"),
    ("classes = ().__class__.__bases__[0].__subclasses__()", "__class__"),
    ("secret = open('/etc/passwd').read()", "open"),
])
def test_scripts_that_reach_outside_the_sandbox_are_refused_at_deploy(engine, tmp_path, script, forbidden):
    message = refusal(engine, tmp_path, GOOD.replace("fee = round(pages * 0.25, 2)", script))
    assert "element 'compute_fee'" in message and forbidden in message


def test_every_problem_is_reported_at_once(engine, tmp_path):
    broken = GOOD.replace("approved == True", "approved ==").replace("release_records.schema.json", "gone.json")
    message = refusal(engine, tmp_path, broken)
    assert "2 problem(s)" in message


def test_diagram_without_executable_process_is_refused(engine, tmp_path):
    message = refusal(engine, tmp_path, GOOD.replace('isExecutable="true"', 'isExecutable="false"'))
    assert "exactly one executable process" in message
