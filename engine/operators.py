"""What the engine needs of the operators its service tasks call, and nothing of what they are.

Whoever opens an engine hands it an `Operators` catalogue (the city's is `city.operators.CityOperators`).
Deploy checks each service task against `get(name)`, the modeler lists `describe()`, and a running
service task calls `call(name, arguments, step)` with the step's database connection and time, so
that what an operator records commits or rolls back with the step.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class ParameterSpec(Protocol):
    name: str
    type: str          # string, integer, decimal, boolean, date, datetime, list or object
    required: bool


class OperatorSpec(Protocol):
    name: str          # dotted, e.g. "calendar.business_deadline"
    description: str   # one line, shown to the modeler
    parameters: Sequence[ParameterSpec]


@dataclass(frozen=True)
class StepContext:
    """The step a service task runs in: its database connection and its time."""

    connection: Any
    now: datetime


class Operators(Protocol):
    def get(self, name: str) -> OperatorSpec | None: ...

    def names(self) -> Iterable[str]: ...

    def describe(self) -> list[dict[str, object]]:
        """Every operator, sorted by name, with its description and parameters (for the modeler)."""

    def call(self, name: str, arguments: dict[str, Any], step: StepContext) -> object:
        """Run operator `name`; returns values `json.dumps` accepts. Raises on bad arguments."""


class NoOperators:
    """The catalogue of an engine opened without operators: every service task names an unknown one."""

    def get(self, name: str) -> None:
        return None

    def names(self) -> list[str]:
        return []

    def describe(self) -> list[dict[str, object]]:
        return []

    def call(self, name: str, arguments: dict[str, Any], step: StepContext) -> object:
        raise LookupError(f'operator "{name}" is not registered: this engine was opened without operators')
