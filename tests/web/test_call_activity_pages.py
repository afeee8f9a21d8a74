"""Call activities on the web: the modeler offers the deployed processes a call may call, Validate names a call
to a process that is not deployed, and the instance page shows the called version the instance runs (pinned
when it started) and how far the called process has come."""
from __future__ import annotations

import html
import json
import re

from conftest import DIAGRAMS

CALLS = DIAGRAMS / "calls"


def deploy(process_engine, *names: str) -> None:
    for name in names:
        process_engine.deploy_file(CALLS / name, CALLS / "forms", actor="analyst")


def called_rows(page: str) -> list[str]:
    [table] = re.findall(r'<table class="list called-processes">(.*?)</table>', page, re.DOTALL)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
            for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.DOTALL)]


def test_the_modeler_offers_each_deployed_process_with_its_newest_version(login_as, client, process_engine):
    deploy(process_engine, "notify_requester.bpmn", "notify_requester_v2.bpmn", "permit_request.bpmn")
    login_as("analyst")
    assert client.get("/modeler/processes.json").get_json() == [
        {"process_key": "notify_requester", "display_name": "Notify the requester", "version": 2},
        {"process_key": "permit_request", "display_name": "Permit request", "version": 1}]
    page = client.get("/modeler/permit_request/1").get_data(as_text=True)
    [settings] = re.findall(r'<script type="application/json" id="modeler-settings">(.*?)</script>', page, re.DOTALL)
    assert json.loads(settings)["processes_url"] == "/modeler/processes.json"


def test_the_deployed_processes_are_for_staff_only(client):
    assert client.get("/modeler/processes.json").status_code in (302, 401)


def test_validate_names_a_call_to_a_process_that_is_not_deployed(login_as, client, csrf_token):
    login_as("analyst")
    token = csrf_token(client, "/inbox")
    answer = client.post("/modeler/validate", content_type="application/json",
                         headers={"X-CSRF-Token": token, "Accept": "application/json"},
                         data=json.dumps({"bpmn": (CALLS / "permit_request.bpmn").read_text(),
                                          "file_name": "permit_request.bpmn"})).get_json()
    [problem] = answer["problems"]
    assert answer["ok"] is False and problem["bpmn_id"] == "notify"
    assert 'calls the process "notify_requester", which is not deployed' in problem["message"]


def test_instance_page_shows_the_pinned_called_version_and_its_progress(login_as, client, process_engine):
    deploy(process_engine, "notify_requester.bpmn", "permit_request.bpmn")
    instance_id = process_engine.start_instance("permit_request", {"requester": "Ada", "fee_paid": True},
                                                actor="clerk").instance_id
    deploy(process_engine, "notify_requester_v2.bpmn")
    login_as("administrator")
    page = client.get(f"/admin/instances/{instance_id}").get_data(as_text=True)
    assert called_rows(page) == ["Notify the requester (notify_requester) version 1 notify "
                                 "done: Notice needed; now at: Check the requester's address"]
    assert 'href="/admin/processes/notify_requester/1"' in page
    [check] = [task for task in process_engine.list_tasks(instance_id=instance_id) if task.bpmn_id == "check_address"]
    process_engine.complete_task(check.task_id, {}, actor="clerk")
    page = client.get(f"/admin/instances/{instance_id}").get_data(as_text=True)
    assert called_rows(page) == ["Notify the requester (notify_requester) version 1 notify "
                                 "done: Notice needed, Check the requester's address, Compose the notice; "
                                 "now at: Send the notice"]


def test_an_administrator_starts_a_collaboration_by_hand_and_both_pools_run(login_as, client, post_form, process_engine):
    deploy(process_engine, "permit_and_payment.bpmn")
    login_as("administrator")
    response = post_form(client, "/admin/processes/permit_and_payment/start", {"data": '{"applicant": "Ada"}'},
                         token_from="/admin/processes/permit_and_payment/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    [instance] = process_engine.list_instances(process_key="permit_and_payment")
    assert [task.bpmn_id for task in process_engine.list_tasks(instance_id=instance.instance_id)] == ["take_fee"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Permit and payment" in page and "Take the fee" in page


def test_the_task_history_names_the_called_process_s_steps_and_fields(login_as, client, process_engine):
    deploy(process_engine, "notify_requester.bpmn", "permit_request.bpmn")
    instance_id = process_engine.start_instance("permit_request", {"requester": "Ada", "fee_paid": True},
                                                actor="clerk").instance_id
    for bpmn_id, data in [("check_address", {}), ("send_notice", {"sent_by": "mail"})]:
        [task] = [task for task in process_engine.list_tasks(instance_id=instance_id) if task.bpmn_id == bpmn_id]
        process_engine.complete_task(task.task_id, data, actor="clerk")
    [file_permit] = process_engine.list_tasks(instance_id=instance_id)
    login_as("administrator")
    page = client.get(f"/inbox/tasks/{file_permit.task_id}").get_data(as_text=True)
    [history] = re.findall(r'aria-labelledby="history-heading"(.*?)</section>', page, re.DOTALL)
    told = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", history)).split())
    assert "Completed (Check the requester's address)" in told and "Completed (Send the notice)" in told
    assert "Sent by mail" in told and "sent_by" not in told
