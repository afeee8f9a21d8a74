"""A prepayment is an estimate (003, Art. 6(a)(9), (10); issue 15).

"The prepayment amount shall be an estimate of the inspection and/or copying charges": whatever the
custodian types, what the requester must have prepaid never exceeds the current estimate. A prepayment
demanded late, at "Prepare the records", rests on a revised estimate, recorded in the fee audit and, above
the threshold, told to the requester before the demand.
"""
from __future__ import annotations

from datetime import timedelta

from city.ledger import fee_audit_report
from scenario_data import WARM_AND_RESTORED
from test_records_request import (MONDAY_10AM, city, clock, complete, data_of, decide, engine,  # noqa: F401
                                  estimate, file_request, open_tasks, pay, review, to_decision, waiting_for)

pytestmark = WARM_AND_RESTORED

JO = "Jo Records"


def letters_in_order(engine, instance_id):
    """The letters the request wrote, each time one was written, oldest first."""
    return [name for event in engine.audit_trail(instance_id) for name, value in event.changes.items()
            if name.endswith("_letter") and isinstance(value, dict)]


def prepare_with_a_late_demand(engine, instance_id, *, hours, pages, amount):
    complete(engine, instance_id, "prepare_records", {
        "delivery_method": "copies", "actual_search_hours": [{"employee": JO, "hours": hours}],
        "actual_pages": pages, "demand_prepayment_now": True, "prepayment_now_amount": amount})


def test_prepayment_demand_never_exceeds_the_estimate(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=1, demand_prepayment=True, prepayment_amount=40)    # 15.00 estimate

    data = data_of(engine, instance_id)
    assert (data["estimate"]["total"], data["prepayment"]["asked"], data["prepayment"]["due"]) == (
        "15.00", "15.00", "15.00")
    assert "$15.00" in data["prepayment_demand_letter"]["text"] and "$40.00" not in data["prepayment_demand_letter"]["text"]
    pay(engine, instance_id, 15)
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy"}


def test_no_prepayment_is_demanded_on_an_estimate_of_nothing(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, readily_available=True, demand_prepayment=True, prepayment_amount=10)

    data = data_of(engine, instance_id)
    assert data["estimate"]["total"] == "0.00" and data["prepayment"]["demanded"] is False
    assert "prepayment_demand_letter" not in data
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy"}     # nothing to wait for


def test_late_prepayment_demand_rests_on_a_revised_estimate_told_to_the_requester(engine, database, clock):
    instance_id = file_request(engine)
    to_decision(engine, instance_id, hours=1, pages=40)                  # 25.00: no notice, no prepayment
    decide(engine, instance_id, "grant")
    assert "fee_estimate_letter" not in data_of(engine, instance_id)
    clock.shift(timedelta(hours=1))
    prepare_with_a_late_demand(engine, instance_id, hours=2, pages=40, amount=100)   # revised: 30.00 + 10.00

    data = data_of(engine, instance_id)
    assert data["estimate"]["total"] == "40.00" and data["estimate_invoice"]["total"] == "40.00"
    assert (data["prepayment"]["asked"], data["prepayment"]["due"]) == ("40.00", "40.00")   # not 100.00
    assert "$40.00" in data["fee_estimate_letter"]["text"]
    assert letters_in_order(engine, instance_id)[-2:] == ["fee_estimate_letter", "prepayment_demand_letter"]
    with database.read() as session:
        [row] = fee_audit_report(session.connection(), MONDAY_10AM - timedelta(days=1), MONDAY_10AM + timedelta(days=1))
    assert (row["charged"], row["reassessed"]) == ("40.00", 1)           # the estimate, then the revised one
    assert waiting_for(engine, instance_id) == {"payment_received"}
    pay(engine, instance_id, 40)
    assert data_of(engine, instance_id)["final_fees"]["total"] == "40.00"
    assert set(open_tasks(engine, instance_id)) == {"provide_records"}


def test_late_demand_within_the_threshold_needs_no_new_notice(engine):
    instance_id = file_request(engine)
    to_decision(engine, instance_id, hours=1)                            # 15.00
    decide(engine, instance_id, "grant")
    prepare_with_a_late_demand(engine, instance_id, hours=1, pages=4, amount=5)   # revised: 16.00

    data = data_of(engine, instance_id)
    assert data["estimate"]["total"] == "16.00" and "fee_estimate_letter" not in data
    assert (data["prepayment"]["asked"], data["prepayment"]["due"]) == ("5.00", "5.00")
    assert data["revised_assessment"]["assessment_id"]


def test_late_demand_on_an_estimate_already_prepaid_asks_nothing_more(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)                               # 30.00, prepaid in full
    pay(engine, instance_id, 30)
    complete(engine, instance_id, "check_personal_privacy", {"personal_information": False})
    decide(engine, instance_id, "grant")
    letters_before = letters_in_order(engine, instance_id)
    prepare_with_a_late_demand(engine, instance_id, hours=2, pages=0, amount=10)

    data = data_of(engine, instance_id)
    assert data["prepayment"]["demanded"] is False and data["prepaid"] == "30.00"
    assert "prepayment_demand_letter" not in letters_in_order(engine, instance_id)[len(letters_before):]
    assert waiting_for(engine, instance_id) == set()
    assert set(open_tasks(engine, instance_id)) == {"provide_records"}
