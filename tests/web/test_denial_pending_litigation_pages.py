"""A denial pending the court as people see it (003, Art. 6(b)(4), (b)(6); K.S.A. 45-218(d); issue 15): the
requester reads a denial that cites the law, charges nothing and offers the statement of grounds; the City
Attorney finds its copy in the inbox beside the court case."""
from __future__ import annotations

from datetime import timedelta

from scenario_data import FRIDAY_9AM
from test_release_and_messages import file_online, plain, task_of  # noqa: F401  (fixture)


def deny_pending_the_court(engine, tracking_number, time_machine):
    for bpmn_id, values in (
            ("review_request", {"holds_record": True, "description_sufficient": True}),
            ("estimate_fees", {"search_hours": [{"employee": "Jo Records", "hours": 1}], "pages": 0}),
            ("check_personal_privacy", {"personal_information": True, "privacy_reason": "Home addresses"}),
            ("contact_persons_concerned", {"contacts": [], "anyone_seeks_court_order": True})):
        engine.complete_task(task_of(engine, tracking_number, bpmn_id).task_id, values, actor="custodian")
    time_machine.shift(timedelta(hours=72, seconds=1))
    assert engine.fire_due_timers() >= 1


def test_requester_reads_a_denial_pending_the_court_that_offers_the_statement_of_grounds(
        portal, client, file_online, time_machine):
    time_machine.move_to(FRIDAY_9AM, tick=False)
    tracking_number, status_path = file_online()
    deny_pending_the_court(portal, tracking_number, time_machine)

    status = plain(client.get(status_path))
    assert "Inspection was denied until a court decides" in status
    assert "K.S.A. 45-221(a)(30)" in status and "pending the outcome of litigation" in status
    assert "No fee is charged" in status and "written statement of the grounds" in status


def test_city_attorney_finds_the_copy_of_a_denial_pending_the_court_beside_the_case(
        portal, client, file_online, login_as, time_machine):
    time_machine.move_to(FRIDAY_9AM, tick=False)
    tracking_number, _status_path = file_online()
    deny_pending_the_court(portal, tracking_number, time_machine)

    login_as("city_attorney")
    inbox = plain(client.get("/inbox"))
    assert "Receive the copy of the denial" in inbox and "Follow the court case" in inbox
    copy = task_of(portal, tracking_number, "receive_denial_copy")
    page = plain(client.get(f"/inbox/tasks/{copy.task_id}"))
    assert copy.candidate_role == "city_attorney" and "K.S.A. 45-221(a)(30)" in page
