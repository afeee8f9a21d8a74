"""Delegating and reassigning from the task page (issue 5, "Staff inbox").

The person who claimed a task may delegate it to another active member of staff who holds its
role; supervisors (administrator, city_clerk, records_manager) may reassign any open task, or
put it back in the shared inbox."""
from __future__ import annotations

import re

import pytest

from scenario_data import DIAGRAMS, FORMS
from web.inbox.assignment import SHARED_INBOX
from city.office import city_data_of


def delegate_form(page: str) -> str:
    found = re.search(r'<form method="post" action="/inbox/tasks/\d+/assign".*?</form>', page, re.S)
    return found.group(0) if found else ""


def choices(page: str) -> list[str]:
    return re.findall(r'<option value="([^"]+)">', delegate_form(page))


@pytest.fixture
def police_task(process_engine):
    """A request routed to the police department's custodian; "pat" is designated its record custodian."""
    from city.citydata import designate_custodian, seed_defaults
    with process_engine.database.write() as session:
        seed_defaults(session)
        designate_custodian(session, "police", "pat", designated_by="admin")
    city_data_of(process_engine).invalidate()
    process_engine.deploy_file(DIAGRAMS / "routed.bpmn", FORMS, actor="admin")
    instance = process_engine.start_instance("routed", {"custodian_role": "custodian:police"}, actor="admin")
    [task] = instance.open_tasks
    return task


def test_claimant_delegates_a_task_to_a_colleague_holding_its_role(login_as, client, make_staff, post_form,
                                                                      review_request, process_engine):
    make_staff("bob", "custodian")
    make_staff("carl", "clerk")
    make_staff("gone", "custodian", active=False)
    login_as("custodian", username="ann")
    process_engine.claim_task(review_request.task_id, actor="ann")
    page_path = f"/inbox/tasks/{review_request.task_id}"
    page = client.get(page_path).get_data(as_text=True)
    assert '<label for="assignee">Delegate to</label>' in page
    assert choices(page) == ["bob"]            # not ann herself, not the clerk, not the deactivated account
    response = post_form(client, f"{page_path}/assign", {"assignee": "bob"}, token_from=page_path)
    assert response.status_code == 302
    assert process_engine.get_task(review_request.task_id).assignee == "bob"
    last = process_engine.audit_trail(review_request.instance_id)[-1]
    assert (last.actor, last.action, last.detail) == ("ann", "delegate", "from ann to bob")
    after = client.get(page_path).get_data(as_text=True)
    assert "is now Bob&#39;s (bob)" in after and "from ann to bob" in after
    assert "<strong>Delegated</strong>" in after


def test_delegating_to_someone_without_the_tasks_role_is_refused_with_a_message(
        login_as, client, make_staff, post_form, review_request, process_engine):
    make_staff("carl", "clerk")
    login_as("custodian", username="ann")
    process_engine.claim_task(review_request.task_id, actor="ann")
    page_path = f"/inbox/tasks/{review_request.task_id}"
    response = post_form(client, f"{page_path}/assign", {"assignee": "carl"}, token_from=page_path,
                         follow_redirects=True)
    assert response.status_code == 200
    assert "Carl cannot be given &#34;Review request&#34;: it is work for the custodian role" in \
        response.get_data(as_text=True)
    assert process_engine.get_task(review_request.task_id).assignee == "ann"


