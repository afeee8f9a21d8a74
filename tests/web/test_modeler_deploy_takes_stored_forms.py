"""The modeler's Validate and Deploy take a form missing from FORMS_DIR from an earlier version of the
same process (ProcessVersion.forms), so an edited diagram redeploys on a machine whose forms/ folder
lacks the form; a form in FORMS_DIR still wins, and a form found nowhere is still refused."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.deploy import with_stored_forms
from engine.models import ProcessVersion

REPO = Path(__file__).parents[2]
RECORDS_REQUEST = REPO / "processes" / "records_request.bpmn"
REVIEW_FORM = "review_request.schema.json"


@pytest.fixture
def empty_forms(app, tmp_path):
    """A FORMS_DIR holding no form at all."""
    folder = tmp_path / "forms"
    folder.mkdir()
    app.config["FORMS_DIR"] = str(folder)
    return folder


@pytest.fixture
def analyst(login_as, client, csrf_token):
    login_as("analyst")
    token = csrf_token(client, "/inbox")

    def post(path: str, xml: str):
        return client.post(path, data=json.dumps({"bpmn": xml, "file_name": "records_request.bpmn"}),
                           content_type="application/json", headers={"X-CSRF-Token": token, "Accept": "application/json"})
    return post


def edited_records_request() -> str:
    xml = RECORDS_REQUEST.read_text(encoding="utf-8")
    return xml.replace('name="Review the request"', 'name="Review the records request"', 1)


def kept_forms(process_engine) -> dict[int, dict]:
    """The forms each version of the records request keeps, by version number."""
    with process_engine.database.read() as session:
        return dict(session.execute(select(ProcessVersion.version, ProcessVersion.forms)
                                    .where(ProcessVersion.process_key == "records_request")).all())


def test_an_edited_diagram_deploys_with_the_forms_of_the_version_before(process_engine, analyst, empty_forms):
    process_engine.deploy_file(RECORDS_REQUEST, REPO / "forms", actor="setup")
    assert analyst("/modeler/validate", edited_records_request()).get_json()["ok"] is True
    answer = analyst("/modeler/deploy", edited_records_request()).get_json()
    assert answer["ok"] and answer["created"] and answer["version"] == 2
    forms = kept_forms(process_engine)
    assert forms[2] == forms[1]                       # every form carried over, the same JSON
    assert forms[2][REVIEW_FORM] == json.loads((REPO / "forms" / "records_request" / REVIEW_FORM).read_text())


def test_a_form_in_the_forms_folder_wins_over_the_stored_copy(process_engine, analyst, empty_forms):
    process_engine.deploy_file(RECORDS_REQUEST, REPO / "forms", actor="setup")
    changed = {"type": "object", "title": "Review (new)", "properties": {}}
    (empty_forms / "records_request").mkdir()
    (empty_forms / "records_request" / REVIEW_FORM).write_text(json.dumps(changed), encoding="utf-8")
    answer = analyst("/modeler/deploy", edited_records_request()).get_json()
    assert answer["ok"] and answer["version"] == 2
    forms = kept_forms(process_engine)
    assert forms[2][REVIEW_FORM] == changed
    assert forms[2]["request.schema.json"] == forms[1]["request.schema.json"]


def test_the_newest_stored_copy_of_a_form_is_taken(process_engine, analyst, empty_forms, tmp_path):
    process_engine.deploy_file(RECORDS_REQUEST, REPO / "forms", actor="setup")
    newer_forms = tmp_path / "newer_forms"
    shutil.copytree(REPO / "forms", newer_forms)
    newer = {"type": "object", "title": "Review (version 2)", "properties": {}}
    (newer_forms / "records_request" / REVIEW_FORM).write_text(json.dumps(newer), encoding="utf-8")
    assert process_engine.deploy_file(RECORDS_REQUEST, newer_forms, actor="setup").version.version == 2
    answer = analyst("/modeler/deploy", edited_records_request()).get_json()
    assert answer["ok"] and answer["version"] == 3
    assert kept_forms(process_engine)[3][REVIEW_FORM] == newer


def test_a_form_found_nowhere_is_still_refused(analyst, empty_forms):
    answer = analyst("/modeler/validate", edited_records_request()).get_json()
    assert answer["ok"] is False
    assert any(f"form file '{REVIEW_FORM}' is missing" in problem["message"] and problem["bpmn_id"] == "review_request"
               for problem in answer["problems"])


def test_only_forms_missing_from_the_folder_are_taken_from_the_stored_ones():
    from_folder = {"a.schema.json": b'{"type": "object"}', "b.schema.json": None, "c.ui.json": None}
    stored = {"a.schema.json": {"type": "string"}, "b.schema.json": {"title": "B"}}
    forms = with_stored_forms(from_folder, stored)
    assert forms["a.schema.json"] == b'{"type": "object"}'
    assert json.loads(forms["b.schema.json"]) == {"title": "B"}
    assert forms["c.ui.json"] is None
