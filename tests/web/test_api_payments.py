"""Recording a payment through the API (issue 14): POST /api/messages with payment_received goes through the
same rules as the payments page (city.message_rules): who may record it, for which office, and what an
amount must be. Refused: 403 (who) or 422 naming the field (what), and nothing is recorded."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from records_office import open_records_office
from web.api import create_api_token
from web.models import StaffAccount, db

KANSAS = ZoneInfo("America/Chicago")


@pytest.fixture
def city(process_engine):
    return open_records_office(process_engine)


@pytest.fixture
def token_for(app, make_staff):
    def make(*roles: str, username: str | None = None) -> str:
        username = make_staff(username or roles[0], *roles)
        with app.app_context():
            account = db.session.scalars(db.select(StaffAccount).where(StaffAccount.username == username)).one()
            return create_api_token(account, f"{username} integration")
    return make


def awaiting_prepayment(engine, office_key="city_clerk") -> tuple[int, str]:
    """A request of `office_key` estimated at 30.00 whose requester was asked to prepay it."""
    instance = engine.start_instance("records_request", {
        "requester_name": "Pat Doe", "requester_address": "12 Elm Street", "office_key": office_key,
        "records_description": "Council minutes of January 2026",
        "received_at": datetime.now(timezone.utc).astimezone(KANSAS).isoformat()}, actor="clerk", tracking_prefix="R")
    for bpmn_id, data in (("review_request", {"holds_record": True, "description_sufficient": True}),
                          ("estimate_fees", {"search_hours": [{"employee": "Jo", "hours": 2}], "pages": 0})):
        [task] = [task for task in engine.list_tasks(instance_id=instance.instance_id) if task.bpmn_id == bpmn_id]
        engine.complete_task(task.task_id, data, actor="custodian")
    return instance.instance_id, instance.business_key


def latest(engine, instance_id, name):
    return next((event.changes[name] for event in reversed(engine.audit_trail(instance_id))
                 if event.changes.get(name) is not None), None)


def pay(client, token, number, amount, **extra):
    return client.post("/api/messages", headers={"Authorization": f"Bearer {token}"},
                       json={"name": "payment_received", "correlation": {"tracking_number": number},
                             "payload": {"amount": amount, **extra}})


@pytest.mark.parametrize("roles", [("analyst",), ("city_attorney",), ("records_manager",)])
def test_staff_without_a_payment_role_are_refused_and_nothing_is_paid(client, city, token_for, roles):
    instance_id, number = awaiting_prepayment(city)
    response = pay(client, token_for(*roles), number, "30.00")
    assert response.status_code == 403, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "forbidden"
    assert not latest(city, instance_id, "payments") and latest(city, instance_id, "prepaid") == "0.00"


def test_a_custodian_of_another_office_is_refused_and_of_the_office_is_not(client, city, token_for):
    instance_id, number = awaiting_prepayment(city, "police")
    refused = pay(client, token_for("custodian:city_clerk", username="clerks_custodian"), number, "30.00")
    assert refused.status_code == 403
    assert "another office" in refused.get_json()["error"]["message"]
    assert not latest(city, instance_id, "payments")
    assert pay(client, token_for("custodian:police", username="chief"), number, "30.00").status_code == 200
    assert latest(city, instance_id, "prepaid") == "30.00"


@pytest.mark.parametrize("amount", ["-500.00", "1e3", "10.001", "100000.01", "NaN", "0", "", "thirty"])
def test_an_amount_that_is_not_money_is_422_naming_the_field(client, city, token_for, amount):
    instance_id, number = awaiting_prepayment(city)
    response = pay(client, token_for("clerk"), number, amount)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "form_invalid" and list(error["fields"]) == ["amount"]
    assert not latest(city, instance_id, "payments") and latest(city, instance_id, "prepaid") == "0.00"


def test_a_refused_sender_hears_403_before_anything_about_the_amount(client, city, token_for):
    _, number = awaiting_prepayment(city)
    assert pay(client, token_for("analyst"), number, "-500.00").status_code == 403


@pytest.mark.parametrize("roles", [("clerk",), ("finance",), ("city_clerk",), ("administrator",)])
def test_a_cashier_or_clerk_records_the_payment_once(client, city, token_for, roles):
    instance_id, number = awaiting_prepayment(city)
    response = pay(client, token_for(*roles), number, "12.5", method="check")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"instance_ids": [instance_id]}
    assert latest(city, instance_id, "prepaid") == "12.50"
    assert latest(city, instance_id, "payments") == [{"amount": "12.50", "method": "check", **_when(city, instance_id)}]


def _when(engine, instance_id):
    """Whatever else the request keeps with a payment (its time), so the comparison above is on amount and method."""
    [payment] = latest(engine, instance_id, "payments")
    return {key: value for key, value in payment.items() if key not in ("amount", "method")}


def test_an_unknown_method_is_422_naming_the_field(client, city, token_for):
    instance_id, number = awaiting_prepayment(city)
    response = pay(client, token_for("clerk"), number, "5.00", method="barter")
    assert response.status_code == 422 and list(response.get_json()["error"]["fields"]) == ["method"]