@pytest.mark.parametrize("assignee, message", [
    ("nobody", "There is no active staff account &#34;nobody&#34;"),
    ("", "Choose who should work the task"),
    (SHARED_INBOX, "Choose who should work the task"),
])
def test_delegating_needs_a_real_active_colleague(login_as, client, post_form, review_request, process_engine,
                                                  assignee, message):
    login_as("custodian", username="ann")
    process_engine.claim_task(review_request.task_id, actor="ann")
    page_path = f"/inbox/tasks/{review_request.task_id}"
    response = post_form(client, f"{page_path}/assign", {"assignee": assignee}, token_from=page_path,
                         follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert process_engine.get_task(review_request.task_id).assignee == "ann"


def test_only_the_claimant_may_delegate(login_as, client, make_staff, post_form, review_request, process_engine):
    make_staff("bob", "custodian")
    login_as("custodian", username="ann")
    process_engine.claim_task(review_request.task_id, actor="bob")
    page_path = f"/inbox/tasks/{review_request.task_id}"
    assert delegate_form(client.get(page_path).get_data(as_text=True)) == ""
    response = post_form(client, f"{page_path}/assign", {"assignee": "ann"}, token_from=page_path)
    assert response.status_code == 403
    assert "only the person who claimed it or a supervisor" in response.get_data(as_text=True)
    assert process_engine.get_task(review_request.task_id).assignee == "bob"


def test_supervisor_reassigns_a_task_to_a_custodian_of_its_office(login_as, client, make_staff, post_form,
                                                                    police_task, process_engine):
    make_staff("pat", "clerk")                     # designated by the police department: custodian:police
    make_staff("quinn", "custodian:police")
    make_staff("fay", "custodian:fire")
    process_engine.claim_task(police_task.task_id, actor="quinn")
    login_as("city_clerk", username="cleo")
    page_path = f"/inbox/tasks/{police_task.task_id}"
    page = client.get(page_path).get_data(as_text=True)
    assert '<label for="assignee">Reassign to</label>' in page
    assert choices(page) == [SHARED_INBOX, "pat"]
    # The supervisor sees the task but does not get a form they could not send.
    assert "quinn is working on this task" in page and f"/inbox/tasks/{police_task.task_id}/complete" not in page
    response = post_form(client, f"{page_path}/assign", {"assignee": "pat"}, token_from=page_path)
    assert response.status_code == 302
    assert process_engine.get_task(police_task.task_id).assignee == "pat"
    last = process_engine.audit_trail(police_task.instance_id)[-1]
    assert (last.actor, last.action, last.detail) == ("cleo", "reassign", "from quinn to pat")


def test_supervisor_puts_a_claimed_task_back_in_the_shared_inbox(login_as, client, make_staff, post_form,
                                                                   review_request, process_engine):
    make_staff("bob", "custodian")
    process_engine.claim_task(review_request.task_id, actor="bob")
    login_as("records_manager", username="rita")
    page_path = f"/inbox/tasks/{review_request.task_id}"
    post_form(client, f"{page_path}/assign", {"assignee": SHARED_INBOX}, token_from=page_path)
    assert process_engine.get_task(review_request.task_id).assignee is None
    assert process_engine.audit_trail(review_request.instance_id)[-1].detail == "from bob to the shared inbox"


@pytest.mark.parametrize("role, may_reassign", [("administrator", True), ("city_clerk", True),
                                                ("records_manager", True), ("custodian", False), ("clerk", False)])
def test_only_supervisors_may_reassign_someone_elses_task(login_as, client, make_staff, post_form, review_request,
                                                          process_engine, role, may_reassign):
    make_staff("bob", "custodian")
    make_staff("dot", "custodian")
    process_engine.claim_task(review_request.task_id, actor="bob")
    login_as(role, username="someone")
    page_path = f"/inbox/tasks/{review_request.task_id}"
    response = post_form(client, f"{page_path}/assign", {"assignee": "dot"}, token_from="/inbox")
    assert response.status_code == (302 if may_reassign else 403)
    assert process_engine.get_task(review_request.task_id).assignee == ("dot" if may_reassign else "bob")


def test_supervisor_may_release_anyones_claim_from_the_inbox(login_as, client, make_staff, post_form,
                                                             review_request, process_engine):
    make_staff("bob", "custodian")
    process_engine.claim_task(review_request.task_id, actor="bob")
    login_as("city_clerk", "custodian", username="cleo")
    assert f"/inbox/tasks/{review_request.task_id}/unclaim" in client.get("/inbox").get_data(as_text=True)
    post_form(client, f"/inbox/tasks/{review_request.task_id}/unclaim")
    assert process_engine.get_task(review_request.task_id).assignee is None


def test_assignment_form_carries_its_csrf_token_and_a_label_for_every_field(login_as, client, review_request,
                                                                             process_engine, make_staff):
    make_staff("bob", "custodian")
    login_as("custodian", username="ann")
    process_engine.claim_task(review_request.task_id, actor="ann")
    page = client.get(f"/inbox/tasks/{review_request.task_id}").get_data(as_text=True)
    form = delegate_form(page)
    assert 'name="csrf_token"' in form
    for field_id in re.findall(r'<(?:select|input) id="([^"]+)"', page):
        assert f'<label for="{field_id}"' in page, field_id
