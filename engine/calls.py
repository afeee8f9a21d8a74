"""Call activities calling a process deployed from another file: bound by id, pinned per instance.

A version's stored spec holds only what its own file defines. A call activity whose `calledElement`
names a process of another file is bound when an instance starts: the latest deployed version of
the called process (and of each process that one calls, in turn) is pinned for the instance in
`called_version` rows. The instance runs those versions to its end, whatever is deployed later,
as SpiffWorkflow runs a workflow made with those specs (`BpmnWorkflow(spec, subprocess_specs)`).
Deploy refuses a call to a process that is not deployed.
"""
from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from SpiffWorkflow.util.task import TaskState

from engine.deploy import _where
from engine.errors import DeployRefused, NotFound
from engine.models import CalledVersion
from engine.parsing import call_activities, external_calls, parse_process
from engine.versions import VERSION, latest_version_id
from engine.views import CalledView, CallRun

if TYPE_CHECKING:
    from engine.parsing import ParsedProcess
    from engine.versions import VersionCache, VersionInfo

CALLED = CalledVersion.__table__


def call_problems(connection: Connection, parsed: ParsedProcess) -> list[str]:
    """Each call activity calling a process that is neither in its file nor deployed, located."""
    called = external_calls(parsed.spec, parsed.subprocess_specs)
    if not called:
        return []
    deployed = deployed_process_keys(connection)
    problems = []
    for task_spec in call_activities(parsed.spec, parsed.subprocess_specs):
        if task_spec.spec in called and task_spec.spec not in deployed:
            close = difflib.get_close_matches(task_spec.spec, deployed, n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            problems.append(f"{_where(parsed, task_spec)}: calls the process \"{task_spec.spec}\", which is not "
                            f"deployed; deploy its diagram first (the call runs the version deployed when an "
                            f"instance starts){hint}")
    return problems


def deployed_process_keys(connection: Connection) -> list[str]:
    return list(connection.execute(select(VERSION.c.process_key).distinct().order_by(VERSION.c.process_key)).scalars())


def pin(connection: Connection, versions: VersionCache, version: VersionInfo) -> dict[str, int]:
    """Which version of each process `version` calls (directly or through another call) a new instance runs:
    the latest deployed of each, decided now."""
    pins: dict[str, int] = {}
    pending = list(version.called_processes)
    while pending:
        key = pending.pop(0)
        if key in pins or key in version.subprocess_specs:
            continue
        version_id = latest_version_id(connection, key)
        if version_id is None:
            raise NotFound(f'"{version.display_name}" calls the process "{key}", which is not deployed; '
                           "deploy its diagram first.")
        pins[key] = version_id
        pending.extend(versions.get(connection, version_id).called_processes)
    return pins


def subprocess_specs(connection: Connection, versions: VersionCache, version: VersionInfo,
                     pins: dict[str, int]) -> dict[str, Any]:
    """The version's own subprocess specs with the pinned called processes (and what they embed) added."""
    if not pins:
        return version.subprocess_specs
    specs = dict(version.subprocess_specs)
    for key, version_id in pins.items():
        called = versions.get(connection, version_id)
        for name, sub in called.subprocess_specs.items():
            specs.setdefault(name, sub)
        specs[key] = called.spec
    return specs


def remember(connection: Connection, instance_id: int, pins: dict[str, int]) -> None:
    if pins:
        connection.execute(insert(CALLED), [{"instance_id": instance_id, "process_key": key,
                                             "process_version_id": version_id} for key, version_id in pins.items()])


def pinned(connection: Connection, instance_id: int) -> dict[str, int]:
    return dict(connection.execute(select(CALLED.c.process_key, CALLED.c.process_version_id)
                                   .where(CALLED.c.instance_id == instance_id)).all())


def in_call_order(paths: Sequence[Path]) -> list[Path]:
    """BPMN files ordered so that a called process is deployed before the files calling it; otherwise in the
    order given. A file that does not parse keeps its place (deploying it says why); so does a cycle."""
    defines: dict[Path, str | None] = {}
    calling: dict[Path, tuple[str, ...]] = {}
    for path in paths:
        try:
            parsed = parse_process(path.name, path.read_bytes())
        except DeployRefused:
            defines[path], calling[path] = None, ()
            continue
        defines[path], calling[path] = parsed.process_key, external_calls(parsed.spec, parsed.subprocess_specs)
    left, done, order = list(paths), set(), []
    while left:
        ready = [path for path in left
                 if all(key not in defines.values() or key in done for key in calling[path])] or left[:1]
        for path in ready:
            left.remove(path)
            done.add(defines[path])
            order.append(path)
    return order


def forms_of_task(connection: Connection, versions: VersionCache, version: VersionInfo, instance_id: int,
                  processes: Iterable[str]) -> VersionInfo:
    """The version whose forms a task uses: the called version of the nearest called process it runs in
    (`processes`: the spec names from the task's own workflow outwards), else the instance's own version."""
    if not version.called_processes:
        return version
    pins = pinned(connection, instance_id)
    for name in processes:
        if name in pins:
            return versions.get(connection, pins[name])
    return version


def processes_around(workflow) -> list[str]:
    """The spec names of a task's workflow and of each workflow around it, innermost first."""
    names = []
    while workflow is not None:
        names.append(workflow.spec.name)
        workflow = workflow.parent_workflow
    return names


def stored_processes_around(state_json: str, task_guid: str) -> list[str]:
    """`processes_around` read off a stored state as JSON (the workflow is not restored)."""
    subprocesses = json.loads(state_json or "{}").get("subprocesses", {})
    holder = {guid: key for key, sub in subprocesses.items() for guid in sub.get("tasks", {})}
    names, key = [], holder.get(task_guid)
    while key is not None and key in subprocesses:
        names.append(subprocesses[key].get("spec"))
        key = holder.get(subprocesses[key].get("parent_task_id"))
    return names


_NOW = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def called_views(connection: Connection, versions: VersionCache, instance_id: int, state_json: str) -> list[CalledView]:
    """Each pinned called process with its runs, read off the stored state as JSON (the workflow is not restored)."""
    pins = pinned(connection, instance_id)
    if not pins:
        return []
    state = json.loads(state_json or "{}")
    tasks: dict[str, dict] = dict(state.get("tasks", {}))
    for sub in state.get("subprocesses", {}).values():
        tasks.update(sub.get("tasks", {}))
    views = []
    for key, version_id in sorted(pins.items()):
        called = versions.get(connection, version_id)
        runs = tuple(_run(called.spec, sub, tasks.get(sub.get("parent_task_id"), {}))
                     for sub in state.get("subprocesses", {}).values() if sub.get("spec") == key)
        views.append(CalledView(key, called.display_name, called.version, runs))
    return views


def _run(spec, sub: dict[str, Any], call_task: dict[str, Any]) -> CallRun:
    by_time = sorted(sub.get("tasks", {}).values(), key=lambda task: task.get("last_state_change") or 0)
    titles = [(task.get("state", 0), _title(spec, task.get("task_spec"))) for task in by_time]
    return CallRun(call_task.get("task_spec", ""), bool(sub.get("completed")),
                   tuple(title for state, title in titles if title and state == TaskState.COMPLETED),
                   tuple(title for state, title in titles if title and state & _NOW))


def _title(spec, name: str | None) -> str | None:
    task_spec = spec.task_specs.get(name) if name else None
    if task_spec is None or not getattr(task_spec, "bpmn_id", None):
        return None   # the library's own start and end steps
    return task_spec.bpmn_name or task_spec.bpmn_id
