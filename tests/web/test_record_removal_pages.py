"""A removal of a record referred to the City Attorney reaches the City Attorney's inbox (Art. 6, procedure
(a)(15): failing to return a record at the time and place promised is unlawful)."""
from __future__ import annotations

import html
from datetime import datetime, timezone

from city.rules.roles import CITY_ATTORNEY, custodian_role
from records_office import REPO, open_records_office

# Monday 23 November 2026, 10:00 in the city; the record came back on Tuesday at 16:00, an hour early.
MONDAY = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
TUESDAY = datetime(2026, 11, 24, 22, 0, tzinfo=timezone.utc)
POLICE = custodian_role("police")
REFERRAL_TITLE = "Review the referral of a record not returned as promised"


def _step(engine, instance_id: int, bpmn_id: str, values: dict, roles: set[str]) -> None:
    [task] = [task for task in engine.list_tasks(instance_id=instance_id) if task.bpmn_id == bpmn_id]
    engine.complete_task(task.task_id, values, actor="chief.lee", roles=roles)


def test_record_returned_to_the_wrong_place_and_referred_is_in_the_city_attorneys_inbox(
        login_as, client, process_engine, time_machine):
    time_machine.move_to(MONDAY)
    open_records_office(process_engine)
    process_engine.deploy_file(REPO / "processes" / "record_removal.bpmn", REPO / "forms", actor="analyst")
    instance = process_engine.start_instance(
        "record_removal", {"requester_name": "Pat Doe", "record_description": "Accident report 2026-1187, original",
                           "office_key": "police", "purpose": "Certified copy at the county courthouse"},
        actor="clerk")
    _step(process_engine, instance.instance_id, "decide_on_removal",
          {"permission": "granted", "promised_return_at": "2026-11-24T17:00:00-06:00",
           "return_place": "Police records counter", "removal_conditions": "", "permission_granted_by": "Chief Lee"},
          {POLICE})
    time_machine.move_to(TUESDAY)
    _step(process_engine, instance.instance_id, "confirm_return",
          {"returned_at": "2026-11-24T16:00:00-06:00", "returned_to_place": "City Clerk's counter",
           "returned_to_promised_place": False, "returned_complete": True, "return_received_by": "Chief Lee"},
          {POLICE})
    _step(process_engine, instance.instance_id, "follow_up_return",
          {"follow_up_notes": "Left at the City Clerk's counter.", "refer_to_city_attorney": True,
           "referral_note": "Third time this requester left a record elsewhere."}, {POLICE})

    login_as(CITY_ATTORNEY, username="avery")
    inbox = html.unescape(client.get("/inbox").get_data(as_text=True))
    assert REFERRAL_TITLE in inbox
    [referral] = [task for task in process_engine.list_tasks(instance_id=instance.instance_id)
                  if task.bpmn_id == "review_removal_referral"]
    page = html.unescape(client.get(f"/inbox/tasks/{referral.task_id}").get_data(as_text=True))
    assert "Third time this requester left a record elsewhere." in page     # the custodian's note reaches them
    assert 'name="referral_outcome"' in page
