"""Data nested deeper than task data may be (engine/nesting.py) is refused with a clear message wherever it comes
in (the API, the administrator's JSON fields, the engine), never a 500, and what was open stays open."""
from __future__ import annotations

import json

import pytest

from engine import ClerkflowError
from engine.nesting import MAX_DEPTH
from test_api import assert_error, bearer, token_for  # noqa: F401  (the fixture)
from test_new_process import REPO

TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"


def nested(levels: int, leaf=None):
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def test_an_api_body_nested_hundreds_of_levels_is_refused_and_the_task_can_still_be_completed(
        client, token_for, review_request, process_engine):
    headers = bearer(token_for("custodian"))
    path = f"/api/tasks/{review_request.task_id}/complete"
    deep_body = '{"approved": true, "pages": 3, "notes": ' + "[" * 5000 + "]" * 5000 + "}"
    error = assert_error(client.post(path, headers=headers, data=deep_body, content_type="application/json"), 422)
    assert TOO_DEEP in error["message"] and error["message"].startswith("The request body")
    assert process_engine.get_task(review_request.task_id).status == "open"

    done = client.post(path, headers=headers, json={"approved": True, "pages": 3})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert process_engine.get_task(review_request.task_id).status == "completed"


def test_a_deep_comment_body_is_refused_not_a_500(client, token_for, review_request):
    response = client.post(f"/api/tasks/{review_request.task_id}/comments", headers=bearer(token_for("custodian")),
                           data='{"text": ' + "[" * 5000 + "]" * 5000 + "}", content_type="application/json")
    assert TOO_DEEP in assert_error(response, 422)["message"]


def test_the_start_page_refuses_deep_json_and_keeps_what_was_typed(login_as, client, post_form, process_engine):
    process_engine.deploy_file(REPO / "processes" / "fee_transmittal.bpmn", REPO / "forms", actor="analyst")
    login_as("administrator")
    path = "/admin/processes/fee_transmittal/start"
    typed = '{"office_key": ' + "[" * 600 + "]" * 600 + "}"
    page = post_form(client, path, {"data": typed}, token_from=path)
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f"This JSON is {TOO_DEEP}" in text
    assert typed.replace("\"", "&#34;") in text
    assert process_engine.list_instances(process_key="fee_transmittal") == []


def test_the_engine_refuses_deep_task_data_and_the_task_stays_open(client, review_request, process_engine):
    with pytest.raises(ClerkflowError, match=TOO_DEEP):
        process_engine.complete_task(review_request.task_id, {"approved": True, "pages": 3, "notes": nested(400)},
                                     actor="custodian")
    assert process_engine.get_task(review_request.task_id).status == "open"


def test_data_as_deep_as_allowed_is_stored_shown_and_completed(client, review_request, process_engine, token_for):
    notes = nested(MAX_DEPTH - 1, "the deepest note")
    done = client.post(f"/api/tasks/{review_request.task_id}/complete", headers=bearer(token_for("custodian")),
                       json={"approved": True, "pages": 3, "notes": notes})
    assert done.status_code == 200, done.get_data(as_text=True)
    instance = process_engine.get_instance(review_request.instance_id)
    assert json.dumps(notes) in json.dumps(process_engine.audit_trail(instance.instance_id)[-1].changes)
