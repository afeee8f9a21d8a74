"""The engine's tables: process versions, instances and the rows derived from them.

An instance's whole SpiffWorkflow state is one JSON column (`state_json`, without the
process spec, which is stored once per version). Everything a query needs (open human
tasks, pending timers, message subscriptions, incidents, status) lives in derived,
indexed rows that only the engine writes, after every call. `audit_event` is append-only.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class InstanceStatus(enum.Enum):
    ACTIVE = "active"          # running or waiting for a person, a timer or a message
    INCIDENT = "incident"      # a script or service task failed; an administrator must retry
    SUSPENDED = "suspended"    # paused by an administrator; nothing moves until resumed
    COMPLETED = "completed"
    TERMINATED = "terminated"


class TaskStatus(enum.Enum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class IncidentStatus(enum.Enum):
    OPEN = "open"
    RESOLVED = "resolved"


class ProcessVersion(Base):
    """One immutable deployment of a BPMN process (and the forms it names)."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    display_name: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(200))
    checksum: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)
    # DMN files its business rule tasks call: file name -> XML (the tables run from spec_json)
    decisions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)   # serialized spec: restored without parsing BPMN
    start_events: Mapped[dict[str, Any]] = mapped_column(JSON)   # {"messages": [...], "timers": [...]}
    deployed_by: Mapped[str] = mapped_column(String(100))
    deployed_at: Mapped[datetime]


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_process_instance_status_updated", "status", "updated_at"),
        # The monitoring list (issue 6): newest first, started / overdue ranges, counts per version.
        Index("ix_process_instance_updated", "updated_at", "id"),
        Index("ix_process_instance_started", "started_at"),
        Index("ix_process_instance_next_due", "next_due_at"),
        Index("ix_process_instance_version_status", "process_version_id", "status"),
        Index("ix_process_instance_version_updated", "process_version_id", "updated_at", "id"),
        # The dashboards (city.reports): one process's instances open or ended since a day, from the index alone.
        Index("ix_process_instance_process_ended", "process_key", "ended_at"),
        # "Tracking number or title contains" (queries.instance_search): pg_trgm GIN on PostgreSQL, a
        # b-tree on SQLite (and on a PostgreSQL without pg_trgm): migration 0013. Neither column changes
        # after the instance starts, so no step writes this index on SQLite.
        Index("ix_process_instance_search", "business_key", "title", postgresql_using="gin",
              postgresql_ops={"business_key": "gin_trgm_ops", "title": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexes here cost a write on every step (updated_at changes each time): only the ones queries use.
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    business_key: Mapped[str | None] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[InstanceStatus]   # indexed with updated_at (ix_process_instance_status_updated)
    current_steps: Mapped[str] = mapped_column(String(500), default="")
    next_due_at: Mapped[datetime | None]
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)   # +1 on every write (engine.records)
    # The chain_hash of the instance's latest audit event (engine.audit_chain): removing it is found too.
    audit_head: Mapped[str | None] = mapped_column(String(64))
    state_json: Mapped[str] = mapped_column(Text, deferred=True)


class CalledVersion(Base):
    """The version of a called process (a call activity's calledElement, from another file) that an instance
    runs: decided when the instance starts and kept to its end (engine.calls)."""

    __tablename__ = "called_version"

    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), primary_key=True)   # the called process
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)


