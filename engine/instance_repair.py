"""Moving a running workflow to another version of its process, skipping a step, moving back to a finished one.

Migration uses SpiffWorkflow's own diff (`SpiffWorkflow.bpmn.util.diff`: `SpecDiff` and `WorkflowDiff`, as its
`diff_workflow` builds them, align each task of the instance with the target's element of the same id, or by its
place between matched ones when an id changed) and does what its `migrate_workflow` does (every task takes the
target's element; a step whose element changed starts again from its parent's data), with three differences
that keep an instance exactly where it was:

- a wait whose element is unchanged keeps its state: a timer keeps its due time, a claimed task its claim;
  a user task that starts again comes back as a new task in the inbox (the old one is cancelled);
- a wait the target lacks is moved to the element an administrator names (`mapping`), else the move is refused;
- a step held after failing (an incident: a broken timer, a script that raised) starts again on the target's
  element: that is how deploying a fixed version and migrating repairs it.

A finished step the target lacks cannot be carried (the stored state names each step's element) and refuses the
move too. Nothing here touches the database: engine.repairs does, one transaction per instance.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping
from uuid import uuid4

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.errors import InvalidState
from engine.runtime import FAILED_WHILE_WAITING, all_tasks, find_task, is_held

WAITING_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class Wait:
    """Where an instance waits (or stopped on an incident), and the target element it would move to."""

    bpmn_id: str
    title: str
    kind: str                       # "user task", "timer", "message", "incident", "sub-process", "step"
    target_bpmn_id: str | None      # None: the target has no such element and none was mapped
    restarts: bool = False          # its element changed (or it failed): it starts again on the target's


@dataclass(frozen=True)
class MigrationPlan:
    waits: tuple[Wait, ...]
    lost_history: tuple[str, ...]   # finished steps whose element the target lacks (and that were not mapped)

    @property
    def unmapped(self) -> tuple[Wait, ...]:
        return tuple(wait for wait in self.waits if wait.target_bpmn_id is None)

    @property
    def movable(self) -> bool:
        return not self.unmapped and not self.lost_history

    def refusal(self, target_label: str) -> str:
        """Why the move is refused, in words an administrator acts on ("" when it is not)."""
        parts = []
        if self.unmapped:
            parts.append(f"{target_label} has no element for where it waits: "
                         + ", ".join(f"{wait.bpmn_id} ({wait.kind})" for wait in self.unmapped)
                         + f"; map each to an element of {target_label}")
        if self.lost_history:
            parts.append(f"{target_label} lacks steps it has already done: {', '.join(self.lost_history)}; "
                         "map each to an element of the target")
        return ". ".join(parts)


def is_waiting(task) -> bool:
    return bool(task.state & WAITING_STATES) or task.state == TaskState.ERROR or is_held(task)


def wait_kind(task) -> str:
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    if task.state == TaskState.ERROR or is_held(task):
        return "incident"
    if isinstance(definition, TimerEventDefinition):
        return "timer"
    if isinstance(definition, MessageEventDefinition):
        return "message"
    if getattr(spec, "manual", False):
        return "user task"
    if task.state == TaskState.STARTED:
        return "sub-process"
    return "step"


def title_of(spec) -> str:
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _diffs(workflow: BpmnWorkflow, target_spec, target_subprocess_specs, registry):
    """(sub)workflow, its WorkflowDiff (None: the target lacks its sub-process), its target spec, and the tasks
    whose element itself changed, the top workflow first (as `diff_workflow` pairs them)."""
    pairs = []
    for sub, target in [(workflow, target_spec), *[(subprocess, target_subprocess_specs.get(subprocess.spec.name))
                                                   for subprocess in workflow.subprocesses.values()]]:
        if target is None:
            pairs.append((sub, None, None, set()))
            continue
        spec_diff = SpecDiff(registry, sub.spec, target)
        # Its own definition, not where its flows lead: the steps after a wait are predicted again anyway.
        changed = {spec for spec, keys in spec_diff.comparisons.items() if set(keys) - {"inputs", "outputs"}}
        diff = WorkflowDiff(sub, spec_diff)
        pairs.append((sub, diff, target, {task for task in sub.get_tasks(skip_subprocesses=True)
                                          if task.task_spec in changed}))
    return pairs


def _target_of(task, diff, target, mapping: Mapping[str, str]):
    """The target element a task moves to: the administrator's mapping first, then SpiffWorkflow's alignment."""
    bpmn_id = task.task_spec.bpmn_id
    if target is not None and bpmn_id is not None and bpmn_id in mapping:
        return target.task_specs.get(mapping[bpmn_id])
    if diff is None:
        return None
    return diff.alignment.get(task)


def plan_migration(workflow: BpmnWorkflow, target_spec, target_subprocess_specs, registry,
                   mapping: Mapping[str, str] | None = None) -> MigrationPlan:
    """What moving `workflow` to the target spec would do, without changing it."""
    mapping = dict(mapping or {})
    waits, lost = [], []
    for sub, diff, target, changed in _diffs(workflow, target_spec, target_subprocess_specs, registry):
        for task in sub.get_tasks(skip_subprocesses=True):
            spec = task.task_spec
            aligned = _target_of(task, diff, target, mapping)
            if is_waiting(task) and spec.bpmn_id is not None:
                restarts = (task in changed or spec.bpmn_id in mapping or task.state == TaskState.ERROR
                            or is_held(task)) and task.state != TaskState.STARTED
                waits.append(Wait(spec.bpmn_id, title_of(spec), wait_kind(task),
                                  aligned.bpmn_id if aligned is not None else None, restarts))
            elif aligned is None and task.has_state(TaskState.FINISHED_MASK) and task.state != TaskState.CANCELLED:
                name = spec.bpmn_id or spec.name
                if name not in lost:
                    lost.append(name)
    return MigrationPlan(tuple(waits), tuple(lost))


def migrate(workflow: BpmnWorkflow, target_spec, target_subprocess_specs, registry,
            mapping: Mapping[str, str] | None = None) -> list[str]:
    """Move `workflow` onto the target spec in place; returns the ids of the tasks to start again (`restart`).

    `InvalidState` (and the workflow must be thrown away) when the plan is not movable or a step would be left
    without an element of the target."""
    mapping = dict(mapping or {})
    pairs = _diffs(workflow, target_spec, target_subprocess_specs, registry)
    restarting, kept = [], []
    for sub, diff, target, changed in pairs:
        if target is None:
            raise InvalidState(f"The target version has no sub-process {sub.spec.name}.")
        tasks = sub.get_tasks(skip_subprocesses=True)
        moves = {task: _target_of(task, diff, target, mapping) for task in tasks}
        mapped = {task for task in tasks if task.task_spec.bpmn_id in mapping}
        sub.spec = target
        for task, element in moves.items():
            if element is not None:
                task.task_spec = element
        for task in tasks:
            if not is_waiting(task) or task.task_spec.bpmn_id is None:
                continue
            if task.state != TaskState.STARTED and (task in changed or task in mapped or task.state == TaskState.ERROR
                                                    or is_held(task)):
                restarting.append(task)
            else:
                kept.append(task)
    workflow.subprocess_specs = dict(target_subprocess_specs)
    for task in restarting:
        task._drop_children(force=True)     # predicted from the old version; `restart` predicts them again
    for task in kept:
        _predict_again(task)
    forget_removed_waits(workflow)
    for sub, _diff, target, _changed in pairs:
        if sub.last_task is not None and sub.last_task.id not in sub.tasks:
            sub.last_task = None
        strays = sorted({task.task_spec.bpmn_id or task.task_spec.name for task in sub.tasks.values()
                         if target.task_specs.get(task.task_spec.name) is not task.task_spec})
        if strays:
            raise InvalidState(f"The target version has no element for {', '.join(strays)}; map each to an element "
                               "of the target.")
    return [str(task.id) for task in restarting]


def restart(workflow: BpmnWorkflow, task_guids: list[str]) -> None:
    """Start the given waits again on their (new) elements, from the data their parents hold, as SpiffWorkflow's
    `migrate_workflow` resets a changed task. Run under `engine.runtime.advance`'s failure handling: a step that
    fails again (the target's timer is broken too) becomes an incident, not an error of the call."""
    for guid in task_guids:
        task = find_task(workflow, guid)
        if task is None:
            continue    # removed with the branch of a task restarted before it
        task.internal_data.pop(FAILED_WHILE_WAITING, None)
        workflow.event_manager.remove_task(task)
        task.reset_branch(None)
        if getattr(task.task_spec, "manual", False):
            _renew_id(task)     # a new task (its new title and form) in the inbox; the old one is cancelled
    forget_removed_waits(workflow)


def _predict_again(task) -> None:
    """A kept wait's successors were predicted from the old version: predict them from the target's."""
    if all(child.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE) and not is_held(child)
                             for child in task.children):
        task._drop_children(force=True)
        task.task_spec._predict(task, mask=task.state | TaskState.PREDICTED_MASK | TaskState.FUTURE)


