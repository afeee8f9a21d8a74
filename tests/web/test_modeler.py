"""The modeler's server side (issue 6): versions with who and when, a version's BPMN, validation with
located problems, deploying a new version (analysts and administrators only), comparing versions,
the operator and form catalogues, and the form editor (saving checks the schema and keeps a draft in the
database: it writes nothing, in forms/ or anywhere else).
The round trip: every diagram in processes/ read and written by bpmn-moddle with our spiffworkflow
descriptor (what the modeler does on open and save) loses nothing and deploys."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from records_office import open_records_office

from web.modeler.compare import compare_diagrams

REPO = Path(__file__).parents[2]
PROCESSES = sorted((REPO / "processes").glob("*.bpmn"))
ROUNDTRIP = REPO / "web" / "assets" / "modeler" / "roundtrip.mjs"



@pytest.fixture
def office(process_engine):
    return open_records_office(process_engine)


def records_request_xml() -> str:
    return (REPO / "processes" / "records_request.bpmn").read_text(encoding="utf-8")


def post_json(client, path, body, token):
    return client.post(path, data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRF-Token": token, "Accept": "application/json"})


def test_process_list_shows_each_version_with_who_and_when(login_as, client, office):
    login_as("analyst")
    page = client.get("/modeler").get_data(as_text=True)
    assert "Version 1" in page and "analyst" in page and "records_request.bpmn" in page
    assert "/modeler/records_request/1" in page and "review_request.schema.json" in page


def test_any_staff_may_open_a_version_in_the_modeler_but_only_deployers_see_deploy(login_as, client, office):
    login_as("clerk")
    response = client.get("/modeler/records_request/1")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="modeler-settings"' in page and "vendor/modeler/modeler.js" in page
    assert "modeler-deploy" not in page
    assert "style-src 'self' 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]   # scripts stay 'self' only


def test_download_is_the_deployed_xml(login_as, client, office):
    login_as("analyst")
    response = client.get("/modeler/records_request/1/bpmn")
    assert response.get_data(as_text=True) == records_request_xml()
    assert 'filename="records_request-v1.bpmn"' in response.headers["Content-Disposition"]
    assert client.get("/modeler/records_request/9/bpmn").status_code == 404


def test_operators_and_forms_catalogues(login_as, client, forms_copy):
    login_as("analyst")
    operators = {operator["name"]: operator for operator in client.get("/modeler/operators.json").get_json()}
    assert [parameter["name"] for parameter in operators["calendar.business_deadline"]["parameters"]] == [
        "received_at", "business_days"]
    forms = client.get("/modeler/forms.json").get_json()
    assert "review_request.schema.json" in forms["records_request"]


def test_validate_lists_each_problem_with_its_element(login_as, client, csrf_token):
    login_as("clerk")
    token = csrf_token(client, "/inbox")
    broken = records_request_xml().replace('"calendar.business_deadline"', '"calendar.business_deadlin"', 1)
    answer = post_json(client, "/modeler/validate", {"bpmn": broken, "file_name": "records_request.bpmn"}, token).get_json()
    assert answer["ok"] is False
    [problem] = answer["problems"]
    assert problem["bpmn_id"] == "compute_response_deadline" and problem["line"]
    assert 'did you mean "calendar.business_deadline"' in problem["message"]
    fine = post_json(client, "/modeler/validate", {"bpmn": records_request_xml(), "file_name": "x.bpmn"}, token)
    assert fine.get_json() == {"ok": True, "message": "No problems found: this diagram can be deployed.",
                               "problems": []}


def test_validate_reports_xml_that_does_not_parse(login_as, client, csrf_token):
    login_as("analyst")
    answer = post_json(client, "/modeler/validate", {"bpmn": "<bpmn:definitions", "file_name": "x.bpmn"},
                       csrf_token(client, "/inbox")).get_json()
    assert answer["ok"] is False and "not well-formed XML" in answer["problems"][0]["message"]


def test_validate_and_deploy_need_the_csrf_header(login_as, client):
    login_as("analyst")
    response = client.post("/modeler/deploy", json={"bpmn": records_request_xml()})
    assert response.status_code == 400


@pytest.mark.parametrize("roles", [("clerk",), ("custodian",), ("city_attorney",)])
def test_only_analysts_and_administrators_deploy(login_as, client, csrf_token, office, process_engine, roles):
    login_as(*roles)
    changed = records_request_xml().replace('value="3"', 'value="4"', 1)
    response = post_json(client, "/modeler/deploy", {"bpmn": changed, "file_name": "records_request.bpmn"},
                         csrf_token(client, "/inbox"))
    assert response.status_code == 403
    assert [view.version for view in process_engine.versions("records_request")] == [1]


@pytest.mark.parametrize("role", ["analyst", "administrator"])
def test_deploy_makes_a_new_version_and_compare_shows_the_change(login_as, client, csrf_token, office,
                                                                 process_engine, role):
    login_as(role, username="pat")
    token = csrf_token(client, "/inbox")
    changed = records_request_xml().replace('value="3"', 'value="4"', 1)
    answer = post_json(client, "/modeler/deploy", {"bpmn": changed, "file_name": "records_request.bpmn"}, token)
    assert answer.status_code == 200
    assert answer.get_json()["version"] == 2 and answer.get_json()["created"] is True
    latest = process_engine.versions("records_request")[-1]
    assert (latest.version, latest.deployed_by) == (2, "pat")
    assert client.get("/modeler/records_request/2/bpmn").get_data(as_text=True) == changed
    comparison = client.get("/modeler/records_request/compare?from=1&to=2", headers={"Accept": "application/json"})
    body = comparison.get_json()
    assert body["added"] == [] and body["removed"] == []
    assert [change["bpmn_id"] for change in body["changed"]] == ["compute_response_deadline"]
    page = client.get("/modeler/records_request/compare?from=1&to=2").get_data(as_text=True)
    assert "compute_response_deadline" in page and "Changed (1)" in page
    again = post_json(client, "/modeler/deploy", {"bpmn": changed, "file_name": "records_request.bpmn"}, token)
    assert again.get_json()["created"] is False


def test_deploy_refused_lists_problems_and_stores_nothing(login_as, client, csrf_token, office, process_engine):
    login_as("analyst")
    broken = records_request_xml().replace("review_request.schema.json", "no_such_form.schema.json")
    response = post_json(client, "/modeler/deploy", {"bpmn": broken, "file_name": "records_request.bpmn"},
                         csrf_token(client, "/inbox"))
    assert response.status_code == 422
    assert response.get_json()["problems"][0]["bpmn_id"] == "review_request"
    assert len(process_engine.versions("records_request")) == 1


def test_compare_names_added_and_removed_elements():
    old = records_request_xml()
    new = old.replace('<bpmn:userTask id="review_request"', '<bpmn:userTask id="review_the_request"')
    comparison = compare_diagrams(old, new)
    assert [change.bpmn_id for change in comparison.added] == ["review_the_request"]
    assert [change.bpmn_id for change in comparison.removed] == ["review_request"]


def test_form_editor_shows_the_schema_and_its_preview(login_as, client, forms_copy):
    login_as("clerk")
    page = client.get("/modeler/forms/records_request/review_request.schema.json").get_data(as_text=True)
    assert "form-preview" in page and 'name="schema"' in page and "readonly" in page
    assert 'class="field' in page           # the fields drawn by the task page's partial


def test_form_preview_draws_the_posted_schema(login_as, client, forms_copy, csrf_token):
    login_as("analyst")
    token = csrf_token(client, "/modeler/forms/records_request/review_request.schema.json")
    schema = {"type": "object", "properties": {"pages": {"type": "integer", "title": "Pages copied"}}}
    preview = client.post("/modeler/forms/records_request/review_request.schema.json/preview",
                          data={"schema": json.dumps(schema)}, headers={"X-CSRF-Token": token})
    assert "Pages copied" in preview.get_data(as_text=True)
    bad = client.post("/modeler/forms/records_request/review_request.schema.json/preview",
                      data={"schema": "{"}, headers={"X-CSRF-Token": token})
    assert "not valid JSON" in bad.get_data(as_text=True)


def test_saving_a_form_checks_it_is_a_json_schema(login_as, client, forms_copy, post_form):
    login_as("analyst")
    path = "/modeler/forms/records_request/review_request.schema.json"
    refused = post_form(client, path, {"schema": '{"type": "objekt"}'}, token_from=path)
    assert refused.status_code == 422 and "not a valid JSON Schema" in refused.get_data(as_text=True)
    installed = (forms_copy / "records_request" / "review_request.schema.json").read_text()
    assert "objekt" not in installed
    assert "as installed" in client.get(path).get_data(as_text=True)          # the refused text kept nowhere
    schema = '{"type": "object", "properties": {"note": {"type": "string"}}}'
    saved = post_form(client, path, {"schema": schema}, token_from=path)
    assert saved.status_code == 302
    assert (forms_copy / "records_request" / "review_request.schema.json").read_text() == installed
    page = client.get(path).get_data(as_text=True)
    assert "the draft saved by analyst" in page and "&#34;note&#34;" in page


def test_only_analysts_and_administrators_save_forms(login_as, client, forms_copy, post_form):
    login_as("clerk")
    path = "/modeler/forms/records_request/review_request.schema.json"
    before = (forms_copy / "records_request" / "review_request.schema.json").read_text()
    response = post_form(client, path, {"schema": '{"type": "object"}'}, token_from=path)
    assert response.status_code == 403
    assert (forms_copy / "records_request" / "review_request.schema.json").read_text() == before
    assert "as installed" in client.get(path).get_data(as_text=True)          # no draft was kept either


@pytest.mark.parametrize("path", ["/modeler/forms/records_request/..%2Fx.schema.json",
                                  "/modeler/forms/..%2F..%2Fetc/passwd.schema.json",
                                  "/modeler/forms/records_request/notes.txt",
                                  "/modeler/forms/.hidden/x.schema.json"])
def test_form_paths_outside_forms_are_refused(login_as, client, forms_copy, path):
    login_as("analyst")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("diagram", PROCESSES, ids=[path.stem for path in PROCESSES])
def test_every_process_downloads_and_redeploys_as_the_same_version(login_as, client, csrf_token, process_engine,
                                                                    forms_copy, diagram):
    process_engine.deploy_file(diagram, REPO / "forms", actor="setup")
    login_as("analyst")
    key = process_engine.versions()[0].process_key
    xml = client.get(f"/modeler/{key}/1/bpmn").get_data(as_text=True)
    assert xml == diagram.read_text(encoding="utf-8")
    answer = post_json(client, "/modeler/deploy", {"bpmn": xml, "file_name": diagram.name},
                       csrf_token(client, "/inbox")).get_json()
    assert answer["ok"] and answer["created"] is False and answer["version"] == 1


@pytest.mark.skipif(shutil.which("node") is None or not (REPO / "node_modules" / "bpmn-moddle").is_dir(),
                    reason="needs node and the npm packages (make node_modules/.installed)")
@pytest.mark.parametrize("diagram", PROCESSES, ids=[path.stem for path in PROCESSES])
def test_modeler_round_trip_loses_nothing_and_deploys(process_engine, diagram):
    run = subprocess.run(["node", str(ROUNDTRIP), str(diagram)], capture_output=True, text=True, check=True,
                         cwd=REPO, timeout=60)
    assert run.stderr == ""                       # no element or attribute the descriptor does not know
    original = diagram.read_text(encoding="utf-8")
    assert compare_diagrams(original, run.stdout).unchanged
    from engine import DiagramSource
    from engine.deploy import source_with_forms
    source = source_with_forms(diagram.name, run.stdout.encode(), REPO / "forms")
    assert process_engine.check_source(source) == []
    result = process_engine.deploy_source(source, actor="analyst")
    assert result.created and isinstance(source, DiagramSource)
