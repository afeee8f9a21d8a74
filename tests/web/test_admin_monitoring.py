"""Monitoring (issue 6): the instance list's filters and counts, the instance page (diagram, masked personal
data), the repairs each audited and only for administrators, and the process overview."""
from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone

import pytest

from city.rules.business_calendar import CITY_TIME_ZONE

from conftest import DIAGRAMS, RECEIVED_AT
from web.admin.views import MASK, mask_personal_data

REQUESTER = {"requester_name": "Jane Roe", "requester_address": "12 Elm Street", "email": "jane@example.org"}


@pytest.fixture
def waiting_for_payment(process_engine, review_week):
    process_engine.deploy_file(DIAGRAMS / "payment_watch.bpmn", DIAGRAMS / "forms", actor="tests")
    return process_engine.start_instance("payment_watch", {"tracking_number": "R-7", **REQUESTER}, actor="tests",
                                         business_key="R-7")


def page_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return html.unescape(response.get_data(as_text=True))


def listed(page: str) -> set[str]:
    return {key for key in ("R-2026-0142", "R-2026-0143", "R-7") if key in page}


def test_instances_filter_by_status_waits_process_key_and_start_day(login_as, client, review_request,
                                                                     failing_request, waiting_for_payment):
    login_as("administrator")
    assert listed(page_of(client, "/admin/instances")) == {"R-2026-0142", "R-2026-0143", "R-7"}
    assert listed(page_of(client, "/admin/instances?status=waiting_timer")) == {"R-2026-0142"}
    assert listed(page_of(client, "/admin/instances?status=waiting_message")) == {"R-7"}
    assert listed(page_of(client, "/admin/instances?status=incident")) == {"R-2026-0143"}
    assert listed(page_of(client, "/admin/instances?process=payment_watch")) == {"R-7"}
    assert listed(page_of(client, "/admin/instances?process=request_shaped&version=1")) == {"R-2026-0142",
                                                                                           "R-2026-0143"}
    assert listed(page_of(client, "/admin/instances?process=request_shaped&version=2")) == set()
    assert listed(page_of(client, "/admin/instances?key=0143")) == {"R-2026-0143"}
    today = datetime.now(CITY_TIME_ZONE).date()           # the filter's days are the city's
    assert len(listed(page_of(client, f"/admin/instances?started_from={today}&started_to={today}"))) == 3
    assert listed(page_of(client, f"/admin/instances?started_to={today - timedelta(days=1)}")) == set()


def test_counts_per_status_follow_the_other_filters(login_as, client, review_request, failing_request,
                                                    waiting_for_payment, process_engine):
    login_as("administrator")
    page = page_of(client, "/admin/instances")
    for label, count in (("all", 3), ("running", 2), ("waiting on timer", 1), ("waiting on message", 1),
                         ("incident", 1), ("completed", 0)):
        assert f'{label} <span class="count">{count}</span>' in page, label
    page = page_of(client, "/admin/instances?process=payment_watch")
    assert 'all <span class="count">1</span>' in page and 'incident <span class="count">0</span>' in page
    assert process_engine.count_instances(process_key="request_shaped")["waiting_timer"] == 1


def test_overdue_lists_instances_whose_next_due_date_passed(login_as, client, review_request, time_machine):
    login_as("administrator")
    assert listed(page_of(client, "/admin/instances?overdue=1")) == set()
    time_machine.move_to(datetime(2026, 12, 31, tzinfo=timezone.utc))
    login_as("administrator", username="admin2")   # a month on, the first session has timed out
    assert listed(page_of(client, "/admin/instances?overdue=1")) == {"R-2026-0142"}


@pytest.mark.parametrize("query, message", [("status=lost", 'There is no instance status "lost"'),
                                            ("version=two", '"two" is not a version number'),
                                            ("started_from=23/11/2026", "is not a date")])
def test_a_bad_filter_is_a_plain_400(login_as, client, query, message):
    login_as("administrator")
    response = client.get(f"/admin/instances?{query}")
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))


def test_paging_goes_through_every_instance_once(login_as, client, process_engine, deployed, review_week):
    for number in range(53):
        process_engine.start_instance("request_shaped", {"received_at": RECEIVED_AT}, actor="tests",
                                      business_key=f"P-{number:03d}")
    login_as("administrator")
    first, second = page_of(client, "/admin/instances"), page_of(client, "/admin/instances?page=2")
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    seen = [f"P-{n:03d}" for n in range(53) if f"P-{n:03d}" in first] + \
           [f"P-{n:03d}" for n in range(53) if f"P-{n:03d}" in second]
    assert sorted(seen) == [f"P-{n:03d}" for n in range(53)]


