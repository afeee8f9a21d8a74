"""Where a user task's form answers go: SpiffWorkflow's `spiffworkflow:variableName`.

A user task that names a variable keeps the submitted answers together as one dict under
that name (replacing what it held), as SpiffWorkflow's spiff UserTask does; a task without
one puts each answer into the task data under its field's name. A form shows the answers
already there: the variable's dict, or the task data.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def answer_variable(task_spec: Any) -> str | None:
    """The variable a user task's answers go into; None for a task that merges them into its data."""
    return getattr(task_spec, "variable", None) or None


def store_answers(task: Any, answers: Mapping[str, Any]) -> None:
    """Put a submitted form's `answers` (already validated) into the ready task's data."""
    variable = answer_variable(task.task_spec)
    if variable:
        task.set_data(**{variable: dict(answers)})
    else:
        # A plain update, not SpiffWorkflow's deep merge: a list answer the person shortened
        # (a table row removed) must not keep its old items.
        task.data.update(answers)


def answers_in(data: Mapping[str, Any], variable: str | None) -> dict[str, Any]:
    """The answers a task's form starts from: those kept under `variable`, or the task data."""
    if not variable:
        return dict(data)
    kept = data.get(variable)
    return dict(kept) if isinstance(kept, Mapping) else {}


def stored_answer_variable(specs: Iterable[Any], spec_name: str | None, task_spec_name: str) -> str | None:
    """`answer_variable` of a stored task, found by name among a version's process `specs` (the
    workflow is not restored); `spec_name` is the process the task runs in (None: the first)."""
    for spec in specs:
        if spec_name is None or spec.name == spec_name:
            return answer_variable(spec.task_specs.get(task_spec_name))
    return None
