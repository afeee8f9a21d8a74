"""A denied requester may ask for the statement of grounds at any time (K.S.A. 45-218(d); issue 15): the status
page says the request is denied, not still being worked, while it waits for that ask; the clerk records the
ask a year later through the API, and the requester reads the statement on the status page."""
from __future__ import annotations

from datetime import timedelta

from scenario_data import FRIDAY_9AM
from test_api import bearer, token_for  # noqa: F401  (fixture)
from test_release_and_messages import file_online, plain, task_of  # noqa: F401  (fixture)


def test_a_statement_of_grounds_asked_for_a_year_after_the_denial_is_written(
        portal, client, file_online, token_for, time_machine):
    time_machine.move_to(FRIDAY_9AM, tick=False)
    tracking_number, status_path = file_online()
    for bpmn_id, values in (("review_request", {"holds_record": True, "description_sufficient": True}),
                            ("estimate_fees", {"search_hours": [], "pages": 0}),
                            ("check_personal_privacy", {"personal_information": False}),
                            ("decide_request", {"decision": "deny", "exemption_codes": ["45-221(a)(4)"]})):
        portal.complete_task(task_of(portal, tracking_number, bpmn_id).task_id, values, actor="custodian")

    assert "<dd>Denied. You may ask for a written statement of the grounds" in plain(client.get(status_path))
    time_machine.shift(timedelta(days=365))
    portal.fire_due_timers()
    response = client.post("/api/messages", headers=bearer(token_for("clerk")), json={
        "name": "statement_requested", "correlation": {"tracking_number": tracking_number}})
    assert response.status_code == 200, response.get_data(as_text=True)
    time_machine.shift(timedelta(hours=2))
    portal.complete_task(task_of(portal, tracking_number, "write_statement_of_grounds").task_id, {}, actor="custodian")

    status = plain(client.get(status_path))
    assert "We sent the statement of the grounds for denial" in status and "K.S.A. 45-221(a)(4)" in status
    assert "<dd>Denied. The statement of the grounds was sent to you" in status
