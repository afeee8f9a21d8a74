"""Claiming from the inbox (issue 13): a person sees in the inbox exactly the tasks they may claim, and a
Claim button is never shown where claiming is refused.

The City Clerk is the official custodian of the City Clerk's office (003, Art. 6): she works its
requests (`custodian:city_clerk`) and the Clerk lane's intake (`clerk`) without being designated in the
register. Supervisors see everyone's tasks, but Claim only where the task is work for one of their
roles; elsewhere the list offers what they may do (assign the task from its page). Each test drives
processes/records_request.bpmn through the web test client on the review week's clock.
"""
from __future__ import annotations

import re

import pytest

from records_office import open_records_office
from engine import clock
from web.api import create_api_token
from web.demo import DEMO_ACCOUNTS
from web.models import StaffAccount, db

DEMO_ROLES = {username: roles for username, _, roles in DEMO_ACCOUNTS}
FORM = re.compile(r'<form method="post" action="/inbox/tasks/(\d+)/(claim|unclaim)"[^>]*>(.*?)</form>', re.S)
ACCESSIBLE_NAME = re.compile(r'<button [^>]*aria-label="([^"]*)"')
TASK_LINK = re.compile(r'<a href="/inbox/tasks/(\d+)"[ >]')
ASSIGN_LINK = re.compile(r'<a href="/inbox/tasks/(\d+)#assignee" aria-label="([^"]*)">Assign</a>')


@pytest.fixture
def city(process_engine, review_week):
    """The city's data seeded and the records request deployed, on the Monday of the review week."""
    return open_records_office(process_engine)


def file_request(engine, office_key: str):
    """A records request received now for `office_key`; returns its open "Review the request" task."""
    instance = engine.start_instance("records_request", {
        "requester_name": "Pat Doe", "requester_address": "12 Elm Street, Springfield KS 66000",
        "records_description": "Council minutes of January 2026", "office_key": office_key,
        "received_at": clock.now().isoformat()}, actor="clerk", tracking_prefix="R")
    [task] = instance.open_tasks
    assert (task.bpmn_id, task.candidate_role) == ("review_request", f"custodian:{office_key}")
    return engine.get_task(task.task_id)


@pytest.fixture
def requests(city):
    """One request for the City Clerk's office and one for the Police Department, both unclaimed."""
    return {office: file_request(city, office) for office in ("city_clerk", "police")}


def buttons(page: str, action: str = "claim") -> dict[int, str]:
    """{task id: the button's accessible name} of every Claim (or Unclaim) button in the page's list."""
    found = {}
    for task_id, form_action, form in FORM.findall(page):
        if form_action == action:
            [found[int(task_id)]] = ACCESSIBLE_NAME.findall(form) or ["(no accessible name)"]
    return found


def listed_tasks(page: str) -> set[int]:
    return {int(task_id) for task_id in TASK_LINK.findall(page)}


@pytest.mark.parametrize("roles", [DEMO_ROLES["clerk"], ("city_clerk",)], ids=["demo clerk", "city_clerk only"])
def test_city_clerk_sees_and_claims_her_offices_requests(login_as, client, post_form, requests, process_engine, roles):
    clerks, police = requests["city_clerk"], requests["police"]
    login_as(*roles, username="clerk")
    page = client.get("/inbox").get_data(as_text=True)
    assert "Nothing waiting for you" not in page
    assert listed_tasks(page) == {clerks.task_id}
    assert buttons(page) == {clerks.task_id: f"Claim {clerks.business_key}"}

    response = post_form(client, f"/inbox/tasks/{clerks.task_id}/claim", {"return_to": "/inbox"})
    assert response.status_code == 302
    page = client.get("/inbox").get_data(as_text=True)
    assert "&#34;Review the request&#34; is yours now." in page
    assert buttons(page, "unclaim") == {clerks.task_id: f"Unclaim {clerks.business_key}"}
    assert process_engine.get_task(clerks.task_id).assignee == "clerk"
    assert process_engine.get_task(police.task_id).assignee is None


