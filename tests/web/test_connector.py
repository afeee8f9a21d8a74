"""SpiffArena's connector proxy protocol (issue 19, docs/connector.md): a SpiffArena server lists the city's
read-only operators as commands and runs one with a connector account's API token, getting the answer the
engine's own service task would get; the operators that write the city's books are refused."""
from __future__ import annotations

import io
import json
import logging
from datetime import datetime

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from city.ledger import COLLECTION
from city.rules import OPERATORS
from engine.operators import StepContext
from web.access import CONNECTOR
from web.models import StaffAccount, db
from web.models_api import create_api_token

RECEIVED_FRIDAY = "2026-03-06T14:30:00-06:00"
DEADLINE = "/connector/v1/do/clerkflow/calendar.business_deadline"


@pytest.fixture
def token_for(app, make_staff):
    def make(*roles: str) -> str:
        username = make_staff(roles[0], *roles)
        with app.app_context():
            account = db.session.scalars(db.select(StaffAccount).where(StaffAccount.username == username)).one()
            return create_api_token(account, "spiffarena")
    return make


@pytest.fixture
def connector(token_for):
    return {"Authorization": f"Bearer {token_for(CONNECTOR)}"}


def engine_answer(process_engine, name: str, arguments: dict) -> object:
    """What a Clerkflow service task naming operator `name` gets (the engine's own operator catalogue)."""
    return process_engine.operators.call(name, arguments, StepContext(connection=None, now=datetime.now()))


def test_commands_list_every_read_only_operator_of_the_registry_with_its_parameters(client, connector, process_engine):
    listed = client.get("/connector/v1/commands", headers=connector)
    assert listed.status_code == 200
    commands = {command["id"]: command for command in listed.get_json()}
    assert set(commands) == {f"clerkflow/{name}" for name in OPERATORS}
    deadline = commands["clerkflow/calendar.business_deadline"]
    assert deadline["parameters"] == [
        {"id": "received_at", "type": "any", "required": True, "clerkflow_type": "datetime"},
        {"id": "business_days", "type": "int", "required": True, "clerkflow_type": "integer"}]
    withheld = {entry["id"]: entry["reason"] for entry in client.get("/connector/v1/withheld", headers=connector).get_json()}
    assert "clerkflow/ledger.record_collection" in withheld and "clerkflow/open_data.publish_dataset" in withheld
    assert not set(withheld) & set(commands)
    described = {operator["name"] for operator in process_engine.operators.describe()}
    assert {entry.removeprefix("clerkflow/") for entry in (*withheld, *commands)} == described


def test_business_deadline_answers_what_the_engine_computes(client, connector, process_engine):
    arguments = {"received_at": RECEIVED_FRIDAY, "business_days": 3}
    answer = client.post(DEADLINE, headers=connector, json={**arguments, "spiff__task_data": {"requester": "Ann"}})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["command_response_version"] == 2 and body["error"] is None
    assert body["command_response"]["body"] == engine_answer(process_engine, "calendar.business_deadline", arguments)
    assert body["command_response"]["body"].startswith("2026-03-1")


def test_a_datetime_as_spiffarena_serializes_it_is_read_as_its_iso_text(client, connector, process_engine):
    answer = client.post(DEADLINE, headers=connector,
                         json={"received_at": {"typename": "datetime", "value": RECEIVED_FRIDAY}, "business_days": 3})
    assert answer.get_json()["command_response"]["body"] == engine_answer(
        process_engine, "calendar.business_deadline", {"received_at": RECEIVED_FRIDAY, "business_days": 3})


def test_fee_estimate_amounts_come_back_as_text_like_the_engine_stores_them(client, connector, process_engine):
    arguments = {"assessed_on": "2026-03-06", "staff_hours": "2", "pages": 30}
    answer = client.post("/connector/v1/do/clerkflow/fees.fee_estimate", headers=connector, json=arguments)
    result = answer.get_json()["command_response"]["body"]
    assert result == engine_answer(process_engine, "fees.fee_estimate", arguments)
    assert isinstance(result["total"], str)


def test_a_bad_argument_is_400_naming_the_parameter(client, connector):
    answer = client.post(DEADLINE, headers=connector, json={"received_at": RECEIVED_FRIDAY, "business_days": "three"})
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["error_code"] == "OperatorArgumentError" and error["parameter"] == "business_days"
    assert "business_days" in error["message"] and "Traceback" not in answer.get_data(as_text=True)
    missing = client.post(DEADLINE, headers=connector, json={"business_days": 3}).get_json()["error"]
    assert missing["parameter"] == "received_at"


def test_without_a_token_the_connector_answers_401_in_the_proxy_shape(client):
    refused = client.get("/connector/v1/commands")
    assert refused.status_code == 401
    assert refused.get_json()["error"]["error_code"] == "Unauthorized" and refused.get_json()["command_response"] == {}
    assert client.post(DEADLINE, json={"received_at": RECEIVED_FRIDAY, "business_days": 3}).status_code == 401
    assert client.get("/connector/v1/commands", headers={"Authorization": "Bearer cf_not-a-token"}).status_code == 401


def test_spiffarenas_own_api_key_header_carries_the_token(client, token_for):
    token = token_for(CONNECTOR)
    assert client.get("/connector/v1/commands", headers={"Spiff-Connector-Proxy-Api-Key": token}).status_code == 200


