"""processes/record_removal.bpmn on the real engine: Code Art. 6, procedure (a)(15).

"Removal of a record from its office needs the custodian's written permission; a record not
returned when and where promised is an offence. The system tracks every removal, its
promised return, and overdue returns." A return to another place than the one promised is
followed up like an overdue one, and a case referred to the City Attorney is the City Attorney's
task (Art. 6: "It shall be unlawful for any person to fail to return such records at the time and
place where such return has been promised."). The engine runs with the city's data (offices and
their custodians), so the request is routed to the office that keeps the record.

A timer fires only strictly after its due instant: each wait is checked at its due time
(nothing yet) and one second later (fired).
"""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from city.rules.roles import CITY_ATTORNEY
from engine import FormInvalid, NotAllowed
from scenario_data import WARM_AND_RESTORED
from support import assert_derived_rows_match_state

pytestmark = WARM_AND_RESTORED

REPO = Path(__file__).parents[2]
# Monday 23 November 2026, 10:00 in Kansas (CST, UTC-6).
REQUESTED = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
# The requester promises the record back by Tuesday 24 November, 17:00 CST.
PROMISED_RETURN = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
ONE_SECOND = timedelta(seconds=1)
POLICE_CUSTODIAN = "custodian:police"

REMOVAL = {
    "requester_name": "Pat Doe",
    "record_description": "Accident report 2026-1187, original",
    "office_key": "police",
    "purpose": "Certified copy at the county courthouse",
}
GRANT = {
    "permission": "granted",
    "promised_return_at": "2026-11-24T17:00:00-06:00",
    "return_place": "Police Department records counter, 200 Main Street",
    "removal_conditions": "",
    "permission_granted_by": "Chief Lee",
}


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(REQUESTED, tick=False)
    return time_machine


@pytest.fixture
def engine(city_engine, clock):
    """An engine reading the city's data (offices, custodians), with record_removal deployed."""
    engine = city_engine
    result = engine.deploy_file(REPO / "processes" / "record_removal.bpmn", REPO / "forms", actor="test")
    assert result.created and result.version.display_name == "Removal of a record"
    return engine


def open_tasks(engine, instance_id):
    return {task.bpmn_id: task for task in engine.list_tasks(instance_id=instance_id)}


def tasks_ever(engine, instance_id):
    return {task.bpmn_id for status in ("open", "completed", "cancelled")
            for task in engine.list_tasks(instance_id=instance_id, status=status)}


def complete(engine, instance_id, bpmn_id, data, actor="chief.lee", roles=frozenset({POLICE_CUSTODIAN})):
    return engine.complete_task(open_tasks(engine, instance_id)[bpmn_id].task_id, data, actor=actor,
                                roles=set(roles))


def data_changes(engine, instance_id):
    """Every value a step wrote into the instance's data, in order."""
    merged = {}
    for event in engine.audit_trail(instance_id):
        merged.update(event.changes)
    return merged


def request_removal(engine):
    instance = engine.start_instance("record_removal", REMOVAL, actor="clerk")
    decide = open_tasks(engine, instance.instance_id)["decide_on_removal"]
    assert decide.candidate_role == POLICE_CUSTODIAN      # the custodian of the office that keeps the record
    assert decide.form_file == "decide_on_removal.schema.json"
    return instance.instance_id


def grant_removal(engine, clock):
    instance_id = request_removal(engine)
    clock.shift(timedelta(minutes=15))
    complete(engine, instance_id, "decide_on_removal", GRANT)
    return instance_id


def confirm_return(engine, instance_id, returned_at, *, to_promised_place=True):
    """The custodian confirms the record is back, at the promised counter or somewhere else."""
    place = "Police Department records counter" if to_promised_place else "City Clerk's counter, City Hall"
    complete(engine, instance_id, "confirm_return",
             {"returned_at": returned_at, "returned_to_place": place, "returned_to_promised_place": to_promised_place,
              "returned_complete": True, "return_received_by": "Chief Lee"})


def open_overdue_case(engine, clock, instance_id):
    clock.move_to(PROMISED_RETURN + ONE_SECOND)
    assert engine.fire_due_timers() == 1


def refer_to_the_city_attorney(engine, instance_id, bpmn_id, notes_field):
    complete(engine, instance_id, bpmn_id,
             {notes_field: "Called Pat Doe at 09:00; no answer. Letter sent.", "refer_to_city_attorney": True,
              "referral_note": "Original accident report not returned as promised; permission attached."})