def test_instance_page_has_the_diagram_marked_and_allows_its_inline_styles(login_as, client, review_request):
    login_as("administrator")
    response = client.get(f"/admin/instances/{review_request.instance_id}")
    page = html.unescape(response.get_data(as_text=True))
    assert 'id="process-diagram"' in page and "instance_diagram.js" in page
    assert '"active": ["review_request"]' in page
    assert '"timers": [{"bpmn_id": "response_overdue"' in page or "response_overdue" in page
    assert "style-src 'self' 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]   # scripts stay 'self' only
    assert "Review request" in page and "Waiting timers" in page


def test_personal_data_is_masked_for_analysts_and_shown_to_administrators(login_as, client, waiting_for_payment,
                                                                           make_staff):
    path = f"/admin/instances/{waiting_for_payment.instance_id}"
    login_as("analyst")
    page = page_of(client, path)
    assert "Jane Roe" not in page and "12 Elm Street" not in page and "jane@example.org" not in page
    assert MASK in page and "Personal data is masked" in page
    assert "R-7" in page   # the tracking number is not personal
    client.post("/logout", data={"csrf_token": ""})
    with client.session_transaction() as session:
        session.clear()
    login_as("administrator")
    page = page_of(client, path)
    assert "Jane Roe" in page and "jane@example.org" in page


def test_masking_reaches_nested_data_and_keeps_the_rest():
    data = {"requester_name": "A", "pages": 3, "contacts": [{"x": 1}], "nested": {"office_email": "a@b", "n": 1},
            "items": [{"requester_address": "X"}], "requester_phone": ""}
    assert mask_personal_data(data) == {"requester_name": MASK, "pages": 3, "contacts": MASK,
                                        "nested": {"office_email": MASK, "n": 1}, "items": [{"requester_address": MASK}],
                                        "requester_phone": ""}


def test_analyst_sees_lists_and_pages_but_cannot_act(login_as, client, review_request, failing_request,
                                                     post_form, process_engine):
    login_as("analyst")
    path = f"/admin/instances/{review_request.instance_id}"
    assert client.get("/admin/instances").status_code == 200
    assert client.get("/admin/processes").status_code == 200
    assert client.get("/admin/processes/request_shaped/1").status_code == 200
    page = page_of(client, path)
    assert "Move timer" not in page and "Reassign" not in page and "Terminate" not in page
    assert "Deliver message" not in page
    [timer] = process_engine.pending_timers(instance_id=review_request.instance_id)
    [incident] = failing_request.incidents
    for action in (f"{path}/suspend", f"/admin/timers/{timer.timer_id}/move", "/admin/messages",
                   f"/admin/tasks/{review_request.task_id}/reassign", f"/admin/incidents/{incident.incident_id}/retry"):
        assert post_form(client, action, {"reason": "x"}, token_from=path).status_code == 403, action
    assert process_engine.get_instance(review_request.instance_id).status == "active"


