"""Migrating running instances to a newer version of their process (issue 18): checked first (every wait in the
target, or mapped to one of its elements by the administrator), one transaction per instance, audited on the
instance's chain; a broken timer is repaired by deploying a fix and migrating. Compared with SpiffWorkflow's own
`diff_workflow` / `migrate_workflow` on the bare library, with the state restored cold between steps."""
from __future__ import annotations

from datetime import timedelta

import pytest
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from city.office import open_engine
from engine import ClerkflowError, DiagramSource
from engine.audit_chain import verify
from engine.errors import InvalidState, NotFound
from engine.models import ProcessInstance, ProcessVersion
from engine.parsing import parse_process
from engine.state import _registry, spec_from_json, state_from_json
from repair_diagrams import BROKEN_TIMER, OLD_BOOKING, inspection_hold, inspection_hold_source
from scenario_data import DIAGRAMS, FRIDAY_9AM, WARM_AND_RESTORED
from support import assert_derived_rows_match_state, open_task, open_task_ids

pytestmark = WARM_AND_RESTORED


def deploy_hold(engine, **kwargs) -> int:
    return engine.deploy_source(inspection_hold_source(**kwargs), actor="analyst").version.version


def reviewed(engine) -> int:
    """An instance that has done its review and waits at the timer."""
    started = engine.start_instance("inspection_hold", {"tracking_number": "R-1"}, actor="clerk")
    engine.complete_task(open_task(engine, started.instance_id, "review_request").task_id, {}, actor="clerk")
    return started.instance_id


def stored(engine, instance_id: int) -> tuple[int, BpmnWorkflow]:
    """The instance's version number and its workflow, restored cold from what is stored."""
    with engine.database.read() as session:
        instance = session.get(ProcessInstance, instance_id)
        version = session.get(ProcessVersion, instance.process_version_id)
        return version.version, state_from_json(instance.state_json, *spec_from_json(version.spec_json))


def completed_steps(workflow: BpmnWorkflow) -> list[str]:
    return [task.task_spec.bpmn_id for task in workflow.get_tasks(state=TaskState.COMPLETED)
            if task.task_spec.bpmn_id]


def test_a_broken_timer_is_repaired_by_deploying_a_fix_and_migrating(engine, friday_9am, database):
    deploy_hold(engine, timer=BROKEN_TIMER)
    instance_id = reviewed(engine)
    [incident] = engine.get_instance(instance_id).incidents
    assert (engine.get_instance(instance_id).status, incident.bpmn_id) == ("incident", "wait_for_inspection")

    deploy_hold(engine)
    check = engine.check_migration(instance_id, 2)
    assert check.movable
    assert [(wait.bpmn_id, wait.kind, wait.target_bpmn_id, wait.restarts) for wait in check.waits] == [
        ("wait_for_inspection", "incident", "wait_for_inspection", True)]
    moved = engine.migrate_instance(instance_id, 2, actor="admin", reason="timer fixed in version 2")
    assert (moved.version, moved.status, [i.status for i in moved.incidents]) == (2, "active", ["resolved"])
    [timer] = engine.pending_timers(instance_id=instance_id)
    assert timer.due_at == FRIDAY_9AM + timedelta(days=3)
    assert_derived_rows_match_state(engine, instance_id)

    restarted = open_engine(database)   # nothing warm: the moved state is what is stored
    friday_9am.move_to(timer.due_at + timedelta(seconds=1))
    assert restarted.fire_due_timers() == 1
    booking = open_task(restarted, instance_id, "book_inspection")
    assert restarted.complete_task(booking.task_id, {}, actor="clerk").status == "completed"


def test_a_target_still_broken_moves_the_instance_and_stops_it_on_a_new_incident(engine, friday_9am):
    deploy_hold(engine, timer=BROKEN_TIMER)
    instance_id = reviewed(engine)
    deploy_hold(engine, timer='"P" + wait_days')      # a second try, still wrong: str + int
    moved = engine.migrate_instance(instance_id, 2, actor="admin", reason="second try")
    assert (moved.version, moved.status) == (2, "incident")
    assert [(i.status, i.bpmn_id) for i in moved.incidents] == [("resolved", "wait_for_inspection"),
                                                               ("open", "wait_for_inspection")]
    assert "can only concatenate str" in moved.incidents[1].error_message
    assert_derived_rows_match_state(engine, instance_id)


