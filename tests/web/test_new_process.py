"""A new process from the modeler to a finished instance, on the server side (issue 6): an analyst
opens a blank diagram for a new process key and writes a new form; the diagram, grown into a user task
with that form and a service task with an operator, deploys as version 1; an administrator starts an
instance by hand; a date typed without its time zone stops the service task with an incident, and a
retry with the corrected data finishes the instance. Bad keys, names and JSON are refused with a
message and keep what was typed."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree
from test_modeler import post_json

REPO = Path(__file__).parents[2]
RECORD_COPY_FORM = {"type": "object", "required": ["received_at"], "properties": {
    "received_at": {"type": "string", "title": "Date and time received"}}}



def grown(blank: str) -> str:
    """The blank diagram with what the analyst draws: start -> record the copy -> compute the deadline -> end."""
    steps = """
    <bpmn:userTask id="record_copy" name="Record the copy request">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="record_copy.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:serviceTask id="compute_deadline" name="Compute the deadline">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="calendar.business_deadline" resultVariable="copy_due_at">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="received_at" type="datetime" value="received_at" />
            <spiffworkflow:parameter id="business_days" type="integer" value="3" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:endEvent id="copied" name="Copy certified" />
    <bpmn:sequenceFlow id="to_record" sourceRef="start" targetRef="record_copy" />
    <bpmn:sequenceFlow id="to_compute" sourceRef="record_copy" targetRef="compute_deadline" />
    <bpmn:sequenceFlow id="to_end" sourceRef="compute_deadline" targetRef="copied" />
  </bpmn:process>"""
    return blank.replace("\n  </bpmn:process>", steps, 1)


def test_an_analyst_opens_a_blank_diagram_for_a_new_process(login_as, client):
    login_as("analyst")
    page = client.get("/modeler/new?process_key=certified_copy&name=Certified+copy+request")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "New process: Certified copy request" in text and "certified_copy.bpmn" in text
    blank = client.get("/modeler/new.bpmn?process_key=certified_copy&name=Certified+copy+request")
    process = etree.fromstring(blank.data).find("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
    assert (process.get("id"), process.get("name")) == ("certified_copy", "Certified copy request")


@pytest.mark.parametrize(("query", "message"), [
    ("process_key=Certified+Copy&name=Copies", "lower-case letters"),
    ("process_key=1copy&name=Copies", "starting with a letter"),
    ("process_key=certified_copy&name=", "Give the process a name"),
])
def test_a_bad_process_key_or_name_is_refused_and_kept(login_as, client, query, message):
    login_as("analyst")
    page = client.get(f"/modeler/new?{query}")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert message in text and "Draw a new process" in text


def test_a_key_already_deployed_is_refused(login_as, client, process_engine):
    process_engine.deploy_file(REPO / "processes" / "fee_transmittal.bpmn", REPO / "forms", actor="analyst")
    login_as("analyst")
    page = client.get("/modeler/new?process_key=fee_transmittal&name=Fees")
    assert page.status_code == 422 and "deployed already" in page.get_data(as_text=True)


def test_only_those_who_deploy_start_a_new_process_or_form(login_as, client):
    login_as("clerk")
    assert client.get("/modeler/new?process_key=certified_copy&name=Copies").status_code == 403
    assert client.get("/modeler/forms/new?process=certified_copy&file_name=a.schema.json").status_code == 403
    assert "Draw a new process" not in client.get("/modeler").get_data(as_text=True)


def test_new_form_box_opens_the_editor_on_a_file_not_made_yet(login_as, client, forms_copy):
    login_as("analyst")
    answer = client.get("/modeler/forms/new?process=certified_copy&file_name=record_copy")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/modeler/forms/certified_copy/record_copy.schema.json")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "does not exist yet" in page
    refused = client.get("/modeler/forms/new?process=../etc&file_name=x.schema.json")
    assert refused.status_code == 422 and "process folder" in refused.get_data(as_text=True)
    assert not (forms_copy / "certified_copy").exists()


def test_start_page_refuses_json_that_is_not_an_object_and_keeps_it(login_as, client, post_form, process_engine):
    process_engine.deploy_file(REPO / "processes" / "fee_transmittal.bpmn", REPO / "forms", actor="analyst")
    login_as("administrator")
    path = "/admin/processes/fee_transmittal/start"
    for typed, message in (('{"office_key": "police"', "not valid JSON"), ('["police"]', "Give a JSON object")):
        page = post_form(client, path, {"data": typed}, token_from=path)
        text = page.get_data(as_text=True)
        assert page.status_code == 422 and message in text
        assert typed.replace('"', "&#34;") in text
    assert process_engine.list_instances(process_key="fee_transmittal") == []


def test_only_administrators_start_an_instance_by_hand(login_as, client, process_engine):
    process_engine.deploy_file(REPO / "processes" / "fee_transmittal.bpmn", REPO / "forms", actor="analyst")
    login_as("analyst")
    assert client.get("/admin/processes/fee_transmittal/start").status_code == 403


def test_a_new_process_deploys_runs_stops_on_bad_data_and_finishes_after_a_corrected_retry(
        login_as, client, csrf_token, post_form, forms_copy, process_engine, app):
    login_as("analyst", username="ana")
    token = csrf_token(client, "/inbox")
    saved = post_form(client, "/modeler/forms/certified_copy/record_copy.schema.json",
                      {"schema": json.dumps(RECORD_COPY_FORM)}, token_from="/modeler/forms/certified_copy/x.schema.json")
    assert saved.status_code == 302 and not (forms_copy / "certified_copy").exists()     # a draft, no file
    assert "record_copy.schema.json" in client.get("/modeler/forms.json").get_json()["certified_copy"]
    blank = client.get("/modeler/new.bpmn?process_key=certified_copy&name=Certified+copy+request").get_data(as_text=True)
    answer = post_json(client, "/modeler/deploy", {"bpmn": grown(blank), "file_name": "certified_copy.bpmn"}, token)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["message"] == ("Deployed as version 1 of certified_copy. Forms taken from drafts saved in "
                                            "the forms editor: record_copy.schema.json.")
    post_form(client, "/logout")

    login_as("administrator", username="adele")
    path = "/admin/processes/certified_copy/start"
    started = post_form(client, path, {"data": "{}", "business_key": "CC-1"}, token_from=path)
    assert started.status_code == 302
    instance_id = int(re.search(r"/admin/instances/(\d+)", started.headers["Location"]).group(1))
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "Started instance" in page and "Record the copy request" in page
    [task] = process_engine.get_instance(instance_id).open_tasks
    process_engine.claim_task(task.task_id, actor="adele")
    process_engine.complete_task(task.task_id, {"received_at": "2026-11-20 09:00"}, actor="adele")

    stopped = process_engine.get_instance(instance_id)
    assert stopped.status == "incident"
    page = client.get(f"/admin/instances/{instance_id}").get_data(as_text=True)
    assert "must be a date and time with its time zone" in page
    assert "add the offset" in page
    incident_id = int(re.search(r"/admin/incidents/(\d+)/retry", page).group(1))
    retried = post_form(client, f"/admin/incidents/{incident_id}/retry",
                        {"instance_id": instance_id, "data_patch": '{"received_at": "2026-11-20T09:00:00-06:00"}'},
                        token_from=f"/admin/instances/{instance_id}")
    assert retried.status_code == 302
    finished = process_engine.get_instance(instance_id)
    assert finished.status == "completed"
    trail = [(event.actor, event.action) for event in process_engine.audit_trail(instance_id)]
    assert ("adele", "start") in trail and ("adele", "retry") in trail
