"""What the requester and the custodian read about a request's money agrees to the cent with the ledger
(003, Art. 6 fees; issue 15): the status page, the letter and every task page's bills are rounded by one rule;
the request form asks, without requiring it, for whom a request is made, which the 24-hour fee rule counts; a
prepayment recorded is fee money the custodian holds at once, and over 5.00 it is theirs to transmit; the
month's audit of the fee duplicates reaches the clerk-finance officer and the City Treasurer."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from records_office import REPO
from test_payments import awaiting_prepayment, city, record  # noqa: F401  (fixtures)
from test_portal import file_request, filed  # noqa: F401  (fixture)
from test_readable_task_pages import section, words_of
from test_staff_intake import INTAKE, enter, records_office  # noqa: F401  (fixtures)

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


ON_BEHALF = {"on_behalf_of_name": "Pat Doe", "on_behalf_of_address": "12 Elm Street, Springfield KS 66000"}
PATS_KEY = "pat doe, 12 elm street, springfield ks 66000"


def on_behalf_inputs(page: str) -> list[str]:
    return [name for name in ON_BEHALF if f'name="{name}"' in page]


def started_for(engine) -> list[str | None]:
    """For whom each request was made, as its "Open the request file" step noted it."""
    return [next(event.changes["on_behalf_of_key"] for event in engine.audit_trail(instance.instance_id)
                 if "on_behalf_of_key" in event.changes)
            for instance in engine.list_instances(process_key="records_request")]


def test_the_portal_asks_for_whom_a_request_is_made_and_files_it_for_them(client, portal, file_request):
    page = client.get("/request").get_data(as_text=True)
    assert on_behalf_inputs(page) == list(ON_BEHALF)
    assert "Asking on behalf of someone else? Their name" in page
    filed(client, file_request, {"on_behalf_of_name": "", "on_behalf_of_address": ""})   # left empty: for themselves
    filed(client, file_request, {**ON_BEHALF, "requester_name": "Sam Roe"})
    assert sorted(started_for(portal), key=str) == sorted(["", PATS_KEY], key=str)


def test_staff_enter_a_request_made_on_behalf_of_someone(client, login_as, enter, records_office):
    login_as("city_clerk", username="clerk")
    assert on_behalf_inputs(client.get(INTAKE).get_data(as_text=True)) == list(ON_BEHALF)
    assert enter(requester_name="Sam Roe", **ON_BEHALF).status_code == 302
    assert started_for(records_office) == [PATS_KEY]


def test_a_prepayment_recorded_puts_the_transmittal_in_the_custodians_inbox(client, login_as, post_form, city,
                                                                             awaiting_prepayment):
    city.deploy_file(REPO / "processes" / "fee_transmittal.bpmn", REPO / "forms", actor="analyst")
    _, number = awaiting_prepayment                                      # 30.00 asked of the requester
    login_as(CLERKS_CUSTODIAN, username="custodian")                    # the custodian takes the payment
    assert "Transmit fees to the City Clerk" not in client.get("/inbox").get_data(as_text=True)
    assert record(client, post_form, {"tracking_number": number, "amount": "30.00", "method": "cash"}).status_code == 302

    inbox = words_of(client.get("/inbox").get_data(as_text=True))
    assert "Transmit fees to the City Clerk" in inbox
    [transmit] = [task for task in city.list_tasks() if task.bpmn_id == "transmit_fees"]
    page = words_of(client.get(f"/inbox/tasks/{transmit.task_id}").get_data(as_text=True))
    assert "Transmit fees to the City Clerk" in page


def test_the_months_fee_audit_reaches_finance_and_the_treasurer_with_its_listing(client, login_as, portal,
                                                                                  time_machine, post_form):
    time_machine.move_to(datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc))
    portal.deploy_file(REPO / "processes" / "receipt_audit.bpmn", REPO / "forms", actor="analyst")
    time_machine.move_to(datetime(2026, 12, 1, 6, 0, 1, tzinfo=timezone.utc))
    assert portal.fire_due_timers() == 1
    time_machine.shift(timedelta(hours=3))

    login_as("finance", "city_treasurer", username="auditor")
    inbox = words_of(client.get("/inbox").get_data(as_text=True))
    assert "Audit the fee duplicates (clerk-finance officer)" in inbox
    assert "Audit the fee duplicates (City Treasurer)" in inbox
    [finance] = [task for task in portal.list_tasks() if task.bpmn_id == "finance_sign_off"]
    page = words_of(client.get(f"/inbox/tasks/{finance.task_id}").get_data(as_text=True))
    assert "Fees of each office in the period" in page
    assert "No fees were charged, collected or transmitted in the period." in page
    assert "The duplicates agree with the ledger" in page
    done = post_form(client, f"/inbox/tasks/{finance.task_id}/complete",
                     {"finance_signed_by": "F. Inance", "finance_agrees": "true"}, token_from=f"/inbox/tasks/{finance.task_id}")
    assert done.status_code == 302
    assert [task.bpmn_id for task in portal.list_tasks()] == ["treasurer_sign_off"]
