"""What a catching element waits for: each event, with the element an analyst drew it on.

SpiffWorkflow 3.2 keeps an event-based gateway's events on the gateway itself: the events after it
are merged into one `MultipleEventDefinition` of the gateway, in the order of its outgoing flows,
and the catch events after it are left with none. An event with several event definitions (a
message start event that also starts on another message, a catch event waiting for a message or
a timer) has one `MultipleEventDefinition` too. Subscriptions, pending timers and deploy checks
read every event inside, each under the element it was drawn on.

All of a task's timers share one due time in SpiffWorkflow 3.2 (the task's `event_value`): the
first timer of the list sets it, and the others read it. Deploy refuses a second timer on one
gateway or event rather than run it at the first one's time.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway


def definitions_of(task_spec) -> list:
    """The event definitions a task spec catches or throws, those of a multiple definition each on its own."""
    definition = getattr(task_spec, "event_definition", None)
    if definition is None:
        return []
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition]


def awaited(task_spec) -> list[tuple[str, object]]:
    """(bpmn_id of the element drawn, event definition) for each event a waiting task waits for.

    An event-based gateway waits for the events after it: each is named by its own catch event."""
    definition = getattr(task_spec, "event_definition", None)
    if isinstance(task_spec, EventBasedGateway) and isinstance(definition, MultipleEventDefinition):
        return [(output.bpmn_id or output.name, inner)
                for output, inner in zip(task_spec.outputs, definition.event_definitions)]
    own = task_spec.bpmn_id or task_spec.name
    return [(own, inner) for inner in definitions_of(task_spec)]


def first_timer(task_spec) -> tuple[str, TimerEventDefinition] | None:
    """The timer that sets a waiting task's due time (the first in the list), with its element; None if none."""
    for bpmn_id, definition in awaited(task_spec):
        if isinstance(definition, TimerEventDefinition):
            return bpmn_id, definition
    return None


def timer_count(task_spec) -> int:
    return sum(isinstance(definition, TimerEventDefinition) for definition in definitions_of(task_spec))
