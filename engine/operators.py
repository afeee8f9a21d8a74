"""Every operator a service task may name: the city's pure rules and the engine's host operators.

Pure operators (`city.rules`) get the city settings; host operators (`city.ledger`)
get the step's database connection and the time, so what they record commits or rolls back
with the step. Both declare their parameters the same way, so deploy checks them alike and
the modeler lists them together.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from city.rules import OPERATORS
from city.rules import registry


def host_operators() -> dict[str, Any]:
    from city.ledger import HOST_OPERATORS   # imported late: the ledger needs the models, services must not
    return HOST_OPERATORS


def all_operators() -> dict[str, Any]:
    return {**OPERATORS, **host_operators()}


def describe_operators() -> list[dict[str, object]]:
    """Every operator, sorted by name, with its one-line description and parameters."""
    return [{"name": spec.name, "description": spec.description, "host": spec.name in host_operators(),
             "parameters": [dataclasses.asdict(parameter) for parameter in spec.parameters]}
            for spec in sorted(all_operators().values(), key=lambda spec: spec.name)]


def call_host_operator(host, arguments: dict[str, Any], connection, now) -> object:
    """Check and coerce the arguments as for a pure operator, then run it with the step's connection."""
    keywords = registry.bind_arguments(host.name, host.parameters, arguments)
    return registry.to_json(host.function(connection, now, **keywords))
