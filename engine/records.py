"""The write path's rows, read and written with prebuilt SQL statements (no ORM unit of work).

Every engine call touches the same few rows: the instance, its open human tasks, pending
timers and message subscriptions, and one audit event. Doing that with Core statements
keeps a step's cost close to the SQL itself (see docs/performance.md). `Snapshot` is what
the derived rows held after the last save; a warm workflow carries it so the next save
diffs in memory instead of reading the rows back.
"""
from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection

from engine import audit_chain
from engine.derive import Derived
from engine.errors import Conflict
from engine.models import (AuditEvent, HumanTask, Incident, IncidentStatus, InstanceStatus, MessageSubscription,
                           PendingTimer, ProcessInstance, TaskStatus)
from engine.runtime import TaskFailure

INSTANCE = ProcessInstance.__table__
TASK = HumanTask.__table__
TIMER = PendingTimer.__table__
SUBSCRIPTION = MessageSubscription.__table__
AUDIT = AuditEvent.__table__
INCIDENT = Incident.__table__
FINISHED = (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)


@dataclass
class InstanceRecord:
    """The instance row as one call works on it (everything but the state JSON)."""

    instance_id: int | None
    process_version_id: int
    process_key: str
    business_key: str | None
    title: str
    status: InstanceStatus
    current_steps: str
    next_due_at: datetime | None
    started_by: str
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    lock_version: int


@dataclass(frozen=True)
class Snapshot:
    """The derived rows of one instance as stored: open task due dates, timers, subscriptions, incidents."""

    tasks: dict[str, datetime | None]
    timers: frozenset[tuple[str, datetime]]
    subscriptions: frozenset[tuple[str, str, str]]   # (task guid, message name, correlation key)
    has_incidents: bool = False   # ever, open or resolved: whether a view must look them up
    open_incidents: frozenset[str] = frozenset()   # task guids of the open incidents ("": no task known)


EMPTY = Snapshot({}, frozenset(), frozenset())
RECORD_COLUMNS = [INSTANCE.c[name] for name in (
    "id", "process_version_id", "process_key", "business_key", "title", "status", "current_steps", "next_due_at",
    "started_by", "started_at", "updated_at", "ended_at", "lock_version")]
_SELECT_RECORD = select(*RECORD_COLUMNS).where(INSTANCE.c.id == bindparam("instance_id"))
_SELECT_RECORD_FOR_UPDATE = _SELECT_RECORD.with_for_update()
_SELECT_STATE = select(INSTANCE.c.state_json).where(INSTANCE.c.id == bindparam("instance_id"))
_UPDATE_INSTANCE = (update(INSTANCE)
                    .where(INSTANCE.c.id == bindparam("b_id"), INSTANCE.c.lock_version == bindparam("b_version"))
                    .values(status=bindparam("status"), current_steps=bindparam("current_steps"),
                            next_due_at=bindparam("next_due_at"), updated_at=bindparam("updated_at"),
                            ended_at=bindparam("ended_at"), lock_version=bindparam("b_version") + 1))
_MOVE_AUDIT_HEAD = update(INSTANCE).where(INSTANCE.c.id == bindparam("b_id")).values(audit_head=bindparam("audit_head"))
_CLOSE_TASK = (update(TASK).where(TASK.c.task_guid == bindparam("b_guid"), TASK.c.status == TaskStatus.OPEN)
               .values(status=bindparam("status"), completed_at=bindparam("completed_at"),
                       completed_by=bindparam("completed_by")))
_MOVE_DUE = update(TASK).where(TASK.c.task_guid == bindparam("b_guid")).values(due_at=bindparam("due_at"))
_DROP_TIMER = delete(TIMER).where(TIMER.c.instance_id == bindparam("b_instance"),
                                  TIMER.c.task_guid == bindparam("b_guid"), TIMER.c.due_at == bindparam("b_due"))
_DROP_SUBSCRIPTION = delete(SUBSCRIPTION).where(SUBSCRIPTION.c.instance_id == bindparam("b_instance"),
                                                SUBSCRIPTION.c.task_guid == bindparam("b_guid"),
                                                SUBSCRIPTION.c.message_name == bindparam("b_name"),
                                                SUBSCRIPTION.c.correlation_key == bindparam("b_key"))


