"""Moving a waiting timer (an administrator extends or shortens a wait): it fires at the new time, never the old."""
from __future__ import annotations

from datetime import timedelta

import pytest

from city.office import open_engine
from engine import ClerkflowError
from engine.errors import InvalidState, NotFound
from scenario_data import FRIDAY_9AM
from support import assert_derived_rows_match_state, open_task_ids

PRIVACY_WAIT_ENDS = FRIDAY_9AM + timedelta(hours=72)


def test_a_moved_timer_fires_at_the_new_time_and_not_the_old(engine, deploy, friday_9am):
    deploy("privacy_wait")
    started = engine.start_instance("privacy_wait", {}, actor="custodian")
    [timer] = engine.pending_timers(instance_id=started.instance_id)
    later = PRIVACY_WAIT_ENDS + timedelta(days=2)

    moved = engine.move_timer(timer.timer_id, later, actor="admin", reason="requester asked for more time")
    assert moved.due_at == later
    assert [t.due_at for t in engine.pending_timers(instance_id=started.instance_id)] == [later]
    assert_derived_rows_match_state(engine, started.instance_id)

    friday_9am.move_to(PRIVACY_WAIT_ENDS + timedelta(seconds=1))   # the old due time has passed
    assert engine.fire_due_timers() == 0
    assert open_task_ids(engine, started.instance_id) == []

    friday_9am.move_to(later + timedelta(seconds=1))
    assert engine.fire_due_timers() == 1
    assert open_task_ids(engine, started.instance_id) == ["schedule_inspection"]
    [event] = [e for e in engine.audit_trail(started.instance_id) if e.action == "move_timer"]
    assert (event.actor, event.bpmn_id) == ("admin", timer.bpmn_id)
    assert "requester asked for more time" in event.detail
    assert event.changes["due_at"] == {"from": PRIVACY_WAIT_ENDS.isoformat(), "to": later.isoformat()}


def test_a_timer_moved_earlier_fires_then_even_after_a_restart(engine, deploy, friday_9am, database):
    deploy("privacy_wait")
    started = engine.start_instance("privacy_wait", {}, actor="custodian")
    sooner = FRIDAY_9AM + timedelta(hours=1)
    engine.move_timer((started.instance_id, engine.pending_timers(instance_id=started.instance_id)[0].bpmn_id),
                      sooner, actor="admin", reason="requester waived the wait")
    restarted = open_engine(database)   # no warm copy: the moved time is in the stored state
    friday_9am.move_to(sooner + timedelta(seconds=1))
    assert restarted.fire_due_timers() == 1
    assert open_task_ids(restarted, started.instance_id) == ["schedule_inspection"]


def test_moving_a_timer_into_the_past_fires_it_at_once(engine, deploy, friday_9am):
    deploy("privacy_wait")
    started = engine.start_instance("privacy_wait", {}, actor="custodian")
    [timer] = engine.pending_timers(instance_id=started.instance_id)
    engine.move_timer(timer.timer_id, FRIDAY_9AM - timedelta(minutes=1), actor="admin", reason="waived")
    assert open_task_ids(engine, started.instance_id) == ["schedule_inspection"]
    assert engine.pending_timers(instance_id=started.instance_id) == []


def test_moving_a_timer_needs_a_reason_a_time_zone_and_a_waiting_timer(engine, deploy, friday_9am):
    deploy("privacy_wait")
    started = engine.start_instance("privacy_wait", {}, actor="custodian")
    [timer] = engine.pending_timers(instance_id=started.instance_id)
    with pytest.raises(ClerkflowError, match="reason"):
        engine.move_timer(timer.timer_id, PRIVACY_WAIT_ENDS, actor="admin", reason=" ")
    with pytest.raises(ClerkflowError, match="time zone"):
        engine.move_timer(timer.timer_id, PRIVACY_WAIT_ENDS.replace(tzinfo=None), actor="admin", reason="x")
    with pytest.raises(NotFound):
        engine.move_timer(timer.timer_id + 1000, PRIVACY_WAIT_ENDS, actor="admin", reason="x")
    engine.suspend_instance(started.instance_id, actor="admin")
    with pytest.raises(InvalidState, match="suspended"):
        engine.move_timer(timer.timer_id, PRIVACY_WAIT_ENDS, actor="admin", reason="x")


def test_the_diagram_view_marks_completed_waiting_and_open_elements(engine, deploy, friday_9am):
    deploy("privacy_wait")
    started = engine.start_instance("privacy_wait", {"requester_name": "Jane Roe"}, actor="custodian")
    diagram = engine.instance_diagram(started.instance_id)
    assert diagram.data["requester_name"] == "Jane Roe"   # the data read from the stored state's deltas
    [timer] = engine.pending_timers(instance_id=started.instance_id)
    assert diagram.timers == ((timer.bpmn_id, timer.due_at),)
    assert diagram.active == () and diagram.failed == ()
    assert "<bpmn:definitions" in diagram.bpmn_xml or "definitions" in diagram.bpmn_xml
    assert len(diagram.completed) >= 1   # the start event ran
    friday_9am.move_to(PRIVACY_WAIT_ENDS + timedelta(seconds=1))
    engine.fire_due_timers()
    diagram = engine.instance_diagram(started.instance_id)
    assert diagram.active == ("schedule_inspection",)
    assert timer.bpmn_id in diagram.completed
    [counts] = [c for c in engine.waiting_by_element(engine.versions("privacy_wait")[0].version_id)]
    assert (counts.bpmn_id, counts.tasks) == ("schedule_inspection", 1)
