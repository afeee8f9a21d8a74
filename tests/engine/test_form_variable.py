"""A user task with `spiffworkflow:variableName` keeps its form's answers in that one variable, as in
SpiffWorkflow 3.2's spiff UserTask; its form starts from what the variable already holds.

Each scenario runs the same diagram on the bare library (restored cold between steps) and through the
engine, and compares the tasks completed and the data.
"""
from __future__ import annotations

from datetime import timedelta

from scenario_data import DIAGRAMS, FRIDAY_9AM, WARM_AND_RESTORED
from side_by_side import BareRun, engine_outcome, engine_workflow
from support import open_task_ids

pytestmark = WARM_AND_RESTORED

REQUEST = {"tracking_number": "R-2026-00001"}


def _start_both(engine, deploy):
    deploy("review_into_variable")
    started = engine.start_instance("review_into_variable", dict(REQUEST), actor="clerk")
    return started.instance_id, BareRun(DIAGRAMS / "review_into_variable.bpmn", "review_into_variable", dict(REQUEST))


def _complete(engine, instance_id, bare, bpmn_id, answers):
    [task] = [task for task in engine.list_tasks(instance_id=instance_id) if task.bpmn_id == bpmn_id]
    engine.complete_task(task.task_id, answers, actor="clerk")
    bare.submit_form(bpmn_id, answers)
    return task


def _open_task(engine, instance_id):
    [task] = [task for task in engine.list_tasks(instance_id=instance_id) if task.status == "open"]
    return task


def test_the_answers_go_into_the_named_variable_and_a_script_reads_them_there(engine, deploy):
    instance_id, bare = _start_both(engine, deploy)
    _complete(engine, instance_id, bare, "review_request", {"approved": True, "pages": 12})

    assert open_task_ids(engine, instance_id) == ["check_review"]
    [data] = [task.data for task in engine_workflow(engine, instance_id).get_tasks()
              if task.task_spec.bpmn_id == "check_review"]
    assert data["review"] == {"approved": True, "pages": 12}
    assert "approved" not in data and "pages" not in data      # not spread over the task data
    assert data["decision"] == "approved"
    assert engine_outcome(engine, instance_id) == bare.outcome()


def test_the_next_form_on_the_same_variable_starts_from_the_answers_already_there(engine, deploy):
    instance_id, bare = _start_both(engine, deploy)
    first = _open_task(engine, instance_id)
    assert engine.form_answers(first.task_id) == {}         # nothing kept under `review` yet
    _complete(engine, instance_id, bare, "review_request", {"approved": False, "pages": 3})

    check = _open_task(engine, instance_id)
    assert engine.form_answers(check.task_id) == {"approved": False, "pages": 3}


def test_a_second_submission_replaces_the_variable_whole_as_spiffworkflow_does(engine, deploy):
    instance_id, bare = _start_both(engine, deploy)
    _complete(engine, instance_id, bare, "review_request", {"approved": False, "pages": 3})
    _complete(engine, instance_id, bare, "check_review", {"approved": True, "pages": 4})

    completed, data, waits = engine_outcome(engine, instance_id)
    assert (completed, data, waits) == bare.outcome()
    assert completed[-4:] == ["review_request", "note_decision", "check_review", "reviewed"]
    assert data == {**REQUEST, "review": {"approved": True, "pages": 4}, "decision": "refused"}


def test_a_timer_waits_for_the_date_a_form_kept_in_its_variable(engine, deploy, friday_9am):
    deploy("hearing_into_variable")        # refused before: "hearing" counted as set by nothing
    instance_id = engine.start_instance("hearing_into_variable", dict(REQUEST), actor="clerk").instance_id
    bare = BareRun(DIAGRAMS / "hearing_into_variable.bpmn", "hearing_into_variable", dict(REQUEST))
    held_at = FRIDAY_9AM + timedelta(days=10)
    _complete(engine, instance_id, bare, "schedule_hearing", {"held_at": held_at.isoformat()})

    [timer] = engine.pending_timers(instance_id=instance_id)
    assert timer.due_at == held_at
    assert engine_outcome(engine, instance_id) == bare.outcome()
    friday_9am.move_to(held_at + timedelta(seconds=1))
    assert engine.fire_due_timers() == 1
    bare.tick()
    completed, data, waits = engine_outcome(engine, instance_id)
    assert (completed, data, waits) == bare.outcome()
    assert waits["ended"] and data["hearing"] == {"held_at": held_at.isoformat()}
