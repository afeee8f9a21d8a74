"""Which of the city's operators a SpiffArena server may call, described as its connector proxy lists commands.

SpiffArena's backend fills its service task editor from `GET /v1/commands`: a list of
`{"id": "<plugin>/<command>", "parameters": [{"id", "type", "required"}]}` whose types are the proxy's
(`str`, `int`, `bool`, else `any`). We add each operator's one-line description and its exact Clerkflow
type (`clerkflow_type`: decimal, date, datetime...), which SpiffArena ignores and an analyst can read.

Only the pure operators are offered: they read no database, no clock and no config, only the city settings
in force, so calling one from outside changes nothing. The host operators (the ledger, the open data
catalog, privacy cases) read or write the city's books inside an engine step, where what they record commits
or rolls back with the step; called from another system they would write outside any step, so they are
listed apart with that reason and refused.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

PLUGIN = "clerkflow"
PROXY_TYPES = {"string": "str", "integer": "int", "boolean": "bool"}
WITHHELD_REASON = ("reads or writes the city's books (fee ledger, transmittals, open data catalog, privacy cases) "
                   "and runs only inside a Clerkflow engine step, where what it records commits or rolls back "
                   "with the step; a SpiffArena server has no such step, so it is not offered")


def command_id(operator_name: str) -> str:
    """The command id SpiffArena names in its service task: "clerkflow/calendar.business_deadline"."""
    return f"{PLUGIN}/{operator_name}"


def offered(described: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The operators of a catalogue's `describe()` that a SpiffArena server may call: the pure ones."""
    return [operator for operator in described if not operator["host"]]


def withheld(described: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [operator for operator in described if operator["host"]]


def as_command(operator: Mapping[str, Any]) -> dict[str, Any]:
    """One operator of `describe()` as the connector proxy lists a command."""
    return {"id": command_id(operator["name"]), "description": operator["description"],
            "parameters": [{"id": parameter["name"], "type": PROXY_TYPES.get(parameter["type"], "any"),
                            "required": parameter["required"], "clerkflow_type": parameter["type"]}
                           for parameter in operator["parameters"]]}


def as_withheld(operator: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": command_id(operator["name"]), "description": operator["description"], "reason": WITHHELD_REASON}


def operator_arguments(body: Mapping[str, Any]) -> dict[str, Any]:
    """The operator's arguments from a SpiffArena call's JSON body.

    SpiffArena adds its own keys (`spiff__task_data`, the whole task's data, `spiff__callback_url`, ...):
    they are dropped unread. A datetime a diagram passes arrives as SpiffWorkflow serializes it,
    `{"typename": "datetime", "value": "<ISO>"}`; the ISO text is what the operator takes."""
    return {name: _plain(value) for name, value in body.items() if not name.startswith("spiff__")}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping) and set(value) == {"typename", "value"} and value["typename"] == "datetime":
        return value["value"]
    return value
