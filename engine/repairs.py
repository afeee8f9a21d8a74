"""Repairing running instances: migrate them to another version of their process, skip a step, move back.

What Camunda keeps for its paid Cockpit (issue 18). Each change to one instance is one engine call and one
transaction, audited on the instance's chain like every other step: a refused or failing move leaves the
instance on its old version, untouched. Moving every instance of a version checks each first (a dry run
answers the same checks without changing anything), then moves each in a transaction of its own, so one that
cannot move never holds back the others. The workflow side is engine.instance_repair.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import select, update

from engine import calls, clock, records
from engine.derive import instance_data
from engine.errors import ClerkflowError, InvalidState, NotFound, require_plain_data
from engine.instance_repair import (MigrationPlan, Wait, finished_to_move_back_to, migrate, move_back, plan_migration,
                                   restart, skip, steps_to_modify, title_of, waiting_to_skip)
from engine.models import InstanceStatus
from engine.records import INSTANCE, InstanceRecord
from engine.state import _registry, state_from_json, state_to_json
from engine.versions import VERSION, VersionInfo

MIGRATING_STATUSES = (InstanceStatus.ACTIVE, InstanceStatus.INCIDENT)


@dataclass(frozen=True)
class MigrationCheck:
    """Whether one instance can move to the target version, and what would happen to each of its waits."""

    instance_id: int
    title: str
    from_version: int
    to_version: int
    waits: tuple[Wait, ...]
    problem: str = ""               # "" when it can move

    @property
    def movable(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class MigrationOutcome:
    instance_id: int
    title: str
    moved: bool
    message: str                    # the instance's status after the move, or why it did not move


@dataclass(frozen=True)
class Element:
    """An element of a version an administrator may map a wait to."""

    bpmn_id: str
    title: str


def _reason(reason: str, what: str) -> str:
    require_plain_data(f"The reason to {what}", {"reason": reason})
    if not (reason or "").strip():
        raise ClerkflowError(f"Give a reason to {what}; it goes into the audit trail.")
    return reason.strip()


class InstanceRepairs:
    """Mixed into ProcessEngine (engine.api), whose transaction and step machinery it uses."""

    # -- migration ----------------------------------------------------------------------------------------------

    def version_elements(self, process_key: str, version: int) -> list[Element]:
        """The steps of a version that a wait can be mapped to (tasks and events, sub-processes' included)."""
        with self.database.read() as session:
            target = self._version_numbered(session.connection(), process_key, version)
        specs = [target.spec, *target.subprocess_specs.values()]
        found = {spec.bpmn_id: Element(spec.bpmn_id, title_of(spec)) for process in specs
                 for spec in process.task_specs.values() if getattr(spec, "bpmn_id", None)
                 and type(spec).__name__ not in ("StartEvent", "EndEvent", "_BoundaryEventParent")}
        return sorted(found.values(), key=lambda element: element.bpmn_id)

    def check_migration(self, instance_id: int, to_version: int,
                        mapping: Mapping[str, str] | None = None) -> MigrationCheck:
        """What moving one instance to version `to_version` of its process would do; changes nothing."""
        with self.database.read() as session:
            connection = session.connection()
            record = records.load_instance(connection, instance_id, lock=False)
            if record is None:
                raise NotFound(f"No process instance {instance_id}.")
            return self._check(connection, record, to_version, mapping)

    def migrate_instance(self, instance_id: int, to_version: int, *, actor: str,
                         mapping: Mapping[str, str] | None = None, reason: str = ""):
        """Move one instance to version `to_version` of its process (one transaction), then run it on."""
        require_plain_data("The mapping", dict(mapping or {}))
        require_plain_data("The reason to migrate", {"reason": reason})
        with self._writing() as tx:
            record = self._locked_record(tx, instance_id)
            check = self._check(tx.connection, record, to_version, mapping)
            if not check.movable:
                raise InvalidState(check.problem)
            source = self._versions.get(tx.connection, record.process_version_id)
            target = self._version_numbered(tx.connection, record.process_key, to_version)
            workflow, stored = self._restore(tx, record, source)
            before = dict(instance_data(workflow))
            pins, new_pins = self._target_pins(tx.connection, record.instance_id, target)
            target_specs = calls.subprocess_specs(tx.connection, self._versions, target, pins)
            restarting = migrate(workflow, target.spec, target_specs, _registry, mapping)
            # The move must survive a cold restore on the target before anything is written.
            workflow = state_from_json(state_to_json(workflow), target.spec, target_specs)
            calls.remember(tx.connection, record.instance_id, new_pins)
            workflow.script_engine = self._script_engine
            stored = self._settle_restarted(tx, record, stored, restarting, actor,
                                            f"its step starts again on version {target.version}")
            tx.connection.execute(update(INSTANCE).where(INSTANCE.c.id == instance_id)
                                  .values(process_version_id=target.version_id))
            record.process_version_id = target.version_id
            mapped = {wait.bpmn_id: wait.target_bpmn_id for wait in check.waits
                      if wait.target_bpmn_id and wait.target_bpmn_id != wait.bpmn_id}
            detail = f"version {source.version} -> {target.version}"
            if mapped:
                detail += "; mapped " + ", ".join(f"{old} -> {new}" for old, new in mapped.items())
            restarted = sorted({wait.bpmn_id for wait in check.waits if wait.restarts})
            if restarted:
                detail += f"; started again: {', '.join(restarted)}"
            if reason.strip():
                detail += f": {reason.strip()}"
            self._run_and_save(tx, record, target, workflow, actor,
                               self._step("migrate", changes={"version": {"from": source.version,
                                                                          "to": target.version},
                                                              **({"mapping": mapped} if mapped else {})},
                                          detail=detail),
                               before=before, stored=stored, first=lambda: restart(workflow, restarting))
            return self._view(tx, record)

    def check_version_migration(self, process_key: str, from_version: int, to_version: int,
                                mapping: Mapping[str, str] | None = None) -> list[MigrationCheck]:
        """The dry run of moving every running instance of a version: each one's check."""
        with self.database.read() as session:
            connection = session.connection()
            source = self._version_numbered(connection, process_key, from_version)
            return [self._check(connection, record, to_version, mapping)
                    for record in self._running_records(connection, source.version_id)]

    def migrate_version(self, process_key: str, from_version: int, to_version: int, *, actor: str,
                        mapping: Mapping[str, str] | None = None, reason: str = "") -> list[MigrationOutcome]:
        """Move every running instance of a version, each in its own transaction; says what became of each."""
        outcomes = []
        for check in self.check_version_migration(process_key, from_version, to_version, mapping):
            if not check.movable:
                outcomes.append(MigrationOutcome(check.instance_id, check.title, False, check.problem))
                continue
            try:
                moved = self.migrate_instance(check.instance_id, to_version, actor=actor, mapping=mapping,
                                              reason=reason)
            except ClerkflowError as refused:
                outcomes.append(MigrationOutcome(check.instance_id, check.title, False, str(refused)))
            else:
                outcomes.append(MigrationOutcome(check.instance_id, check.title, True, moved.status))
        return outcomes

    def _check(self, connection, record: InstanceRecord, to_version: int,
               mapping: Mapping[str, str] | None) -> MigrationCheck:
        source = self._versions.get(connection, record.process_version_id)
        target = self._version_numbered(connection, record.process_key, to_version)
        label = f"Version {target.version} of {record.process_key}"
        if record.status not in MIGRATING_STATUSES:
            why = ("it is suspended; resume it first" if record.status == InstanceStatus.SUSPENDED
                   else f"it has ended ({record.status.value})")
            return MigrationCheck(record.instance_id, record.title, source.version, target.version, (),
                                  f"Instance {record.instance_id} cannot move: {why}.")
        if target.version_id == source.version_id:
            return MigrationCheck(record.instance_id, record.title, source.version, target.version, (),
                                  f"Instance {record.instance_id} is on version {target.version} already.")
        workflow = state_from_json(records.load_state(connection, record.instance_id), source.spec,
                                   self._instance_specs(connection, record.instance_id, source))
        pins, _ = self._target_pins(connection, record.instance_id, target)
        plan: MigrationPlan = plan_migration(workflow, target.spec,
                                             calls.subprocess_specs(connection, self._versions, target, pins),
                                             _registry, mapping)
        problem = f"Instance {record.instance_id} cannot move: {plan.refusal(label)}." if not plan.movable else ""
        return MigrationCheck(record.instance_id, record.title, source.version, target.version, plan.waits, problem)

    def _instance_specs(self, connection, instance_id: int, version: VersionInfo) -> dict:
        """The subprocess specs an instance runs with: its version's own and the called versions pinned at its start."""
        pins = calls.pinned(connection, instance_id) if version.called_processes else {}
        return calls.subprocess_specs(connection, self._versions, version, pins)

    def _target_pins(self, connection, instance_id: int, target: VersionInfo) -> tuple[dict[str, int], dict[str, int]]:
        """The called versions an instance runs on `target`: those pinned at its start, and (second) the newest
        deployed of any process only the target calls, pinned when it moves."""
        pins = calls.pinned(connection, instance_id)
        newly = {key: version_id for key, version_id in calls.pin(connection, self._versions, target).items()
                 if key not in pins}
        return {**pins, **newly}, newly

    def _version_numbered(self, connection, process_key: str, version: int) -> VersionInfo:
        version_id = connection.execute(select(VERSION.c.id).where(
            VERSION.c.process_key == process_key, VERSION.c.version == version)).scalar()
        if version_id is None:
            raise NotFound(f'There is no version {version} of "{process_key}".')
        return self._versions.get(connection, version_id)

    @staticmethod
    def _running_records(connection, version_id: int) -> list[InstanceRecord]:
        ids = connection.execute(select(INSTANCE.c.id).where(
            INSTANCE.c.process_version_id == version_id,
            INSTANCE.c.status.in_((*MIGRATING_STATUSES, InstanceStatus.SUSPENDED))).order_by(INSTANCE.c.id)).scalars()
        return [records.load_instance(connection, instance_id, lock=False) for instance_id in ids]

    def _settle_restarted(self, tx, record: InstanceRecord, stored, task_guids, actor: str, why: str):
        """Close the open incidents of the steps that start again (they are retried by starting again)."""
        now = clock.now()
        for incident_id, bpmn_id, task_guid in records.resolve_incidents(
                tx.connection, now=now, actor=actor, instance_id=record.instance_id, task_guids=set(task_guids)):
            records.audit(tx.connection, process_key=record.process_key, actor=actor, action="incident", now=now,
                          instance_id=record.instance_id, bpmn_id=bpmn_id, task_guid=task_guid,
                          detail=f"incident {incident_id} closed: {why}")
        return replace(stored, open_incidents=stored.open_incidents - set(task_guids))

    # -- modify: skip a step, move back to a completed one ------------------------------------------------------

    def skip_step(self, instance_id: int, bpmn_id: str, *, actor: str, reason: str):
        """Complete the step the instance waits at (or failed at) without running it; it goes on past it."""
        reason = _reason(reason, f"skip {bpmn_id}")
        return self._modify(instance_id, actor, "skip", bpmn_id, reason, waiting_to_skip, skip)

    def move_back(self, instance_id: int, bpmn_id: str, *, actor: str, reason: str):
        """Take the instance back to a step it completed: what came after is undone and the step runs again."""
        reason = _reason(reason, f"move back to {bpmn_id}")
        return self._modify(instance_id, actor, "move_back", bpmn_id, reason, finished_to_move_back_to, move_back)

    def steps_to_modify(self, instance_id: int) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
        """The steps an instance may skip (where it waits: bpmn id, title, kind) and move back to (bpmn id, title)."""
        with self.database.read() as session:
            connection = session.connection()
            record = records.load_instance(connection, instance_id, lock=False)
            if record is None:
                raise NotFound(f"No process instance {instance_id}.")
            version = self._versions.get(connection, record.process_version_id)
            workflow = state_from_json(records.load_state(connection, instance_id), version.spec,
                                       self._instance_specs(connection, instance_id, version))
        return steps_to_modify(workflow)

    def _modify(self, instance_id: int, actor: str, action: str, bpmn_id: str, reason: str, find, change):
        """`find` the task (or refuse), then `change` it as the call's first step: a step after it that fails is
        an incident. A skipped step's incident closes with it; a moved-back one's steps are cancelled, and
        their incidents close as any cancelled step's do."""
        with self._writing() as tx:
            record = self._locked_record(tx, instance_id)
            self._require_running(record)
            version = self._versions.get(tx.connection, record.process_version_id)
            workflow, stored = self._restore(tx, record, version)
            task = find(workflow, bpmn_id)
            guid, title = str(task.id), title_of(task.task_spec)
            if action == "skip":
                stored = self._settle_restarted(tx, record, stored, {guid} & set(stored.open_incidents), actor,
                                                "its step was skipped")
            done = "skipped" if action == "skip" else "moved back to"
            self._run_and_save(tx, record, version, workflow, actor,
                               self._step(action, bpmn_id=bpmn_id, task_guid=guid,
                                          detail=f"{done} {title} ({bpmn_id}): {reason}"),
                               before=dict(instance_data(workflow)), stored=stored,
                               first=lambda: change(workflow, task))
            return self._view(tx, record)