_INSERT_INSTANCE = insert(INSTANCE).returning(INSTANCE.c.id)
_INSERT_TASK, _INSERT_TIMER, _INSERT_SUBSCRIPTION, _INSERT_AUDIT = (
    insert(TASK), insert(TIMER), insert(SUBSCRIPTION), insert(AUDIT))


def load_instance(connection: Connection, instance_id: int, *, lock: bool) -> InstanceRecord | None:
    row = connection.execute(_SELECT_RECORD_FOR_UPDATE if lock else _SELECT_RECORD,
                             {"instance_id": instance_id}).first()
    return InstanceRecord(*row) if row is not None else None


def load_state(connection: Connection, instance_id: int) -> str:
    return connection.execute(_SELECT_STATE, {"instance_id": instance_id}).scalar_one()


def load_snapshot(connection: Connection, instance_id: int) -> Snapshot:
    tasks = dict(connection.execute(select(TASK.c.task_guid, TASK.c.due_at).where(
        TASK.c.instance_id == instance_id, TASK.c.status == TaskStatus.OPEN)).all())
    timers = frozenset(connection.execute(select(TIMER.c.task_guid, TIMER.c.due_at).where(
        TIMER.c.instance_id == instance_id)).all())
    subscriptions = frozenset(connection.execute(select(SUBSCRIPTION.c.task_guid, SUBSCRIPTION.c.message_name,
                                                        SUBSCRIPTION.c.correlation_key)
                                                 .where(SUBSCRIPTION.c.instance_id == instance_id)).all())
    incidents = connection.execute(select(INCIDENT.c.task_guid, INCIDENT.c.status)
                                   .where(INCIDENT.c.instance_id == instance_id)).all()
    open_incidents = frozenset(guid for guid, status in incidents if status == IncidentStatus.OPEN)
    return Snapshot(tasks, timers, subscriptions, bool(incidents), open_incidents)


def insert_instance(connection: Connection, record: InstanceRecord, state_json: str) -> None:
    record.instance_id = connection.execute(_INSERT_INSTANCE, {
        "process_version_id": record.process_version_id, "process_key": record.process_key,
        "business_key": record.business_key, "title": record.title, "status": record.status,
        "current_steps": record.current_steps, "next_due_at": record.next_due_at, "started_by": record.started_by,
        "started_at": record.started_at, "updated_at": record.updated_at, "ended_at": record.ended_at,
        "lock_version": record.lock_version, "state_json": state_json}).scalar_one()


def update_instance(connection: Connection, record: InstanceRecord, state_json: str | None) -> None:
    """Write the instance row if nobody else did since it was read; `Conflict` otherwise."""
    values = {"b_id": record.instance_id, "b_version": record.lock_version, "status": record.status,
              "current_steps": record.current_steps, "next_due_at": record.next_due_at,
              "updated_at": record.updated_at, "ended_at": record.ended_at}
    statement = _UPDATE_INSTANCE if state_json is None else _UPDATE_INSTANCE.values(state_json=bindparam("state"))
    if state_json is not None:
        values["state"] = state_json
    if connection.execute(statement, values).rowcount != 1:
        raise Conflict(f"Instance {record.instance_id} was changed by someone else at the same moment; "
                       "reload and try again.")
    record.lock_version += 1


def apply_derived(record: InstanceRecord, derived: Derived, now: datetime, *,
                  incidents_open: bool = False) -> None:
    """The instance's status and summary fields, as the derived rows say.

    An instance with a failed task or an open incident is `incident` whatever its other paths do
    (they may still have work open); only ending it settles that."""
    if record.status not in FINISHED + (InstanceStatus.SUSPENDED,):
        failed = bool(derived.errored_task_guids) or incidents_open
        record.status = InstanceStatus.INCIDENT if failed else InstanceStatus.ACTIVE
        if derived.completed:
            record.status, record.ended_at = InstanceStatus.COMPLETED, now
    record.current_steps = ", ".join(task.title for task in derived.open_tasks)[:500]
    dues = [task.due_at for task in derived.open_tasks if task.due_at is not None]
    record.next_due_at = min(dues) if dues else None
    record.updated_at = now


