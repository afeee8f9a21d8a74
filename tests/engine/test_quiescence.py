"""After every call the instance has run every automatic step it can: nothing automatic is left READY for the
next call to find (a cycle timer's last firing, a timer that came due while the steps ran)."""
from __future__ import annotations

from datetime import timedelta

from SpiffWorkflow.util.task import TaskState

from scenario_data import WARM_AND_RESTORED
from side_by_side import engine_workflow
from support import assert_derived_rows_match_state

pytestmark = WARM_AND_RESTORED


def _left_for_the_next_call(engine, instance_id) -> list[str]:
    """Automatic tasks READY, and events that have fired but not yet run (SpiffWorkflow makes them READY only at the
    next refresh), in the stored state."""
    workflow = engine_workflow(engine, instance_id)
    return [task.task_spec.bpmn_id or task.task_spec.name for task in workflow.get_tasks()
            if task.state == TaskState.READY and not task.task_spec.manual
            or task.state == TaskState.WAITING and task.internal_data.get("event_fired")]


def test_a_reminder_cycle_that_has_run_out_is_finished_in_the_call_that_fired_its_last_reminder(
        engine, deploy, friday_9am):
    deploy("reminders")
    instance_id = engine.start_instance("record_return", {}, actor="custodian").instance_id
    for _day in range(3):
        friday_9am.shift(timedelta(hours=24, seconds=1))
        assert engine.fire_due_timers() == 1
        assert _left_for_the_next_call(engine, instance_id) == []
    assert engine.pending_timers(instance_id=instance_id) == []
    [cycle] = [task for task in engine_workflow(engine, instance_id).get_tasks()
               if task.task_spec.bpmn_id == "daily_reminder"]
    assert cycle.state == TaskState.COMPLETED          # the cycle is over, in the call that fired its last one
    assert_derived_rows_match_state(engine, instance_id)


def test_a_twice_hourly_check_ends_in_the_call_that_ran_its_last_check(engine, deploy, friday_9am):
    deploy("hourly_checks")
    instance_id = engine.start_instance("hourly_checks", {}, actor="clerk").instance_id
    for _hour in range(2):
        friday_9am.shift(timedelta(hours=1, seconds=1))
        assert engine.fire_due_timers() == 1
        assert _left_for_the_next_call(engine, instance_id) == []
    assert engine.get_instance(instance_id).status == "completed"
    assert engine.pending_timers(instance_id=instance_id) == []