@pytest.mark.parametrize("role", ["administrator", "analyst", "clerk"])
def test_a_token_without_the_connector_role_is_403(client, token_for, role):
    headers = {"Authorization": f"Bearer {token_for(role)}"}
    assert client.get("/connector/v1/commands", headers=headers).status_code == 403
    refused = client.post(DEADLINE, headers=headers, json={"received_at": RECEIVED_FRIDAY, "business_days": 3})
    assert refused.status_code == 403 and refused.get_json()["error"]["message"]


def test_a_connector_token_opens_none_of_the_overseers_api_routes(client, connector):
    assert client.get("/api/instances", headers=connector).status_code == 403


def test_a_signed_in_session_is_not_a_connector_credential(login_as):
    browser = login_as(CONNECTOR)
    assert browser.get("/connector/v1/commands").status_code == 401


def test_an_operator_that_writes_the_city_books_is_refused_and_nothing_is_recorded(client, connector, process_engine):
    refused = client.post("/connector/v1/do/clerkflow/ledger.record_collection", headers=connector,
                          json={"tracking_number": "R-2026-0001", "office_key": "city_clerk", "amount": "5.00",
                                "method": "cash"})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["error_code"] == "OperatorNotOffered"
    assert "books" in refused.get_json()["error"]["message"]
    with process_engine.database.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(COLLECTION)).scalar() == 0
    assert client.post("/connector/v1/do/clerkflow/no.such_operator", headers=connector, json={}).status_code == 404


def test_a_call_too_large_is_refused_before_it_runs(client, connector):
    answer = client.post(DEADLINE, headers=connector, json={"business_days": 3, "spiff__task_data": "x" * 300_000})
    assert answer.status_code == 413


def test_the_task_data_spiffarena_sends_never_reaches_the_logs(client, connector, caplog):
    with caplog.at_level(logging.DEBUG):
        client.post(DEADLINE, headers=connector,
                    json={"received_at": "not a time", "business_days": 3,
                          "spiff__task_data": {"requester_email": "ann.resident@example.org"}})
    assert "ann.resident@example.org" not in caplog.text


def test_a_spiffarena_server_past_the_rate_limit_gets_429_and_nothing_runs(app, client, connector):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert client.post(DEADLINE, headers=connector, json={"received_at": RECEIVED_FRIDAY, "business_days": 3}
                           ).status_code == 200
    refused = client.post(DEADLINE, headers=connector, json={"received_at": "not a time", "business_days": 3})
    assert refused.status_code == 429 and "Retry-After" in refused.headers   # not 400: the call did not run


SPIFFARENA_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="deadline_in_spiffarena"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="deadline" isExecutable="true">
    <bpmn:startEvent id="received"><bpmn:outgoing>to_compute</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="to_compute" sourceRef="received" targetRef="compute_response_deadline" />
    <bpmn:serviceTask id="compute_response_deadline">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="clerkflow/calendar.business_deadline" resultVariable="due">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="received_at" type="any" value="received_at" />
            <spiffworkflow:parameter id="business_days" type="int" value="3" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>to_compute</bpmn:incoming><bpmn:outgoing>to_done</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="to_done" sourceRef="compute_response_deadline" targetRef="done" />
    <bpmn:endEvent id="done"><bpmn:incoming>to_done</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


class SpiffArenaEnvironment(TaskDataEnvironment):
    """Calls a connector proxy as SpiffArena's backend does (its ServiceTaskDelegate): the evaluated
    parameters, the task's data as `spiff__task_data`, all serialized by SpiffWorkflow's registry, POSTed
    to /v1/do/<operator id> with the API key header; a version-2 answer's `command_response` is the result."""

    def __init__(self, client, token: str):
        super().__init__()
        self.client, self.token = client, token

    def call_service(self, context, operation_name, operation_params):
        params = {name: param["value"] for name, param in operation_params.items()}
        params["spiff__task_data"] = context
        answer = self.client.post(f"/connector/v1/do/{operation_name}", json=DefaultRegistry().convert(params),
                                  headers={"Spiff-Connector-Proxy-Api-Key": self.token})
        parsed = answer.get_json()
        assert answer.status_code == 200 and parsed["command_response_version"] > 1, parsed
        return json.dumps(parsed["command_response"])


def test_a_spiffarena_service_task_gets_the_deadline_clerkflows_own_service_task_gets(client, token_for,
                                                                                     process_engine):
    received_at = datetime.fromisoformat(RECEIVED_FRIDAY)
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(SPIFFARENA_DIAGRAM.encode())
    workflow = BpmnWorkflow(parser.get_spec("deadline"),
                            script_engine=PythonScriptEngine(SpiffArenaEnvironment(client, token_for(CONNECTOR))))
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(received_at=received_at)
    workflow.do_engine_steps()
    assert workflow.completed
    assert workflow.data["due"]["body"] == engine_answer(process_engine, "calendar.business_deadline",
                                                         {"received_at": RECEIVED_FRIDAY, "business_days": 3})


def test_a_call_sent_without_its_length_is_cut_off_at_the_limit(app, connector):
    # As a server hands over a chunked body: no Content-Length, the input stream ends where the body does.
    body = b'{"business_days": 3, "spiff__task_data": "' + b"x" * 300_000 + b'"}'
    environ = EnvironBuilder(path=DEADLINE, method="POST", headers={**connector, "Content-Type": "application/json"},
                             input_stream=io.BytesIO(body)).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input_terminated"] = True
    status = run_wsgi_app(app, environ)[1]
    assert status.startswith("413")