def test_no_claim_button_where_claiming_is_refused(login_as, client, post_form, requests, process_engine):
    clerks, police = requests["city_clerk"], requests["police"]
    login_as(*DEMO_ROLES["clerk"], username="clerk")
    page = client.get("/inbox?everyone=1").get_data(as_text=True)
    assert listed_tasks(page) == {clerks.task_id, police.task_id}
    assert buttons(page) == {clerks.task_id: f"Claim {clerks.business_key}"}
    # The police request is the police custodian's to claim; the City Clerk may assign it to one.
    assert ASSIGN_LINK.findall(page) == [(str(police.task_id), f"Assign {police.business_key}")]
    refused = post_form(client, f"/inbox/tasks/{police.task_id}/claim")
    assert refused.status_code == 403
    assert "work for the custodian:police role, which you do not hold" in refused.get_data(as_text=True)
    assert process_engine.get_task(police.task_id).assignee is None


def test_administrator_sees_everyones_tasks_with_assign_instead_of_claim(login_as, client, post_form, requests,
                                                                          process_engine):
    login_as("administrator", username="alex")
    page = client.get("/inbox?everyone=1").get_data(as_text=True)
    assert listed_tasks(page) == {task.task_id for task in requests.values()}
    assert buttons(page) == {}
    assert sorted(ASSIGN_LINK.findall(page)) == sorted(
        (str(task.task_id), f"Assign {task.business_key}") for task in requests.values())
    police = requests["police"]
    task_page = client.get(f"/inbox/tasks/{police.task_id}").get_data(as_text=True)
    assert '<select id="assignee" name="assignee" required>' in task_page      # where the Assign link leads
    assert f"/inbox/tasks/{police.task_id}/claim" not in task_page
    assert post_form(client, f"/inbox/tasks/{police.task_id}/claim").status_code == 403
    assert process_engine.get_task(police.task_id).assignee is None


@pytest.mark.parametrize("roles", [DEMO_ROLES["clerk"], ("custodian:police",), DEMO_ROLES["custodian"],
                                   ("administrator",), ("records_manager",), ("clerk",)],
                         ids=lambda roles: "+".join(roles)[:40])
def test_every_claim_offered_is_accepted_and_every_other_refused(login_as, client, post_form, requests,
                                                                 process_engine, roles):
    login_as(*roles, username="someone")
    page = client.get("/inbox?everyone=1").get_data(as_text=True)
    offered = set(buttons(page))
    accepted = {task.task_id for task in requests.values()
                if post_form(client, f"/inbox/tasks/{task.task_id}/claim").status_code == 302}
    assert offered == accepted
    if not any(role in ("administrator", "city_clerk", "records_manager") for role in roles):
        assert listed_tasks(page) == offered        # without "Everyone's tasks": exactly what they may claim


def test_supervisor_gives_back_a_claim_on_any_offices_work(login_as, client, make_staff, post_form, requests,
                                                          process_engine):
    police = requests["police"]
    make_staff("quinn", "custodian:police")
    process_engine.claim_task(police.task_id, actor="quinn", roles={"custodian:police"})
    login_as("records_manager", username="rita")
    page = client.get("/inbox?everyone=1").get_data(as_text=True)
    assert buttons(page, "unclaim") == {police.task_id: f"Unclaim {police.business_key}"}
    assert post_form(client, f"/inbox/tasks/{police.task_id}/unclaim").status_code == 302
    assert process_engine.get_task(police.task_id).assignee is None


def test_city_clerks_task_page_offers_claim_only_on_her_offices_work(login_as, client, requests):
    clerks, police = requests["city_clerk"], requests["police"]
    login_as(*DEMO_ROLES["clerk"], username="clerk")
    assert f"/inbox/tasks/{clerks.task_id}/claim" in client.get(f"/inbox/tasks/{clerks.task_id}").get_data(as_text=True)
    assert f"/inbox/tasks/{police.task_id}/claim" not in client.get(f"/inbox/tasks/{police.task_id}").get_data(
        as_text=True)


def test_api_claims_by_the_inboxs_rule(app, client, make_staff, requests, process_engine):
    clerks, police = requests["city_clerk"], requests["police"]
    make_staff("clerk", *DEMO_ROLES["clerk"])
    with app.app_context():
        account = db.session.scalars(db.select(StaffAccount).where(StaffAccount.username == "clerk")).one()
        headers = {"Authorization": f"Bearer {create_api_token(account, 'clerk integration')}"}
    listed = client.get("/api/tasks", headers=headers).get_json()["items"]
    assert [task["task_id"] for task in listed] == [clerks.task_id]
    refused = client.post(f"/api/tasks/{police.task_id}/claim", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    claimed = client.post(f"/api/tasks/{clerks.task_id}/claim", headers=headers)
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "clerk"
    assert process_engine.get_task(police.task_id).assignee is None
