"""What queries need to know about a workflow, read off it after every step.

The inbox, the instance list and the scheduler read these derived rows; they never
deserialize a workflow. This module only reads SpiffWorkflow objects and returns plain
values; `engine.records` writes them.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition, DurationTimerEventDefinition, TimeDateEventDefinition, TimerEventDefinition)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.clock import as_utc
from engine.events import awaited, first_timer
from engine.runtime import all_tasks, find_task, is_held

TIMER_KINDS = {TimeDateEventDefinition: "date", DurationTimerEventDefinition: "duration",
               CycleTimerEventDefinition: "cycle"}


@dataclass(frozen=True)
class OpenTask:
    task_guid: str
    bpmn_id: str
    title: str
    lane: str | None
    candidate_role: str | None
    form_file: str | None
    ui_form_file: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class WaitingTimer:
    task_guid: str
    bpmn_id: str
    kind: str
    due_at: datetime | None


@dataclass(frozen=True)
class WaitingMessage:
    task_guid: str
    bpmn_id: str
    message_name: str
    correlation_properties: str
    correlation_key: str


@dataclass
class Derived:
    open_tasks: list[OpenTask] = field(default_factory=list)
    timers: list[WaitingTimer] = field(default_factory=list)
    messages: list[WaitingMessage] = field(default_factory=list)
    errored_task_guids: list[str] = field(default_factory=list)   # failed and not retried, on any path
    completed: bool = False


def role_for_lane(lane: str | None) -> str | None:
    """Lane "City Clerk" -> role "city_clerk": lanes name who does the work."""
    if not lane:
        return None
    return re.sub(r"[^a-z0-9]+", "_", lane.strip().lower()).strip("_") or None


def correlation_key(values: dict[str, Any]) -> str:
    """The canonical text of correlation values, so equal values match in an index."""
    return json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)


def derive(workflow: BpmnWorkflow) -> Derived:
    """Every event the instance waits on, including those behind an event-based gateway and inside a
    multiple-event definition (engine.events), and its open human tasks."""
    derived = Derived(completed=workflow.is_completed())
    waiting = list(workflow.event_manager.tasks.values())
    timed = [(task, _timer(task)) for task in waiting if first_timer(task.task_spec) is not None]
    derived.timers = [timer for _task, timer in timed]
    derived.messages = [_message(workflow, task, bpmn_id, definition) for task in waiting
                        for bpmn_id, definition in awaited(task.task_spec)
                        if isinstance(definition, MessageEventDefinition)]
    due_by_parent: dict[Any, datetime] = {}
    for task, timer in timed:
        # Only a timer on a task's boundary is that task's due date (a timer in a parallel branch is not).
        if isinstance(task.task_spec, BoundaryEvent) and timer.due_at is not None and task.parent is not None:
            current = due_by_parent.get(task.parent.id)
            due_by_parent[task.parent.id] = min(current, timer.due_at) if current else timer.due_at
    tasks = all_tasks(workflow)
    for task in tasks:
        if task.state != TaskState.READY or not task.task_spec.manual:
            continue
        spec = task.task_spec
        properties = (spec.extensions or {}).get("properties", {}) if hasattr(spec, "extensions") else {}
        # A timer on the task's boundary is its due date (its parent is the boundary split); else a
        # date the diagram names (dueDateVariable), such as the request's statutory deadline.
        due_at = due_by_parent.get(task.parent.id) if task.parent is not None else None
        if due_at is None and properties.get("dueDateVariable"):
            due_at = _instant(task.data.get(properties["dueDateVariable"]))
        derived.open_tasks.append(OpenTask(
            task_guid=str(task.id), bpmn_id=spec.bpmn_id, title=spec.bpmn_name or spec.bpmn_id, lane=spec.lane,
            candidate_role=_candidate_role(task, properties),
            form_file=properties.get("formJsonSchemaFilename"), ui_form_file=properties.get("formUiSchemaFilename"),
            due_at=due_at))
    derived.errored_task_guids = [str(task.id) for task in tasks if task.state == TaskState.ERROR or is_held(task)]
    return derived


def settled_incidents(workflow: BpmnWorkflow, task_guids: set[str]) -> set[str]:
    """Of the tasks with an open incident, those it no longer stops: every one once the instance has
    ended, else those cancelled since (an interrupting boundary event, a terminate end event, an
    interrupting event subprocess) or no longer in the workflow. A failed task that is still there
    keeps its incident, whatever the other paths do."""
    if workflow.is_completed():
        return set(task_guids)
    settled = set()
    for guid in task_guids:
        task = find_task(workflow, guid) if guid else None
        if guid and (task is None or task.state == TaskState.CANCELLED):
            settled.add(guid)
    return settled


def _candidate_role(task, properties: dict[str, str]) -> str | None:
    """Who may do the task: the role a data variable names (candidateRoleVariable, e.g. the custodian of
    the office the request was routed to), else the candidateRole property, else the lane."""
    variable = properties.get("candidateRoleVariable")
    if variable and isinstance(task.data.get(variable), str) and task.data[variable].strip():
        return task.data[variable].strip()[:100]
    return properties.get("candidateRole") or role_for_lane(task.task_spec.lane)


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def timer_due_at(kind: str, value: Any) -> datetime | None:
    """The due instant of a waiting timer from the value SpiffWorkflow keeps for it."""
    if value is None:
        return None
    if kind == "cycle" and isinstance(value, dict):
        value = value.get("next")
    try:
        parsed = TimerEventDefinition.parse_time_or_duration(str(value)) if kind == "date" \
            else TimerEventDefinition.get_datetime(str(value))
    except Exception:   # an unparseable value is reported by the engine when the timer is refreshed
        return None
    return as_utc(parsed) if isinstance(parsed, datetime) else None


def _timer(task) -> WaitingTimer:
    """The task's timer, named by the element it was drawn on. SpiffWorkflow 3.2 reports no due time for a
    timer inside an event-based gateway or a multiple event (waiting_events gives none): it is read from the
    value the library compares with now, which every timer of the task shares (engine.events)."""
    bpmn_id, definition = first_timer(task.task_spec)
    kind = TIMER_KINDS.get(type(definition), "date")
    value = task.internal_data.get("event_value")
    return WaitingTimer(str(task.id), bpmn_id, kind, timer_due_at(kind, value))


def _message(workflow: BpmnWorkflow, task, bpmn_id: str, definition: MessageEventDefinition) -> WaitingMessage:
    """The subscription: each correlation property the instance knows a value for, as SpiffWorkflow knows it.

    A value is known from the conversation (an earlier message caught or thrown: `workflow.correlations`), else from
    the catch event's `spiffworkflow:processVariableCorrelation` evaluated on the task's data (what the library does
    when the event starts waiting; done here also behind an event-based gateway, where it does not). A diagram
    without one (the city's own, drawn before) keeps the older rule: the retrieval expression read on the instance's
    data, where it names a value the instance has. A property known no way is left out: any value matches it, as
    the library catches a first message when it knows no correlation yet."""
    values: dict[str, Any] = {}
    process = {prop.name: prop for prop in getattr(definition, "process_correlations", None) or []}
    for prop in definition.correlation_properties:
        known = [workflow.correlations.get(key, {}).get(prop.name) for key in prop.correlation_keys]
        known = [value for value in known if value is not None]
        if known:
            values[prop.name] = known[0]
            continue
        expression = process[prop.name].retrieval_expression if prop.name in process else prop.retrieval_expression
        try:
            value = workflow.script_engine.environment.evaluate(expression, dict(task.data))
        except Exception:   # the instance does not know this value (yet)
            continue
        if value is not None:
            values[prop.name] = value
    return WaitingMessage(str(task.id), bpmn_id, definition.name,
                          ",".join(sorted(values)), correlation_key(values))


def instance_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The workflow's data: once it has ended, SpiffWorkflow's own `workflow.data` (filled only at the end); while
    it runs, the data where it waits now merged over that of the last step that finished (with parallel paths each
    holds its own copy). `engine.queries.read_state` reads the stored JSON by the same rule."""
    if workflow.is_completed() and workflow.data:
        return dict(workflow.data)
    everything = all_tasks(workflow)
    created = {task.id: index for index, task in enumerate(everything)}
    tasks = [task for task in everything if task.task_spec.bpmn_id is not None]   # joins carry no data
    # Ties (a frozen clock, or one instant) go to the task furthest along its branch, then to the one created last.
    order = lambda task: (task.last_state_change, task.depth, created[task.id])   # noqa: E731
    finished = [task for task in tasks if task.state & TaskState.FINISHED_MASK]
    current = [task for task in tasks if task.state & (TaskState.READY | TaskState.WAITING | TaskState.STARTED
                                                       | TaskState.ERROR)]
    if finished:
        current.append(max(finished, key=order))
    if not current:
        return dict(workflow.task_tree.data)
    merged: dict[str, Any] = {}
    for task in sorted(current, key=order):
        merged.update(task.data)
    return merged
