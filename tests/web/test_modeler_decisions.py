"""Decision tables in the modeler (issue 18): a version's DMN files open on their own page for any member
of staff; the edited table is validated and deployed with the diagram (analysts and administrators, with
the CSRF header); a cell the sandbox refuses is named with its file, line and element; the diagram page
links its tables; the helpers catalogue lists what scripts may call."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
DECISIONS = REPO / "tests" / "engine" / "diagrams" / "decisions"
BPMN, DMN = DECISIONS / "fee_waiver.bpmn", DECISIONS / "fee_waiver.dmn"


@pytest.fixture
def fee_waiver(process_engine):
    return process_engine.deploy_file(BPMN, None, actor="analyst").version


def post_json(client, path, body, token):
    return client.post(path, data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRF-Token": token, "Accept": "application/json"})


def edited(old: str, new: str) -> dict:
    """The body the decision table page posts: the version's BPMN and the table with one cell changed."""
    return {"bpmn": BPMN.read_text(), "file_name": BPMN.name,
            "decisions": {DMN.name: DMN.read_text().replace(f"<text>{old}</text>", f"<text>{new}</text>")}}


@pytest.mark.parametrize("role", ["clerk", "analyst", "administrator"])
def test_staff_open_a_decision_table_deployed_with_a_version(login_as, client, fee_waiver, role):
    login_as(role)
    response = client.get("/modeler/fee_waiver/1/decisions/fee_waiver.dmn")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "vendor/modeler/decision.js" in page and 'id="modeler-settings"' in page
    assert ("modeler-deploy" in page) is (role != "clerk")
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert client.get("/modeler/fee_waiver/1/decisions/fee_waiver.dmn/dmn").get_data(as_text=True) == DMN.read_text()
    assert "/modeler/fee_waiver/1/decisions/fee_waiver.dmn" in client.get("/modeler/fee_waiver/1").get_data(as_text=True)


def test_a_decision_table_not_deployed_with_the_version_is_not_found(login_as, client, fee_waiver):
    login_as("analyst")
    assert client.get("/modeler/fee_waiver/1/decisions/other.dmn").status_code == 404
    assert client.get("/modeler/fee_waiver/1/decisions/other.dmn/dmn").status_code == 404
    assert client.get("/modeler/fee_waiver/7/decisions/fee_waiver.dmn").status_code == 404


def test_the_decision_pages_need_a_signed_in_member_of_staff(client, fee_waiver):
    for path in ("/modeler/fee_waiver/1/decisions/fee_waiver.dmn", "/modeler/fee_waiver/1/decisions/fee_waiver.dmn/dmn"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_validate_names_a_refused_cell_by_file_line_and_element(login_as, client, csrf_token, fee_waiver):
    login_as("analyst")
    answer = post_json(client, "/modeler/validate", edited("pages * 2", "__import__('os')"),
                       csrf_token(client, "/inbox")).get_json()
    assert answer["ok"] is False
    [problem] = answer["problems"]
    assert (problem["bpmn_id"], problem["line"]) == ("short_percent", 28)
    assert problem["message"].startswith("fee_waiver.dmn, line 28, element 'short_percent': rule 2, output")


def test_an_analyst_deploys_an_edited_table_with_the_diagram(login_as, client, csrf_token, process_engine,
                                                            fee_waiver):
    login_as("analyst")
    answer = post_json(client, "/modeler/deploy", edited("pages * 2", "pages * 3"), csrf_token(client, "/inbox"))
    assert answer.status_code == 200 and answer.get_json()["version"] == 2
    assert "<text>pages * 3</text>" in process_engine.version_decisions("fee_waiver", 2)[DMN.name]
    assert process_engine.version_decisions("fee_waiver", 1)[DMN.name] == DMN.read_text()


def test_the_diagram_alone_deploys_with_the_table_its_process_kept(login_as, client, csrf_token, process_engine,
                                                                   fee_waiver):
    login_as("analyst")
    body = {"bpmn": BPMN.read_text().replace("Review the waiver", "Check the waiver"), "file_name": BPMN.name}
    answer = post_json(client, "/modeler/deploy", body, csrf_token(client, "/inbox"))
    assert answer.status_code == 200 and answer.get_json()["version"] == 2
    assert process_engine.version_decisions("fee_waiver", 2) == {DMN.name: DMN.read_text()}


def test_deploy_refuses_a_diagram_whose_decision_is_not_deployed(login_as, client, csrf_token, process_engine):
    login_as("analyst")
    body = {"bpmn": BPMN.read_text(), "file_name": BPMN.name}
    answer = post_json(client, "/modeler/deploy", body, csrf_token(client, "/inbox"))
    assert answer.status_code == 422
    [problem] = answer.get_json()["problems"]
    assert problem["bpmn_id"] == "decide_waiver"
    assert 'calls decision "fee_waiver_decision", which is not deployed with this diagram' in problem["message"]
    assert process_engine.versions("fee_waiver") == []


@pytest.mark.parametrize("role", ["clerk", "custodian"])
def test_only_analysts_and_administrators_deploy_a_table(login_as, client, csrf_token, process_engine, fee_waiver,
                                                         role):
    login_as(role)
    answer = post_json(client, "/modeler/deploy", edited("pages * 2", "pages * 3"), csrf_token(client, "/inbox"))
    assert answer.status_code == 403
    assert [view.version for view in process_engine.versions("fee_waiver")] == [1]


def test_deploying_a_table_needs_the_csrf_header(login_as, client, process_engine, fee_waiver):
    login_as("administrator")
    response = client.post("/modeler/deploy", json=edited("pages * 2", "pages * 3"))
    assert response.status_code == 400
    assert [view.version for view in process_engine.versions("fee_waiver")] == [1]


def test_the_helpers_catalogue_lists_what_scripts_may_call(login_as, client):
    login_as("clerk")
    helpers = {helper["name"]: helper for helper in client.get("/modeler/helpers.json").get_json()}
    assert helpers["value_of"]["signature"] == "value_of(name, default)"
    assert {"now", "isoformat", "parse_datetime", "Decimal"} <= set(helpers)