def test_other_staff_cannot_open_monitoring(login_as, client, review_request):
    login_as("custodian")
    for path in ("/admin/instances", f"/admin/instances/{review_request.instance_id}", "/admin/processes",
                 "/admin/processes/request_shaped/1"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "administrator role" in response.get_data(as_text=True)


def audit_actions(process_engine, instance_id: int) -> list[str]:
    return [event.action for event in process_engine.audit_trail(instance_id)]


def test_moving_a_timer_from_the_page_is_audited_with_its_reason(login_as, client, review_request, post_form,
                                                                 process_engine):
    login_as("administrator")
    path = f"/admin/instances/{review_request.instance_id}"
    [timer] = process_engine.pending_timers(instance_id=review_request.instance_id)
    response = post_form(client, f"/admin/timers/{timer.timer_id}/move",
                         {"instance_id": review_request.instance_id, "due_at": "2027-01-15T17:00",
                          "reason": "extension agreed with the requester"}, token_from=path)
    assert response.headers["Location"] == path
    [moved] = process_engine.pending_timers(instance_id=review_request.instance_id)
    assert moved.due_at == datetime(2027, 1, 15, 23, tzinfo=timezone.utc)     # 17:00 in the city (CST)
    assert audit_actions(process_engine, review_request.instance_id).count("move_timer") == 1
    page = page_of(client, path)
    assert "extension agreed with the requester" in page and "Jan 15, 2027, 5:00 PM CST" in page


@pytest.mark.parametrize("form, message", [({"due_at": "soon", "reason": "x"}, '"soon" is not a date and time'),
                                           ({"due_at": "2027-01-15T17:00", "reason": ""}, "Give a reason")])
def test_moving_a_timer_with_a_bad_form_says_why_and_changes_nothing(login_as, client, review_request, post_form,
                                                                     process_engine, form, message):
    login_as("administrator")
    path = f"/admin/instances/{review_request.instance_id}"
    [timer] = process_engine.pending_timers(instance_id=review_request.instance_id)
    post_form(client, f"/admin/timers/{timer.timer_id}/move", {"instance_id": review_request.instance_id, **form},
              token_from=path)
    assert message in page_of(client, path)
    assert process_engine.pending_timers(instance_id=review_request.instance_id) == [timer]


def test_reassigning_a_task_is_audited_and_refuses_someone_without_the_role(login_as, client, review_request,
                                                                          post_form, process_engine, make_staff):
    make_staff("carla", "custodian")
    make_staff("clark", "clerk")
    login_as("administrator")
    path = f"/admin/instances/{review_request.instance_id}"
    page = page_of(client, path)
    assert "Carla (carla)" in page and "Clark (clark)" not in page   # only who may work it is offered
    post_form(client, f"/admin/tasks/{review_request.task_id}/reassign", {"assignee": "clark"}, token_from=path)
    assert "which they do not hold" in page_of(client, path)
    post_form(client, f"/admin/tasks/{review_request.task_id}/reassign", {"assignee": "carla"}, token_from=path)
    assert process_engine.get_task(review_request.task_id).assignee == "carla"
    assert audit_actions(process_engine, review_request.instance_id).count("reassign") == 1


def test_delivering_a_message_by_hand_is_audited_and_bad_json_is_explained(login_as, client, waiting_for_payment,
                                                                           post_form, process_engine):
    login_as("administrator")
    path = f"/admin/instances/{waiting_for_payment.instance_id}"
    form = {"instance_id": waiting_for_payment.instance_id, "message_name": "prepayment_received"}
    post_form(client, "/admin/messages", {**form, "correlation": '{"tracking_number": "R-7"', "payload": "{}"},
              token_from=path)
    assert "The correlation is not valid JSON" in page_of(client, path)
    post_form(client, "/admin/messages", {**form, "correlation": '["R-7"]', "payload": "{}"}, token_from=path)
    assert "must be a JSON object" in page_of(client, path)
    post_form(client, "/admin/messages", {**form, "correlation": '{"tracking_number": "R-8"}', "payload": "{}"},
              token_from=path)
    assert "R-8" in page_of(client, path)   # nobody waits for it: the engine's refusal, shown plainly
    assert "message" not in audit_actions(process_engine, waiting_for_payment.instance_id)

    post_form(client, "/admin/messages", {**form, "correlation": '{"tracking_number": "R-7"}',
                                          "payload": '{"amount": 31.5}'}, token_from=path)
    assert f"delivered to instance {waiting_for_payment.instance_id}" in page_of(client, path)
    [event] = [e for e in process_engine.audit_trail(waiting_for_payment.instance_id) if e.action == "message"]
    assert event.actor == "administrator"


def test_retrying_an_incident_after_correcting_its_data(login_as, client, failing_request, post_form,
                                                        process_engine):
    login_as("administrator")
    path = f"/admin/instances/{failing_request.instance_id}"
    [incident] = failing_request.incidents
    post_form(client, f"/admin/incidents/{incident.incident_id}/retry",
              {"instance_id": failing_request.instance_id, "data_patch": "{received_at: 1}"}, token_from=path)
    assert "The corrected data is not valid JSON" in page_of(client, path)
    assert process_engine.list_incidents(instance_id=failing_request.instance_id)[0].status == "open"

    post_form(client, f"/admin/incidents/{incident.incident_id}/retry",
              {"instance_id": failing_request.instance_id, "data_patch": f'{{"received_at": "{RECEIVED_AT}"}}'},
              token_from=path)
    assert process_engine.get_instance(failing_request.instance_id).status == "active"
    [retry] = [e for e in process_engine.audit_trail(failing_request.instance_id) if e.action == "retry"]
    assert retry.actor == "administrator" and retry.changes["received_at"] == RECEIVED_AT


def test_process_overview_counts_versions_and_shows_where_instances_wait(login_as, client, review_request,
                                                                        failing_request):
    login_as("administrator")
    page = page_of(client, "/admin/processes")
    assert "request_shaped" in page and "/admin/processes/request_shaped/1" in page
    response = client.get("/admin/processes/request_shaped/1")
    page = html.unescape(response.get_data(as_text=True))
    assert '"heat": [' in page and '"bpmn_id": "review_request"' in page
    assert "style-src 'self' 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    assert client.get("/admin/processes/request_shaped/9").status_code == 404
