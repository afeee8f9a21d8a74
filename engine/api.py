"""The engine's public surface: every call is one transaction and returns frozen views.

`ProcessEngine` is what the web app, the command line, the scheduler and the tests use.
Each state change loads the instance row (locked), restores its workflow (or takes the
warm copy saved at exactly this row version), acts, runs the automatic steps until the
workflow waits, and writes back the state, the derived rows and an audit event. Queries
read the derived rows only.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.exc import OperationalError
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine import clock, messages, queries, timers
from engine.db import Database
from engine.deploy import DiagramSource, checksum, read_diagram, start_events, validate
from engine.derive import derive, instance_data
from engine.errors import ClerkflowError, Conflict, InvalidState, NotAllowed, NotFound
from engine.forms import validate_submission
from engine.models import (HumanTask, Incident, IncidentStatus, InstanceStatus, ProcessInstance, ProcessVersion,
                           TaskStatus)
from engine.parsing import ParsedProcess, parse_process
from engine.runtime import advance, make_script_engine, retry_failed_task
from engine.settings import default_city_settings
from engine.state import SpecCache, WarmWorkflows, spec_to_json, state_from_json, state_to_json
from engine.store import FINISHED, audit, clear_waiting, data_changes, record_incident, write_derived
from engine.views import DeployResult, InstanceView, TaskView

MAX_MESSAGE_HOPS = 20


class ProcessEngine(queries.Queries):
    """Deploys diagrams and runs their instances on one database."""

    def __init__(self, database: Database, *, city_settings: Callable[[], Mapping[str, Any]] | None = None,
                 script_time_limit: float = 2.0, warm_cache_size: int = 500):
        self.database = database
        self._local = threading.local()
        self._specs = SpecCache()
        self._warm = WarmWorkflows(warm_cache_size)
        self._script_engine = make_script_engine(city_settings or default_city_settings, script_time_limit)

    # -- deploying --------------------------------------------------------------------------

    def deploy_file(self, bpmn_path: Path | str, forms_dir: Path | str | None, *, actor: str) -> DeployResult:
        """Deploy one BPMN file with the forms it names (from forms/<process_key>/ or forms/)."""
        parsed, source = read_diagram(Path(bpmn_path), Path(forms_dir) if forms_dir else None)
        return self._deploy(parsed, source, actor)

    def deploy_source(self, source: DiagramSource, *, actor: str) -> DeployResult:
        """Deploy a diagram given as bytes (an upload from the modeler) with its form files."""
        return self._deploy(parse_process(source.file_name, source.bpmn), source, actor)

    def deploy_directory(self, processes_dir: Path | str, forms_dir: Path | str | None, *,
                         actor: str) -> list[DeployResult]:
        return [self.deploy_file(path, forms_dir, actor=actor) for path in sorted(Path(processes_dir).glob("*.bpmn"))]

    def _deploy(self, parsed: ParsedProcess, source: DiagramSource, actor: str) -> DeployResult:
        forms = validate(parsed, source)
        digest = checksum(source)
        now = clock.now()
        with self._writing() as session:
            latest = queries.latest_version(session, parsed.process_key)
            if latest is not None and latest.checksum == digest:
                return DeployResult(queries.version_view(latest), created=False)
            row = ProcessVersion(
                process_key=parsed.process_key, version=(latest.version + 1) if latest else 1,
                display_name=parsed.display_name, file_name=source.file_name, checksum=digest,
                bpmn_xml=source.bpmn.decode("utf-8"), forms=forms,
                spec_json=spec_to_json(parsed.spec, parsed.subprocess_specs), start_events=start_events(parsed),
                deployed_by=actor, deployed_at=now)
            session.add(row)
            session.flush()
            timers.schedule_start_timers(session, row, self._script_engine, now)
            audit(session, process_key=row.process_key, actor=actor, action="deploy", now=now,
                  detail=f"version {row.version} of {source.file_name} ({digest[:12]})")
            self._specs.put(row.id, parsed.spec, parsed.subprocess_specs)
            return DeployResult(queries.version_view(row), created=True)

    # -- starting ---------------------------------------------------------------------------

    def start_instance(self, process_key: str, data: Mapping[str, Any] | None = None, *, actor: str,
                       business_key: str | None = None) -> InstanceView:
        with self._writing() as session:
            instance = self._start(session, process_key, dict(data or {}), actor, business_key)
            return queries.instance_view(session, instance)

    def _start(self, session: Session, process_key: str, data: dict[str, Any], actor: str,
               business_key: str | None, *, start_with: Callable[[BpmnWorkflow], None] | None = None,
               hops: int = 0) -> ProcessInstance:
        version = queries.latest_version(session, process_key)
        if version is None:
            raise NotFound(f'No process "{process_key}" is deployed; deploy its diagram first.')
        spec, subprocess_specs = self._specs.get(version.id, lambda: version.spec_json)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self._script_engine)
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        now = clock.now()
        instance = ProcessInstance(
            process_version_id=version.id, process_key=process_key, business_key=business_key,
            title=f"{version.display_name}{f' {business_key}' if business_key else ''}",
            status=InstanceStatus.ACTIVE, started_by=actor, started_at=now, updated_at=now, state_json="{}")
        session.add(instance)
        session.flush()
        audit(session, process_key=process_key, actor=actor, action="start", now=now, instance_id=instance.id,
              changes=data, detail=f"version {version.version}")
        if start_with is not None:
            workflow.do_engine_steps()   # let the start event begin waiting for what starts it
            start_with(workflow)
        self._run_and_save(session, instance, version, workflow, actor, before={}, hops=hops)
        return instance

    # -- human tasks --------------------------------------------------------------------------

    def claim_task(self, task_id: int, *, actor: str, roles: set[str] | None = None) -> TaskView:
        with self._writing() as session:
            row, _instance = self._locked_task(session, task_id, roles)
            if row.assignee and row.assignee != actor:
                raise Conflict(f'"{row.title}" is already claimed by {row.assignee}.')
            row.assignee = actor
            audit(session, process_key=row.process_key, actor=actor, action="claim", now=clock.now(),
                  instance_id=row.instance_id, bpmn_id=row.bpmn_id, task_guid=row.task_guid)
            return queries.task_view(row)

    def unclaim_task(self, task_id: int, *, actor: str, roles: set[str] | None = None,
                     administrator: bool = False) -> TaskView:
        with self._writing() as session:
            row, _instance = self._locked_task(session, task_id, roles)
            if row.assignee and row.assignee != actor and not administrator:
                raise NotAllowed(f'"{row.title}" is claimed by {row.assignee}; only they or an administrator '
                                 "can release it.")
            row.assignee = None
            audit(session, process_key=row.process_key, actor=actor, action="unclaim", now=clock.now(),
                  instance_id=row.instance_id, bpmn_id=row.bpmn_id, task_guid=row.task_guid)
            return queries.task_view(row)

    def complete_task(self, task_id: int, submission: Mapping[str, Any], *, actor: str,
                      roles: set[str] | None = None, expected_lock_version: int | None = None) -> InstanceView:
        """Complete a user task with the form's data (validated against its JSON Schema)."""
        with self._writing() as session:
            row, instance = self._locked_task(session, task_id, roles, expected_lock_version)
            if row.assignee and row.assignee != actor:
                raise Conflict(f'"{row.title}" is claimed by {row.assignee}; ask them or an administrator to '
                               "release it first.")
            self._require_running(instance)
            version = session.get(ProcessVersion, instance.process_version_id)
            clean = validate_submission(version.forms.get(row.form_file) if row.form_file else None,
                                        dict(submission), row.title)
            workflow = self._restore(instance, version)
            task = workflow.get_task_from_id(UUID(row.task_guid))
            if task is None or task.state != TaskState.READY:
                raise Conflict(f'"{row.title}" is no longer waiting to be done; reload to see what changed.')
            before = instance_data(workflow)
            task.data.update(clean)
            task.run()
            audit(session, process_key=instance.process_key, actor=actor, action="complete", now=clock.now(),
                  instance_id=instance.id, bpmn_id=row.bpmn_id, task_guid=row.task_guid, changes=clean)
            self._run_and_save(session, instance, version, workflow, actor, before=before,
                               completed_task_guid=row.task_guid)
            return queries.instance_view(session, instance)

    # -- messages -----------------------------------------------------------------------------

    def deliver_message(self, message_name: str, correlation: Mapping[str, Any] | None = None,
                        payload: Mapping[str, Any] | None = None, *, actor: str) -> list[int]:
        """Deliver a message to the instances waiting for it (or start the process it starts).

        Returns the ids of the instances that received it."""
        messages.check_payload(message_name, correlation, payload)
        # The correlation values travel in the message too: the receiving diagram reads them from it.
        payload = {**(correlation or {}), **(payload or {})}
        with self._writing() as session:
            receivers = self._route(session, message_name, dict(correlation or {}), payload, actor, 0)
            if not receivers:
                raise messages.no_receiver(message_name, correlation or {})
            return receivers

    def _route(self, session: Session, message_name: str, correlation: dict[str, Any], payload: dict[str, Any],
               actor: str, hops: int) -> list[int]:
        if hops > MAX_MESSAGE_HOPS:
            raise ClerkflowError(f'Message "{message_name}" bounced between instances more than '
                                 f"{MAX_MESSAGE_HOPS} times; check the diagrams for a loop.")
        receivers = []
        for instance_id, task_guid in messages.matching_subscriptions(session, message_name, correlation):
            instance = self._locked_instance(session, instance_id, None)
            if instance.status in FINISHED or instance.status == InstanceStatus.SUSPENDED:
                continue
            version = session.get(ProcessVersion, instance.process_version_id)
            workflow = self._restore(instance, version)
            before = instance_data(workflow)
            if not messages.send_to_waiting_task(workflow, task_guid, payload):
                continue
            audit(session, process_key=instance.process_key, actor=actor, action="message", now=clock.now(),
                  instance_id=instance.id, changes=payload, detail=f"received {message_name}")
            self._run_and_save(session, instance, version, workflow, actor, before=before, hops=hops)
            receivers.append(instance.id)
        if receivers:
            return receivers
        for process_key in messages.processes_started_by(session, message_name):
            started = self._start(session, process_key, {}, actor, None, hops=hops + 1,
                                  start_with=lambda wf: messages.send_to_start_event(wf, message_name, payload))
            receivers.append(started.id)
        return receivers

    # -- timers -------------------------------------------------------------------------------

    def fire_due_timers(self, *, actor: str = "scheduler", limit: int = 500) -> int:
        """Fire every timer due by now (strictly past due); returns how many timers fired."""
        fired = 0
        for timer in timers.due_timers(self.database, clock.now(), limit):
            try:
                with self._writing() as session:
                    fired += self._fire(session, timer, actor)
            except Conflict:
                continue   # someone else moved that instance first; its timers are re-derived there
        return fired

    def _fire(self, session: Session, timer, actor: str) -> int:
        if timer.instance_id is None:
            return timers.fire_start_timer(session, timer, clock.now(), self._script_engine,
                                           lambda key: self._start(session, key, {}, actor, None,
                                                                   start_with=timers.fire_timer_start_event))
        instance = self._locked_instance(session, timer.instance_id, None)
        if instance.status not in (InstanceStatus.ACTIVE, InstanceStatus.INCIDENT):
            return 0
        if not timers.still_pending(session, timer):
            return 0   # another caller fired it between our read and our lock
        version = session.get(ProcessVersion, instance.process_version_id)
        workflow = self._restore(instance, version)
        before = instance_data(workflow)
        audit(session, process_key=instance.process_key, actor=actor, action="timer", now=clock.now(),
              instance_id=instance.id, bpmn_id=timer.bpmn_id, task_guid=timer.task_guid)
        self._run_and_save(session, instance, version, workflow, actor, before=before)   # refreshes timers
        return 1

    # -- incidents and repair -------------------------------------------------------------

    def retry_incident(self, incident_id: int, *, actor: str, data_patch: Mapping[str, Any] | None = None) -> InstanceView:
        """Run the failed task again (after the cause was fixed), optionally correcting its data first."""
        with self._writing() as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                raise NotFound(f"No incident {incident_id}.")
            if incident.status != IncidentStatus.OPEN:
                raise InvalidState(f"Incident {incident_id} was already resolved by {incident.resolved_by}.")
            instance = self._locked_instance(session, incident.instance_id, None)
            if instance.status == InstanceStatus.SUSPENDED:
                raise InvalidState(f"Instance {instance.id} is suspended; resume it before retrying.")
            version = session.get(ProcessVersion, instance.process_version_id)
            workflow = self._restore(instance, version)
            before = instance_data(workflow)
            if data_patch and incident.task_guid:
                workflow.get_task_from_id(UUID(incident.task_guid)).data.update(dict(data_patch))
            incident.status, incident.resolved_at, incident.resolved_by = IncidentStatus.RESOLVED, clock.now(), actor
            audit(session, process_key=instance.process_key, actor=actor, action="retry", now=clock.now(),
                  instance_id=instance.id, bpmn_id=incident.bpmn_id, task_guid=incident.task_guid,
                  changes=dict(data_patch or {}), detail=f"incident {incident.id}")
            failure = retry_failed_task(workflow, incident.task_guid)
            self._save(session, instance, version, workflow, actor, before=before, failure=failure)
            return queries.instance_view(session, instance)

    def suspend_instance(self, instance_id: int, *, actor: str, reason: str = "") -> InstanceView:
        return self._set_status(instance_id, actor, "suspend", reason)

    def resume_instance(self, instance_id: int, *, actor: str, reason: str = "") -> InstanceView:
        return self._set_status(instance_id, actor, "resume", reason)

    def terminate_instance(self, instance_id: int, *, actor: str, reason: str = "") -> InstanceView:
        return self._set_status(instance_id, actor, "terminate", reason)

    def _set_status(self, instance_id: int, actor: str, action: str, reason: str) -> InstanceView:
        with self._writing() as session:
            instance = self._locked_instance(session, instance_id, None)
            now = clock.now()
            if instance.status in FINISHED:
                raise InvalidState(f"Instance {instance_id} has already ended ({instance.status.value}).")
            if action == "suspend":
                if instance.status == InstanceStatus.SUSPENDED:
                    raise InvalidState(f"Instance {instance_id} is already suspended.")
                instance.status = InstanceStatus.SUSPENDED
            elif action == "resume":
                if instance.status != InstanceStatus.SUSPENDED:
                    raise InvalidState(f"Instance {instance_id} is not suspended.")
                has_incident = session.scalars(select(Incident.id).where(
                    Incident.instance_id == instance.id, Incident.status == IncidentStatus.OPEN)).first()
                instance.status = InstanceStatus.INCIDENT if has_incident else InstanceStatus.ACTIVE
            else:
                version = session.get(ProcessVersion, instance.process_version_id)
                workflow = self._restore(instance, version)
                workflow.cancel()
                instance.status, instance.ended_at = InstanceStatus.TERMINATED, now
                clear_waiting(session, instance, now, actor)
                for incident in session.scalars(select(Incident).where(Incident.instance_id == instance.id,
                                                                       Incident.status == IncidentStatus.OPEN)):
                    incident.status, incident.resolved_at, incident.resolved_by = IncidentStatus.RESOLVED, now, actor
                instance.state_json = state_to_json(workflow)
            instance.updated_at = now
            audit(session, process_key=instance.process_key, actor=actor, action=action, now=now,
                  instance_id=instance.id, detail=reason)
            session.flush()
            self._warm.forget(instance.id)
            return queries.instance_view(session, instance)

    # -- the step machinery ---------------------------------------------------------------------

    def _writing(self):
        return _Transaction(self)

    def _locked_instance(self, session: Session, instance_id: int, expected_lock_version: int | None) -> ProcessInstance:
        statement = select(ProcessInstance).where(ProcessInstance.id == instance_id)
        if not self.database.is_sqlite:
            statement = statement.with_for_update()
        instance = session.scalars(statement).first()
        if instance is None:
            raise NotFound(f"No process instance {instance_id}.")
        if expected_lock_version is not None and instance.lock_version != expected_lock_version:
            raise Conflict(f"Instance {instance_id} changed since you loaded it; reload and try again.")
        return instance

    def _locked_task(self, session: Session, task_id: int, roles: set[str] | None,
                     expected_lock_version: int | None = None) -> tuple[HumanTask, ProcessInstance]:
        """An open task and its instance, with the instance locked: task rows change only under that lock."""
        instance_id = session.scalars(select(HumanTask.instance_id).where(HumanTask.id == task_id)).first()
        if instance_id is None:
            raise NotFound(f"No task {task_id}.")
        instance = self._locked_instance(session, instance_id, expected_lock_version)
        row = session.get(HumanTask, task_id, populate_existing=True)   # as the lock holder last left it
        self._check_open(row, roles)
        return row, instance

    @staticmethod
    def _check_open(row: HumanTask, roles: set[str] | None) -> None:
        if row.status != TaskStatus.OPEN:
            raise Conflict(f'"{row.title}" was already {row.status.value} by {row.completed_by} '
                           f"at {row.completed_at:%Y-%m-%d %H:%M} UTC.")
        if roles is not None and row.candidate_role and row.candidate_role not in roles:
            raise NotAllowed(f'"{row.title}" is work for the {row.candidate_role} role.')

    @staticmethod
    def _require_running(instance: ProcessInstance) -> None:
        if instance.status == InstanceStatus.SUSPENDED:
            raise InvalidState(f"Instance {instance.id} is suspended; an administrator must resume it first.")
        if instance.status in FINISHED:
            raise InvalidState(f"Instance {instance.id} has ended ({instance.status.value}).")

    def _restore(self, instance: ProcessInstance, version: ProcessVersion) -> BpmnWorkflow:
        workflow = self._warm.take(instance.id, instance.lock_version)
        if workflow is None:
            spec, subprocess_specs = self._specs.get(version.id, lambda: version.spec_json)
            workflow = state_from_json(instance.state_json, spec, subprocess_specs)
        workflow.script_engine = self._script_engine
        self._local.transaction.touched[instance.id] = (instance, workflow)
        return workflow

    def _run_and_save(self, session, instance, version, workflow, actor, *, before, completed_task_guid=None,
                      hops: int = 0) -> None:
        failure = advance(workflow)
        self._save(session, instance, version, workflow, actor, before=before, failure=failure,
                   completed_task_guid=completed_task_guid, hops=hops)

    def _save(self, session, instance, version, workflow, actor, *, before, failure,
              completed_task_guid=None, hops: int = 0) -> None:
        now = clock.now()
        outgoing = workflow.get_events()
        if failure is not None:
            incident = record_incident(session, instance, failure, version.file_name, now)
            session.flush()
            audit(session, process_key=instance.process_key, actor=actor, action="incident", now=now,
                  instance_id=instance.id, bpmn_id=failure.bpmn_id, task_guid=failure.task_guid,
                  detail=f"incident {incident.id}: {failure.error_type}: {failure.error_message}"[:2000])
        after = instance_data(workflow)
        changes = data_changes(before, after)
        if changes:
            audit(session, process_key=instance.process_key, actor=actor, action="data", now=now,
                  instance_id=instance.id, changes=changes)
        instance.state_json = state_to_json(workflow)
        write_derived(session, instance, derive(workflow), now, actor=actor, completed_task_guid=completed_task_guid)
        session.flush()   # bumps lock_version; a concurrent writer's flush fails here or at commit
        for event in outgoing:
            if not isinstance(event.event_definition, MessageEventDefinition):
                continue   # signals and escalations stay inside their instance
            name, correlation, payload = messages.unpack(event)
            delivered = self._route(session, name, correlation, payload, actor, hops + 1)
            audit(session, process_key=instance.process_key, actor=actor, action="send", now=now,
                  instance_id=instance.id, changes=payload,
                  detail=f"sent {name} to {', '.join(map(str, delivered)) or 'nobody (no instance waits for it)'}")


