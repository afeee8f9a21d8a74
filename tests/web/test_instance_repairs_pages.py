"""Repairs from the monitoring pages (issue 18): migrate an instance from its page, every running instance of a
version from the process overview (a dry run first), skip a step and move back, each with its reason; only
administrators (REPAIR_ROLES), never without the CSRF token, with plain messages; and the same over the API."""
from __future__ import annotations

import html

import pytest

from repair_diagrams import BROKEN_TIMER, OLD_BOOKING, inspection_hold_source
from scenario_data import FRIDAY_9AM
from tests.web.test_api import bearer, token_for  # noqa: F401  (fixture)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def stuck(process_engine, time_machine):
    """An instance stopped on a broken timer (version 1), with a fixed version 2 deployed."""
    time_machine.move_to(FRIDAY_9AM, tick=False)
    process_engine.deploy_source(inspection_hold_source(timer=BROKEN_TIMER, after_wait=OLD_BOOKING), actor="tests")
    started = process_engine.start_instance("inspection_hold", {}, actor="tests")
    [review] = process_engine.list_tasks(instance_id=started.instance_id)
    process_engine.complete_task(review.task_id, {}, actor="tests")
    process_engine.deploy_source(inspection_hold_source(), actor="tests")
    return started.instance_id


def test_an_administrator_migrates_a_stuck_instance_from_its_page(login_as, client, stuck, post_form, process_engine):
    login_as("administrator")
    path = f"/admin/instances/{stuck}"
    page = text_of(client.get(path))
    assert "Move to version" in page and "Check the move" in page
    check = client.get(f"{path}/migrate?to_version=2")
    assert check.status_code == 200
    assert "It can move" in text_of(check) and "wait_for_inspection (starts again)" in text_of(check)
    assert process_engine.get_instance(stuck).version == 1          # checking moved nothing

    response = post_form(client, f"{path}/migrate", {"to_version": "2", "reason": "timer fixed"},
                         token_from=f"{path}/migrate?to_version=2")
    assert response.headers["Location"] == path
    assert "Instance 1 is on version 2 now (active)." in text_of(client.get(path))
    assert [e.action for e in process_engine.audit_trail(stuck)][-1] == "migrate"


def test_a_wait_the_target_lacks_is_listed_and_mapped_on_the_check_page(login_as, client, post_form, process_engine,
                                                                        stuck):
    process_engine.skip_step(stuck, "wait_for_inspection", actor="tests", reason="no wait")  # at schedule_inspection
    login_as("administrator")
    path = f"/admin/instances/{stuck}/migrate"
    page = text_of(client.get(f"{path}?to_version=2"))
    assert "has no element for where it waits: schedule_inspection (user task)" in page
    assert 'Where "schedule_inspection" goes in version 2' in page
    refused = post_form(client, path, {"to_version": "2"}, token_from=f"{path}?to_version=2", follow_redirects=True)
    assert "map each to an element" in text_of(refused)
    assert process_engine.get_instance(stuck).version == 1
    mapped = {"to_version": "2", "map.schedule_inspection": "book_inspection"}
    assert "It can move" in text_of(client.get(path, query_string=mapped))
    post_form(client, path, mapped, token_from=f"{path}?to_version=2")
    assert [t.bpmn_id for t in process_engine.get_instance(stuck).open_tasks] == ["book_inspection"]


def test_every_instance_of_a_version_dry_run_then_move(login_as, client, stuck, post_form, process_engine):
    login_as("administrator")
    overview = text_of(client.get("/admin/processes/inspection_hold/1"))
    assert "Move every running instance to version" in overview
    path = "/admin/processes/inspection_hold/1/migrate"
    dry_run = text_of(client.get(f"{path}?to_version=2"))
    assert "Dry run: 1 of 1 running instance(s) would move" in dry_run
    assert process_engine.get_instance(stuck).version == 1
    response = post_form(client, path, {"to_version": "2"}, token_from=f"{path}?to_version=2", follow_redirects=True)
    assert "Moved 1 of 1 instance(s) to version 2." in text_of(response)
    assert process_engine.get_instance(stuck).version == 2


def test_skip_and_move_back_need_a_reason_and_are_audited(login_as, client, stuck, post_form, process_engine):
    login_as("administrator")
    path = f"/admin/instances/{stuck}"
    page = text_of(client.get(path))
    assert "Skip step" in page and "Move back" in page
    assert f'action="{path}/skip"' in page and f'action="{path}/move_back"' in page
    refused = post_form(client, f"{path}/skip", {"bpmn_id": "wait_for_inspection"}, token_from=path,
                        follow_redirects=True)
    assert "Give a reason to skip a step" in text_of(refused)
    done = post_form(client, f"{path}/skip", {"bpmn_id": "wait_for_inspection", "reason": "waived"},
                     token_from=path, follow_redirects=True)
    assert 'skipped "wait_for_inspection"; it is active now at Schedule inspection' in text_of(done)
    back = post_form(client, f"{path}/move_back", {"bpmn_id": "review_request", "reason": "missed a page"},
                     token_from=path, follow_redirects=True)
    assert 'moved back to "review_request"' in text_of(back)
    assert [e.action for e in process_engine.audit_trail(stuck)][-2:] == ["skip", "move_back"]
    wrong = post_form(client, f"{path}/skip", {"bpmn_id": "book_inspection", "reason": "x"}, token_from=path,
                      follow_redirects=True)
    assert 'does not wait at "book_inspection"' in text_of(wrong)


