"""Running a workflow one step: the restricted script engine, service calls, and failures.

A failing script, expression or service task does not raise out of the engine: the task is
left in ERROR with the data it saw, and `advance` reports it so the caller records an
incident. The failure stops only its own path: the other paths of a parallel or inclusive
gateway, an event subprocess or a subprocess run on until they wait, as in Camunda, where an
incident holds one token and the rest of the instance goes on.

SpiffWorkflow leaves in ERROR only a task that failed while it ran. One that failed while it was
being made ready (a timer or boundary timer whose value is not a date or duration, a multi-instance
cardinality) would stay waiting and fail again whenever any other task completes, so it is held:
marked `FAILED_WHILE_WAITING` and put back to FUTURE, where nothing looks at it until a retry.
Service tasks call the operators the engine was handed (`engine.operators`).
"""
from __future__ import annotations

import copy
import json
import logging
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.events import first_timer

# SpiffWorkflow attaches a task's whole data (the requester's name, address, evidence) to every record
# of its "spiff.task" logger, and its INFO lines narrate each state change, whenever that logger has no
# level of its own. Give it one, unless the operator chose one (docs/reliability.md, "Hostile input and
# personal data").
for _spiff_logger in ("spiff.task", "spiff.workflow"):
    if logging.getLogger(_spiff_logger).level == logging.NOTSET:
        logging.getLogger(_spiff_logger).setLevel(logging.WARNING)
from engine.helpers import Helper
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
                       connection: Callable[[], Any] | None = None, helpers: tuple[Helper, ...] = ()) -> RestrictedScriptEngine:
    """The script engine for every workflow; `connection` gives the running step's connection to operators;
    `helpers` are the host's, beside `engine.helpers.HELPERS`."""
    def call_service(task, operation_name: str, operation_params: dict[str, dict[str, Any]]) -> str:
        arguments = {name: param["value"] for name, param in operation_params.items()}
        step = StepContext(connection() if connection is not None else None, clock.now())
        return json.dumps(operators.call(operation_name, arguments, step))

    return RestrictedScriptEngine(helpers, time_limit=time_limit, call_service=call_service)


_OBJECT_TEXT = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
# internal_data key of a task held after failing while it was made ready (the state it failed in)
FAILED_WHILE_WAITING = "clerkflow_failed_while_waiting"
# A step stops collecting failures after this many (each one stops a path; more is a diagram in trouble).
MAX_FAILURES_PER_STEP = 20
# Rounds of steps in one call before it stops looking for more to run (a diagram that never settles).
MAX_ROUNDS_PER_STEP = 50


def advance(workflow: BpmnWorkflow, *, first: Callable[[], None] | None = None) -> list[TaskFailure]:
    """Run every automatic step until the workflow waits; report each task that failed on the way.

    A failed task stops its own path only: the others run on. `first` is run before the steps, under
    the same failure handling (a retried timer evaluates its expression again there)."""
    failures: list[TaskFailure] = []
    rounds = 0
    while True:
        try:
            if first is not None:
                first, run_first = None, first
                run_first()
            if failures:   # what the failure interrupted: SpiffWorkflow refreshes waiting tasks after each completion
                workflow.update_waiting_tasks()
            workflow.refresh_timers()   # a due timer becomes ready here; do_engine_steps only refreshes at its end
            workflow.do_engine_steps()
            if _cancel_moot_holds(workflow):
                continue
            # Quiescent only when nothing automatic is ready: do_engine_steps ends with a refresh of the timers,
            # which can make one ready (a timer that came due meanwhile) that it then leaves for the next call.
            rounds += 1
            if rounds >= MAX_ROUNDS_PER_STEP or not _automatic_ready(workflow):
                return failures
        except Exception as err:   # any failure inside a diagram becomes an incident, never a crash
            task = _failing_task(err)
            failure = _failure_from(task, err)
            if any(seen.task_guid == failure.task_guid for seen in failures):
                return failures   # it failed again in this step: holding it did not take it out of the way
            failures.append(failure)
            # Go on with the other paths only if this one can no longer run (else the same failure repeats).
            if task is None or not _hold(task) or len(failures) >= MAX_FAILURES_PER_STEP:
                return failures


def _automatic_ready(workflow: BpmnWorkflow) -> bool:
    return any(task.state == TaskState.READY and not task.task_spec.manual for task in all_tasks(workflow))


def retry_failed_task(workflow: BpmnWorkflow, task_guid: str,
                      data_patch: dict[str, Any] | None = None) -> list[TaskFailure]:
    """Put a failed task back where it failed, with its data corrected by `data_patch`, and run again."""
    task = find_task(workflow, task_guid)   # None: a failure no task was found for; just run on
    if task is not None and data_patch:
        task.data.update(data_patch)
    if task is None:
        return advance(workflow)
    held = task.internal_data.pop(FAILED_WHILE_WAITING, None)
    if task.state == TaskState.ERROR:
        task._set_state(TaskState.READY)
    elif held is not None or task.state in (TaskState.WAITING, TaskState.FUTURE):
        # Failed while being made ready (a timer's value, a cardinality): make it ready again. That
        # takes its data from its parent again, so the correction goes there too.
        if data_patch and task.parent is not None:
            task.parent.data.update(data_patch)
        task.internal_data.pop("event_value", None)
        return advance(workflow, first=lambda: task.task_spec._update(task))
    return advance(workflow)


def is_held(task) -> bool:
    """Whether a task failed while it was made ready and waits for a retry (not yet finished otherwise)."""
    return FAILED_WHILE_WAITING in task.internal_data and not task.has_state(TaskState.FINISHED_MASK)