# -- modifying an instance by hand ------------------------------------------------------------------------------

def steps_to_modify(workflow: BpmnWorkflow) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """What an administrator may skip (bpmn id, title, kind of each wait) and move back to (bpmn id, title of
    each completed task or event, once each, latest last)."""
    tasks = all_tasks(workflow)
    waits = {task.task_spec.bpmn_id: (task.task_spec.bpmn_id, title_of(task.task_spec), wait_kind(task))
             for task in tasks if task.task_spec.bpmn_id and is_waiting(task) and task.state != TaskState.STARTED}
    done = sorted((task for task in tasks if task.task_spec.bpmn_id and task.state == TaskState.COMPLETED
                   and type(task.task_spec).__name__ not in ("StartEvent", "EndEvent")),
                  key=lambda task: task.last_state_change)
    completed = {task.task_spec.bpmn_id: (task.task_spec.bpmn_id, title_of(task.task_spec)) for task in done}
    return list(waits.values()), list(completed.values())


def waiting_task(workflow: BpmnWorkflow, bpmn_id: str):
    """The waiting (or failed) task of this element, or None."""
    found = [task for task in all_tasks(workflow) if task.task_spec.bpmn_id == bpmn_id and is_waiting(task)
             and task.state != TaskState.STARTED]
    return found[0] if found else None


