"""Event sub-processes started by a signal, message or error behave the same restored cold as warm.

SpiffWorkflow 3.2 connects a process's start to such an event sub-process in the spec when the event first
starts it; the spec stored once per version never had that connection. Run beside the bare library.
"""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

from city.office import open_engine
from engine import parsing, state
from scenario_data import DIAGRAMS, WARM_AND_RESTORED
from side_by_side import BareRun, engine_outcome, engine_workflow
from support import assert_derived_rows_match_state, open_task_ids

pytestmark = WARM_AND_RESTORED


def _complete(engine, instance_id, bpmn_id, data=None):
    [task] = [task for task in engine.list_tasks(instance_id=instance_id) if task.bpmn_id == bpmn_id]
    return engine.complete_task(task.task_id, data or {}, actor="clerk")


def test_a_withdrawal_signal_starts_its_event_subprocess_and_both_paths_finish(engine, deploy, friday_9am):
    deploy("complaint_withdrawal")
    instance_id = engine.start_instance("complaint_withdrawal", {}, actor="clerk").instance_id
    bare = BareRun(DIAGRAMS / "complaint_withdrawal.bpmn", "complaint_withdrawal", {})

    view = _complete(engine, instance_id, "review_complaint")
    bare.complete("review_complaint", {})
    assert view.incidents == ()
    assert open_task_ids(engine, instance_id) == ["confirm_withdrawal", "decide_complaint"]
    assert engine_outcome(engine, instance_id) == bare.outcome()

    for bpmn_id in ("confirm_withdrawal", "decide_complaint"):
        view = _complete(engine, instance_id, bpmn_id)
        bare.complete(bpmn_id, {})
        assert view.incidents == ()
        assert engine_outcome(engine, instance_id) == bare.outcome()
        assert_derived_rows_match_state(engine, instance_id)
    assert engine.get_instance(instance_id).status == "completed"


def test_another_worker_finishes_the_event_subprocess_a_first_one_started(engine, deploy, database, friday_9am):
    deploy("complaint_withdrawal")
    instance_id = engine.start_instance("complaint_withdrawal", {}, actor="clerk").instance_id
    bare = BareRun(DIAGRAMS / "complaint_withdrawal.bpmn", "complaint_withdrawal", {})
    _complete(engine, instance_id, "review_complaint")
    bare.complete("review_complaint", {})

    other_worker = open_engine(database, warm_cache_size=0)     # nothing cached: the version's spec as stored
    for bpmn_id in ("confirm_withdrawal", "decide_complaint"):
        view = _complete(other_worker, instance_id, bpmn_id)
        bare.complete(bpmn_id, {})
        assert view.incidents == ()
        assert engine_outcome(other_worker, instance_id) == bare.outcome()
    assert other_worker.get_instance(instance_id).status == "completed"


def test_a_second_case_started_after_a_withdrawal_does_not_listen_from_its_start(engine, deploy, friday_9am):
    """The first trigger must not change the version's spec that every later instance starts from."""
    deploy("complaint_withdrawal")
    first = engine.start_instance("complaint_withdrawal", {}, actor="clerk").instance_id
    _complete(engine, first, "review_complaint")
    second = engine.start_instance("complaint_withdrawal", {}, actor="clerk").instance_id
    fresh = BareRun(DIAGRAMS / "complaint_withdrawal.bpmn", "complaint_withdrawal", {})
    assert engine_outcome(engine, second) == fresh.outcome()
    assert open_task_ids(engine, second) == ["review_complaint"]
    assert _started(engine_workflow(engine, second)) == _started(fresh.workflow()) == []


def _started(workflow):
    """Event sub-processes already running (listening) in a workflow."""
    return [task.task_spec.name for task in workflow.get_tasks(state=TaskState.STARTED)]


def test_a_failure_raised_by_a_subprocess_as_a_whole_is_an_incident_with_its_words_and_element(
        engine, deploy, database, friday_9am, monkeypatch):
    """A version stored, and a state left, by an engine that lacked the links above: the sub-process itself raises
    (SpiffWorkflow's WorkflowException with its arguments the wrong way round), naming no task."""
    for module in (state, parsing):
        monkeypatch.setattr(module, "connect_event_subprocesses", lambda spec, subprocess_specs: None)
    deploy("complaint_withdrawal")
    instance_id = engine.start_instance("complaint_withdrawal", {}, actor="clerk").instance_id
    _complete(engine, instance_id, "review_complaint")
    other_worker = open_engine(database, warm_cache_size=0)

    view = _complete(other_worker, instance_id, "confirm_withdrawal")
    assert view.status == "incident"
    [incident] = view.incidents
    assert (incident.bpmn_id, incident.task_title) == ("note_withdrawal", "Note the withdrawal")
    assert (incident.error_type, incident.error_message) == ("WorkflowException", "No input task connected.")
    assert other_worker.get_instance(instance_id).status == "incident"
    assert [i.incident_id for i in other_worker.list_incidents(status="open")] == [incident.incident_id]
