"""Administration: instances by status, an instance's tasks, incidents and audit trail, and repairs."""
from __future__ import annotations

import html



def test_administrator_sees_instances_counted_and_filtered_by_status(login_as, client, review_request,
                                                                       failing_request):
    login_as("administrator")
    page = client.get("/admin/instances").get_data(as_text=True)
    assert 'all <span class="count">2</span>' in page and 'running <span class="count">1</span>' in page
    assert 'incident <span class="count">1</span>' in page
    assert "R-2026-0142" in page and "R-2026-0143" in page

    page = client.get("/admin/instances?status=incident").get_data(as_text=True)
    assert "R-2026-0143" in page and "R-2026-0142" not in page


def test_unknown_status_filter_is_a_clear_400(login_as, client):
    login_as("administrator")
    response = client.get("/admin/instances?status=lost")
    assert response.status_code == 400
    assert 'There is no instance status "lost"' in html.unescape(response.get_data(as_text=True))


def test_instance_page_shows_open_tasks_and_audit_trail(login_as, client, review_request):
    login_as("administrator")
    page = client.get(f"/admin/instances/{review_request.instance_id}").get_data(as_text=True)
    assert "Review request" in page and "custodian" in page
    assert "<td>start</td>" in page and "<td>tests</td>" in page
    assert "No incidents." in page


def test_incident_shows_its_error_and_retry_records_who_retried(login_as, client, failing_request,
                                                                 process_engine, post_form):
    login_as("administrator")
    path = f"/admin/instances/{failing_request.instance_id}"
    page = client.get(path).get_data(as_text=True)
    assert "Compute response deadline" in page
    assert "must be a date and time with its time zone" in page
    [incident] = failing_request.incidents

    response = post_form(client, f"/admin/incidents/{incident.incident_id}/retry", token_from=path)

    assert response.headers["Location"] == path
    assert "stopped again" in client.get(path).get_data(as_text=True)   # the data is still wrong
    retried = process_engine.list_incidents(status=None, instance_id=failing_request.instance_id)
    assert {(each.status, each.resolved_by) for each in retried} == {("resolved", "administrator"), ("open", None)}


def test_suspend_and_resume_with_a_reason_in_the_audit_trail(login_as, client, review_request, process_engine,
                                                            post_form):
    login_as("administrator")
    path = f"/admin/instances/{review_request.instance_id}"
    post_form(client, f"{path}/suspend", {"reason": "requester asked us to wait"}, token_from=path)
    assert process_engine.get_instance(review_request.instance_id).status == "suspended"
    page = client.get(path).get_data(as_text=True)
    assert "requester asked us to wait" in page and "Resume" in page

    post_form(client, f"{path}/resume", token_from=path)
    assert process_engine.get_instance(review_request.instance_id).status == "active"


def test_terminate_needs_a_reason(login_as, client, review_request, process_engine, post_form):
    login_as("administrator")
    path = f"/admin/instances/{review_request.instance_id}"
    response = post_form(client, f"{path}/terminate", {"reason": "  "}, token_from=path)
    assert response.headers["Location"] == path
    assert "Give a reason for terminating" in client.get(path).get_data(as_text=True)
    assert process_engine.get_instance(review_request.instance_id).status == "active"

    post_form(client, f"{path}/terminate", {"reason": "filed twice"}, token_from=path)
    assert process_engine.get_instance(review_request.instance_id).status == "terminated"


def test_engine_refusal_is_shown_plainly_on_the_instance_page(login_as, client, review_request, post_form):
    login_as("administrator")
    path = f"/admin/instances/{review_request.instance_id}"
    response = post_form(client, f"{path}/resume", token_from=path)
    assert response.headers["Location"] == path
    assert f"Instance {review_request.instance_id} is not suspended." in client.get(path).get_data(as_text=True)