def test_a_wait_the_target_lacks_is_refused_with_the_list_until_it_is_mapped(engine, friday_9am):
    deploy_hold(engine, after_wait=OLD_BOOKING)
    instance_id = reviewed(engine)
    friday_9am.shift(timedelta(hours=72, seconds=1))
    engine.fire_due_timers()
    assert open_task_ids(engine, instance_id) == ["schedule_inspection"]
    deploy_hold(engine)

    check = engine.check_migration(instance_id, 2)
    assert not check.movable
    assert "no element for where it waits: schedule_inspection (user task)" in check.problem
    with pytest.raises(InvalidState, match=r"schedule_inspection \(user task\); map each"):
        engine.migrate_instance(instance_id, 2, actor="admin")
    assert engine.get_instance(instance_id).version == 1

    mapping = {"schedule_inspection": "book_inspection"}
    assert engine.check_migration(instance_id, 2, mapping).movable
    moved = engine.migrate_instance(instance_id, 2, actor="admin", mapping=mapping, reason="renamed")
    assert (moved.version, [task.bpmn_id for task in moved.open_tasks]) == (2, ["book_inspection"])
    assert_derived_rows_match_state(engine, instance_id)
    done = engine.complete_task(open_task(engine, instance_id, "book_inspection").task_id, {}, actor="clerk")
    assert done.status == "completed"
    [event] = [e for e in engine.audit_trail(instance_id) if e.action == "migrate"]
    assert event.changes == {"version": {"from": 1, "to": 2}, "mapping": {"schedule_inspection": "book_inspection"}}
    assert "mapped schedule_inspection -> book_inspection" in event.detail and "renamed" in event.detail


def test_a_step_already_done_that_the_target_lacks_refuses_the_move(engine, friday_9am):
    deploy_hold(engine, after_wait=OLD_BOOKING)
    instance_id = reviewed(engine)
    engine.skip_step(instance_id, "wait_for_inspection", actor="admin", reason="waived")
    engine.complete_task(open_task(engine, instance_id, "schedule_inspection").task_id, {}, actor="clerk")
    deploy_hold(engine)
    check = engine.check_migration(instance_id, 2)
    assert [(wait.bpmn_id, wait.target_bpmn_id) for wait in check.waits] == [("confirm_booking", "book_inspection")]
    assert check.problem == ("Instance 1 cannot move: Version 2 of inspection_hold lacks steps it has already done: "
                             "schedule_inspection; map each to an element of the target.")


def test_an_unchanged_timer_keeps_its_due_time_and_the_path_after_it_is_the_targets(engine, friday_9am):
    deploy_hold(engine, after_wait=OLD_BOOKING)
    instance_id = reviewed(engine)
    [before] = engine.pending_timers(instance_id=instance_id)
    deploy_hold(engine)
    friday_9am.shift(timedelta(hours=1))
    engine.migrate_instance(instance_id, 2, actor="admin")
    assert [t.due_at for t in engine.pending_timers(instance_id=instance_id)] == [before.due_at]
    friday_9am.move_to(before.due_at + timedelta(seconds=1))
    assert engine.fire_due_timers() == 1
    assert open_task_ids(engine, instance_id) == ["book_inspection"]


def test_a_failing_migration_leaves_the_instance_on_its_old_version(engine, friday_9am):
    deploy_hold(engine, timer=BROKEN_TIMER)
    instance_id = reviewed(engine)
    deploy_hold(engine)
    state_before = stored(engine, instance_id)
    trail_before = engine.audit_trail(instance_id)

    def refuse(connection):
        raise ClerkflowError("the caller's own record could not be written")

    with engine.alongside_each_commit(refuse), pytest.raises(ClerkflowError, match="could not be written"):
        engine.migrate_instance(instance_id, 2, actor="admin")
    after = engine.get_instance(instance_id)
    assert (after.version, after.status, [i.status for i in after.incidents]) == (1, "incident", ["open"])
    assert engine.audit_trail(instance_id) == trail_before
    assert completed_steps(stored(engine, instance_id)[1]) == completed_steps(state_before[1])
    assert engine.migrate_instance(instance_id, 2, actor="admin").version == 2


def test_migration_is_audited_on_the_instance_chain(engine, friday_9am):
    deploy_hold(engine, timer=BROKEN_TIMER)
    instance_id = reviewed(engine)
    deploy_hold(engine)
    engine.migrate_instance(instance_id, 2, actor="admin", reason="broken timer")
    trail = engine.audit_trail(instance_id)
    assert [(e.action, e.actor) for e in trail][-2:] == [("incident", "admin"), ("migrate", "admin")]
    assert trail[-2].detail == "incident 1 closed: its step starts again on version 2"
    [event] = [e for e in engine.audit_trail(instance_id) if e.action == "migrate"]
    assert event.detail == "version 1 -> 2; started again: wait_for_inspection: broken timer"
    with engine.database.read() as session:
        assert verify(session.connection(), instance_id=instance_id).intact