def write_derived(connection: Connection, record: InstanceRecord, derived: Derived, stored: Snapshot,
                  now: datetime, *, actor: str, completed_task_guid: str | None = None) -> Snapshot:
    """Bring the derived rows from `stored` to what `derived` says; returns what is stored now."""
    instance_id = record.instance_id
    tasks = {task.task_guid: task.due_at for task in derived.open_tasks}
    new_tasks = [task for task in derived.open_tasks if task.task_guid not in stored.tasks]
    if new_tasks:
        connection.execute(_INSERT_TASK, [{
            "task_guid": task.task_guid, "instance_id": instance_id, "process_key": record.process_key,
            "bpmn_id": task.bpmn_id, "title": task.title, "lane": task.lane, "candidate_role": task.candidate_role,
            "assignee": None, "form_file": task.form_file, "ui_form_file": task.ui_form_file,
            "status": TaskStatus.OPEN, "created_at": now, "due_at": task.due_at, "completed_by": None,
            "completed_at": None} for task in new_tasks])
    closed = [guid for guid in stored.tasks if guid not in tasks]
    if closed:
        connection.execute(_CLOSE_TASK, [{
            "b_guid": guid, "completed_at": now, "completed_by": actor,
            "status": TaskStatus.COMPLETED if guid == completed_task_guid else TaskStatus.CANCELLED} for guid in closed])
    moved = [{"b_guid": guid, "due_at": due} for guid, due in tasks.items()
             if guid in stored.tasks and stored.tasks[guid] != due]
    if moved:
        connection.execute(_MOVE_DUE, moved)

    timers = frozenset((timer.task_guid, timer.due_at) for timer in derived.timers if timer.due_at is not None)
    kinds = {timer.task_guid: timer for timer in derived.timers}
    if stored.timers - timers:
        connection.execute(_DROP_TIMER, [{"b_instance": instance_id, "b_guid": guid, "b_due": due}
                                         for guid, due in stored.timers - timers])
    if timers - stored.timers:
        connection.execute(_INSERT_TIMER, [{
            "instance_id": instance_id, "process_key": record.process_key, "bpmn_id": kinds[guid].bpmn_id,
            "task_guid": guid, "kind": kinds[guid].kind, "due_at": due} for guid, due in timers - stored.timers])

    # One waiting task may wait for several messages (an event-based gateway, a multiple event).
    waiting = {(message.task_guid, message.message_name, message.correlation_key): message
               for message in derived.messages}
    subscriptions = frozenset(waiting)
    if stored.subscriptions - subscriptions:
        connection.execute(_DROP_SUBSCRIPTION, [{"b_instance": instance_id, "b_guid": guid, "b_name": name, "b_key": key}
                                                for guid, name, key in stored.subscriptions - subscriptions])
    if subscriptions - stored.subscriptions:
        connection.execute(_INSERT_SUBSCRIPTION, [{
            "instance_id": instance_id, "bpmn_id": waiting[triple].bpmn_id, "task_guid": triple[0],
            "message_name": triple[1], "correlation_key": triple[2],
            "correlation_properties": waiting[triple].correlation_properties}
            for triple in subscriptions - stored.subscriptions])
    return Snapshot(tasks, timers, subscriptions, stored.has_incidents, stored.open_incidents)


def clear_waiting(connection: Connection, record: InstanceRecord, now: datetime, actor: str) -> None:
    """An ended instance waits for nothing: cancel its open tasks, drop its timers and subscriptions."""
    connection.execute(update(TASK).where(TASK.c.instance_id == record.instance_id, TASK.c.status == TaskStatus.OPEN)
                       .values(status=TaskStatus.CANCELLED, completed_at=now, completed_by=actor))
    connection.execute(delete(TIMER).where(TIMER.c.instance_id == record.instance_id))
    connection.execute(delete(SUBSCRIPTION).where(SUBSCRIPTION.c.instance_id == record.instance_id))
    record.current_steps, record.next_due_at = "", None