class HumanTask(Base):
    """A user task as the inbox sees it: one row per task occurrence, kept after completion."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_inbox", "status", "candidate_role", "created_at"),
        Index("ix_human_task_assignee", "status", "assignee"),
        # Each role's open tasks soonest due first, and those without a due date oldest first (order="due").
        Index("ix_human_task_due", "status", "candidate_role", "due_at", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(100))
    candidate_role: Mapped[str | None] = mapped_column(String(100))
    assignee: Mapped[str | None] = mapped_column(String(100))
    form_file: Mapped[str | None] = mapped_column(String(200))
    ui_form_file: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[TaskStatus]
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None]


class PendingTimer(Base):
    """A timer waiting to fire: on an instance, or a timer start event of a process (instance_id NULL)."""

    __tablename__ = "pending_timer"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    task_guid: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(30))
    due_at: Mapped[datetime] = mapped_column(index=True)


class MessageSubscription(Base):
    """An instance waiting for a message with these correlation values."""

    __tablename__ = "message_subscription"
    __table_args__ = (Index("ix_message_subscription_match", "message_name", "correlation_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(100))
    task_guid: Mapped[str] = mapped_column(String(36))
    message_name: Mapped[str] = mapped_column(String(100))
    correlation_properties: Mapped[str] = mapped_column(String(300))   # sorted names, comma-separated
    correlation_key: Mapped[str] = mapped_column(String(500))           # canonical JSON of the values


class Incident(Base):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    bpmn_id: Mapped[str] = mapped_column(String(100))
    task_guid: Mapped[str] = mapped_column(String(36))
    task_title: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(200))
    error_type: Mapped[str] = mapped_column(String(100))
    error_message: Mapped[str] = mapped_column(Text)
    data_seen: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[IncidentStatus] = mapped_column(index=True)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))


# The dashboards (city.reports) read, of each records request's audit trail, only the events whose
# changes carry one of these values, and the time of its first completed task: two partial indexes, so
# the letters and forms in the other events are never read. The queries repeat these predicates word
# for word (a partial index is used only then), as does migration 0014; each is one term in brackets,
# so that a query can AND it with others. json_valid first: SQLite would refuse to store an event whose
# changes are not strict JSON (a script's NaN) if json_extract had to read them.
REPORT_FACT_KEYS = ("received_at", "response_due_at", "custodian_role", "office_key", "deadline_watch")
REPORT_FACT_WHERE = {
    "sqlite": "(json_valid(changes) AND ("
              + " OR ".join(f"json_extract(changes, '$.{key}') IS NOT NULL" for key in REPORT_FACT_KEYS) + "))",
    "postgresql": "(" + " OR ".join(f"(changes ->> '{key}') IS NOT NULL" for key in REPORT_FACT_KEYS) + ")"}
COMPLETED_WHERE = "action = 'complete'"
PROCESS_CHAIN_WHERE = "instance_id IS NULL"


class AuditEvent(Base):
    """Append-only: who did what, when, to which instance and task, and what data changed."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_completed", "instance_id", "at",
              sqlite_where=text(COMPLETED_WHERE), postgresql_where=text(COMPLETED_WHERE)),
        Index("ix_audit_event_report_fact", "instance_id", "id", sqlite_where=text(REPORT_FACT_WHERE["sqlite"]),
              postgresql_where=text(REPORT_FACT_WHERE["postgresql"])),
        # The head of a deploy chain (engine.audit_chain): only the few events of no instance are in it.
        Index("ix_audit_event_process_chain", "process_key", "id",
              sqlite_where=text(PROCESS_CHAIN_WHERE), postgresql_where=text(PROCESS_CHAIN_WHERE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    bpmn_id: Mapped[str | None] = mapped_column(String(100))
    task_guid: Mapped[str | None] = mapped_column(String(36))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    detail: Mapped[str] = mapped_column(Text, default="")
    # sha256 over the previous event's chain_hash in its chain and this event's fields (engine.audit_chain);
    # '' (the default migration 0019 added it with) never verifies
    chain_hash: Mapped[str] = mapped_column(String(64), server_default="")


class TrackingSequence(Base):
    """The last tracking number given per prefix and year (R-2026-00042 is prefix R, year 2026, 42)."""

    __tablename__ = "tracking_sequence"

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int]


class InstanceStartKey(Base):
    """A caller's key for one start and the instance it started (engine.start_keys): a start sent twice
    starts once."""

    __tablename__ = "instance_start_key"

    start_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), unique=True)


class SchedulerLease(Base):
    """Which scheduler process is the active one; a lease it must keep renewing."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]
    renewed_at: Mapped[datetime | None] = mapped_column(default=None)   # the holder's heartbeat


@event.listens_for(AuditEvent, "before_update")
def _audit_is_append_only(_mapper, _connection, target):
    raise RuntimeError("audit events are append-only")
