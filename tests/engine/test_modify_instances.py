"""Modifying a running instance by hand (issue 18, as SpiffArena offers): skip the step it waits at, or move it back
to a step it completed; each with a required reason, in the audit trail; compared with SpiffWorkflow's own
`reset_from_task_id` on the bare library."""
from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from city.office import open_engine
from engine.errors import ClerkflowError, InvalidState
from engine.parsing import parse_process
from repair_diagrams import BROKEN_TIMER, inspection_hold
from scenario_data import WARM_AND_RESTORED
from support import assert_derived_rows_match_state, open_task, open_task_ids
from test_migrate_instances import completed_steps, deploy_hold, reviewed, stored

pytestmark = WARM_AND_RESTORED


def test_skipping_a_waiting_timer_goes_on_at_once_and_is_audited_with_its_reason(engine, friday_9am):
    deploy_hold(engine)
    instance_id = reviewed(engine)
    with pytest.raises(ClerkflowError, match="Give a reason"):
        engine.skip_step(instance_id, "wait_for_inspection", actor="admin", reason="  ")
    skipped = engine.skip_step(instance_id, "wait_for_inspection", actor="admin", reason="requester waived the wait")
    assert [task.bpmn_id for task in skipped.open_tasks] == ["book_inspection"]
    assert engine.pending_timers(instance_id=instance_id) == []
    assert_derived_rows_match_state(engine, instance_id)
    [event] = [e for e in engine.audit_trail(instance_id) if e.action == "skip"]
    assert (event.actor, event.bpmn_id) == ("admin", "wait_for_inspection")
    assert event.detail == "skipped Wait before the inspection (wait_for_inspection): requester waived the wait"


def test_skipping_a_step_stopped_on_an_incident_closes_the_incident(engine, friday_9am):
    deploy_hold(engine, timer=BROKEN_TIMER)
    instance_id = reviewed(engine)
    skipped = engine.skip_step(instance_id, "wait_for_inspection", actor="admin", reason="no wait needed")
    assert (skipped.status, [i.status for i in skipped.incidents]) == ("active", ["resolved"])
    assert open_task_ids(engine, instance_id) == ["book_inspection"]


def test_skipping_a_user_task_cancels_it_in_the_inbox(engine, friday_9am):
    deploy_hold(engine)
    started = engine.start_instance("inspection_hold", {}, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    engine.skip_step(started.instance_id, "review_request", actor="admin", reason="reviewed on paper")
    assert engine.get_task(review.task_id).status == "cancelled"
    assert [t.bpmn_id for t in engine.pending_timers(instance_id=started.instance_id)] == ["wait_for_inspection"]


def test_only_a_step_the_instance_waits_at_can_be_skipped(engine, friday_9am):
    deploy_hold(engine)
    instance_id = reviewed(engine)
    with pytest.raises(InvalidState, match='does not wait at "review_request"'):
        engine.skip_step(instance_id, "review_request", actor="admin", reason="x")
    engine.suspend_instance(instance_id, actor="admin")
    with pytest.raises(InvalidState, match="suspended"):
        engine.skip_step(instance_id, "wait_for_inspection", actor="admin", reason="x")


def test_moving_back_to_the_review_undoes_what_came_after_as_reset_from_task_id_does(engine, friday_9am, database):
    spec = parse_process("inspection_hold.bpmn", inspection_hold().encode()).spec
    bare = BpmnWorkflow(spec)
    bare.do_engine_steps()
    bare.get_next_task(state=TaskState.READY, manual=True).run()
    bare.do_engine_steps()
    review = bare.get_next_task(spec_name="review_request")
    bare.reset_from_task_id(review.id)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))     # restored cold, as the engine's state is between steps
    bare = serializer.deserialize_json(serializer.serialize_json(bare))
    bare.do_engine_steps()

    deploy_hold(engine)
    instance_id = reviewed(engine)
    first_review = engine.instance_tasks(instance_id)[0]
    with pytest.raises(ClerkflowError, match="Give a reason"):
        engine.move_back(instance_id, "review_request", actor="admin", reason="")
    moved = engine.move_back(instance_id, "review_request", actor="admin", reason="the review missed a page")
    assert [task.bpmn_id for task in moved.open_tasks] == ["review_request"]
    assert engine.pending_timers(instance_id=instance_id) == []
    assert_derived_rows_match_state(engine, instance_id)
    _version, workflow = stored(engine, instance_id)
    assert completed_steps(workflow) == completed_steps(bare)
    assert [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY)] == \
        [t.task_spec.bpmn_id for t in bare.get_tasks(state=TaskState.READY)]
    tasks = engine.instance_tasks(instance_id)   # the first review stays done; a new one is open
    assert sorted((t.bpmn_id, t.status) for t in tasks) == [("review_request", "completed"), ("review_request", "open")]
    assert first_review.status == "completed"
    [event] = [e for e in engine.audit_trail(instance_id) if e.action == "move_back"]
    assert event.detail == "moved back to Review the request (review_request): the review missed a page"

    restarted = open_engine(database)
    again = open_task(restarted, instance_id, "review_request")
    restarted.complete_task(again.task_id, {}, actor="clerk")
    assert [t.bpmn_id for t in restarted.pending_timers(instance_id=instance_id)] == ["wait_for_inspection"]


def test_only_a_completed_step_can_be_moved_back_to(engine, friday_9am):
    deploy_hold(engine)
    started = engine.start_instance("inspection_hold", {}, actor="clerk")
    with pytest.raises(InvalidState, match='has not completed "book_inspection"'):
        engine.move_back(started.instance_id, "book_inspection", actor="admin", reason="x")
