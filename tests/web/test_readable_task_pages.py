"""Task pages a clerk can read: the request at the top of every task, choices by their labels, one way of
writing times and amounts (city time), a history in words, and a referral that picks an office by name and
reaches the other office blank."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone

import pytest

from records_office import open_records_office

MONDAY_9_21 = datetime(2026, 12, 7, 15, 21, tzinfo=timezone.utc)       # Dec 7, 2026, 9:21 AM in the city
RECEIVED = "Dec 7, 2026, 9:21 AM CST"
DUE = "Dec 10, 2026, 11:59 PM CST"                                      # end of the third business day
POLICE = "custodian:police"
RAW_NAMES = ("holds_record", "description_sufficient", "search_hours", "requester_name", "records_description",
             "received_via", "received_at", "estimate_invoice", "referral_office_key", "review_request",
             "personal_information", "True", "False", "None")


@pytest.fixture
def city(process_engine, time_machine):
    time_machine.move_to(MONDAY_9_21, tick=False)
    return open_records_office(process_engine)


def file_by_mail(engine, office_key="police"):
    instance = engine.start_instance("records_request", {
        "requester_name": "Pat Doe", "requester_address": "12 Elm Street, Springfield KS 66000",
        "records_description": "Council minutes of January 2026", "office_key": office_key,
        "received_at": "2026-12-07T09:21:00-06:00", "received_via": "mail", "received_by": "clerk"},
        actor="clerk", tracking_prefix="R")
    return instance.instance_id, instance.business_key


def open_task(engine, instance_id, bpmn_id):
    [task] = [task for task in engine.list_tasks(instance_id=instance_id) if task.bpmn_id == bpmn_id]
    return task


def complete(engine, instance_id, bpmn_id, data):
    engine.complete_task(open_task(engine, instance_id, bpmn_id).task_id, data, actor="custodian")


def to_decision(engine, instance_id, number):
    """Reviewed, estimated at $47.50 (2.5 hours of search, 40 pages), prepaid, no privacy concern."""
    complete(engine, instance_id, "review_request", {"holds_record": True, "description_sufficient": True})
    complete(engine, instance_id, "estimate_fees", {"search_hours": [{"employee": "Jo Records", "hours": 2.5}],
                                                    "pages": 40})
    engine.deliver_message("payment_received", {"tracking_number": number}, {"amount": "47.50", "method": "paid"},
                           actor="cashier")
    complete(engine, instance_id, "check_personal_privacy", {"personal_information": False})
    return open_task(engine, instance_id, "decide_request")


def field_of(page: str, name: str) -> str:
    found = re.search(rf'<div class="field[^"]*">(?:(?!<div class="field).)*?name="{name}".*?</div>', page, re.S)
    assert found, f"no field {name}"
    return re.sub(r"<option value=\"\"[^>]*>", "", found.group(0))


def words_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def section(page: str, heading_id: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert found, f"no section {heading_id}"
    return found.group(0)


def test_every_task_page_of_a_request_starts_with_who_asked_for_what_when_and_how(client, login_as, city):
    instance_id, number = file_by_mail(city)
    login_as(POLICE, username="officer")
    pages = [client.get(f"/inbox/tasks/{open_task(city, instance_id, 'review_request').task_id}")]
    complete(city, instance_id, "review_request", {"holds_record": True, "description_sufficient": True})
    pages.append(client.get(f"/inbox/tasks/{open_task(city, instance_id, 'estimate_fees').task_id}"))
    for response in pages:
        summary = words_of(section(response.get_data(as_text=True), "request-summary-heading"))
        assert f"Tracking number {number}" in summary
        assert "Pat Doe" in summary and "Council minutes of January 2026" in summary
        assert f"Received {RECEIVED}" in summary and "How it came By mail" in summary
        assert "Taken by clerk" in summary and "Office Police Department" in summary


def test_the_decision_is_chosen_by_its_words_and_the_estimate_shows_its_lines(client, login_as, city):
    instance_id, number = file_by_mail(city)
    decide = to_decision(city, instance_id, number)
    login_as(POLICE, username="officer")
    page = client.get(f"/inbox/tasks/{decide.task_id}").get_data(as_text=True)
    assert re.search(r'<option value="grant"[^>]*>Grant in full</option>', page)
    assert re.search(r'<option value="partial"[^>]*>Grant in part</option>', page)
    assert ">grant<" not in page and ">partial<" not in page
    summary = words_of(section(page, "request-summary-heading"))
    assert "Fee estimate" in summary and "Total $47.50" in summary
    assert "$37.50" in summary and "$10.00" in summary              # the search and copy lines
    assert "Prepaid $47.50" in summary and "Balance due" not in summary     # prepaid in full


def test_times_and_amounts_are_written_one_way_in_city_time(client, login_as, city):
    instance_id, number = file_by_mail(city)
    login_as(POLICE, username="officer")
    inbox = words_of(client.get("/inbox").get_data(as_text=True))
    assert f"{number} Pat Doe: Council minutes of January 2026" in inbox     # who asked for what
    assert DUE in inbox and RECEIVED in inbox
    assert "2026-12-10" not in inbox and "23:59" not in inbox

    decide = to_decision(city, instance_id, number)
    page = words_of(client.get(f"/inbox/tasks/{decide.task_id}").get_data(as_text=True))
    assert DUE in page and f"Received {RECEIVED}" in page
    assert "$47.50" in page and "47.5 " not in page


def test_the_history_says_what_happened_in_words(client, login_as, city):
    instance_id, number = file_by_mail(city)
    decide = to_decision(city, instance_id, number)
    login_as(POLICE, username="officer")
    page = client.get(f"/inbox/tasks/{decide.task_id}").get_data(as_text=True)
    told = words_of(section(page, "history-heading"))
    assert "Completed (Review the request)" in told
    assert "This office holds the record Yes" in told
    assert "Employee: Jo Records, Hours: 2.5" in told
    assert "Message received (Payment received) by cashier" in told
    assert "Readily available" not in told       # the estimate form's defaults are not what the review recorded
    assert f"Received {RECEIVED}" in told and "How it came By mail" in told
    for name in RAW_NAMES:
        assert name not in told, name


def test_a_referral_picks_an_office_by_name_and_the_receiving_review_starts_blank(client, login_as, post_form, city):
    instance_id, number = file_by_mail(city)
    login_as(POLICE, "custodian:fire", username="officer")
    review = open_task(city, instance_id, "review_request")
    page = client.get(f"/inbox/tasks/{review.task_id}").get_data(as_text=True)
    referral = re.search(r'<select[^>]*name="referral_office_key".*?</select>', page, re.S).group(0)
    assert '<option value="fire"' in referral and ">Fire Department</option>" in referral
    assert 'value="police"' not in referral                          # not to the office that has it

    response = post_form(client, f"/inbox/tasks/{review.task_id}/complete",
                         {"holds_record": "false", "referral_office_key": "fire", "referral_note": "Fire Chief's"},
                         token_from=f"/inbox/tasks/{review.task_id}")
    assert response.status_code == 302, words_of(response.get_data(as_text=True))

    again = open_task(city, instance_id, "review_request")
    assert again.candidate_role == "custodian:fire"
    page = client.get(f"/inbox/tasks/{again.task_id}").get_data(as_text=True)
    # Nothing the police answered is carried over (the "Refuse without a search" default, No, is the diagram's).
    for name in ("holds_record", "description_sufficient", "referral_office_key"):
        assert " checked" not in field_of(page, name) and " selected" not in field_of(page, name), name
    assert re.search(r'<textarea[^>]*name="review_note"[^>]*></textarea>', page)
    told = words_of(section(page, "history-heading"))
    assert "This office holds the record No" in told
    assert "Office that holds the record Fire Department" in told
    assert "Office Fire Department" in words_of(section(page, "request-summary-heading"))
