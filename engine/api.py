"""The engine's public surface: every call is one transaction and returns frozen views.

`ProcessEngine` is what the web app, the command line, the scheduler and the tests use.
Each state change locks the instance row, restores its workflow (or takes the warm copy
saved at exactly this row version), acts, runs the automatic steps until the workflow
waits, and writes back the state, the derived rows and one audit event. Queries read the
derived rows only (`engine.queries`).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine import calls, clock, messages, queries, records, start_keys, timers
from engine.db import Database
from engine.deploy import (DiagramSource, Problem, check_source, checksum, located_problems, read_diagram, start_events,
                           validate)
from engine.derive import derive, instance_data, settled_incidents
from engine.errors import (ClerkflowError, Conflict, DeployRefused, FormInvalid, InvalidState, NotAllowed, NotFound,
                           require_plain_data)
from engine.answers import store_answers
from engine.forms import field_problems, on_the_form, validate_submission
from engine.helpers import Helper
from engine.message_rules import AnyMessage, MessageRules, Sender
from engine.operators import NoOperators, Operators
from engine.models import IncidentStatus, InstanceStatus, ProcessVersion, TaskStatus
from engine.parsing import ParsedProcess, parse_process
from engine.records import EMPTY, FINISHED, INCIDENT, InstanceRecord, Snapshot
from engine.repairs import InstanceRepairs
from engine.runtime import TaskFailure, advance, find_task, make_script_engine, retry_failed_task
from engine.start_rules import AnyStart, StartRules
from engine.state import DEFAULT_WARM_CACHE_SIZE, WarmWorkflows, spec_to_json, state_from_json, state_to_json
from engine.tracking import next_tracking_number
from engine.transaction import Transaction
from engine.versions import VersionCache, VersionInfo, latest_version_id
from engine.views import DeployResult, InstanceView, TaskView, TimerView

MAX_MESSAGE_HOPS = 20


@dataclass(frozen=True)
class Step:
    """What a call did, for its audit event (the data it changed is added when saving)."""

    action: str
    bpmn_id: str | None = None
    task_guid: str | None = None
    changes: Mapping[str, Any] | None = None
    detail: str = ""


class ProcessEngine(queries.Queries, InstanceRepairs):
    """Deploys diagrams and runs their instances on one database (repairs: engine.repairs)."""

    _step = Step

    def __init__(self, database: Database, *, operators: Operators | None = None,
                 message_rules: MessageRules | None = None, start_rules: StartRules | None = None,
                 script_time_limit: float = 2.0, warm_cache_size: int = DEFAULT_WARM_CACHE_SIZE,
                 helpers: tuple[Helper, ...] = ()):
        """`operators`: what service tasks may call; `message_rules`: who may deliver which message from outside,
        with what payload; `start_rules`: the host's checks on a start by hand, beside its start form (the city's:
        city.office.open_engine hands all three in); `helpers`: what scripts may call beside engine.helpers.HELPERS."""
        self.database = database
        self.operators = operators or NoOperators()
        self.message_rules = message_rules or AnyMessage()
        self.start_rules = start_rules or AnyStart()
        self._local = threading.local()
        self._versions = VersionCache()
        self._warm = WarmWorkflows(warm_cache_size)
        self._script_engine = make_script_engine(self.operators, script_time_limit,
                                                 connection=lambda: self._local.transaction.connection,
                                                 helpers=helpers)
        self.helpers = self._script_engine.environment.helpers   # every helper scripts get, declared

    @contextmanager
    def alongside_each_commit(self, write: Callable[[Connection], None]) -> Iterator[None]:
        """While the block runs, every call of this thread that writes runs `write(connection)` in its
        transaction just before it commits: the caller's own record of what the call did commits with the
        call's effect or not at all (the web API's Idempotency-Key). `write` may raise to refuse the commit;
        the call then changes nothing and its caller gets that error."""
        writes = self._local.__dict__.setdefault("alongside", [])
        writes.append(write)
        try:
            yield
        finally:
            writes.remove(write)

    def _writes_alongside(self) -> tuple[Callable[[Connection], None], ...]:
        return tuple(getattr(self._local, "alongside", ()))

    # -- deploying --------------------------------------------------------------------------

    def deploy_file(self, bpmn_path: Path | str, forms_dir: Path | str | None, *, actor: str) -> DeployResult:
        """Deploy one BPMN file with the forms it names (from forms/<process_key>/ or forms/)."""
        parsed, source = read_diagram(Path(bpmn_path), Path(forms_dir) if forms_dir else None)
        return self._deploy(parsed, source, actor)

    def deploy_source(self, source: DiagramSource, *, actor: str) -> DeployResult:
        """Deploy a diagram given as bytes (an upload from the modeler) with its form files."""
        return self._deploy(parse_process(source.file_name, source.bpmn, source.decisions), source, actor)

    def deploy_directory(self, processes_dir: Path | str, forms_dir: Path | str | None, *,
                         actor: str) -> list[DeployResult]:
        """Deploy every BPMN file of the folder, a called process before the files that call it."""
        return [self.deploy_file(path, forms_dir, actor=actor)
                for path in calls.in_call_order(sorted(Path(processes_dir).glob("*.bpmn")))]

    def _deploy(self, parsed: ParsedProcess, source: DiagramSource, actor: str) -> DeployResult:
        forms = validate(parsed, source, self.operators)
        digest = checksum(source)
        now = clock.now()
        events = start_events(parsed)
        dues = timers.start_timer_dues(source.file_name, events, self._script_engine, now)   # before the lock
        with self._writing() as tx:
            session = tx.session
            latest = queries.latest_version(session, parsed.process_key)
            if problems := calls.call_problems(tx.connection, parsed):
                raise DeployRefused(f"{parsed.file_name} was not deployed: {len(problems)} problem(s) to fix.",
                                    details=problems)
            if latest is not None and latest.checksum == digest:
                return DeployResult(queries.version_view(latest), created=False)
            row = ProcessVersion(
                process_key=parsed.process_key, version=(latest.version + 1) if latest else 1,
                display_name=parsed.display_name, file_name=source.file_name, checksum=digest,
                bpmn_xml=source.bpmn.decode("utf-8"), forms=forms,
                decisions={name: xml.decode("utf-8") for name, xml in source.decisions.items()},
                spec_json=spec_to_json(parsed.spec, parsed.subprocess_specs), start_events=events,
                deployed_by=actor, deployed_at=now)
            session.add(row)
            session.flush()
            timers.schedule_start_timers(session, row, dues)
            records.audit(tx.connection, process_key=row.process_key, actor=actor, action="deploy", now=now,
                          detail=f"version {row.version} of {source.file_name} ({digest[:12]})")
            self._versions.put(VersionInfo(row.id, row.process_key, row.version, row.display_name, row.file_name,
                                           dict(forms), parsed.spec, parsed.subprocess_specs))
            return DeployResult(queries.version_view(row), created=True)

    # -- starting ---------------------------------------------------------------------------

    def start_instance(self, process_key: str, data: Mapping[str, Any] | None = None, *, actor: str,
                       business_key: str | None = None, tracking_prefix: str | None = None,
                       start_key: str | None = None) -> InstanceView:
        """Start the latest version. With `tracking_prefix` ("R") the instance is numbered R-2026-00042:
        that number is its business key and the data variable `tracking_number`. Data the start is refused
        on (`check_start`) starts nothing and takes no number. With `start_key` (the caller's key for this
        one start, engine.start_keys) a start sent again starts nothing and answers the first one's instance."""
        require_plain_data("The start data", data)
        if start_key is not None:
            start_keys.check(start_key)
        try:
            with self._writing() as tx:
                earlier = start_keys.started_by(tx.connection, start_key) if start_key is not None else None
                if earlier is None:
                    data = dict(data or {})
                    self._refuse_bad_start(tx.connection, process_key, data)
                    if tracking_prefix is not None:
                        business_key = next_tracking_number(tx.connection, tracking_prefix, clock.now())
                        data["tracking_number"] = business_key
                    record = self._start(tx, process_key, data, actor, business_key)
                    if start_key is not None:
                        start_keys.remember(tx.connection, start_key, record.instance_id)
                    return self._view(tx, record)
        except IntegrityError:     # the same start, sent twice at once: the other one's commit came first
            with self.database.read() as session:
                earlier = start_keys.started_by(session.connection(), start_key) if start_key is not None else None
            if earlier is None:
                raise
        return self.get_instance(earlier)

    def start_scheduled_instance(self, process_key: str, *, actor: str,
                                 data: Mapping[str, Any] | None = None) -> InstanceView:
        """Start now a process that a timer start event starts on its schedule (the yearly compliance report), as
        if its timer had fired: for the demo, and for a run the schedule has not come to yet. The schedule itself
        is unchanged; `data` is the instance's first data (what the diagram reads for a run before its day).
        `InvalidState` when the process has no timer start event (start it by hand instead)."""
        with self._writing() as tx:
            version_id = latest_version_id(tx.connection, process_key)
            if version_id is None:
                raise NotFound(f'No process "{process_key}" is deployed; deploy its diagram first.')
            if not timers.has_timer_start(self._versions.get(tx.connection, version_id).spec):
                raise InvalidState(f'The process "{process_key}" does not start on a schedule; start it by hand.')
            return self._view(tx, self._start(tx, process_key, dict(data or {}), actor, None,
                                              prime=timers.prime_timer_start_event))

    def check_start(self, process_key: str, data: Mapping[str, Any]) -> None:
        """Refuse, with `FormInvalid` naming each field, data a start by hand of `process_key` would be refused
        on (engine.start_rules): its start form's fields against the form, then the host's start rules. A page
        asks before it files, to show every problem beside what was typed; `start_instance` asks again."""
        with self.database.read() as session:
            self._refuse_bad_start(session.connection(), process_key, dict(data))

    def _refuse_bad_start(self, connection: Connection, process_key: str, data: dict[str, Any]) -> None:
        version_id = latest_version_id(connection, process_key)
        if version_id is None:
            return                      # nothing deployed: the start itself says so
        version = self._versions.get(connection, version_id)
        form_file = version.start_form_file
        form = version.forms.get(form_file) if form_file else None
        problems = field_problems(version.form_validator(form_file), on_the_form(form, data))
        for name, message in self.start_rules.start_problems(process_key, data).items():
            problems.setdefault(name, message)
        if problems:
            title = (form or {}).get("title") or version.display_name
            raise FormInvalid(f'"{title}" was not started: {len(problems)} field(s) need attention.', problems)

    def _start(self, tx: Transaction, process_key: str, data: dict[str, Any], actor: str,
               business_key: str | None, *, start_with: Callable[[BpmnWorkflow], None] | None = None,
               prime: Callable[[BpmnWorkflow], None] | None = None, hops: int = 0) -> InstanceRecord:
        """`prime` runs before the first step (a timer start event); `start_with` once the start event
        waits (a message start event)."""
        version_id = latest_version_id(tx.connection, process_key)
        if version_id is None:
            raise NotFound(f'No process "{process_key}" is deployed; deploy its diagram first.')
        version = self._versions.get(tx.connection, version_id)
        pins = calls.pin(tx.connection, self._versions, version)   # the called versions it runs to its end
        workflow = BpmnWorkflow(version.spec, calls.subprocess_specs(tx.connection, self._versions, version, pins),
                                script_engine=self._script_engine)
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        now = clock.now()
        record = InstanceRecord(
            instance_id=None, process_version_id=version.version_id, process_key=process_key,
            business_key=business_key, title=f"{version.display_name}{f' {business_key}' if business_key else ''}",
            status=InstanceStatus.ACTIVE, current_steps="", next_due_at=None, started_by=actor, started_at=now,
            updated_at=now, ended_at=None, lock_version=1)
        if prime is not None:
            prime(workflow)
        if start_with is not None:
            workflow.do_engine_steps()   # let the start event begin waiting for what starts it
            start_with(workflow)
        called = "".join(f"; calls {key} version {self._versions.get(tx.connection, version_id).version}"
                         for key, version_id in pins.items())
        self._run_and_save(tx, record, version, workflow, actor,
                           Step("start", changes=data, detail=f"version {version.version}{called}"),
                           before={}, stored=EMPTY, hops=hops, pins=pins)
        return record

    # -- human tasks --------------------------------------------------------------------------

    def claim_task(self, task_id: int, *, actor: str, roles: set[str] | None = None) -> TaskView:
        with self._writing() as tx:
            task, record = self._locked_task(tx, task_id, roles)
            if task.assignee and task.assignee != actor:
                raise Conflict(f'"{task.title}" is already claimed by {task.assignee}.')
            return self._assign(tx, task, record, actor, actor, "claim")

    def unclaim_task(self, task_id: int, *, actor: str, roles: set[str] | None = None,
                     administrator: bool = False) -> TaskView:
        with self._writing() as tx:
            task, record = self._locked_task(tx, task_id, roles)
            if task.assignee and task.assignee != actor and not administrator:
                raise NotAllowed(f'"{task.title}" is claimed by {task.assignee}; only they or an administrator '
                                 "can release it.")
            return self._assign(tx, task, record, None, actor, "unclaim")

    def assign_task(self, task_id: int, assignee: str | None, *, actor: str, roles: set[str] | None = None,
                    supervisor: bool = False, assignee_roles: set[str] | None = None) -> TaskView:
        """Give an open task to `assignee` (None: back to the shared inbox).

        The person who claimed a task may delegate it; a supervisor may reassign any open task,
        whoever holds it. `roles` are the actor's (checked unless `supervisor`); `assignee_roles`,
        when given, are the new assignee's, who must hold the task's candidate role. Who may be
        given work at all (an active account) is the caller's to know."""
        with self._writing() as tx:
            task, record = self._locked_task(tx, task_id, None if supervisor else roles)
            if not supervisor and task.assignee != actor:
                holder = f"claimed by {task.assignee}" if task.assignee else "not claimed by you"
                raise NotAllowed(f'"{task.title}" is {holder}; only the person who claimed it or a supervisor '
                                 "can hand it to someone else.")
            if assignee == task.assignee:
                raise InvalidState(f'"{task.title}" is already '
                                   f'{f"assigned to {assignee}" if assignee else "in the shared inbox"}.')
            if (assignee is not None and assignee_roles is not None and task.candidate_role
                    and task.candidate_role not in assignee_roles):
                raise NotAllowed(f'{assignee} cannot be given "{task.title}": it is work for the '
                                 f"{task.candidate_role} role, which they do not hold.")
            action = "reassign" if supervisor and task.assignee != actor else "delegate"
            detail = f"from {task.assignee or 'the shared inbox'} to {assignee or 'the shared inbox'}"
            return self._assign(tx, task, record, assignee, actor, action, detail)

    def _assign(self, tx: Transaction, task, record: InstanceRecord, assignee: str | None, actor: str,
                action: str, detail: str = "") -> TaskView:
        records.set_assignee(tx.connection, task.id, assignee)
        records.audit(tx.connection, process_key=record.process_key, actor=actor, action=action, now=clock.now(),
                      instance_id=record.instance_id, bpmn_id=task.bpmn_id, task_guid=task.task_guid, detail=detail)
        return queries.task_view(queries.task_row(tx.connection, task.id))

    def complete_task(self, task_id: int, submission: Mapping[str, Any], *, actor: str,
                      roles: set[str] | None = None, expected_lock_version: int | None = None) -> InstanceView:
        """Complete a user task with the form's data (validated against its JSON Schema)."""
        require_plain_data(f"The data for task {task_id}", submission)
        with self._writing() as tx:
            task, record = self._locked_task(tx, task_id, roles, expected_lock_version)
            if task.assignee and task.assignee != actor:
                raise Conflict(f'"{task.title}" is claimed by {task.assignee}; ask them or an administrator to '
                               "release it first.")
            self._require_running(record)
            version = self._versions.get(tx.connection, record.process_version_id)
            workflow, stored = self._restore(tx, record, version)
            ready = find_task(workflow, task.task_guid)
            if ready is None or ready.state != TaskState.READY:
                raise Conflict(f'"{task.title}" is no longer waiting to be done; reload to see what changed.')
            forms = calls.forms_of_task(tx.connection, self._versions, version, record.instance_id,
                                        calls.processes_around(ready.workflow))   # a called process's own forms
            clean = validate_submission(forms.form_validator(task.form_file, ready.data), dict(submission), task.title)
            before = instance_data(workflow)
            store_answers(ready, clean)
            # Run under the failure handling: a step after the task that cannot be made ready (a timer
            # with a bad date) is an incident on that step, not an error that loses the person's answer.
            self._run_and_save(tx, record, version, workflow, actor,
                               Step("complete", task.bpmn_id, task.task_guid, clean),
                               before=before, stored=stored, completed_task_guid=task.task_guid, first=ready.run)
            return self._view(tx, record)

    # -- messages -----------------------------------------------------------------------------

    def deliver_message(self, message_name: str, correlation: Mapping[str, Any] | None = None,
                        payload: Mapping[str, Any] | None = None, *, actor: str,
                        roles: set[str] | frozenset[str] | None = None) -> list[int]:
        """Deliver a message to the instances waiting for it (or start the process it starts), as `actor`
        working under `roles`; `roles=None` is a trusted operator on the server (the command line).

        The engine's message rules decide first (engine.message_rules): NotAllowed when this sender may not
        send it (to a receiving instance), FormInvalid naming the field when the payload fails them.
        Returns the ids of the instances that received it."""
        messages.check_payload(message_name, correlation, payload)
        require_plain_data("The message", [correlation, payload])
        sender = Sender(actor, None if roles is None else frozenset(roles))
        self._refuse_unless_allowed(message_name, sender, None)
        cleaned = self.message_rules.clean_payload(message_name, dict(payload or {}))
        # The correlation values travel in the message too: the receiving diagram reads them from it.
        payload = {**(correlation or {}), **cleaned}
        with self._writing() as tx:
            receivers = self._route(tx, message_name, dict(correlation or {}), payload, actor, 0, sender=sender)
            if not receivers:
                raise messages.no_receiver(message_name, correlation or {})
            return receivers

    def _refuse_unless_allowed(self, message_name: str, sender: Sender, receiver: Mapping[str, Any] | None) -> None:
        reason = self.message_rules.refusal(message_name, sender, receiver)
        if reason:
            raise NotAllowed(reason)

    def _route(self, tx: Transaction, message_name: str, correlation: dict[str, Any], payload: dict[str, Any],
               actor: str, hops: int, *, sender: Sender | None = None) -> list[int]:
        """`sender`: who delivered the message from outside (asked about for each receiver); None when an
        instance threw it."""
        if hops > MAX_MESSAGE_HOPS:
            raise ClerkflowError(f'Message "{message_name}" bounced between instances more than '
                                 f"{MAX_MESSAGE_HOPS} times; check the diagrams for a loop.")
        receivers = []
        def values_for(version_id: int) -> dict[str, Any]:
            version = self._versions.get(tx.connection, version_id)
            properties = messages.correlation_properties([version.spec, *version.subprocess_specs.values()],
                                                         message_name)
            return messages.payload_values(self._script_engine.environment, properties, payload)

        for instance_id, task_guid in messages.matching_subscriptions(tx.session, message_name, values_for):
            record = self._locked_record(tx, instance_id)
            if record.status in FINISHED or record.status == InstanceStatus.SUSPENDED:
                continue
            version = self._versions.get(tx.connection, record.process_version_id)
            workflow, stored = self._restore(tx, record, version)
            before = instance_data(workflow)
            if sender is not None:
                self._refuse_unless_allowed(message_name, sender, before)
            event = messages.event_for_waiting_task(workflow, task_guid, message_name, payload)
            if event is None:
                continue
            # Caught under the failure handling: what starts on it (an event sub-process) may fail as any step.
            self._run_and_save(tx, record, version, workflow, actor,
                               Step("message", detail=f"received {message_name}"),
                               before=before, stored=stored, hops=hops, first=lambda: workflow.send_event(event))
            receivers.append(record.instance_id)
        if receivers:
            return receivers
        for process_key in messages.processes_started_by(tx.session, message_name):
            started = self._start(tx, process_key, {}, actor, None, hops=hops + 1,
                                  start_with=lambda wf: messages.send_to_start_event(wf, message_name, payload))
            receivers.append(started.instance_id)
        return receivers

    # -- timers -------------------------------------------------------------------------------

    def fire_due_timers(self, *, actor: str = "scheduler", limit: int = 500) -> int:
        """Fire every timer due by now (strictly past due); returns how many timers fired."""
        fired = 0
        for timer in timers.due_timers(self.database, clock.now(), limit):
            try:
                with self._writing() as tx:
                    fired += self._fire(tx, timer, actor)
            except Conflict:
                continue   # someone else moved that instance first; its timers are re-derived there
        return fired

    def _fire(self, tx: Transaction, timer: timers.DueTimer, actor: str) -> int:
        if timer.instance_id is None:
            return timers.fire_start_timer(tx.session, timer, clock.now(), self._script_engine,
                                           lambda key: self._start(tx, key, {}, actor, None,
                                                                   prime=timers.prime_timer_start_event))
        record = self._locked_record(tx, timer.instance_id)
        if record.status not in (InstanceStatus.ACTIVE, InstanceStatus.INCIDENT):
            return 0
        if not timers.still_pending(tx.connection, timer):
            return 0   # another caller fired it between our read and our lock
        version = self._versions.get(tx.connection, record.process_version_id)
        workflow, stored = self._restore(tx, record, version)
        self._run_and_save(tx, record, version, workflow, actor, Step("timer", timer.bpmn_id, timer.task_guid),
                           before=instance_data(workflow), stored=stored)   # advance() refreshes the timers
        return 1

    def move_timer(self, timer: int | tuple[int, str], due_at: datetime, *, actor: str,
                   reason: str) -> TimerView:
        """Make an instance's waiting timer fire at `due_at` instead (a deadline extended, a wait cut short).

        `timer` is a pending timer's id or (instance_id, bpmn_id). The SpiffWorkflow timer itself is
        changed, so it fires strictly after the new instant and not at the old one; audited as
        `move_timer` with the old and new due times and the reason (required)."""
        if not (reason or "").strip():
            raise ClerkflowError("Give a reason for moving the timer; it goes into the audit trail.")
        if due_at.tzinfo is None:
            raise ClerkflowError("Give the new due time with its time zone (UTC is assumed nowhere).")
        due_at = clock.as_utc(due_at)
        with self._writing() as tx:
            row = timers.pending_row(tx.connection, timer)
            if row is None:
                raise NotFound(f"No waiting timer {timer}; it may have fired already.")
            if row.instance_id is None:
                raise InvalidState(f'"{row.bpmn_id}" starts the process {row.process_key} on a schedule; '
                                   "change the diagram and deploy it to move it.")
            record = self._locked_record(tx, row.instance_id)
            self._require_running(record)
            version = self._versions.get(tx.connection, record.process_version_id)
            workflow, stored = self._restore(tx, record, version)
            waiting = find_task(workflow, row.task_guid) if row.task_guid else None
            if waiting is None or waiting.state not in (TaskState.WAITING, TaskState.READY, TaskState.FUTURE):
                raise Conflict(f'The timer "{row.bpmn_id}" is no longer waiting; reload to see what changed.')
            timers.set_due(waiting, row.kind, due_at)
            self._run_and_save(tx, record, version, workflow, actor,
                               Step("move_timer", row.bpmn_id, row.task_guid,
                                    {"due_at": {"from": row.due_at.isoformat(), "to": due_at.isoformat()}},
                                    f"{row.bpmn_id} due {due_at:%Y-%m-%d %H:%M} UTC (was {row.due_at:%Y-%m-%d %H:%M}): "
                                    f"{reason.strip()}"),
                               before=instance_data(workflow), stored=stored)
            moved = timers.pending_row(tx.connection, (row.instance_id, row.bpmn_id))
            if moved is None:   # the new time had passed already: it fired in this same call
                return TimerView(row.id, row.instance_id, row.process_key, row.bpmn_id, row.kind, due_at)
            return TimerView(moved.id, moved.instance_id, moved.process_key, moved.bpmn_id, moved.kind, moved.due_at)

    # -- incidents and repair -------------------------------------------------------------

    def retry_incident(self, incident_id: int, *, actor: str,
                       data_patch: Mapping[str, Any] | None = None) -> InstanceView:
        """Run the failed task again (after the cause was fixed), optionally correcting its data first."""
        require_plain_data("The corrected data", data_patch)
        with self._writing() as tx:
            incident = tx.connection.execute(select(INCIDENT).where(INCIDENT.c.id == incident_id)).first()
            if incident is None:
                raise NotFound(f"No incident {incident_id}.")
            if incident.status != IncidentStatus.OPEN:
                raise InvalidState(f"Incident {incident_id} was already resolved by {incident.resolved_by}.")
            record = self._locked_record(tx, incident.instance_id)
            if record.status == InstanceStatus.SUSPENDED:
                raise InvalidState(f"Instance {record.instance_id} is suspended; resume it before retrying.")
            if record.status in FINISHED:   # left open by an instance that ended before ending closed incidents
                records.resolve_incidents(tx.connection, now=clock.now(), actor=actor, incident_id=incident_id)
                records.audit(tx.connection, process_key=record.process_key, actor=actor, action="retry",
                              now=clock.now(), instance_id=record.instance_id, bpmn_id=incident.bpmn_id,
                              task_guid=incident.task_guid,
                              detail=f"incident {incident_id} closed: the instance has ended "
                                     f"({record.status.value}), nothing is left to run")
                return self._view(tx, record)
            version = self._versions.get(tx.connection, record.process_version_id)
            workflow, stored = self._restore(tx, record, version)
            before = instance_data(workflow)
            records.resolve_incidents(tx.connection, now=clock.now(), actor=actor, incident_id=incident_id)
            stored = replace(stored, open_incidents=stored.open_incidents - {incident.task_guid})
            failures = retry_failed_task(workflow, incident.task_guid, dict(data_patch or {}))
            self._save(tx, record, version, workflow, actor,
                       Step("retry", incident.bpmn_id, incident.task_guid, dict(data_patch or {}),
                            f"incident {incident_id}"),
                       before=before, failures=failures, stored=stored)
            return self._view(tx, record)

    def suspend_instance(self, instance_id: int, *, actor: str, reason: str = "") -> InstanceView:
        return self._set_status(instance_id, actor, "suspend", reason)

    def resume_instance(self, instance_id: int, *, actor: str, reason: str = "") -> InstanceView:
        return self._set_status(instance_id, actor, "resume", reason)

    def terminate_instance(self, instance_id: int, *, actor: str, reason: str = "") -> InstanceView:
        return self._set_status(instance_id, actor, "terminate", reason)

    def _set_status(self, instance_id: int, actor: str, action: str, reason: str) -> InstanceView:
        require_plain_data(f"The reason to {action} instance {instance_id}", {"reason": reason})
        with self._writing() as tx:
            record = self._locked_record(tx, instance_id)
            now = clock.now()
            state_json = None
            if record.status in FINISHED:
                raise InvalidState(f"Instance {instance_id} has already ended ({record.status.value}).")
            if action == "suspend":
                if record.status == InstanceStatus.SUSPENDED:
                    raise InvalidState(f"Instance {instance_id} is already suspended.")
                record.status = InstanceStatus.SUSPENDED
            elif action == "resume":
                if record.status != InstanceStatus.SUSPENDED:
                    raise InvalidState(f"Instance {instance_id} is not suspended.")
                has_incident = records.has_open_incident(tx.connection, instance_id)
                record.status = InstanceStatus.INCIDENT if has_incident else InstanceStatus.ACTIVE
            else:
                version = self._versions.get(tx.connection, record.process_version_id)
                workflow, _stored = self._restore(tx, record, version)
                workflow.cancel()
                record.status, record.ended_at = InstanceStatus.TERMINATED, now
                records.clear_waiting(tx.connection, record, now, actor)
                records.resolve_incidents(tx.connection, now=now, actor=actor, instance_id=instance_id)
                state_json = state_to_json(workflow)
            record.updated_at = now
            records.update_instance(tx.connection, record, state_json)
            records.audit(tx.connection, process_key=record.process_key, actor=actor, action=action, now=now,
                          instance_id=instance_id, detail=reason)
            self._warm.forget(instance_id)
            return self._view(tx, record)

    # -- the step machinery ---------------------------------------------------------------------

    def _writing(self) -> Transaction:
        return Transaction(self)

    def _locked_record(self, tx: Transaction, instance_id: int,
                       expected_lock_version: int | None = None) -> InstanceRecord:
        record = records.load_instance(tx.connection, instance_id, lock=not self.database.is_sqlite)
        if record is None:
            raise NotFound(f"No process instance {instance_id}.")
        if expected_lock_version is not None and record.lock_version != expected_lock_version:
            raise Conflict(f"Instance {instance_id} changed since you loaded it; reload and try again.")
        return record

    def _locked_task(self, tx: Transaction, task_id: int, roles: set[str] | None,
                     expected_lock_version: int | None = None):
        """An open task and its instance, with the instance locked: task rows change only under that lock."""
        task = queries.task_row(tx.connection, task_id)
        if task is None:
            raise NotFound(f"No task {task_id}.")
        record = self._locked_record(tx, task.instance_id, expected_lock_version)
        if not self.database.is_sqlite:
            # Read again now that we hold the lock: under READ COMMITTED the first read may predate
            # the writer we waited for. (SQLite's BEGIN IMMEDIATE already held the write lock.)
            task = queries.task_row(tx.connection, task_id)
        if task.status != TaskStatus.OPEN:
            raise Conflict(f'"{task.title}" was already {task.status.value} by {task.completed_by} '
                           f"at {task.completed_at:%Y-%m-%d %H:%M} UTC.")
        if roles is not None and task.candidate_role and task.candidate_role not in roles:
            raise NotAllowed(f'"{task.title}" is work for the {task.candidate_role} role.')
        return task, record

    @staticmethod
    def _require_running(record: InstanceRecord) -> None:
        if record.status == InstanceStatus.SUSPENDED:
            raise InvalidState(f"Instance {record.instance_id} is suspended; an administrator must resume it first.")
        if record.status in FINISHED:
            raise InvalidState(f"Instance {record.instance_id} has ended ({record.status.value}).")

    def _restore(self, tx: Transaction, record: InstanceRecord, version: VersionInfo) -> tuple[BpmnWorkflow, Snapshot]:
        warm = self._warm.take(record.instance_id, record.lock_version)
        if warm is not None:
            workflow, stored = warm
        else:
            pins = calls.pinned(tx.connection, record.instance_id) if version.called_processes else {}
            workflow = state_from_json(records.load_state(tx.connection, record.instance_id), version.spec,
                                       calls.subprocess_specs(tx.connection, self._versions, version, pins))
            stored = records.load_snapshot(tx.connection, record.instance_id)
        workflow.script_engine = self._script_engine
        return workflow, stored

    def _run_and_save(self, tx: Transaction, record: InstanceRecord, version: VersionInfo, workflow: BpmnWorkflow,
                      actor: str, step: Step, *, before: dict[str, Any], stored: Snapshot,
                      completed_task_guid: str | None = None, hops: int = 0,
                      first: Callable[[], None] | None = None, pins: Mapping[str, int] | None = None) -> None:
        failures = advance(workflow, first=first)
        self._save(tx, record, version, workflow, actor, step, before=before, failures=failures, stored=stored,
                   completed_task_guid=completed_task_guid, hops=hops, pins=pins)

    def _save(self, tx: Transaction, record: InstanceRecord, version: VersionInfo, workflow: BpmnWorkflow,
              actor: str, step: Step, *, before: dict[str, Any], failures: list[TaskFailure], stored: Snapshot,
              completed_task_guid: str | None = None, hops: int = 0, pins: Mapping[str, int] | None = None) -> None:
        """Write the state, derived rows, audit event and incidents; then route the messages the instance threw.

        Each failure opens an incident (or refreshes the open one of its task). An open incident stays
        open, and the instance `incident`, until it is retried or its task no longer runs (cancelled, or
        the instance ended: then it is closed here)."""
        connection, now = tx.connection, clock.now()
        outgoing = workflow.get_events()
        derived = derive(workflow)
        incidents = stored.open_incidents | {failure.task_guid for failure in failures}
        settled = settled_incidents(workflow, incidents)
        records.apply_derived(record, derived, now, incidents_open=bool(incidents - settled))
        state_json = state_to_json(workflow)
        if record.instance_id is None:
            records.insert_instance(connection, record, state_json)
            calls.remember(connection, record.instance_id, dict(pins or {}))   # a message back restores it with them
        else:
            records.update_instance(connection, record, state_json)
        snapshot = records.write_derived(connection, record, derived, stored, now, actor=actor,
                                         completed_task_guid=completed_task_guid)
        changes = records.data_changes(before, instance_data(workflow))
        changes.update(records.json_safe(dict(step.changes or {})))
        records.audit(connection, process_key=record.process_key, actor=actor, action=step.action, now=now,
                      instance_id=record.instance_id, bpmn_id=step.bpmn_id, task_guid=step.task_guid,
                      changes=changes, detail=step.detail)
        for failure in failures:
            incident_id = records.record_incident(connection, record, failure, version.file_name, now)
            records.audit(connection, process_key=record.process_key, actor=actor, action="incident", now=now,
                          instance_id=record.instance_id, bpmn_id=failure.bpmn_id, task_guid=failure.task_guid,
                          detail=f"incident {incident_id}: {failure.error_type}: {failure.error_message}")
        if settled:
            ended = "the instance ended" if derived.completed else "its step was cancelled"
            for incident_id, bpmn_id, task_guid in records.resolve_incidents(
                    connection, now=now, actor=actor, instance_id=record.instance_id, task_guids=settled):
                records.audit(connection, process_key=record.process_key, actor=actor, action="incident", now=now,
                              instance_id=record.instance_id, bpmn_id=bpmn_id, task_guid=task_guid,
                              detail=f"incident {incident_id} closed: {ended}, nothing is left to retry")
        snapshot = replace(snapshot, has_incidents=snapshot.has_incidents or bool(failures),
                           open_incidents=frozenset(incidents - settled))
        tx.saved[record.instance_id] = (record, workflow, snapshot)
        for event in outgoing:
            if not isinstance(event.event_definition, MessageEventDefinition):
                continue   # signals and escalations stay inside their instance
            name, correlation, payload = messages.unpack(event)
            payload = {**correlation, **payload}   # as deliver_message does: the receiver reads them from it
            delivered = self._route(tx, name, correlation, payload, actor, hops + 1)
            records.audit(connection, process_key=record.process_key, actor=actor, action="send", now=now,
                          instance_id=record.instance_id, changes=payload,
                          detail=f"sent {name} to {', '.join(map(str, delivered)) or 'nobody (no instance waits for it)'}")

    def _view(self, tx: Transaction, record: InstanceRecord) -> InstanceView:
        """The instance as this call left it (incidents looked up only if it ever had one)."""
        version = self._versions.get(tx.connection, record.process_version_id)
        saved = tx.saved.get(record.instance_id)
        with_incidents = saved is None or saved[2].has_incidents
        return queries.instance_view(tx.connection, record, version.version, with_incidents=with_incidents)

    # -- checking without deploying (the modeler) ---------------------------------------------

    def check_source(self, source: DiagramSource) -> list[Problem]:
        """Deploy validation without storing anything: each problem with its element id and line ([]: deployable)."""
        problems = check_source(source, self.operators)
        try:
            parsed = parse_process(source.file_name, source.bpmn)
        except DeployRefused:
            return problems   # check_source said why
        with self.database.read() as session:
            undeployed = calls.call_problems(session.connection(), parsed)
        return problems + (located_problems(DeployRefused("", details=undeployed)) if undeployed else [])
