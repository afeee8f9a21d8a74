"""Writing what a step changed: the instance row, its derived rows, incidents and the audit trail.

Only the engine writes these rows, and only here, so they always agree with the stored
workflow state. Rows are diffed, not rebuilt, to keep each step's writes small.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.derive import Derived
from engine.models import (AuditEvent, HumanTask, Incident, IncidentStatus, InstanceStatus, MessageSubscription,
                           PendingTimer, ProcessInstance, TaskStatus)
from engine.runtime import TaskFailure

FINISHED = (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)


def json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def data_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Keys whose values a step set or changed (new values), and keys it removed (as None)."""
    changed = {key: value for key, value in after.items() if key not in before or before[key] != value}
    changed.update({key: None for key in before if key not in after})
    return json_safe(changed)


def write_derived(session: Session, instance: ProcessInstance, derived: Derived, now: datetime, *,
                  actor: str, completed_task_guid: str | None = None) -> None:
    _sync_tasks(session, instance, derived, now, actor, completed_task_guid)
    _sync_timers(session, instance, derived, now)
    _sync_subscriptions(session, instance, derived)
    if instance.status not in FINISHED + (InstanceStatus.SUSPENDED,):
        instance.status = InstanceStatus.INCIDENT if derived.errored_task_guids else InstanceStatus.ACTIVE
        if derived.completed:
            instance.status = InstanceStatus.COMPLETED
            instance.ended_at = now
    steps = [task.title for task in derived.open_tasks]
    instance.current_steps = ", ".join(steps)[:500]
    dues = [task.due_at for task in derived.open_tasks if task.due_at is not None]
    instance.next_due_at = min(dues) if dues else None
    instance.updated_at = now


def _sync_tasks(session, instance, derived, now, actor, completed_task_guid):
    open_rows = {row.task_guid: row for row in session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.OPEN))}
    for task in derived.open_tasks:
        row = open_rows.pop(task.task_guid, None)
        if row is None:
            session.add(HumanTask(
                task_guid=task.task_guid, instance_id=instance.id, process_key=instance.process_key,
                bpmn_id=task.bpmn_id, title=task.title, lane=task.lane, candidate_role=task.candidate_role,
                form_file=task.form_file, ui_form_file=task.ui_form_file, status=TaskStatus.OPEN,
                created_at=now, due_at=task.due_at))
        elif row.due_at != task.due_at:
            row.due_at = task.due_at
    for guid, row in open_rows.items():
        row.status = TaskStatus.COMPLETED if guid == completed_task_guid else TaskStatus.CANCELLED
        row.completed_at = now
        row.completed_by = actor


def _sync_timers(session, instance, derived, now):
    # A timer without a due time (inside an event-based gateway, SpiffWorkflow 3.2 reports none) gets no
    # row: it would look due forever. Diagrams should use boundary timers instead (docs/engine.md).
    wanted = {(timer.task_guid, timer.due_at): timer for timer in derived.timers if timer.due_at is not None}
    for row in session.scalars(select(PendingTimer).where(PendingTimer.instance_id == instance.id)):
        if wanted.pop((row.task_guid, row.due_at), None) is None:
            session.delete(row)
    for (guid, due_at), timer in wanted.items():
        session.add(PendingTimer(instance_id=instance.id, process_key=instance.process_key, bpmn_id=timer.bpmn_id,
                                 task_guid=guid, kind=timer.kind, due_at=due_at))


def _sync_subscriptions(session, instance, derived):
    wanted = {(message.task_guid, message.correlation_key): message for message in derived.messages}
    for row in session.scalars(select(MessageSubscription).where(MessageSubscription.instance_id == instance.id)):
        if wanted.pop((row.task_guid, row.correlation_key), None) is None:
            session.delete(row)
    for (guid, key), message in wanted.items():
        session.add(MessageSubscription(instance_id=instance.id, bpmn_id=message.bpmn_id, task_guid=guid,
                                        message_name=message.message_name, correlation_key=key,
                                        correlation_properties=message.correlation_properties))


def clear_waiting(session: Session, instance: ProcessInstance, now: datetime, actor: str) -> None:
    """An ended instance waits for nothing: cancel its open tasks, drop its timers and subscriptions."""
    for row in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                       HumanTask.status == TaskStatus.OPEN)):
        row.status, row.completed_at, row.completed_by = TaskStatus.CANCELLED, now, actor
    session.execute(delete(PendingTimer).where(PendingTimer.instance_id == instance.id))
    session.execute(delete(MessageSubscription).where(MessageSubscription.instance_id == instance.id))
    instance.current_steps, instance.next_due_at = "", None


def record_incident(session: Session, instance: ProcessInstance, failure: TaskFailure, file_name: str,
                    now: datetime) -> Incident:
    existing = session.scalars(select(Incident).where(
        Incident.instance_id == instance.id, Incident.task_guid == failure.task_guid,
        Incident.status == IncidentStatus.OPEN)).first()
    if existing is not None:   # the same task failed again on retry: keep one incident, with the latest error
        existing.error_type, existing.error_message = failure.error_type, failure.error_message
        existing.data_seen = failure.data_seen
        return existing
    incident = Incident(instance_id=instance.id, process_key=instance.process_key, bpmn_id=failure.bpmn_id,
                        task_guid=failure.task_guid, task_title=failure.task_title, file_name=file_name,
                        error_type=failure.error_type, error_message=failure.error_message[:5000],
                        data_seen=failure.data_seen, status=IncidentStatus.OPEN, created_at=now)
    session.add(incident)
    return incident


def audit(session: Session, *, process_key: str, actor: str, action: str, now: datetime,
          instance_id: int | None = None, bpmn_id: str | None = None, task_guid: str | None = None,
          changes: dict[str, Any] | None = None, detail: str = "") -> None:
    session.add(AuditEvent(instance_id=instance_id, process_key=process_key, at=now, actor=actor, action=action,
                           bpmn_id=bpmn_id, task_guid=task_guid, changes=json_safe(changes or {}), detail=detail))