def test_removal_needs_the_custodians_written_permission(engine, clock):
    instance_id = request_removal(engine)

    # Only the custodian of the office that keeps the record decides.
    with pytest.raises(NotAllowed):
        complete(engine, instance_id, "decide_on_removal", GRANT, actor="other", roles={"custodian:city_clerk"})
    # A permission names when and where the record comes back, and who gave it.
    with pytest.raises(FormInvalid) as refused:
        complete(engine, instance_id, "decide_on_removal", {"permission": "granted"})
    assert set(refused.value.field_errors) == {"promised_return_at", "return_place", "removal_conditions",
                                               "permission_granted_by"}
    with pytest.raises(FormInvalid) as no_zone:
        complete(engine, instance_id, "decide_on_removal", {**GRANT, "promised_return_at": "2026-11-24 17:00"})
    assert set(no_zone.value.field_errors) == {"promised_return_at"}

    clock.shift(timedelta(minutes=15))
    complete(engine, instance_id, "decide_on_removal", {**GRANT, "removal_conditions": "Kept in its folder"})

    data = data_changes(engine, instance_id)
    permission = data["permission_text"]
    for expected in ("Pat Doe", "Accident report 2026-1187, original", "Certified copy at the county courthouse",
                     "Tuesday 24 November 2026, 17:00", "Police Department records counter, 200 Main Street",
                     "Chief of Police", "Chief Lee on Monday 23 November 2026, 10:15",
                     "Conditions: Kept in its folder", "$100.00", "10 days"):
        assert expected in permission
    assert data["permission_granted_at"] == (REQUESTED + timedelta(minutes=15)).isoformat()
    assert data["custodian"]["office_key"] == "police"

    # The removal is tracked: its return is awaited by the custodian, due at the promised time.
    confirm = open_tasks(engine, instance_id)["confirm_return"]
    assert confirm.title == "Confirm the record's return"
    assert confirm.candidate_role == POLICE_CUSTODIAN
    assert confirm.due_at == PROMISED_RETURN
    assert [(t.bpmn_id, t.due_at) for t in engine.pending_timers(instance_id=instance_id)] == [
        ("return_overdue", PROMISED_RETURN)]
    assert engine.get_instance(instance_id).status == "active"


def test_refused_removal_ends_without_a_return_to_track(engine, clock):
    instance_id = request_removal(engine)
    with pytest.raises(FormInvalid) as refused:
        complete(engine, instance_id, "decide_on_removal", {"permission": "refused"})
    assert set(refused.value.field_errors) == {"refusal_reason"}

    complete(engine, instance_id, "decide_on_removal",
             {"permission": "refused", "refusal_reason": "Original only; inspect or copy it at the counter."})

    assert engine.get_instance(instance_id).status == "completed"
    assert open_tasks(engine, instance_id) == {}
    assert engine.pending_timers(instance_id=instance_id) == []
    assert tasks_ever(engine, instance_id) == {"decide_on_removal"}
    assert "permission_text" not in data_changes(engine, instance_id)


def test_record_not_returned_by_the_promised_time_opens_an_overdue_case(engine, clock):
    instance_id = grant_removal(engine, clock)

    clock.move_to(PROMISED_RETURN)
    assert engine.fire_due_timers() == 0                 # due, not yet past
    assert set(open_tasks(engine, instance_id)) == {"confirm_return"}
    open_overdue_case(engine, clock, instance_id)

    tasks = open_tasks(engine, instance_id)
    assert set(tasks) == {"confirm_return", "handle_overdue_return"}   # the confirmation stays open
    overdue = tasks["handle_overdue_return"]
    assert overdue.title == "Overdue return"
    assert overdue.candidate_role == POLICE_CUSTODIAN
    assert overdue.form_file == "handle_overdue_return.schema.json"
    assert engine.pending_timers(instance_id=instance_id) == []          # the case opens once
    assert_derived_rows_match_state(engine, instance_id)

    clock.shift(timedelta(hours=16))
    complete(engine, instance_id, "handle_overdue_return",
             {"overdue_notes": "Called Pat Doe at 09:00; promised it for Thursday.", "refer_to_city_attorney": False})
    assert set(open_tasks(engine, instance_id)) == {"confirm_return"}
    assert engine.get_instance(instance_id).status == "active"

    clock.shift(timedelta(days=1))
    confirm_return(engine, instance_id, "2026-11-26T11:30:00-06:00")

    assert engine.get_instance(instance_id).status == "completed"
    data = data_changes(engine, instance_id)
    assert data["refer_to_city_attorney"] is False
    assert data["returned_at"] == "2026-11-26T11:30:00-06:00"
    assert data["returned_late"] is True
    assert data["returned_as_promised"] is False
    assert tasks_ever(engine, instance_id) == {"decide_on_removal", "confirm_return", "handle_overdue_return"}


