"""Turning workflows into stored state and back, cheaply.

SpiffWorkflow's own serialization repeats the whole process spec in every instance. We
store the spec once per process version (`spec_json`) and each instance's state without
it; specs are restored once per version per process and kept (`engine.versions`), so no
request ever parses BPMN. `WarmWorkflows` keeps recently used workflow objects keyed by
instance id *and* lock_version: an entry is only ever used for the exact row version it
was saved as, so a stale one can never be picked up.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

STATE_FORMAT = "1.5"   # SpiffWorkflow's serializer version the state was written with


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Like the library's converter, but leaves the spec out; the caller supplies it on restore."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def restore_with_spec(self, dct, spec, subprocess_specs):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_registry():
    return BpmnWorkflowSerializer.configure(SPIFF_CONFIG)


_registry = _build_registry()
# Registering a converter again returns an instance bound to the same registry; we keep it to
# call `restore_with_spec` directly.
_converter = StateOnlyWorkflowConverter(BpmnWorkflow, _registry)


def spec_to_json(spec, subprocess_specs) -> str:
    """The process spec (and embedded subprocess specs) as JSON, stored once per version."""
    return json.dumps({
        "spec": _registry.convert(spec),
        "subprocess_specs": {name: _registry.convert(sub) for name, sub in subprocess_specs.items()},
    })


def spec_from_json(text: str):
    dct = json.loads(text)
    spec = _registry.restore(dct["spec"])
    subprocess_specs = {name: _registry.restore(sub) for name, sub in dct["subprocess_specs"].items()}
    connect_event_subprocesses(spec, subprocess_specs)
    return spec, subprocess_specs


def connect_event_subprocesses(spec, subprocess_specs) -> None:
    """Give every event sub-process started by a message, signal or error the links SpiffWorkflow 3.2 adds to the
    spec the first time the event starts it (`BpmnStartTask.trigger_wf`): the process's start as its input, the
    process's end as its output. Added once, when a version's spec is parsed or loaded, so that a workflow
    restored cold (in another worker, after a restart) finds them as a warm one does.

    The start does not list the sub-process among its outputs, as the library's first trigger makes it do: that
    change to the shared spec would have every later instance of the version start the sub-process at once,
    listening from its start, where the first instance did not."""
    for process_spec in (spec, *subprocess_specs.values()):
        start = getattr(process_spec, "start", None)
        for name in getattr(start, "trigger_specs", None) or ():
            triggered = process_spec.task_specs.get(name)
            if triggered is None or start.name in triggered._inputs:
                continue
            triggered._inputs.append(start.name)
            if process_spec.end.name not in triggered._outputs:
                triggered.connect(process_spec.end)


def state_to_json(workflow: BpmnWorkflow) -> str:
    dct = _converter.to_dict(workflow)
    dct["serializer_version"] = STATE_FORMAT
    return json.dumps(dct, separators=(",", ":"))


def state_from_json(text: str, spec, subprocess_specs) -> BpmnWorkflow:
    dct = json.loads(text)
    version = dct.pop("serializer_version", STATE_FORMAT)
    if version in MIGRATIONS:   # state written by an older SpiffWorkflow: let the library upgrade it
        dct["spec"], dct["subprocess_specs"] = _registry.convert(spec), {
            name: _registry.convert(sub) for name, sub in subprocess_specs.items()}
        MIGRATIONS[version](dct)
        dct.pop("spec"), dct.pop("subprocess_specs")
    return _converter.restore_with_spec(dct, spec, subprocess_specs)


# How many recently saved workflows an engine keeps in memory. 0 keeps none: every step restores the
# stored state, as the first step after a restart or a step served by another web worker does.
DEFAULT_WARM_CACHE_SIZE = 500


class WarmWorkflows:
    """Recently saved workflows (with what their derived rows held), valid only for the exact
    (instance id, lock_version) they were saved at."""

    def __init__(self, capacity: int = DEFAULT_WARM_CACHE_SIZE):
        self.capacity = capacity
        self._entries: OrderedDict[int, tuple[int, BpmnWorkflow, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, instance_id: int, lock_version: int) -> tuple[BpmnWorkflow, Any] | None:
        """Remove and return (workflow, snapshot) if saved at this row version; a taken entry is never shared."""
        with self._lock:
            entry = self._entries.pop(instance_id, None)
        if entry is not None and entry[0] == lock_version:
            return entry[1], entry[2]
        return None

    def keep(self, instance_id: int, lock_version: int, workflow: BpmnWorkflow, snapshot: Any) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._entries[instance_id] = (lock_version, workflow, snapshot)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def forget(self, instance_id: int) -> None:
        with self._lock:
            self._entries.pop(instance_id, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
