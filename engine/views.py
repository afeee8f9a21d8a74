"""What the engine hands out: frozen snapshots of its rows, never SpiffWorkflow objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class VersionView:
    version_id: int
    process_key: str
    version: int
    display_name: str
    file_name: str
    checksum: str
    deployed_by: str
    deployed_at: datetime
    forms: tuple[str, ...]


@dataclass(frozen=True)
class DeployResult:
    version: VersionView
    created: bool          # False when the diagram and its forms were unchanged


@dataclass(frozen=True)
class TaskView:
    task_id: int
    task_guid: str
    instance_id: int
    process_key: str
    bpmn_id: str
    title: str
    lane: str | None
    candidate_role: str | None
    assignee: str | None
    form_file: str | None
    ui_form_file: str | None
    status: str
    created_at: datetime
    due_at: datetime | None
    completed_by: str | None
    completed_at: datetime | None
    business_key: str | None = None     # of the task's instance, for the inbox
    instance_title: str = ""


@dataclass(frozen=True)
class TimerView:
    timer_id: int
    instance_id: int | None
    process_key: str
    bpmn_id: str
    kind: str
    due_at: datetime


@dataclass(frozen=True)
class SubscriptionView:
    instance_id: int
    bpmn_id: str
    message_name: str
    correlation: dict[str, Any]


@dataclass(frozen=True)
class IncidentView:
    incident_id: int
    instance_id: int
    process_key: str
    bpmn_id: str
    task_title: str
    file_name: str
    error_type: str
    error_message: str
    data_seen: dict[str, Any]
    status: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None


@dataclass(frozen=True)
class AuditView:
    at: datetime
    actor: str
    action: str
    bpmn_id: str | None
    changes: dict[str, Any]
    detail: str


@dataclass(frozen=True)
class VariableChanges:
    """The variables one audit event set: what a reader following the audit trail sees."""
    event_id: int
    instance_id: int
    changes: dict[str, Any]


# The statuses of an instance that has ended; every other one (active, incident, suspended) is still running.
ENDED_STATUSES = ("completed", "terminated")


@dataclass(frozen=True)
class InstanceView:
    instance_id: int
    process_key: str
    version: int
    business_key: str | None
    title: str
    status: str
    current_steps: tuple[str, ...]
    next_due_at: datetime | None
    started_by: str
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    lock_version: int
    open_tasks: tuple[TaskView, ...] = field(default=())
    incidents: tuple[IncidentView, ...] = field(default=())

    @property
    def running(self) -> bool:
        """Not ended: active, stopped at an incident, or suspended."""
        return self.status not in ENDED_STATUSES


@dataclass(frozen=True)
class DiagramView:
    """An instance's diagram and where it is: the BPMN of its version and element ids by what happened there."""

    instance_id: int
    process_key: str
    version: int
    bpmn_xml: str
    completed: tuple[str, ...]                       # flow nodes that ran to the end at least once
    active: tuple[str, ...]                          # user tasks open now
    timers: tuple[tuple[str, datetime], ...]         # (bpmn_id, due_at) of each waiting timer
    messages: tuple[tuple[str, str], ...]            # (bpmn_id, message_name) of each waiting catch event
    failed: tuple[str, ...]                          # elements with an open incident
    data: dict[str, Any] = field(default_factory=dict)   # the instance's data as its latest step left it


@dataclass(frozen=True)
class WaitingCounts:
    """Where the instances of one process version wait: per element, open tasks, timers and messages."""

    bpmn_id: str
    tasks: int = 0
    timers: int = 0
    messages: int = 0
    incidents: int = 0


@dataclass(frozen=True)
class CallRun:
    """One run of a called process: by which call activity, and how far it has come (step titles)."""

    call_bpmn_id: str
    finished: bool
    done: tuple[str, ...]       # the steps completed, in the order they completed
    current: tuple[str, ...]    # where it is now (waiting for a person, a timer, a message, or failed)


@dataclass(frozen=True)
class CalledView:
    """A process of another file that an instance calls: the version pinned when the instance started."""

    process_key: str
    display_name: str
    version: int
    runs: tuple[CallRun, ...]
