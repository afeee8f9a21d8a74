"""Recording a payment (issue 5): a clerk finds a request by its tracking number, sees the amount due,
records what was paid, and the real records request process goes on once the prepayment is paid."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from records_office import open_records_office
from city.office import city_data_of

KANSAS = ZoneInfo("America/Chicago")


@pytest.fixture
def city(process_engine):
    """The city's data seeded and the records request process deployed with its forms."""
    return open_records_office(process_engine)


def start_request(engine, office_key="city_clerk") -> tuple[int, str]:
    instance = engine.start_instance("records_request", {
        "requester_name": "Pat Doe", "requester_address": "12 Elm Street", "office_key": office_key,
        "records_description": "Council minutes of January 2026",
        "received_at": datetime.now(timezone.utc).astimezone(KANSAS).isoformat()}, actor="clerk", tracking_prefix="R")
    return instance.instance_id, instance.business_key


def complete(engine, instance_id, bpmn_id, data):
    [task] = [task for task in engine.list_tasks(instance_id=instance_id) if task.bpmn_id == bpmn_id]
    engine.complete_task(task.task_id, data, actor="custodian")


def open_steps(engine, instance_id) -> set[str]:
    return {task.bpmn_id for task in engine.list_tasks(instance_id=instance_id)}


def payments_of(engine, instance_id) -> list[dict]:
    found = []
    for event in engine.audit_trail(instance_id):
        if event.changes.get("payments"):
            found = event.changes["payments"]
    return found


@pytest.fixture
def awaiting_prepayment(city):
    """A request estimated at 30.00 (2 hours of search): the requester was asked to prepay it."""
    instance_id, number = start_request(city)
    complete(city, instance_id, "review_request", {"holds_record": True, "description_sufficient": True})
    complete(city, instance_id, "estimate_fees", {"search_hours": [{"employee": "Jo Records", "hours": 2}],
                                                  "pages": 0})
    assert open_steps(city, instance_id) == set()
    return instance_id, number


def record(client, post_form, data):
    return post_form(client, "/inbox/payments", data, token_from="/inbox/payments")


def test_clerk_sees_the_amount_due_before_recording(client, login_as, awaiting_prepayment):
    _, number = awaiting_prepayment
    login_as("clerk")
    page = client.get(f"/inbox/payments?tracking_number={number.lower()}").get_data(as_text=True)
    assert f"Request <span class=\"reference\">{number}</span>" in page
    assert "<strong>$30.00</strong>" in page
    assert 'name="amount" value="30.00"' in page           # the amount due is offered
    assert "Record the payment" in page