def test_migrating_continues_as_spiffworkflows_own_migrate_workflow(engine, friday_9am):
    """The bare library: run version 1 to the review, diff and migrate_workflow to version 2, go on; the engine,
    restored cold, completes the same steps in the same order with the same data."""
    v1, v2 = inspection_hold(after_wait=OLD_BOOKING), inspection_hold(timer='"PT1H"')
    spec1, spec2 = (parse_process("inspection_hold.bpmn", text.encode()).spec for text in (v1, v2))
    bare = BpmnWorkflow(spec1)
    bare.do_engine_steps()
    top_diff, _subprocess_diffs = diff_workflow(_registry, bare, spec2, {})
    migrate_workflow(top_diff, bare, spec2)
    bare.get_next_task(state=TaskState.READY, manual=True).run()
    bare.do_engine_steps()
    friday_9am.shift(timedelta(hours=1, seconds=1))
    bare.refresh_waiting_tasks()
    bare.do_engine_steps()
    bare.get_next_task(state=TaskState.READY, manual=True).run()
    bare.do_engine_steps()
    assert bare.is_completed()

    friday_9am.move_to(FRIDAY_9AM)
    deploy_hold(engine, after_wait=OLD_BOOKING)
    started = engine.start_instance("inspection_hold", {}, actor="clerk")
    deploy_hold(engine, timer='"PT1H"')
    engine.migrate_instance(started.instance_id, 2, actor="admin")
    engine.complete_task(open_task(engine, started.instance_id, "review_request").task_id, {}, actor="clerk")
    friday_9am.shift(timedelta(hours=1, seconds=1))
    assert engine.fire_due_timers() == 1
    done = engine.complete_task(open_task(engine, started.instance_id, "book_inspection").task_id, {}, actor="c")
    assert done.status == "completed"
    version, workflow = stored(engine, started.instance_id)
    assert version == 2
    assert completed_steps(workflow) == completed_steps(bare)
    assert workflow.data == bare.data


def test_all_instances_of_a_version_dry_run_then_move(engine, friday_9am):
    deploy_hold(engine, after_wait=OLD_BOOKING)
    waiting_at_timer = reviewed(engine)
    at_booking = reviewed(engine)
    engine.move_timer((at_booking, "wait_for_inspection"), FRIDAY_9AM - timedelta(minutes=1), actor="admin",
                      reason="waived")
    suspended = reviewed(engine)
    engine.suspend_instance(suspended, actor="admin")
    deploy_hold(engine)

    checks = {check.instance_id: check for check in engine.check_version_migration("inspection_hold", 1, 2)}
    assert sorted(checks) == [waiting_at_timer, at_booking, suspended]
    assert checks[waiting_at_timer].movable and not checks[at_booking].movable
    assert "schedule_inspection (user task)" in checks[at_booking].problem
    assert "suspended; resume it first" in checks[suspended].problem
    assert engine.get_instance(waiting_at_timer).version == 1      # the dry run moved nothing

    outcomes = {o.instance_id: o for o in engine.migrate_version("inspection_hold", 1, 2, actor="admin")}
    assert (outcomes[waiting_at_timer].moved, outcomes[at_booking].moved, outcomes[suspended].moved) == (
        True, False, False)
    assert [engine.get_instance(i).version for i in (waiting_at_timer, at_booking, suspended)] == [2, 1, 1]
    mapped = engine.migrate_version("inspection_hold", 1, 2, actor="admin",
                                    mapping={"schedule_inspection": "book_inspection"})
    assert [(o.instance_id, o.moved) for o in mapped] == [(at_booking, True), (suspended, False)]


def test_a_failed_script_inside_a_sub_process_is_repaired_by_migrating(engine, deploy, friday_9am):
    """The sub-process moves to the target's sub-process of the same id; its failed step runs the fixed script."""
    deploy("subprocess_review")
    started = engine.start_instance("subprocess_review", {"total": 10, "offices": 0}, actor="clerk")
    assert [i.bpmn_id for i in started.incidents] == ["compute_share"]
    fixed = (DIAGRAMS / "subprocess_review.bpmn").read_text().replace(
        "share = total / offices", "share = total / offices if offices else total")
    engine.deploy_source(DiagramSource("subprocess_review.bpmn", fixed.encode(), {}), actor="analyst")
    check = engine.check_migration(started.instance_id, 2)
    assert {(w.bpmn_id, w.kind, w.restarts) for w in check.waits} >= {("compute_share", "incident", True),
                                                                      ("review_request", "user task", False)}
    moved = engine.migrate_instance(started.instance_id, 2, actor="admin", reason="no offices: the whole total")
    assert (moved.status, moved.current_steps) == ("active", ("Review the request",))
    assert_derived_rows_match_state(engine, started.instance_id)
    done = engine.complete_task(open_task(engine, started.instance_id, "review_request").task_id, {}, actor="c")
    assert done.current_steps == ("Release the records",)
    assert stored(engine, started.instance_id)[1].get_next_task(spec_name="compute_share").data["share"] == 10


def test_migration_refuses_an_unknown_version_an_ended_instance_and_the_same_version(engine, friday_9am):
    deploy_hold(engine)
    instance_id = reviewed(engine)
    with pytest.raises(NotFound, match="no version 7"):
        engine.check_migration(instance_id, 7)
    assert "on version 1 already" in engine.check_migration(instance_id, 1).problem
    engine.terminate_instance(instance_id, actor="admin", reason="withdrawn")
    deploy_hold(engine, after_wait=OLD_BOOKING)
    with pytest.raises(InvalidState, match="has ended"):
        engine.migrate_instance(instance_id, 2, actor="admin")
