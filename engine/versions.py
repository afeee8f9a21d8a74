"""Deployed process versions as the running engine needs them, kept in memory.

A version never changes once deployed, so its forms and its restored spec are loaded once
per process (without parsing BPMN: the spec is restored from its stored JSON) and kept.
Which version is the latest is asked of the database each time: another process may have
deployed since.
"""
from __future__ import annotations

import threading
from functools import cached_property
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition

from engine.forms import form_validator, task_data_options, with_task_data_options
from engine.models import ProcessVersion
from engine.parsing import external_calls
from engine.start_needs import FORM_PROPERTY
from engine.state import spec_from_json

VERSION = ProcessVersion.__table__
_SELECT_LATEST = (select(VERSION.c.id).where(VERSION.c.process_key == bindparam("process_key"))
                  .order_by(VERSION.c.version.desc()).limit(1))
_SELECT_VERSION = select(VERSION.c.id, VERSION.c.process_key, VERSION.c.version, VERSION.c.display_name,
                         VERSION.c.file_name, VERSION.c.forms, VERSION.c.spec_json).where(
    VERSION.c.id == bindparam("version_id"))


@dataclass(frozen=True)
class VersionInfo:
    version_id: int
    process_key: str
    version: int
    display_name: str
    file_name: str
    forms: dict[str, Any]
    spec: Any = field(repr=False)
    subprocess_specs: dict[str, Any] = field(repr=False)
    _validators: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def form_validator(self, form_file: str | None, task_data: Mapping[str, Any] | None = None):
        """The compiled validator of one of this version's forms (None when the task has no form). A form
        that takes its choices from the task's data is compiled for that data (`task_data`) each time."""
        if not form_file or form_file not in self.forms:
            return None
        if task_data_options(self.forms[form_file]):
            return form_validator(with_task_data_options(self.forms[form_file], task_data or {}))
        found = self._validators.get(form_file)
        if found is None:
            found = self._validators.setdefault(form_file, form_validator(self.forms[form_file]))
        return found

    @cached_property
    def called_processes(self) -> tuple[str, ...]:
        """The processes of other files this version's call activities call (engine.calls pins their versions)."""
        return external_calls(self.spec, self.subprocess_specs)

    @property
    def start_form_file(self) -> str | None:
        """The form of the start event a start by hand takes (the plain one, without a message or timer)."""
        for start in self.spec.start.outputs:   # a collaboration's start leads to its pools, not to start events
            if isinstance(getattr(start, "event_definition", None), NoneEventDefinition):
                return start.extensions.get("properties", {}).get(FORM_PROPERTY)
        return None


class VersionCache:
    def __init__(self):
        self._versions: dict[int, VersionInfo] = {}
        self._lock = threading.Lock()

    def get(self, connection: Connection, version_id: int) -> VersionInfo:
        found = self._versions.get(version_id)
        if found is None:
            row = connection.execute(_SELECT_VERSION, {"version_id": version_id}).one()
            spec, subprocess_specs = spec_from_json(row.spec_json)
            found = VersionInfo(row.id, row.process_key, row.version, row.display_name, row.file_name,
                                dict(row.forms), spec, subprocess_specs)
            with self._lock:
                found = self._versions.setdefault(version_id, found)
        return found

    def put(self, version: VersionInfo) -> None:
        with self._lock:
            self._versions[version.version_id] = version


def latest_version_id(connection: Connection, process_key: str) -> int | None:
    return connection.execute(_SELECT_LATEST, {"process_key": process_key}).scalar()
