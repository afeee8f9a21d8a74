"""Helpers for engine tests: read what the derived rows say, and what the stored state says."""
from __future__ import annotations

from sqlalchemy import select

from engine import ProcessEngine, calls
from engine.derive import derive
from engine.models import HumanTask, MessageSubscription, PendingTimer, ProcessInstance, TaskStatus
from engine.state import state_from_json


def open_task_ids(engine: ProcessEngine, instance_id: int) -> list[str]:
    return sorted(task.bpmn_id for task in engine.list_tasks(instance_id=instance_id))


def open_task(engine: ProcessEngine, instance_id: int, bpmn_id: str):
    matches = [task for task in engine.list_tasks(instance_id=instance_id) if task.bpmn_id == bpmn_id]
    assert len(matches) == 1, f"expected one open {bpmn_id}, found {matches}"
    return matches[0]


def restored_workflow(engine: ProcessEngine, instance_id: int):
    """The instance's workflow restored from its stored state, with the called versions it pinned."""
    with engine.database.read() as session:
        connection = session.connection()
        instance = session.get(ProcessInstance, instance_id)
        version = engine._versions.get(connection, instance.process_version_id)
        specs = calls.subprocess_specs(connection, engine._versions, version, calls.pinned(connection, instance_id))
        return state_from_json(instance.state_json, version.spec, specs)


def assert_derived_rows_match_state(engine: ProcessEngine, instance_id: int) -> None:
    """The rows queries read agree exactly with a fresh restore of the stored workflow state."""
    derived = derive(restored_workflow(engine, instance_id))
    with engine.database.read() as session:
        instance = session.get(ProcessInstance, instance_id)
        tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                        HumanTask.status == TaskStatus.OPEN)).all()
        timers = session.scalars(select(PendingTimer).where(PendingTimer.instance_id == instance_id)).all()
        subscriptions = session.scalars(select(MessageSubscription)
                                        .where(MessageSubscription.instance_id == instance_id)).all()
        _assert_same(instance, derived, tasks, timers, subscriptions)


def _assert_same(instance, derived, tasks, timers, subscriptions) -> None:
    assert sorted((t.task_guid, t.bpmn_id, t.candidate_role, t.due_at) for t in tasks) == \
        sorted((t.task_guid, t.bpmn_id, t.candidate_role, t.due_at) for t in derived.open_tasks)
    assert sorted((t.task_guid, t.due_at) for t in timers) == sorted((t.task_guid, t.due_at) for t in derived.timers)
    assert sorted((s.task_guid, s.correlation_key) for s in subscriptions) == \
        sorted((m.task_guid, m.correlation_key) for m in derived.messages)
    assert instance.current_steps == ", ".join(t.title for t in derived.open_tasks)
