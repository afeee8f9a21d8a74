"""The staff inbox: work for a person's roles, claiming it, and doing it through its form."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from city.office import city_data_of

AFTER_RESPONSE_DEADLINE = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def field_block(page: str, name: str) -> str:
    """The HTML of one form field (its label, input and error)."""
    found = re.search(rf'<div class="field[^"]*">(?:(?!<div class="field).)*?name="{name}".*?</div>', page, re.S)
    assert found, f"no field {name}"
    return found.group(0)


def test_custodian_sees_review_request_with_its_request_and_due_date(login_as, client, review_request):
    login_as("custodian")
    page = client.get("/inbox").get_data(as_text=True)
    assert "Review request" in page
    assert "R-2026-0142" in page and "Request-shaped test process" in page
    assert "Nov 25, 2026, 11:59 PM CST" in page
    assert "unclaimed" in page
    assert "(overdue)" not in page and 'class="overdue-row"' not in page


def test_task_past_its_due_date_is_marked_overdue(login_as, client, review_request, time_machine):
    time_machine.move_to(AFTER_RESPONSE_DEADLINE, tick=False)
    login_as("custodian")      # after the move: a 12-hour session would have expired
    page = client.get("/inbox").get_data(as_text=True)
    assert 'class="overdue-row"' in page and "(overdue)" in page


def test_clerk_does_not_see_custodian_work(login_as, client, review_request):
    login_as("clerk", "city_clerk")
    page = client.get("/inbox").get_data(as_text=True)
    assert "Review request" not in page
    assert "Nothing waiting for you." in page


def test_custodian_completes_review_request_through_the_form(login_as, client, review_request, process_engine,
                                                             post_form):
    login_as("custodian")
    task_path = f"/inbox/tasks/{review_request.task_id}"
    page = client.get(task_path).get_data(as_text=True)
    assert 'type="radio" name="approved" value="true"' in page
    assert 'name="pages" type="number" value="" required' in page and 'min="0"' in page

    response = post_form(client, f"{task_path}/complete", {"approved": "true", "pages": "12"}, token_from=task_path)

    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    assert 'Done: "Review request".' in html.unescape(client.get("/inbox").get_data(as_text=True))
    done = process_engine.get_task(review_request.task_id)
    assert (done.status, done.completed_by) == ("completed", "custodian")
    instance = process_engine.get_instance(review_request.instance_id)
    assert [task.bpmn_id for task in instance.open_tasks] == ["release_records"]
    [completion] = [event for event in process_engine.audit_trail(instance.instance_id) if event.action == "complete"]
    assert {"approved": True, "pages": 12}.items() <= completion.changes.items()


def test_bad_value_shows_its_error_beside_the_field_and_keeps_what_was_typed(login_as, client, review_request,
                                                                              process_engine, post_form):
    login_as("custodian")
    task_path = f"/inbox/tasks/{review_request.task_id}"
    response = post_form(client, f"{task_path}/complete", {"approved": "false", "pages": "-3"}, token_from=task_path)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "field(s) need attention" in page
    pages_field = field_block(page, "pages")
    assert 'value="-3"' in pages_field
    assert "Pages to copy must be 0 or more" in pages_field
    assert 'value="false" checked' in field_block(page, "approved")
    assert process_engine.get_task(review_request.task_id).status == "open"


def test_text_in_a_number_field_is_reported_with_every_other_problem(login_as, client, review_request, post_form):
    login_as("custodian")
    task_path = f"/inbox/tasks/{review_request.task_id}"
    response = post_form(client, f"{task_path}/complete", {"pages": "a dozen"}, token_from=task_path)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Pages to copy must be a whole number" in field_block(page, "pages")
    assert 'value="a dozen"' in field_block(page, "pages")
    assert "Approve the request? is required" in field_block(page, "approved")


def test_claiming_puts_the_task_in_the_claimers_name_and_unclaiming_releases_it(
        login_as, client, review_request, process_engine, post_form):
    login_as("custodian")
    response = post_form(client, f"/inbox/tasks/{review_request.task_id}/claim", {"return_to": "/inbox"})
    assert response.headers["Location"] == "/inbox"
    assert process_engine.get_task(review_request.task_id).assignee == "custodian"
    page = client.get("/inbox").get_data(as_text=True)
    assert "Unclaim" in page

    post_form(client, f"/inbox/tasks/{review_request.task_id}/unclaim")
    assert process_engine.get_task(review_request.task_id).assignee is None


def test_task_claimed_by_someone_else_cannot_be_claimed_again(app, login_as, client, review_request,
                                                               process_engine, post_form):
    process_engine.claim_task(review_request.task_id, actor="morgan", roles={"custodian"})
    login_as("custodian")
    response = post_form(client, f"/inbox/tasks/{review_request.task_id}/claim")
    assert response.status_code == 409
    assert "already claimed by morgan" in response.get_data(as_text=True)


def test_claim_never_returns_to_another_site(login_as, client, review_request, post_form):
    login_as("custodian")
    response = post_form(client, f"/inbox/tasks/{review_request.task_id}/claim",
                         {"return_to": "https://evil.example/"})
    assert response.headers["Location"] == f"/inbox/tasks/{review_request.task_id}"


def test_completed_task_shows_who_did_it_instead_of_a_form(login_as, client, review_request, process_engine):
    process_engine.complete_task(review_request.task_id, {"approved": False, "pages": 0}, actor="morgan")
    login_as("custodian")
    page = client.get(f"/inbox/tasks/{review_request.task_id}").get_data(as_text=True)
    assert "This task was completed by morgan" in page
    assert "Complete task" not in page


def test_missing_task_is_a_404_page_or_json(login_as, client):
    login_as("custodian")
    assert client.get("/inbox/tasks/999").status_code == 404
    response = client.get("/inbox/tasks/999", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "NotFound", "message": "No task 999.", "details": []}


def test_designated_record_custodian_sees_the_offices_requests(app, client, login_as, process_engine):
    """003, Art. 6: an official custodian may designate record custodians; they work the office's requests."""
    from city.citydata import designate_custodian, seed_defaults
    from scenario_data import DIAGRAMS, FORMS
    with process_engine.database.write() as session:
        seed_defaults(session)
        designate_custodian(session, "city_treasurer", "clerk", designated_by="admin")
    city_data_of(process_engine).invalidate()
    process_engine.deploy_file(DIAGRAMS / "routed.bpmn", FORMS, actor="admin")
    process_engine.start_instance("routed", {"custodian_role": "custodian:city_treasurer"}, actor="admin")
    login_as("clerk")
    page = client.get("/inbox").get_data(as_text=True)
    assert "Review request" in page and "custodian:city_treasurer" in page