def all_tasks(workflow: BpmnWorkflow) -> list:
    """Every task of the workflow and its subprocesses, in creation order (cheaper than get_tasks)."""
    tasks = list(workflow.tasks.values())
    for subprocess in workflow.subprocesses.values():
        tasks.extend(subprocess.tasks.values())
    return tasks


def find_task(workflow: BpmnWorkflow, task_guid: str):
    """The workflow's task with this id (subprocesses included), or None."""
    try:
        return workflow.get_task_from_id(UUID(task_guid))
    except (ValueError, WorkflowException):   # not a task of this workflow (any more)
        return None


def _failing_task(err: Exception):
    """The task a failure belongs to: the one SpiffWorkflow names, else the innermost task it was working on.

    Errors raised outside a script (a timer value that is not a date) carry no task; the library's own
    frames name the task they work on `my_task`."""
    task = getattr(err, "task", None)
    if isinstance(task, Task):
        return task
    working_on = [frame.f_locals.get("my_task") for frame, _line in traceback.walk_tb(err.__traceback__)]
    working_on = [task for task in working_on if isinstance(task, Task)]
    return working_on[-1] if working_on else None


def _hold(task) -> bool:
    """Take a failed task out of the way of the other paths; False when it cannot be (it already finished)."""
    if task.state == TaskState.ERROR:
        return True
    if not task.has_state(TaskState.NOT_FINISHED_MASK) or task.state == TaskState.STARTED:
        return False   # finished, or a running subprocess: nothing to hold, its path stays stopped
    task.internal_data[FAILED_WHILE_WAITING] = TaskState.get_name(task.state)
    task.workflow.top_workflow.event_manager.remove_task(task)
    task._set_state(TaskState.FUTURE)
    parent = task.parent
    if parent is not None and parent.state == TaskState.COMPLETED:
        # The parent was completing and updating its children in turn: update the ones after this task.
        siblings = parent.children
        for sibling in siblings[siblings.index(task) + 1:]:
            if sibling.has_state(TaskState.FUTURE | TaskState.PREDICTED_MASK) and not is_held(sibling):
                sibling.task_spec._update(sibling)
    return True


def _cancel_moot_holds(workflow: BpmnWorkflow) -> bool:
    """Cancel each held boundary event whose activity has finished, as SpiffWorkflow cancels the waiting
    ones (it passes over a held one); True if any was, so that the steps run again."""
    moot = [task for task in all_tasks(workflow) if FAILED_WHILE_WAITING in task.internal_data
            and isinstance(task.task_spec, BoundaryEvent) and is_held(task) and _activity_finished(task)]
    for task in moot:
        task.cancel()
    return bool(moot)


def _activity_finished(boundary_event) -> bool:
    activity = [task for task in boundary_event.parent.children if not isinstance(task.task_spec, BoundaryEvent)]
    return any(task.has_state(TaskState.FINISHED_MASK) for task in activity)


def _failure_from(task, err: Exception) -> TaskFailure:
    original = getattr(err, "exception", None) or err
    message = _message_of(err)
    timer = first_timer(task.task_spec) if task is not None else None   # a gateway's or multiple event's too
    definition = timer[1] if timer is not None else None
    if isinstance(definition, TimerEventDefinition) and not isinstance(err, WorkflowException):
        message = _timer_value_message(task, definition, message)
    if task is None:
        # Raised by a task spec as a whole (a sub-process's), naming no task: name its element at least.
        spec = _failing_spec(err)
        bpmn_id = (getattr(spec, "bpmn_id", None) or getattr(spec, "name", None) or "") if spec else ""
        title = (getattr(spec, "bpmn_name", None) or bpmn_id or "workflow") if spec else "workflow"
        return TaskFailure("", bpmn_id, title, type(original).__name__, message, {})
    spec = task.task_spec
    return TaskFailure(str(task.id), getattr(spec, "bpmn_id", None) or spec.name,
                       getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name,
                       type(original).__name__, message, _json_safe(copy.deepcopy(task.data)))


def _timer_value_message(task, definition: TimerEventDefinition, message: str) -> str:
    """What a timer whose value could not be read was given (the library's own words name no value)."""
    value = task.internal_data.get("event_value")
    if value is None:
        try:
            value = task.workflow.script_engine.evaluate(task, definition.expression)
        except Exception:   # the expression itself failing is reported as such, never here
            return message
    return (f"the timer {definition.expression.strip()} is {value!r}, which is not ISO 8601 text of the timer's "
            f"type (a date-time such as 2026-12-01T09:00:00-06:00, a duration such as P45D, a cycle such as "
            f"R3/PT1H): {message}")


def _failing_spec(err: Exception):
    """The task spec a failure was raised by (SpiffWorkflow's `WorkflowException(self, ...)` in a spec's method)."""
    spec = getattr(err, "task_spec", None)
    if isinstance(spec, TaskSpec):
        return spec
    raising = [frame.f_locals.get("self") for frame, _line in traceback.walk_tb(err.__traceback__)]
    raising = [found for found in raising if isinstance(found, TaskSpec)]
    return raising[-1] if raising else None


def _message_of(err: Exception) -> str:
    original = getattr(err, "exception", None)
    if isinstance(err, WorkflowException) and isinstance(getattr(err, "task_spec", None), str) \
            and _OBJECT_TEXT.fullmatch(err.args[0] if err.args else ""):
        # SpiffWorkflow 3.2 raises some as WorkflowException(task_spec, message), the wrong way round: the
        # message is then the spec's repr ("<SubWorkflowTask object at 0x...>") and the real words come second.
        return err.task_spec.strip() or type(err).__name__
    text = str(original) if original is not None and str(original) else str(err)
    if isinstance(err, WorkflowException) and getattr(err, "error_line", None):
        text += f" (line {err.line_number}: {err.error_line.strip()})"
    return text.strip() or type(err).__name__


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
