"""Message correlation between instances, which SpiffWorkflow 3 leaves to its host.

An instance waiting at a message catch event has a subscription row: the message name
and the values of the message's correlation properties as the instance knows them. A
message delivered from outside (or thrown by another instance and not caught inside it)
goes to the subscriptions whose values match, or else starts every process whose message
start event waits for that name.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.derive import correlation_key
from engine.events import definitions_of
from engine.errors import ClerkflowError, MessageNotDeliverable
from engine.models import MessageSubscription, ProcessInstance, ProcessVersion

MAX_PAYLOAD_KEYS = 200


def check_payload(message_name: str, correlation: Any, payload: Any) -> None:
    if not message_name or not isinstance(message_name, str):
        raise ClerkflowError("A message needs a name.")
    for label, value in (("correlation values", correlation), ("payload", payload)):
        if value is not None and not isinstance(value, dict):
            raise ClerkflowError(f"The message's {label} must be a mapping of names to values.")
        if value and len(value) > MAX_PAYLOAD_KEYS:
            raise ClerkflowError(f"The message's {label} has more than {MAX_PAYLOAD_KEYS} entries.")


def no_receiver(message_name: str, correlation: dict[str, Any]) -> MessageNotDeliverable:
    values = ", ".join(f"{name}={value!r}" for name, value in sorted(correlation.items())) or "no correlation values"
    return MessageNotDeliverable(f'No instance is waiting for message "{message_name}" with {values}, '
                                 "and no process starts on it.")


def matching_subscriptions(session: Session, message_name: str,
                           values_for: Callable[[int], dict[str, Any]]) -> list[tuple[int, str]]:
    """(instance id, waiting task guid) of every subscription the message correlates with, oldest first.

    `values_for(version_id)` gives the message's correlation values as that version's diagram retrieves them
    from the payload (`payload_values`). A subscription lists only the properties its instance knows: it
    matches when the message carries equal values for all of them (none known: any message of the name).
    The keys wanted are worked out per version and property set first, so the rows are found by the index."""
    shapes = session.execute(select(ProcessInstance.process_version_id, MessageSubscription.correlation_properties)
                             .join(ProcessInstance, ProcessInstance.id == MessageSubscription.instance_id)
                             .where(MessageSubscription.message_name == message_name).distinct()).all()
    wanted: set[tuple[int, str, str]] = set()
    values_by_version: dict[int, dict[str, Any]] = {}
    for version_id, names in shapes:
        if version_id not in values_by_version:
            values_by_version[version_id] = values_for(version_id)
        key = key_for(names, values_by_version[version_id])
        if key is not None:
            wanted.add((version_id, names, key))
    if not wanted:
        return []
    rows = session.execute(select(MessageSubscription.instance_id, MessageSubscription.task_guid,
                                  MessageSubscription.correlation_properties, MessageSubscription.correlation_key,
                                  ProcessInstance.process_version_id)
                           .join(ProcessInstance, ProcessInstance.id == MessageSubscription.instance_id)
                           .where(MessageSubscription.message_name == message_name,
                                  MessageSubscription.correlation_key.in_({key for _v, _n, key in wanted}))
                           .order_by(MessageSubscription.id)).all()
    seen, matches = set(), []
    for instance_id, task_guid, names, key, version_id in rows:
        if instance_id not in seen and (version_id, names, key) in wanted:
            seen.add(instance_id)   # one delivery per instance, to its oldest waiting catch event
            matches.append((instance_id, task_guid))
    return matches


def key_for(names: str, values: dict[str, Any]) -> str | None:
    """The subscription key a message with `values` matches for these property names; None: it carries not all."""
    wanted = [name for name in names.split(",") if name]
    if any(values.get(name) is None for name in wanted):
        return None
    return correlation_key({name: values[name] for name in wanted})


def correlation_properties(specs, message_name: str) -> list:
    """The message's correlation properties as a version's diagram declares them (with retrieval expressions)."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            for definition in definitions_of(task_spec):
                if isinstance(definition, MessageEventDefinition) and definition.name == message_name:
                    return list(definition.correlation_properties)
    return []


def payload_values(environment, properties, payload: dict[str, Any]) -> dict[str, Any]:
    """Each correlation property's value retrieved from the message's payload, as SpiffWorkflow retrieves it
    (a payload that lacks one gives no value for it, so it correlates with nobody who knows that property)."""
    values = {}
    for prop in properties:
        try:
            values[prop.name] = environment.evaluate(prop.retrieval_expression, dict(payload))
        except Exception:   # the payload does not carry it
            values[prop.name] = None
    return values


def processes_started_by(session: Session, message_name: str) -> list[str]:
    """Process keys whose latest version has a message start event for this name."""
    latest: dict[str, ProcessVersion] = {}
    for version in session.scalars(select(ProcessVersion).order_by(ProcessVersion.version)):
        latest[version.process_key] = version
    return sorted(key for key, version in latest.items() if message_name in version.start_events.get("messages", []))


def event_for_waiting_task(workflow: BpmnWorkflow, task_guid: str, message_name: str,
                           payload: dict[str, Any]) -> BpmnEvent | None:
    """The message as SpiffWorkflow's event for the task waiting for it, or None when that task does not catch it
    (gone, no longer waiting, or the library's own correlation check disagrees): then nothing changes."""
    task = workflow.get_task_from_id(UUID(task_guid))
    if task is None or task.state != TaskState.WAITING:
        return None
    # The message definition itself, also where it is one of a gateway's or a multiple event's events.
    definition = _message_definition(task.task_spec, message_name)
    if definition is None:
        return None
    # The message's own correlations, retrieved from its payload as the library's thrown messages carry them.
    # (SpiffWorkflow retrieves every property from the payload when it catches: one it lacks cannot be caught.)
    try:
        correlations = definition.calculate_correlations(workflow.script_engine, definition.correlation_properties,
                                                         dict(payload))
    except Exception:
        return None
    event = BpmnEvent(definition, payload, correlations)
    return event if task.task_spec.catches(task, event) else None


def send_to_start_event(workflow: BpmnWorkflow, message_name: str, payload: dict[str, Any]) -> None:
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = _message_definition(task.task_spec, message_name)
        if isinstance(task.task_spec, StartEvent) and definition is not None:
            workflow.send_event(BpmnEvent(definition, payload, {}))
            return
    raise ClerkflowError(f'The process has no message start event for "{message_name}".')


def _message_definition(task_spec, message_name: str) -> MessageEventDefinition | None:
    for definition in definitions_of(task_spec):
        if isinstance(definition, MessageEventDefinition) and definition.name == message_name:
            return definition
    return None


def unpack(event: BpmnEvent) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Name, flat correlation values and payload of a message an instance threw."""
    flat: dict[str, Any] = {}
    for values in (event.correlations or {}).values():
        flat.update(values)
    payload = event.payload if isinstance(event.payload, dict) else {"value": event.payload}
    return event.event_definition.name, flat, payload