def waiting_to_skip(workflow: BpmnWorkflow, bpmn_id: str):
    task = waiting_task(workflow, bpmn_id)
    if task is None:
        raise InvalidState(f'The instance does not wait at "{bpmn_id}"; only a step it waits at can be skipped.')
    return task


def skip(workflow: BpmnWorkflow, task) -> None:
    """Complete a waiting step without running it (a user task without its form, a timer before it is due, a
    message never sent, a failed step left as it is); the instance goes on past it."""
    task.internal_data.pop(FAILED_WHILE_WAITING, None)
    workflow.event_manager.remove_task(task)
    if task.state != TaskState.READY:
        task._set_state(TaskState.READY)
    task.complete()


def finished_task(workflow: BpmnWorkflow, bpmn_id: str):
    """The latest completed task of this element, or None."""
    found = [task for task in all_tasks(workflow)
             if task.task_spec.bpmn_id == bpmn_id and task.state == TaskState.COMPLETED]
    return max(found, key=lambda task: task.last_state_change) if found else None


def finished_to_move_back_to(workflow: BpmnWorkflow, bpmn_id: str):
    task = finished_task(workflow, bpmn_id)
    if task is None:
        raise InvalidState(f'The instance has not completed "{bpmn_id}"; it can only move back to a completed step.')
    return task


def move_back(workflow: BpmnWorkflow, task) -> None:
    """Take the instance back to a step it completed (SpiffWorkflow's `reset_from_task_id`): everything after it
    is undone and it runs again with the data it had before it ran. A user task comes back under a new id, so
    its first completion stays in the task list as it was."""
    workflow.reset_from_task_id(task.id)
    if getattr(task.task_spec, "manual", False):
        _renew_id(task)
    forget_removed_waits(workflow)


def forget_removed_waits(workflow: BpmnWorkflow) -> None:
    """Stop listening for the events of tasks a reset removed. SpiffWorkflow's `reset_from_task_id` leaves them
    in the event manager, where a timer of a removed task fails the next refresh; a cold restore rebuilds the
    event manager from the tasks, so this makes the warm workflow behave as the restored one."""
    manager = workflow.event_manager
    for task in list(manager.tasks.values()):
        if task.id not in task.workflow.tasks or task.state != TaskState.WAITING:
            manager.remove_task(task)


def _renew_id(task) -> None:
    """Give a task a fresh id (its old one names a completed human task row)."""
    sub, old, new = task.workflow, task.id, uuid4()
    del sub.tasks[old]
    task.id = new
    sub.tasks[new] = task
    parent = task.parent
    if parent is not None:
        parent._children = [new if child == old else child for child in parent._children]
    for child in task.children:
        child._parent = new
    if sub.last_task is not None and sub.last_task.id == old:
        sub.last_task = task
