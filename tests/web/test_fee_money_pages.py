"""What the requester and the custodian read about a request's money agrees to the cent with the ledger
(003, Art. 6 fees; issue 15): the status page, the letter and every task page's bills are rounded by one rule."""
from __future__ import annotations

from test_portal import file_request, filed  # noqa: F401  (fixture)
from test_readable_task_pages import section, words_of

CLERKS_CUSTODIAN = "custodian:city_clerk"
# 0.333 h each for two employees: 9.99 in all, never 5.00 + 5.00.
TWO_THIRDS_OF_AN_HOUR = [{"employee": "Jo Records", "hours": 0.333}, {"employee": "Sam Files", "hours": 0.333}]


def do(engine, bpmn_id, data):
    [task] = [task for task in engine.list_tasks() if task.bpmn_id == bpmn_id]
    engine.complete_task(task.task_id, data, actor="custodian")


def test_status_page_letter_and_task_pages_show_the_same_cents(client, portal, file_request, login_as):
    tracking_number, status_path, _ = filed(client, file_request)
    do(portal, "review_request", {"holds_record": True, "description_sufficient": True})
    do(portal, "estimate_fees", {"search_hours": TWO_THIRDS_OF_AN_HOUR, "pages": 0, "demand_prepayment": True})

    status = words_of(client.get(status_path).get_data(as_text=True))
    assert "Waiting for your prepayment of $9.99" in status
    letters = [client.get(f"{status_path}/letters/{number}.txt").get_data(as_text=True) for number in (1, 2)]
    assert any("$9.99" in letter for letter in letters)          # the prepayment demand

    portal.deliver_message("payment_received", {"tracking_number": tracking_number}, {"amount": "9.99"},
                           actor="cashier")
    do(portal, "check_personal_privacy", {"personal_information": False})
    do(portal, "decide_request", {"decision": "grant"})
    do(portal, "prepare_records", {"delivery_method": "inspection", "actual_search_hours": TWO_THIRDS_OF_AN_HOUR})

    login_as(CLERKS_CUSTODIAN, username="custodian")
    [provide] = [task for task in portal.list_tasks() if task.bpmn_id == "provide_records"]
    summary = words_of(section(client.get(f"/inbox/tasks/{provide.task_id}").get_data(as_text=True),
                               "request-summary-heading"))
    assert "Fee estimate" in summary and "Fees charged" in summary
    assert summary.count("Jo Records 0.333 $15.00 $5.00") == 2            # estimate and charge: the same lines
    assert summary.count("Sam Files 0.333 $15.00 $4.99") == 2
    assert summary.count("Total $9.99") == 2
    assert "Prepaid $9.99" in summary and "Balance due" not in summary and "Refund" not in summary
    assert "$10.00" not in summary
