"""A prepayment is an estimate (003, Art. 6; issue 15), as people see it: the requester is asked for no more
than the estimate, and the custodian's "Prepare the records" page says a late demand rests on a revised one."""
from __future__ import annotations

from scenario_data import FRIDAY_9AM
from test_release_and_messages import file_online, plain, task_of  # noqa: F401  (fixture)


def filed_and_estimated(portal, file_online, time_machine, *, hours, **estimate):
    """A request filed on the portal on Friday 9:00, reviewed and estimated at `hours` of search (15.00 an
    hour); returns (tracking number, status page path)."""
    time_machine.move_to(FRIDAY_9AM, tick=False)
    tracking_number, status_path = file_online()
    portal.complete_task(task_of(portal, tracking_number, "review_request").task_id,
                         {"holds_record": True, "description_sufficient": True}, actor="custodian")
    portal.complete_task(task_of(portal, tracking_number, "estimate_fees").task_id, {
        "search_hours": [{"employee": "Jo Records", "hours": hours}], "pages": 0, **estimate}, actor="custodian")
    return tracking_number, status_path


def test_requester_is_asked_to_prepay_no_more_than_the_estimate(portal, client, file_online, time_machine):
    _number, status_path = filed_and_estimated(portal, file_online, time_machine, hours=1,   # a 15.00 estimate
                                               demand_prepayment=True, prepayment_amount=40)

    status = plain(client.get(status_path))
    assert "We asked for a prepayment" in status
    assert "prepayment of $15.00" in status and "$40.00" not in status


def test_custodian_reads_that_a_late_prepayment_rests_on_a_revised_estimate(portal, client, file_online, login_as,
                                                                           time_machine):
    time_machine.move_to(FRIDAY_9AM, tick=False)
    tracking_number, _status_path = file_online()
    for bpmn_id, values in (("review_request", {"holds_record": True, "description_sufficient": True}),
                            ("estimate_fees", {"search_hours": [], "pages": 4}),
                            ("check_personal_privacy", {"personal_information": False}),
                            ("decide_request", {"decision": "grant"})):
        portal.complete_task(task_of(portal, tracking_number, bpmn_id).task_id, values, actor="custodian")

    login_as("custodian:city_clerk", username="jo")
    page = plain(client.get(f"/inbox/tasks/{task_of(portal, tracking_number, 'prepare_records').task_id}"))
    assert "are then the revised estimate" in page and "a larger amount is cut to it" in page