def test_record_returned_on_time_closes_without_an_overdue_case(engine, clock):
    instance_id = grant_removal(engine, clock)

    clock.move_to(PROMISED_RETURN - timedelta(hours=1))
    confirm_return(engine, instance_id, "2026-11-24T16:00:00-06:00")

    assert engine.get_instance(instance_id).status == "completed"
    assert engine.pending_timers(instance_id=instance_id) == []
    clock.move_to(PROMISED_RETURN + timedelta(days=1))
    assert engine.fire_due_timers() == 0
    assert "handle_overdue_return" not in tasks_ever(engine, instance_id)
    data = data_changes(engine, instance_id)
    assert data["returned_late"] is False
    assert data["returned_as_promised"] is True
    assert data["returned_to_place"] == "Police Department records counter"


def test_record_returned_on_time_to_the_wrong_place_opens_a_follow_up(engine, clock):
    instance_id = grant_removal(engine, clock)

    clock.move_to(PROMISED_RETURN - timedelta(hours=1))
    confirm_return(engine, instance_id, "2026-11-24T16:00:00-06:00", to_promised_place=False)

    follow_up = open_tasks(engine, instance_id)["follow_up_return"]
    assert follow_up.title == "Follow up the return to another place"
    assert follow_up.candidate_role == POLICE_CUSTODIAN
    assert follow_up.form_file == "follow_up_return.schema.json"
    assert engine.get_instance(instance_id).status == "active"
    data = data_changes(engine, instance_id)
    assert (data["returned_late"], data["returned_as_promised"]) == (False, False)
    # On time, so no overdue case opens as well.
    assert engine.pending_timers(instance_id=instance_id) == []
    assert "handle_overdue_return" not in tasks_ever(engine, instance_id)
    assert_derived_rows_match_state(engine, instance_id)

    clock.shift(timedelta(hours=2))
    complete(engine, instance_id, "follow_up_return",
             {"follow_up_notes": "Left at the City Clerk's counter; fetched it the same afternoon.",
              "refer_to_city_attorney": False})
    assert engine.get_instance(instance_id).status == "completed"
    assert tasks_ever(engine, instance_id) == {"decide_on_removal", "confirm_return", "follow_up_return"}


def test_record_returned_late_to_the_wrong_place_is_followed_up_beside_its_overdue_case(engine, clock):
    instance_id = grant_removal(engine, clock)
    open_overdue_case(engine, clock, instance_id)

    clock.shift(timedelta(hours=16))
    confirm_return(engine, instance_id, "2026-11-25T09:00:00-06:00", to_promised_place=False)

    assert set(open_tasks(engine, instance_id)) == {"handle_overdue_return", "follow_up_return"}


@pytest.mark.parametrize("bpmn_id, notes_field, returned_to_promised_place", [
    ("handle_overdue_return", "overdue_notes", True),
    ("follow_up_return", "follow_up_notes", False),
], ids=["overdue", "returned elsewhere"])
def test_referral_to_the_city_attorney_gives_the_city_attorney_a_task(engine, clock, bpmn_id, notes_field,
                                                                     returned_to_promised_place):
    instance_id = grant_removal(engine, clock)
    if returned_to_promised_place:
        open_overdue_case(engine, clock, instance_id)
    else:
        clock.move_to(PROMISED_RETURN - timedelta(hours=1))
        confirm_return(engine, instance_id, "2026-11-24T16:00:00-06:00", to_promised_place=False)

    clock.shift(timedelta(hours=2))
    refer_to_the_city_attorney(engine, instance_id, bpmn_id, notes_field)

    referral = open_tasks(engine, instance_id)["review_removal_referral"]
    assert referral.title == "Review the referral of a record not returned as promised"
    assert referral.candidate_role == CITY_ATTORNEY
    assert referral.form_file == "review_removal_referral.schema.json"
    assert_derived_rows_match_state(engine, instance_id)
    # The custodian cannot close it for the City Attorney.
    with pytest.raises(NotAllowed):
        complete(engine, instance_id, "review_removal_referral",
                 {"referral_outcome": "not_pursued", "referral_outcome_note": "Returned."})

    complete(engine, instance_id, "review_removal_referral",
             {"referral_outcome": "complaint_filed", "referral_outcome_note": "Complaint 2026-MC-0412."},
             actor="attorney", roles={CITY_ATTORNEY})
    if returned_to_promised_place:
        assert set(open_tasks(engine, instance_id)) == {"confirm_return"}   # the return is still to confirm
        confirm_return(engine, instance_id, "2026-11-25T11:00:00-06:00")
    assert engine.get_instance(instance_id).status == "completed"
    data = data_changes(engine, instance_id)
    assert data["referral_outcome"] == "complaint_filed"
    assert data["referral_outcome_note"] == "Complaint 2026-MC-0412."