@pytest.mark.parametrize("role", ["analyst", "custodian"])
def test_only_administrators_repair(login_as, client, stuck, post_form, process_engine, role):
    login_as(role)
    path = f"/admin/instances/{stuck}"
    if role == "analyst":   # monitors read-only: the page, without the repairs
        assert "Check the move" not in text_of(client.get(path))
    for url in (f"{path}/migrate?to_version=2", "/admin/processes/inspection_hold/1/migrate?to_version=2"):
        assert client.get(url).status_code == 403, url
    for action, data in ((f"{path}/migrate", {"to_version": "2"}), (f"{path}/skip", {"bpmn_id": "x", "reason": "x"}),
                         (f"{path}/move_back", {"bpmn_id": "x", "reason": "x"}),
                         ("/admin/processes/inspection_hold/1/migrate", {"to_version": "2"})):
        assert post_form(client, action, data).status_code == 403, action
    assert process_engine.get_instance(stuck).version == 1


def test_a_repair_without_the_csrf_token_is_refused(login_as, client, stuck, process_engine):
    login_as("administrator")
    response = client.post(f"/admin/instances/{stuck}/migrate", data={"to_version": "2"})
    assert response.status_code == 400
    assert process_engine.get_instance(stuck).version == 1


# ----------------------------------------------------------------------------- the same over the API

def test_the_api_checks_then_migrates_an_instance(client, token_for, stuck, process_engine):
    headers = bearer(token_for("administrator"))
    path = f"/api/instances/{stuck}/migrate"
    dry = client.post(path, json={"to_version": 2, "dry_run": True}, headers=headers)
    assert dry.status_code == 200
    assert dry.json["movable"] is True and dry.json["waits"][0]["restarts"] is True
    assert process_engine.get_instance(stuck).version == 1
    moved = client.post(path, json={"to_version": 2, "reason": "timer fixed"}, headers=headers)
    assert (moved.status_code, moved.json["version"], moved.json["status"]) == (200, 2, "active")
    again = client.post(path, json={"to_version": 2}, headers=headers)
    assert again.status_code == 409 and "on version 2 already" in again.json["error"]["message"]
    bad = client.post(path, json={"to_version": "two"}, headers=headers)
    assert bad.status_code == 422 and bad.json["error"]["fields"] == {"to_version": "A version number, 1 or more."}


def test_the_api_moves_every_instance_of_a_version_and_lists_what_became_of_each(client, token_for, stuck):
    headers = bearer(token_for("administrator"))
    path = "/api/processes/inspection_hold/versions/1/migrate"
    dry = client.post(path, json={"to_version": 2, "dry_run": True}, headers=headers)
    assert [(item["instance_id"], item["movable"]) for item in dry.json["items"]] == [(stuck, True)]
    done = client.post(path, json={"to_version": 2}, headers=headers)
    assert done.json["items"] == [{"instance_id": stuck, "title": "Inspection hold", "moved": True,
                                   "message": "active"}]


def test_the_api_skips_and_moves_back_with_a_reason(client, token_for, stuck, process_engine):
    headers = bearer(token_for("administrator"))
    missing = client.post(f"/api/instances/{stuck}/skip", json={"bpmn_id": "wait_for_inspection"}, headers=headers)
    assert missing.status_code == 422 and missing.json["error"]["fields"] == {"reason": "Required."}
    skipped = client.post(f"/api/instances/{stuck}/skip", json={"bpmn_id": "wait_for_inspection", "reason": "waived"},
                          headers=headers)
    assert skipped.json["current_steps"] == ["Schedule inspection"]
    back = client.post(f"/api/instances/{stuck}/move_back", json={"bpmn_id": "review_request", "reason": "again"},
                       headers=headers)
    assert back.json["current_steps"] == ["Review the request"]


@pytest.mark.parametrize("role", ["analyst", "clerk"])
def test_only_an_administrators_token_repairs(client, token_for, stuck, process_engine, role):
    headers = bearer(token_for(role))
    for path, body in ((f"/api/instances/{stuck}/migrate", {"to_version": 2, "dry_run": True}),
                       ("/api/processes/inspection_hold/versions/1/migrate", {"to_version": 2}),
                       (f"/api/instances/{stuck}/skip", {"bpmn_id": "wait_for_inspection", "reason": "x"}),
                       (f"/api/instances/{stuck}/move_back", {"bpmn_id": "review_request", "reason": "x"})):
        assert client.post(path, json=body, headers=headers).status_code == 403, path
    assert process_engine.get_instance(stuck).version == 1
