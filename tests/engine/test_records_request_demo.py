"""processes/records_request.bpmn on the real engine: deploy it, run a request through each path.

Time is moved with time-machine; a timer fires only strictly after its due instant, so each
wait is checked at its due time (nothing yet) and one second later (fired).
"""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine import FormInvalid

REPO = Path(__file__).parents[2]
# Monday 2 March 2026, 10:00 in Kansas (CST, UTC-6).
RECEIVED = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)
# K.S.A. 45-218(d): end of the third business day after the day received, Thursday 23:59:59 CST.
RESPONSE_DUE = datetime(2026, 3, 6, 5, 59, 59, tzinfo=timezone.utc)
ONE_SECOND = timedelta(seconds=1)

REQUEST = {
    "requester_name": "Pat Doe",
    "requester_address": "12 Elm Street, Springfield KS 66000",
    "records_description": "Council minutes of January 2026",
    "received_at": "2026-03-02T10:00:00-06:00",
}


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(RECEIVED, tick=False)
    return time_machine


@pytest.fixture
def engine(engine, clock):
    """The shared engine fixture, with the records request process deployed."""
    result = engine.deploy_file(REPO / "processes" / "records_request.bpmn", REPO / "forms", actor="test")
    assert result.created and result.version.display_name == "Open records request"
    return engine


def open_tasks(engine, instance_id):
    return {task.bpmn_id: task for task in engine.list_tasks(instance_id=instance_id)}


def tasks_ever(engine, instance_id):
    return {task.bpmn_id for status in ("open", "completed", "cancelled")
            for task in engine.list_tasks(instance_id=instance_id, status=status)}


def complete(engine, instance_id, bpmn_id, data, actor="custodian"):
    return engine.complete_task(open_tasks(engine, instance_id)[bpmn_id].task_id, data, actor=actor)


def data_changes(engine, instance_id):
    """Every value a step wrote into the instance's data, in order."""
    merged = {}
    for event in engine.audit_trail(instance_id):
        merged.update(event.changes)
    return merged


def receive_request(engine):
    instance = engine.start_instance("records_request", REQUEST, actor="clerk")
    review = open_tasks(engine, instance.instance_id)["review_request"]
    assert review.candidate_role == "custodian"
    assert review.form_file == "review_request.schema.json"
    assert review.due_at == RESPONSE_DUE
    return instance.instance_id


def test_grant_with_privacy_concern_waits_72_hours_before_records_are_provided(engine, clock):
    instance_id = receive_request(engine)
    clock.shift(timedelta(hours=1))
    reviewed_at = RECEIVED + timedelta(hours=1)
    complete(engine, instance_id, "review_request",
             {"decision": "grant", "staff_hours": 0, "pages": 10, "privacy_concern": True})

    assert open_tasks(engine, instance_id) == {}
    assert [(t.bpmn_id, t.due_at) for t in engine.pending_timers(instance_id=instance_id)] == [
        ("privacy_wait", reviewed_at + timedelta(hours=72))]
    assert data_changes(engine, instance_id)["estimate"]["total"] == "2.50"

    clock.move_to(reviewed_at + timedelta(hours=72))
    assert engine.fire_due_timers() == 0
    assert open_tasks(engine, instance_id) == {}

    clock.shift(ONE_SECOND)
    assert engine.fire_due_timers() == 1
    assert set(open_tasks(engine, instance_id)) == {"provide_records"}

    finished = complete(engine, instance_id, "provide_records", {"provided_on": "2026-03-05", "fee_collected": 2.5})
    assert finished.status == "completed"
    # Answered in time and under the prepayment threshold: no delay notice, no prepayment.
    assert tasks_ever(engine, instance_id) == {"review_request", "provide_records"}


def test_denial_goes_to_send_denial_and_charges_no_fee(engine, clock):
    instance_id = receive_request(engine)
    complete(engine, instance_id, "review_request",
             {"decision": "deny", "denial_reason": "Criminal investigation record, K.S.A. 45-221(a)(10)"})

    denial = open_tasks(engine, instance_id)
    assert set(denial) == {"send_denial"}
    assert denial["send_denial"].candidate_role == "custodian"
    assert "estimate" not in data_changes(engine, instance_id)

    finished = complete(engine, instance_id, "send_denial",
                        {"sent_on": "2026-03-03", "sent_by": "mail", "city_attorney_copy_sent": True})
    assert finished.status == "completed"
    assert tasks_ever(engine, instance_id) == {"review_request", "send_denial"}
    assert "estimate" not in data_changes(engine, instance_id)


def test_estimate_over_25_requires_prepayment_before_records_are_provided(engine, clock):
    instance_id = receive_request(engine)
    # 2 staff hours at 15.00 = 30.00, over the 25.00 threshold.
    complete(engine, instance_id, "review_request",
             {"decision": "grant", "staff_hours": 2, "pages": 0, "privacy_concern": False})

    estimate = data_changes(engine, instance_id)["estimate"]
    assert (estimate["total"], estimate["prepayment_required"]) == ("30.00", True)
    assert set(open_tasks(engine, instance_id)) == {"record_prepayment"}

    complete(engine, instance_id, "record_prepayment", {"amount_paid": 30, "paid_on": "2026-03-03"})
    assert set(open_tasks(engine, instance_id)) == {"provide_records"}

    finished = complete(engine, instance_id, "provide_records", {"provided_on": "2026-03-04", "fee_collected": 0})
    assert finished.status == "completed"


def test_unanswered_review_past_the_deadline_opens_explain_delay_and_keeps_the_review(engine, clock):
    instance_id = receive_request(engine)

    clock.move_to(RESPONSE_DUE)
    assert engine.fire_due_timers() == 0
    assert set(open_tasks(engine, instance_id)) == {"review_request"}

    clock.shift(ONE_SECOND)
    assert engine.fire_due_timers() == 1
    tasks = open_tasks(engine, instance_id)
    assert set(tasks) == {"review_request", "explain_delay"}
    assert tasks["explain_delay"].candidate_role == "clerk"
    assert tasks["explain_delay"].form_file == "explain_delay.schema.json"

    complete(engine, instance_id, "explain_delay", {
        "delay_explanation": "The minutes are being retrieved from off-site storage.",
        "available_at": "2026-03-10T09:00:00-05:00",
        "available_place": "City Clerk's office, City Hall, 1st floor",
        "explained_on": "2026-03-06",
    }, actor="clerk")
    assert set(open_tasks(engine, instance_id)) == {"review_request"}

    finished = complete(engine, instance_id, "review_request",
                        {"decision": "refer", "referral_custodian": "Chief of Police"})
    assert finished.status == "completed"


def test_review_form_asks_for_what_each_decision_needs(engine, clock):
    instance_id = receive_request(engine)
    with pytest.raises(FormInvalid) as refused:
        complete(engine, instance_id, "review_request", {"decision": "deny"})
    assert refused.value.field_errors == {"denial_reason": "is required"}
    with pytest.raises(FormInvalid) as refused:
        complete(engine, instance_id, "review_request", {"decision": "grant", "pages": -1, "fee": 3})
    assert set(refused.value.field_errors) == {"pages", "fee", "staff_hours", "privacy_concern"}
    assert set(open_tasks(engine, instance_id)) == {"review_request"}
