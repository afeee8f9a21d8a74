"""The office's money outside the request's path, through processes/records_request.bpmn on the real engine
(003, Art. 6 fees; issue 15): one rounding rule for the estimate, the invoice, the ledger and the letters.

The requests are driven with test_records_request.py's helpers and fixtures (the city data seeded, the
diagram deployed, the clock on Monday 2 March 2026, 10:00 in Kansas).
"""
from __future__ import annotations

from datetime import timedelta

from city.ledger import fee_audit_report
from scenario_data import WARM_AND_RESTORED
from test_records_request import (MONDAY_10AM, clock, city, complete, data_of, decide, engine,  # noqa: F401
                                  file_request, no_privacy_concern, open_tasks, pay, provide, review)

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
