"""Run a diagram on the bare SpiffWorkflow 3.2 library beside the engine, to compare what each did.

`BareRun` is the library as its own documentation drives it: parse with the spiff parser, run, and
between steps serialize the whole workflow and restore it cold. `outcome` reads the same three things
off either side: the tasks completed (in the order the workflow holds them), the data, and the waits
(message names and timer due times, behind event-based gateways and multiple events included).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine import ProcessEngine
from engine.models import ProcessInstance, ProcessVersion
from engine.state import spec_from_json, state_from_json

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


class BareRun:
    """One instance on the bare library, its whole state serialized between steps."""

    def __init__(self, bpmn: Path, process_id: str, data: dict[str, Any]):
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(bpmn))
        workflow = BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        self._save(workflow)

    def _save(self, workflow: BpmnWorkflow) -> None:
        workflow.refresh_timers()    # run until nothing automatic is ready (a timer made ready at the end)
        workflow.do_engine_steps()
        self.state = SERIALIZER.serialize_json(workflow)

    def workflow(self) -> BpmnWorkflow:
        return SERIALIZER.deserialize_json(self.state)

    def tick(self) -> None:
        self._save(self.workflow())

    def send(self, message_name: str, payload: dict[str, Any]) -> None:
        workflow = self.workflow()
        definition = next(d for task in workflow.event_manager.tasks.values()
                          for d in _definitions(task.task_spec.event_definition)
                          if isinstance(d, MessageEventDefinition) and d.name == message_name)
        workflow.send_event(BpmnEvent(definition, payload, {}))
        self._save(workflow)

    def complete(self, bpmn_id: str, answers: dict[str, Any]) -> None:
        workflow = self.workflow()
        [task] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.bpmn_id == bpmn_id]
        task.data.update(answers)
        task.run()
        self._save(workflow)

    def submit_form(self, bpmn_id: str, answers: dict[str, Any]) -> None:
        """Complete a user task as SpiffWorkflow's spiff UserTask takes a form (its variableName honoured)."""
        workflow = self.workflow()
        [task] = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.bpmn_id == bpmn_id]
        task.task_spec.add_data_from_form(task, answers)
        task.run()
        self._save(workflow)

    def outcome(self) -> tuple[list[str], dict[str, Any], dict[str, Any]]:
        return outcome(self.workflow())


def engine_workflow(engine: ProcessEngine, instance_id: int) -> BpmnWorkflow:
    """The engine's stored state of an instance, restored cold (no warm copy)."""
    with engine.database.read() as session:
        instance = session.get(ProcessInstance, instance_id)
        version = session.get(ProcessVersion, instance.process_version_id)
        spec, subprocess_specs = spec_from_json(version.spec_json)
        return state_from_json(instance.state_json, spec, subprocess_specs)


def engine_outcome(engine: ProcessEngine, instance_id: int) -> tuple[list[str], dict[str, Any], dict[str, Any]]:
    """What the engine did with an instance: completed tasks and data off its stored state, waits off its rows."""
    completed, data, _waits = outcome(engine_workflow(engine, instance_id))
    instance = engine.get_instance(instance_id)
    messages = sorted(s.message_name for s in engine.subscriptions(instance_id=instance_id))
    timers = sorted(t.due_at for t in engine.pending_timers(instance_id=instance_id))
    return completed, data, {"messages": messages, "timers": timers, "ended": instance.status == "completed"}


def outcome(workflow: BpmnWorkflow) -> tuple[list[str], dict[str, Any], dict[str, Any]]:
    completed = [task.task_spec.bpmn_id for task in workflow.get_tasks(state=TaskState.COMPLETED)
                 if task.task_spec.bpmn_id]
    messages, timers = [], []
    for task in workflow.event_manager.tasks.values():
        for definition in _definitions(task.task_spec.event_definition):
            if isinstance(definition, MessageEventDefinition):
                messages.append(definition.name)
            elif isinstance(definition, TimerEventDefinition) and task.internal_data.get("event_value"):
                timers.append(_instant(task.internal_data["event_value"]))
    data = dict(workflow.data) if workflow.is_completed() else {}
    return completed, data, {"messages": sorted(messages), "timers": sorted(set(timers)),
                             "ended": workflow.is_completed()}


def _definitions(definition) -> list:
    return list(definition.event_definitions) if isinstance(definition, MultipleEventDefinition) else [definition]


def _instant(value: Any) -> datetime:
    return datetime.fromisoformat(value).astimezone(timezone.utc)
