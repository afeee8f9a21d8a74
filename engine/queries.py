"""The engine's read side: lists and lookups over the derived rows, never over workflow state."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.errors import ClerkflowError, NotFound
from engine.models import (AuditEvent, HumanTask, Incident, IncidentStatus, InstanceStatus, MessageSubscription,
                           PendingTimer, ProcessInstance, ProcessVersion, TaskStatus)
from engine.views import (AuditView, IncidentView, InstanceView, SubscriptionView, TaskView, TimerView,
                          VersionView)

MAX_PAGE = 500


def latest_version(session: Session, process_key: str) -> ProcessVersion | None:
    return session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == process_key)
                           .order_by(ProcessVersion.version.desc()).limit(1)).first()


def version_view(row: ProcessVersion) -> VersionView:
    return VersionView(row.id, row.process_key, row.version, row.display_name, row.file_name, row.checksum,
                       row.deployed_by, row.deployed_at, tuple(sorted(row.forms)))


INSTANCE_STATUSES = tuple(status.value for status in InstanceStatus)
TASK_STATUSES = tuple(status.value for status in TaskStatus)


def task_view(row: HumanTask, business_key: str | None = None, instance_title: str = "") -> TaskView:
    return TaskView(row.id, row.task_guid, row.instance_id, row.process_key, row.bpmn_id, row.title, row.lane,
                    row.candidate_role, row.assignee, row.form_file, row.ui_form_file, row.status.value,
                    row.created_at, row.due_at, row.completed_by, row.completed_at, business_key, instance_title)


def _status(kind: type, value: str, allowed: tuple[str, ...]):
    try:
        return kind(value)
    except ValueError:
        raise ClerkflowError(f'Unknown status "{value}"; use one of: {", ".join(allowed)}.') from None


def incident_view(row: Incident) -> IncidentView:
    return IncidentView(row.id, row.instance_id, row.process_key, row.bpmn_id, row.task_title, row.file_name,
                        row.error_type, row.error_message, dict(row.data_seen), row.status.value, row.created_at,
                        row.resolved_at, row.resolved_by)


def instance_view(session: Session, row: ProcessInstance, *, detail: bool = True) -> InstanceView:
    version = session.get(ProcessVersion, row.process_version_id)
    open_tasks: tuple[TaskView, ...] = ()
    incidents: tuple[IncidentView, ...] = ()
    if detail:
        open_tasks = tuple(task_view(task, row.business_key, row.title) for task in session.scalars(
            select(HumanTask).where(HumanTask.instance_id == row.id, HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.id)))
        incidents = tuple(incident_view(incident) for incident in session.scalars(
            select(Incident).where(Incident.instance_id == row.id).order_by(Incident.id)))
    steps = tuple(step for step in row.current_steps.split(", ") if step)
    return InstanceView(row.id, row.process_key, version.version, row.business_key, row.title, row.status.value,
                        steps, row.next_due_at, row.started_by, row.started_at, row.updated_at, row.ended_at,
                        row.lock_version, open_tasks, incidents)


def _page(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


class Queries:
    """Read calls of `ProcessEngine`; each opens a short read-only session."""

    database: Any

    def versions(self, process_key: str | None = None) -> list[VersionView]:
        with self.database.read() as session:
            statement = select(ProcessVersion).order_by(ProcessVersion.process_key, ProcessVersion.version)
            if process_key:
                statement = statement.where(ProcessVersion.process_key == process_key)
            return [version_view(row) for row in session.scalars(statement)]

    def form_schema(self, task_id: int) -> dict[str, Any] | None:
        """The JSON Schema of a task's form, from the version the task's instance runs on."""
        return self._form_file(task_id, "form_file")

    def form_ui_schema(self, task_id: int) -> dict[str, Any] | None:
        """The UI schema (field order, widgets) of a task's form, where the diagram names one."""
        return self._form_file(task_id, "ui_form_file")

    def _form_file(self, task_id: int, which: str) -> dict[str, Any] | None:
        with self.database.read() as session:
            task = session.get(HumanTask, task_id)
            if task is None:
                raise NotFound(f"No task {task_id}.")
            form_file = getattr(task, which)
            if not form_file:
                return None
            version = session.scalars(select(ProcessVersion).join(
                ProcessInstance, ProcessInstance.process_version_id == ProcessVersion.id)
                .where(ProcessInstance.id == task.instance_id)).one()
            return version.forms.get(form_file)

    def get_instance(self, instance_id: int) -> InstanceView:
        with self.database.read() as session:
            row = session.get(ProcessInstance, instance_id)
            if row is None:
                raise NotFound(f"No process instance {instance_id}.")
            return instance_view(session, row)

    def list_instances(self, *, status: str | None = None, process_key: str | None = None,
                       business_key: str | None = None, limit: int = 50, offset: int = 0) -> list[InstanceView]:
        with self.database.read() as session:
            statement = select(ProcessInstance).order_by(ProcessInstance.updated_at.desc(), ProcessInstance.id.desc())
            if status:
                statement = statement.where(ProcessInstance.status == _status(InstanceStatus, status, INSTANCE_STATUSES))
            if process_key:
                statement = statement.where(ProcessInstance.process_key == process_key)
            if business_key:
                statement = statement.where(ProcessInstance.business_key == business_key)
            rows = session.scalars(statement.limit(_page(limit)).offset(max(0, offset))).all()
            return [instance_view(session, row, detail=False) for row in rows]

    def count_instances(self) -> dict[str, int]:
        with self.database.read() as session:
            return {status.value: count for status, count in session.execute(
                select(ProcessInstance.status, func.count()).group_by(ProcessInstance.status))}

    def get_task(self, task_id: int) -> TaskView:
        with self.database.read() as session:
            found = session.execute(select(HumanTask, ProcessInstance.business_key, ProcessInstance.title)
                                    .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                                    .where(HumanTask.id == task_id)).first()
            if found is None:
                raise NotFound(f"No task {task_id}.")
            return task_view(*found)

    def list_tasks(self, *, roles: set[str] | None = None, assignee: str | None = None,
                   instance_id: int | None = None, status: str = "open", limit: int = 50,
                   offset: int = 0) -> list[TaskView]:
        """Tasks for an inbox: by candidate roles and/or assignee, oldest first.

        A task whose lane names no role is work for any of the staff, so it is listed for every role set."""
        with self.database.read() as session:
            statement = (select(HumanTask, ProcessInstance.business_key, ProcessInstance.title)
                         .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                         .where(HumanTask.status == _status(TaskStatus, status, TASK_STATUSES)))
            if roles is not None:
                statement = statement.where(or_(HumanTask.candidate_role.in_(sorted(roles)),
                                                HumanTask.candidate_role.is_(None)))
            if assignee is not None:
                statement = statement.where(HumanTask.assignee == assignee)
            if instance_id is not None:
                statement = statement.where(HumanTask.instance_id == instance_id)
            statement = statement.order_by(HumanTask.created_at, HumanTask.id).limit(_page(limit)).offset(max(0, offset))
            return [task_view(*found) for found in session.execute(statement)]

    def pending_timers(self, *, instance_id: int | None = None, limit: int = 100) -> list[TimerView]:
        with self.database.read() as session:
            statement = select(PendingTimer).order_by(PendingTimer.due_at).limit(_page(limit))
            if instance_id is not None:
                statement = statement.where(PendingTimer.instance_id == instance_id)
            return [TimerView(row.id, row.instance_id, row.process_key, row.bpmn_id, row.kind, row.due_at)
                    for row in session.scalars(statement)]

    def subscriptions(self, *, instance_id: int | None = None) -> list[SubscriptionView]:
        with self.database.read() as session:
            statement = select(MessageSubscription).order_by(MessageSubscription.id)
            if instance_id is not None:
                statement = statement.where(MessageSubscription.instance_id == instance_id)
            return [SubscriptionView(row.instance_id, row.bpmn_id, row.message_name, json.loads(row.correlation_key))
                    for row in session.scalars(statement)]

    def list_incidents(self, *, status: str | None = "open", instance_id: int | None = None,
                       limit: int = 100) -> list[IncidentView]:
        with self.database.read() as session:
            statement = select(Incident).order_by(Incident.created_at.desc()).limit(_page(limit))
            if status and status != "all":
                statement = statement.where(Incident.status == _status(IncidentStatus, status, ("open", "resolved", "all")))
            if instance_id is not None:
                statement = statement.where(Incident.instance_id == instance_id)
            return [incident_view(row) for row in session.scalars(statement)]

    def audit_trail(self, instance_id: int) -> list[AuditView]:
        with self.database.read() as session:
            return [AuditView(row.at, row.actor, row.action, row.bpmn_id, dict(row.changes), row.detail)
                    for row in session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                               .order_by(AuditEvent.id))]
