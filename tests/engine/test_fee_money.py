"""The office's money outside the request's path, through processes/records_request.bpmn on the real engine
(003, Art. 6 fees; issue 15): one rounding rule for the estimate, the invoice, the ledger and the letters; the
24-hour aggregate of requests made by or on behalf of the same person; a prepayment held from when it is received.

The requests are driven with test_records_request.py's helpers and fixtures (the city data seeded, the
diagram deployed, the clock on Monday 2 March 2026, 10:00 in Kansas).
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from city.ledger import fee_audit_report, office_balance
from scenario_data import REPO, WARM_AND_RESTORED
from test_records_request import (MONDAY_10AM, clock, city, complete, data_of, decide, engine,  # noqa: F401
                                  estimate, file_request, no_privacy_concern, open_tasks, pay, provide, review,
                                  sent_messages)

pytestmark = WARM_AND_RESTORED

# Two employees searching a third of an hour each (0.333 h): 0.666 h x 15.00 = 9.99 exactly, while
# each employee's 4.995 rounded on its own would make 10.00.
TWO_THIRDS_OF_AN_HOUR = [{"employee": "Jo Records", "hours": 0.333}, {"employee": "Sam Files", "hours": 0.333}]


def amounts(bill):
    return [line["amount"] for line in bill["lines"]]


def audit_of(engine):
    with engine.database.read() as session:
        return fee_audit_report(session.connection(), MONDAY_10AM - timedelta(days=1),
                                MONDAY_10AM + timedelta(days=30))


def test_estimate_invoice_and_ledger_agree_to_the_cent(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    complete(engine, instance_id, "estimate_fees", {"search_hours": TWO_THIRDS_OF_AN_HOUR, "pages": 0,
                                                    "demand_prepayment": True})   # the whole estimate

    data = data_of(engine, instance_id)
    assert data["estimate"]["total"] == data["estimate"]["inspection_fee"] == "9.99"
    assert data["estimate_invoice"]["total"] == "9.99"
    assert amounts(data["estimate_invoice"]) == ["5.00", "4.99"]           # the lines add up to the total
    assert data["prepayment"]["asked"] == "9.99"
    assert "$9.99" in data["prepayment_demand_letter"]["text"]
    [row] = audit_of(engine)
    assert (row["charged"], row["inspection_fee"], row["locating_cost"]) == ("9.99", "9.99", "9.99")

    pay(engine, instance_id, "9.99")
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection",
                                                      "actual_search_hours": TWO_THIRDS_OF_AN_HOUR})

    data = data_of(engine, instance_id)
    assert data["final_fees"]["total"] == data["invoice"]["total"] == "9.99"
    assert amounts(data["invoice"]) == ["5.00", "4.99"]
    assert (data["invoice"]["balance_due"], data["invoice"]["refund_due"]) == ("0.00", "0.00")
    assert data["settlement"] == {"balance_due": "0.00", "refund_due": "0.00"}
    assert set(open_tasks(engine, instance_id)) == {"provide_records"}     # nothing to collect, nothing to refund
    [row] = audit_of(engine)
    assert (row["charged"], row["paid"], row["outstanding"]) == ("9.99", "9.99", "0.00")
    assert provide(engine, instance_id).status == "completed"


# -- the 24-hour aggregate: requests made by or on behalf of the same person ------------------------

PAT = {"name": "Pat Doe", "address": "12 Elm Street, Springfield KS 66000"}
FOR_PAT = {"on_behalf_of_name": "pat doe", "on_behalf_of_address": "12 Elm Street,  Springfield KS 66000"}


def inspection_fee_of(engine, instance_id, hours):
    """Review and estimate `hours` of search (0.03 h is 0.45 to locate, 0.04 h is 0.60); the inspection fee."""
    review(engine, instance_id)
    estimate(engine, instance_id, hours=hours)
    return data_of(engine, instance_id)["estimate"]["inspection_fee"]


def test_the_24_hour_aggregate_counts_requests_by_when_they_were_made(engine, clock):
    first = file_request(engine, **PAT)                                    # Monday 10:00
    clock.move_to(MONDAY_10AM + timedelta(hours=25))
    second = file_request(engine, **PAT)                                   # Tuesday 11:00: 25 hours later
    clock.shift(timedelta(minutes=10))
    third = file_request(engine, **PAT)                                    # Tuesday 11:10

    clock.shift(timedelta(minutes=20))
    assert inspection_fee_of(engine, first, 0.04) == "0.00"               # 0.60: nothing made before it
    clock.shift(timedelta(minutes=30))
    # Made more than 24 hours after the first, though assessed within the hour of it: 0.45 alone, free.
    assert inspection_fee_of(engine, second, 0.03) == "0.00"
    clock.move_to(MONDAY_10AM + timedelta(days=2, hours=3))               # Wednesday 13:00
    # Made 10 minutes after the second, though assessed a day after it: 0.60 + 0.45 = 1.05, the minimum fee.
    assert inspection_fee_of(engine, third, 0.04) == "5.00"


def test_a_request_made_on_behalf_of_someone_counts_for_them_too(engine, clock):
    for_pat = file_request(engine, name="Sam Roe", address="4 Oak Lane", **FOR_PAT)
    assert data_of(engine, for_pat)["on_behalf_of_key"] == "pat doe, 12 elm street, springfield ks 66000"
    assert inspection_fee_of(engine, for_pat, 0.04) == "0.00"             # 0.60
    clock.shift(timedelta(hours=1))
    by_someone_else = file_request(engine, name="Lee Poe", address="9 Ash Court")
    assert inspection_fee_of(engine, by_someone_else, 0.03) == "0.00"     # 0.45: not by or for the same person
    clock.shift(timedelta(hours=1))
    by_pat = file_request(engine, **PAT)
    assert inspection_fee_of(engine, by_pat, 0.03) == "5.00"              # 0.45 + 0.60 made for Pat
    clock.shift(timedelta(hours=1))
    by_sam = file_request(engine, name="Sam Roe", address="4 Oak Lane")
    assert inspection_fee_of(engine, by_sam, 0.03) == "5.00"              # 0.45 + 0.60 brought by Sam


# -- transmittal: a prepayment is fee money the custodian holds from when it is received -------------------

def held_by(engine, office_key):
    with engine.database.read() as session:
        return office_balance(session.connection(), office_key)


def transmittals(engine):
    return engine.list_instances(process_key="fee_transmittal")


def test_a_prepayment_counts_toward_the_office_balance_when_it_is_received(engine):
    engine.deploy_file(REPO / "processes" / "fee_transmittal.bpmn", REPO / "forms", actor="analyst")
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)                                # 30.00: prepayment demanded
    pay(engine, instance_id, "4.00")
    assert (held_by(engine, "city_clerk"), transmittals(engine)) == (Decimal("4.00"), [])
    pay(engine, instance_id, "26.00")                                     # 30.00 held: over 5.00

    assert held_by(engine, "city_clerk") == Decimal("30.00")
    [transmittal] = transmittals(engine)                                  # at once, not when the fee is applied
    [transmit] = engine.list_tasks(instance_id=transmittal.instance_id)
    assert (transmit.bpmn_id, transmit.candidate_role) == ("transmit_fees", "custodian:city_clerk")

    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection",
                                                      "actual_search_hours": [{"employee": "Jo", "hours": 1}]})
    assert data_of(engine, instance_id)["settlement"] == {"balance_due": "0.00", "refund_due": "15.00"}
    assert held_by(engine, "city_clerk") == Decimal("15.00")              # the overage refunded is not fee money
    complete(engine, instance_id, "refund_overage", {"refunded_on": "2026-03-03", "refund_method": "cash"})
    assert provide(engine, instance_id).status == "completed"
    # Announced once, when the prepayment was received; applying it adds nothing to the ledger.
    assert sent_messages(engine, instance_id) == [f"sent transmittal_due to {transmittal.instance_id}"]
    [row] = audit_of(engine)
    assert [(c["amount"], c["method"]) for c in row["collections"]] == [
        ("4.00", "paid"), ("26.00", "paid"), ("15.00", "refunded")]
    assert (row["charged"], row["outstanding"]) == ("15.00", "0.00")

    engine.complete_task(transmit.task_id, {"transmitted_by": "J. Records"}, actor="custodian",
                         roles={"custodian:city_clerk"})
    assert data_of(engine, transmittal.instance_id)["transmittal"]["amount"] == "15.00"
    assert held_by(engine, "city_clerk") == Decimal("0.00")