def json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def data_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Keys whose values a step set or changed (new values), and keys it removed (as None)."""
    changed = {key: value for key, value in after.items() if key not in before or before[key] != value}
    changed.update({key: None for key in before if key not in after})
    return json_safe(changed)


_SET_ASSIGNEE = update(TASK).where(TASK.c.id == bindparam("b_task")).values(assignee=bindparam("assignee"))


def set_assignee(connection: Connection, task_id: int, assignee: str | None) -> None:
    """Who works a task (claim, unclaim, delegate, reassign); the caller holds its instance's lock."""
    connection.execute(_SET_ASSIGNEE, {"b_task": task_id, "assignee": assignee})


def audit(connection: Connection, *, process_key: str, actor: str, action: str, now: datetime,
          instance_id: int | None = None, bpmn_id: str | None = None, task_guid: str | None = None,
          changes: dict[str, Any] | None = None, detail: str = "") -> None:
    """Append one event to its chain (engine.audit_chain); an instance's head moves in the same transaction.

    The caller holds the instance's lock (or, for a deploy, has flushed the new version row)."""
    event = {"instance_id": instance_id, "process_key": process_key, "at": now, "actor": actor, "action": action,
             "bpmn_id": bpmn_id, "task_guid": task_guid, "changes": json_safe(changes or {}),
             "detail": detail[:2000]}
    event["chain_hash"] = audit_chain.link(
        audit_chain.chain_before(connection, instance_id=instance_id, process_key=process_key), event)
    connection.execute(_INSERT_AUDIT, event)
    if instance_id is not None:
        connection.execute(_MOVE_AUDIT_HEAD, {"b_id": instance_id, "audit_head": event["chain_hash"]})


def record_incident(connection: Connection, record: InstanceRecord, failure: TaskFailure, file_name: str,
                    now: datetime) -> int:
    """Open an incident for a failed task (or refresh the open one if the same task failed again)."""
    existing = connection.execute(select(INCIDENT.c.id).where(
        INCIDENT.c.instance_id == record.instance_id, INCIDENT.c.task_guid == failure.task_guid,
        INCIDENT.c.status == IncidentStatus.OPEN)).scalar()
    details = {"error_type": failure.error_type, "error_message": failure.error_message[:5000],
               "data_seen": failure.data_seen}
    if existing is not None:
        connection.execute(update(INCIDENT).where(INCIDENT.c.id == existing).values(**details))
        return existing
    return connection.execute(insert(INCIDENT).returning(INCIDENT.c.id), {
        **details, "instance_id": record.instance_id, "process_key": record.process_key,
        "bpmn_id": failure.bpmn_id, "task_guid": failure.task_guid, "task_title": failure.task_title,
        "file_name": file_name, "status": IncidentStatus.OPEN, "created_at": now, "resolved_at": None,
        "resolved_by": None}).scalar_one()


def has_open_incident(connection: Connection, instance_id: int) -> bool:
    return connection.execute(select(INCIDENT.c.id).where(
        INCIDENT.c.instance_id == instance_id, INCIDENT.c.status == IncidentStatus.OPEN).limit(1)).first() is not None


def resolve_incidents(connection: Connection, *, now: datetime, actor: str, instance_id: int | None = None,
                      incident_id: int | None = None, task_guids: Collection[str] | None = None) -> list[Any]:
    """Mark open incidents resolved (of an instance, one incident, or an instance's tasks); returns
    (id, bpmn_id, task_guid) of each."""
    statement = update(INCIDENT).where(INCIDENT.c.status == IncidentStatus.OPEN)
    if instance_id is not None:
        statement = statement.where(INCIDENT.c.instance_id == instance_id)
    if incident_id is not None:
        statement = statement.where(INCIDENT.c.id == incident_id)
    if task_guids is not None:
        statement = statement.where(INCIDENT.c.task_guid.in_(sorted(task_guids)))
    statement = statement.values(status=IncidentStatus.RESOLVED, resolved_at=now, resolved_by=actor)
    return connection.execute(statement.returning(INCIDENT.c.id, INCIDENT.c.bpmn_id, INCIDENT.c.task_guid)).all()