class _Transaction:
    """One engine call's write transaction; turns lost races into `Conflict` and keeps warm workflows."""

    def __init__(self, engine: ProcessEngine):
        self.engine = engine
        self.touched: dict[int, tuple[ProcessInstance, BpmnWorkflow]] = {}

    def __enter__(self) -> Session:
        if getattr(self.engine._local, "transaction", None) is not None:
            raise RuntimeError("engine calls do not nest")
        self._context = self.engine.database.write()
        try:
            session = self._context.__enter__()
        except OperationalError as err:
            raise _as_conflict(err) from err
        self.engine._local.transaction = self
        return session

    def __exit__(self, exc_type, exc, tb):
        self.engine._local.transaction = None
        try:
            self._context.__exit__(exc_type, exc, tb)
        except (StaleDataError, OperationalError) as err:
            self._forget_all()
            raise _as_conflict(err) from err
        if exc_type is not None:
            self._forget_all()
            if issubclass(exc_type, (StaleDataError, OperationalError)):
                raise _as_conflict(exc) from exc
            return False
        for instance_id, (instance, workflow) in self.touched.items():
            if instance.status in FINISHED:
                self.engine._warm.forget(instance_id)
            else:
                self.engine._warm.keep(instance_id, instance.lock_version, workflow)
        return False

    def _forget_all(self):
        for instance_id in self.touched:
            self.engine._warm.forget(instance_id)


def _as_conflict(err: Exception) -> Exception:
    if isinstance(err, StaleDataError):
        return Conflict("Someone else changed this instance at the same moment; reload and try again.")
    text = str(err).lower()
    if any(word in text for word in ("locked", "could not serialize", "deadlock", "busy")):
        return Conflict("The database is busy with another change to the same work; try again in a moment.")
    return err
