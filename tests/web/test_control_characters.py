"""Characters no database stores (issue 13): a NUL byte, or another control character but tab and line
breaks, in any field a person sends (the portal's request form, a task's form, the API) is refused beside
that field with the same words on every database, the rest of what was typed kept; never a 500 (on
PostgreSQL the audit insert used to fail)."""
from __future__ import annotations

from datetime import datetime, timezone
from html import unescape

import pytest
from records_office import REQUEST, open_records_office

from engine import FormInvalid
from web.api import create_api_token
from web.models import StaffAccount, db

RECEIVED_AT = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
FOUND = {"holds_record": "true", "description_sufficient": "true"}      # what "Review the request" needs
REFUSED = "holds an invisible control character (U+0000) that cannot be stored"


@pytest.fixture
def office(process_engine, time_machine):
    time_machine.move_to(RECEIVED_AT, tick=False)
    return open_records_office(process_engine)


@pytest.fixture
def review(office):
    """The "Review request" task of a request filed with the City Clerk."""
    office.start_instance("records_request", {**REQUEST, "received_at": RECEIVED_AT.isoformat(), "office_key": None},
                          actor="portal", tracking_prefix="R")
    [task] = [task for task in office.list_tasks() if task.bpmn_id == "review_request"]
    return task


@pytest.fixture
def api_token(app, make_staff, review):
    username = make_staff("records_clerk", review.candidate_role)
    with app.app_context():
        account = db.session.scalars(db.select(StaffAccount).where(StaffAccount.username == username)).one()
        return create_api_token(account, "control characters")


def test_a_nul_in_a_portal_field_is_refused_beside_it_keeping_the_rest(client, office, csrf_token):
    typed = {**REQUEST, "requester_name": "Pat\x00 Doe", "records_description": "Minutes,\r\n\tJanuary 2026"}
    response = client.post("/request", data={**typed, "csrf_token": csrf_token(client, "/request")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Your name {REFUSED}" in page
    assert "12 Elm Street, Springfield KS 66000</textarea>" in page
    assert "Minutes,\r\n\tJanuary 2026</textarea>" in page
    assert office.list_instances() == []


@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x08", "\x0b"])
def test_a_control_character_in_a_task_form_is_refused_and_the_form_kept(client, login_as, post_form, review,
                                                                          process_engine, character):
    login_as("records_clerk", review.candidate_role)
    task_path = f"/inbox/tasks/{review.task_id}"
    response = post_form(client, f"{task_path}/complete",
                         {**FOUND, "review_note": f"Found it{character}", "referral_note": "Kept"}, token_from=task_path)
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f"U+{ord(character):04X}) that cannot be stored" in page
    assert '"review_note" holds a character that cannot be stored' in page
    assert "Kept</textarea>" in page or 'value="Kept"' in page
    assert process_engine.get_task(review.task_id).status == "open"


def test_tabs_and_line_breaks_are_kept(client, login_as, post_form, review, process_engine):
    login_as("records_clerk", review.candidate_role)
    task_path = f"/inbox/tasks/{review.task_id}"
    response = post_form(client, f"{task_path}/complete",
                         {**FOUND, "review_note": "Shelf 4,\r\n\tbox 12"}, token_from=task_path)
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    assert process_engine.get_task(review.task_id).status == "completed"


def test_a_nul_in_an_api_post_is_422_naming_the_field(client, api_token, review, process_engine):
    response = client.post(f"/api/tasks/{review.task_id}/complete", headers={"Authorization": f"Bearer {api_token}"},
                           json={"holds_record": True, "description_sufficient": True, "review_note": "a\u0000b"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "form_invalid" and REFUSED in error["fields"]["review_note"]
    assert '"review_note" holds a character that cannot be stored' in error["message"]
    assert process_engine.get_task(review.task_id).status == "open"


def test_a_lone_surrogate_in_an_api_post_is_refused_too(client, api_token, review):
    response = client.post(f"/api/tasks/{review.task_id}/complete", headers={"Authorization": f"Bearer {api_token}",
                                                                            "Content-Type": "application/json"},
                           data='{"holds_record": true, "description_sufficient": true, "review_note": "half \\ud800"}')
    assert response.status_code == 422
    assert "broken character (U+D800" in response.get_json()["error"]["fields"]["review_note"]


def test_a_message_payload_with_a_nul_is_refused(client, api_token, review):
    response = client.post("/api/messages", headers={"Authorization": f"Bearer {api_token}"},
                           json={"name": "statement_requested", "correlation": {"tracking_number": "R-2026-00001"},
                                 "payload": {"statement_note": "\u0000"}})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "form_invalid"


@pytest.mark.parametrize("data, field", [
    ({"requester_name": "Pat\x00"}, "requester_name"),
    ({"search_hours": [{"staff": "Ann", "hours": 1}, {"staff": "Bo\x07b", "hours": 2}]}, "search_hours.1.staff"),
    ({"bad\x00key": "x"}, "bad\ufffdkey"),
])
def test_the_engine_refuses_them_on_every_way_in(office, data, field):
    with pytest.raises(FormInvalid) as refused:
        office.start_instance("records_request", {**REQUEST, **data}, actor="clerkflow start")
    assert list(refused.value.field_errors) == [field]
    assert "\x00" not in refused.value.user_message
    assert office.list_instances() == []


def test_a_nul_in_the_inbox_search_finds_nothing_odd_and_answers_the_page(client, login_as, review):
    login_as("records_clerk", review.candidate_role)
    response = client.get("/inbox?q=R-2026%00")
    assert response.status_code == 200
    assert review.business_key in response.get_data(as_text=True)


def test_a_nul_in_a_staff_comment_is_refused_and_the_comment_kept(client, login_as, post_form, review):
    login_as("records_clerk", review.candidate_role)
    task_path = f"/inbox/tasks/{review.task_id}"
    response = post_form(client, f"{task_path}/comments", {"comment": "Called\x00 the requester"}, token_from=task_path)
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert f"The comment was not added: it {REFUSED}" in page and "Called" in page
    assert "No comments yet." in page


def test_a_nul_in_a_reason_to_suspend_is_refused(process_engine, review):
    with pytest.raises(FormInvalid) as refused:
        process_engine.suspend_instance(review.instance_id, actor="admin", reason="Waiting\x00 for counsel")
    assert set(refused.value.field_errors) == {"reason"}
    assert process_engine.get_instance(review.instance_id).status == "active"
