"""Running a workflow one step: the restricted script engine, service calls, and failures.

A failing script, expression or service task does not raise out of the engine: the task is
left in ERROR with the data it saw, and `advance` reports it so the caller records an
incident. Service tasks call the operators the engine was handed (`engine.operators`).
"""
from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.operators import Operators, StepContext
from engine.sandbox import RestrictedScriptEngine


@dataclass(frozen=True)
class TaskFailure:
    """A task that failed while the engine ran it; becomes an incident."""

    task_guid: str
    bpmn_id: str
    task_title: str
    error_type: str
    error_message: str
    data_seen: dict[str, Any]


def make_script_engine(operators: Operators, time_limit: float,
                       connection: Callable[[], Any] | None = None) -> RestrictedScriptEngine:
    """The script engine for every workflow; `connection` gives the running step's connection to operators."""
    def call_service(task, operation_name: str, operation_params: dict[str, dict[str, Any]]) -> str:
        arguments = {name: param["value"] for name, param in operation_params.items()}
        step = StepContext(connection() if connection is not None else None, clock.now())
        return json.dumps(operators.call(operation_name, arguments, step))

    return RestrictedScriptEngine(time_limit=time_limit, call_service=call_service)


def advance(workflow: BpmnWorkflow) -> TaskFailure | None:
    """Run every automatic step until the workflow waits; report the first task that fails."""
    try:
        workflow.refresh_timers()   # a due timer becomes ready here; do_engine_steps only refreshes at its end
        workflow.do_engine_steps()
    except Exception as err:   # any failure inside a diagram becomes an incident, never a crash
        return _failure_from(workflow, err)
    return None


def retry_failed_task(workflow: BpmnWorkflow, task_guid: str) -> TaskFailure | None:
    """Put a failed task back to READY and run again (after the cause was fixed)."""
    task = find_task(workflow, task_guid)
    if task is not None and task.state == TaskState.ERROR:
        task._set_state(TaskState.READY)
    elif task is not None and task.state in (TaskState.WAITING, TaskState.FUTURE):
        # A timer whose expression failed: have it evaluated again.
        task.internal_data.pop("event_value", None)
        task.task_spec._update(task)
    return advance(workflow)


def find_task(workflow: BpmnWorkflow, task_guid: str):
    """The workflow's task with this id (subprocesses included), or None."""
    try:
        return workflow.get_task_from_id(UUID(task_guid))
    except (ValueError, WorkflowException):   # not a task of this workflow (any more)
        return None


def _failure_from(workflow: BpmnWorkflow, err: Exception) -> TaskFailure:
    task = getattr(err, "task", None)
    original = getattr(err, "exception", None) or err
    message = _message_of(err)
    if task is None:
        errored = workflow.get_tasks(state=TaskState.ERROR)
        task = errored[-1] if errored else None
    if task is None:
        return TaskFailure("", "", "workflow", type(original).__name__, message, {})
    spec = task.task_spec
    return TaskFailure(str(task.id), getattr(spec, "bpmn_id", None) or spec.name,
                       getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name,
                       type(original).__name__, message, _json_safe(copy.deepcopy(task.data)))


def _message_of(err: Exception) -> str:
    original = getattr(err, "exception", None)
    text = str(original) if original is not None and str(original) else str(err)
    if isinstance(err, WorkflowException) and getattr(err, "error_line", None):
        text += f" (line {err.line_number}: {err.error_line.strip()})"
    return text.strip() or type(err).__name__


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