def test_paying_the_prepayment_in_full_moves_the_request_on(client, login_as, post_form, city, awaiting_prepayment):
    instance_id, number = awaiting_prepayment
    login_as("clerk")
    response = record(client, post_form, {"tracking_number": number, "amount": "30.00", "method": "check"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Payment of $30.00 (check) recorded for {number}." in page
    assert open_steps(city, instance_id) == {"check_personal_privacy"}
    assert [(payment["amount"], payment["method"]) for payment in payments_of(city, instance_id)] == [("30.00", "check")]
    assert any(event.actor == "clerk" and "payment_received" in (event.detail or "")
               for event in city.audit_trail(instance_id))
    assert "Record the payment" not in page               # nothing more is due
    assert "This request is not waiting for a payment" in page


def test_partial_payment_leaves_the_rest_due(client, login_as, post_form, city, awaiting_prepayment):
    instance_id, number = awaiting_prepayment
    login_as("finance")
    record(client, post_form, {"tracking_number": number, "amount": "$12.50", "method": "cash"})
    page = client.get(f"/inbox/payments?tracking_number={number}").get_data(as_text=True)
    assert "<strong>$17.50</strong>" in page
    assert open_steps(city, instance_id) == set()         # still waiting for the rest


def test_unknown_tracking_number_is_said_plainly(client, login_as, post_form, awaiting_prepayment):
    login_as("clerk")
    response = record(client, post_form, {"tracking_number": "R-2026-99999", "amount": "30.00", "method": "cash"})
    assert response.status_code == 422
    assert "There is no records request R-2026-99999" in response.get_data(as_text=True)
    assert "There is no records request R-2026-99999" in client.get(
        "/inbox/payments?tracking_number=R-2026-99999").get_data(as_text=True)


def test_request_not_waiting_for_a_payment_records_nothing(client, login_as, post_form, city):
    instance_id, number = start_request(city)                # still at "Review the request"
    login_as("clerk")
    assert "This request is not waiting for a payment" in client.get(
        f"/inbox/payments?tracking_number={number}").get_data(as_text=True)
    response = record(client, post_form, {"tracking_number": number, "amount": "5.00", "method": "cash"})
    assert response.status_code == 409
    assert f"Request {number} is not waiting for a payment, so nothing was recorded" in response.get_data(as_text=True)
    assert payments_of(city, instance_id) == []
    assert open_steps(city, instance_id) == {"review_request"}


@pytest.mark.parametrize("amount, error", [
    ("", "Amount is needed."), ("0", "Amount must be more than 0.00."), ("-5", "Amount must be more than 0.00."),
    ("thirty", "Amount must be a sum of money"), ("10.005", "at most two decimals"), ("NaN", "a sum of money"),
    ("1000000", "Amount must be at most 100,000.00.")])
def test_amount_must_be_money_over_zero_in_dollars_and_cents(client, login_as, post_form, city, awaiting_prepayment,
                                                            amount, error):
    instance_id, number = awaiting_prepayment
    login_as("clerk")
    response = record(client, post_form, {"tracking_number": number, "amount": amount, "method": "cash"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error in page and "Nothing was recorded yet" in page
    assert '<option value="cash" selected>' in page       # what was chosen is kept
    assert payments_of(city, instance_id) == []


def test_how_it_was_paid_must_be_chosen(client, login_as, post_form, city, awaiting_prepayment):
    instance_id, number = awaiting_prepayment
    login_as("clerk")
    response = record(client, post_form, {"tracking_number": number, "amount": "30.00", "method": "barter"})
    assert response.status_code == 422
    assert "choose how the requester paid" in response.get_data(as_text=True)
    assert payments_of(city, instance_id) == []


def test_staff_without_a_payment_role_neither_see_nor_use_the_page(client, login_as, post_form, city,
                                                                   awaiting_prepayment):
    instance_id, number = awaiting_prepayment
    login_as("analyst")
    assert "Record a payment" not in client.get("/inbox").get_data(as_text=True)
    assert client.get("/inbox/payments").status_code == 403
    response = post_form(client, "/inbox/payments", {"tracking_number": number, "amount": "30.00", "method": "cash"})
    assert response.status_code == 403
    assert payments_of(city, instance_id) == []


@pytest.mark.parametrize("roles", [("clerk",), ("city_clerk",), ("finance",), ("administrator",), ("custodian",),
                                   ("custodian:police",)])
def test_payment_roles_find_the_page_in_the_navigation(client, login_as, roles):
    login_as(*roles, username="staff")
    assert 'href="/inbox/payments">Record a payment</a>' in client.get("/inbox").get_data(as_text=True)
    assert client.get("/inbox/payments").status_code == 200


def test_a_custodian_designated_in_the_register_finds_the_page_in_the_navigation(client, login_as, city):
    from city.citydata import designate_custodian
    login_as("analyst", username="jo")
    assert "Record a payment" not in client.get("/inbox").get_data(as_text=True)
    with city.database.write() as session:
        designate_custodian(session, "police", "jo", designated_by="admin")
    city_data_of(city).invalidate()
    assert 'href="/inbox/payments">Record a payment</a>' in client.get("/inbox").get_data(as_text=True)
    assert client.get("/inbox/payments").status_code == 200


def test_office_custodian_records_payments_for_that_office_only(client, login_as, post_form, city):
    police_id, police_number = start_request(city, "police")
    clerk_id, clerk_number = start_request(city, "city_clerk")
    for instance_id in (police_id, clerk_id):
        complete(city, instance_id, "review_request", {"holds_record": True, "description_sufficient": True})
        complete(city, instance_id, "estimate_fees", {"search_hours": [{"employee": "Jo", "hours": 2}], "pages": 0})
    login_as("custodian:police", username="chief")

    refused = record(client, post_form, {"tracking_number": clerk_number, "amount": "30.00", "method": "cash"})
    assert refused.status_code == 422
    assert f"There is no records request {clerk_number}" in refused.get_data(as_text=True)
    assert record(client, post_form, {"tracking_number": police_number, "amount": "30.00",
                                      "method": "card"}).status_code == 302
    assert (payments_of(city, clerk_id), len(payments_of(city, police_id))) == ([], 1)


def test_a_forged_payment_without_the_form_token_is_refused(client, login_as, city, awaiting_prepayment):
    instance_id, number = awaiting_prepayment
    login_as("clerk")
    response = client.post("/inbox/payments", data={"tracking_number": number, "amount": "30.00", "method": "cash"})
    assert response.status_code == 400
    assert payments_of(city, instance_id) == []


def test_a_suspended_request_takes_no_payment_until_resumed(client, login_as, post_form, city, awaiting_prepayment):
    instance_id, number = awaiting_prepayment
    city.suspend_instance(instance_id, actor="admin", reason="Checking the requester's account")
    login_as("clerk")
    assert "This request is not waiting for a payment" in client.get(
        f"/inbox/payments?tracking_number={number}").get_data(as_text=True)
    response = record(client, post_form, {"tracking_number": number, "amount": "30.00", "method": "cash"})
    assert response.status_code == 409
    assert payments_of(city, instance_id) == []

    city.resume_instance(instance_id, actor="admin")
    assert record(client, post_form, {"tracking_number": number, "amount": "30.00",
                                      "method": "cash"}).status_code == 302
    assert open_steps(city, instance_id) == {"check_personal_privacy"}
