"""The engine's read side: lists and lookups over the derived rows, never over workflow state."""
from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any, NamedTuple

from datetime import datetime

from sqlalchemy import and_, bindparam, case, false, func, or_, select, true, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from engine import calls, clock, records
from engine.records import INCIDENT, INSTANCE, SUBSCRIPTION, TASK, TIMER, InstanceRecord
from engine.versions import VERSION
from engine.errors import ClerkflowError, NotFound, without_unstorable
from engine.answers import answers_in, stored_answer_variable
from engine.forms import task_data_options, with_task_data_options
from engine.start_needs import StartNeeds, start_needs
from SpiffWorkflow.util.task import TaskState

from engine.models import (AuditEvent, HumanTask, Incident, IncidentStatus, InstanceStatus, MessageSubscription,
                           PendingTimer, ProcessInstance, ProcessVersion, TaskStatus)
from engine.views import (AuditView, CalledView, DiagramView, VariableChanges, IncidentView, InstanceView, SubscriptionView, TaskView, TimerView,
                          VersionView, WaitingCounts)

MAX_PAGE = 500


def latest_version(session: Session, process_key: str) -> ProcessVersion | None:
    return session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == process_key)
                           .order_by(ProcessVersion.version.desc()).limit(1)).first()


def version_view(row: ProcessVersion) -> VersionView:
    return VersionView(row.id, row.process_key, row.version, row.display_name, row.file_name, row.checksum,
                       row.deployed_by, row.deployed_at, tuple(sorted(row.forms)))


INSTANCE_STATUSES = tuple(status.value for status in InstanceStatus)
TASK_STATUSES = tuple(status.value for status in TaskStatus)
# Waits read off the derived rows: an active instance with a pending timer / message subscription.
WAITING_STATUSES = {"waiting_timer": "timer", "waiting_message": "message"}


def task_view(row, business_key: str | None = None, instance_title: str = "") -> TaskView:
    return TaskView(row.id, row.task_guid, row.instance_id, row.process_key, row.bpmn_id, row.title, row.lane,
                    row.candidate_role, row.assignee, row.form_file, row.ui_form_file, row.status.value,
                    row.created_at, row.due_at, row.completed_by, row.completed_at, business_key, instance_title)


def _status(kind: type, value: str, allowed: tuple[str, ...]):
    try:
        return kind(value)
    except ValueError:
        raise ClerkflowError(f'Unknown status "{value}"; use one of: {", ".join(allowed)}.') from None


def incident_view(row) -> IncidentView:
    return IncidentView(row.id, row.instance_id, row.process_key, row.bpmn_id, row.task_title, row.file_name,
                        row.error_type, row.error_message, dict(row.data_seen), row.status.value, row.created_at,
                        row.resolved_at, row.resolved_by)


def task_row(connection: Connection, task_id: int):
    """One human task row (attributes named as the columns), or None."""
    return connection.execute(_SELECT_TASK, {"task_id": task_id}).first()


def instance_view(connection: Connection, record: InstanceRecord, version: int, *, detail: bool = True,
                  with_incidents: bool = True) -> InstanceView:
    open_tasks: tuple[TaskView, ...] = ()
    incidents: tuple[IncidentView, ...] = ()
    if detail:
        open_tasks = tuple(task_view(task, record.business_key, record.title) for task in connection.execute(
            _SELECT_OPEN_TASKS, {"instance_id": record.instance_id}))
        if with_incidents:
            incidents = tuple(incident_view(incident) for incident in connection.execute(
                _SELECT_INCIDENTS, {"instance_id": record.instance_id}))
    steps = tuple(step for step in record.current_steps.split(", ") if step)
    return InstanceView(record.instance_id, record.process_key, version, record.business_key, record.title,
                        record.status.value, steps, record.next_due_at, record.started_by, record.started_at,
                        record.updated_at, record.ended_at, record.lock_version, open_tasks, incidents)


_SELECT_TASK = select(TASK).where(TASK.c.id == bindparam("task_id"))
_SELECT_OPEN_TASKS = select(TASK).where(TASK.c.instance_id == bindparam("instance_id"),
                                        TASK.c.status == TaskStatus.OPEN).order_by(TASK.c.id)
_SELECT_INCIDENTS = select(INCIDENT).where(INCIDENT.c.instance_id == bindparam("instance_id")).order_by(INCIDENT.c.id)
_RECORD_AND_VERSION = (select(*records.RECORD_COLUMNS, VERSION.c.version)
                       .join(VERSION, VERSION.c.id == INSTANCE.c.process_version_id))
_TASK_WITH_INSTANCE = (select(TASK, INSTANCE.c.business_key, INSTANCE.c.title.label("instance_title"))
                       .join(INSTANCE, INSTANCE.c.id == TASK.c.instance_id))


_TASK_ORDERS = {
    "age": (lambda c: c.created_at, lambda c: c.id),
    "due": (lambda c: case((c.due_at.is_(None), 1), else_=0), lambda c: c.due_at, lambda c: c.created_at,
            lambda c: c.id),
}


# How one owner's branch of an inbox is read in index order: "due" as two ranges of ix_human_task_due, the
# tasks with a due date soonest first and those without oldest first (one sort by the CASE above would
# read every open task of the role); the merge then sorts the few rows the branches keep.
_BRANCH_PARTS = {
    "age": ((lambda c: true(), _TASK_ORDERS["age"]),),
    "due": ((lambda c: c.due_at.is_not(None), _TASK_ORDERS["due"][1:]),
            (lambda c: c.due_at.is_(None), _TASK_ORDERS["age"])),
}


def _task_order(order: str):
    try:
        return _TASK_ORDERS[order]
    except KeyError:
        raise ClerkflowError(f'Unknown order "{order}"; use one of: {", ".join(_TASK_ORDERS)}.') from None


def _owners(roles: set[str], also_assigned_to: str | None, among_roles: Collection[str] | None = None) -> list:
    """One condition per UNION ALL branch: each role, no role, and (optionally) a person's claimed
    tasks of roles not in `roles` (so no task is in two branches). With `among_roles` (an office's
    work, say), only the branches of those roles (each still one index range, so the page stays fast)."""
    if among_roles:
        in_office = tuple(among_roles)
        owners = [TASK.c.candidate_role == role for role in sorted(roles) if role in in_office]
        if also_assigned_to is not None:
            others = [role for role in in_office if role not in roles]
            if others:
                owners.append(and_(TASK.c.assignee == also_assigned_to, TASK.c.candidate_role.in_(others)))
        return owners or [false()]
    owners = [TASK.c.candidate_role == role for role in sorted(roles)] + [TASK.c.candidate_role.is_(None)]
    if also_assigned_to is not None:
        others = TASK.c.candidate_role.not_in(sorted(roles)) if roles else TASK.c.candidate_role.is_not(None)
        owners.append(and_(TASK.c.assignee == also_assigned_to, TASK.c.candidate_role.is_not(None), others))
    return owners


def _like_pattern(text: str) -> str:
    text = without_unstorable(text)    # no stored text holds one, and PostgreSQL refuses a NUL in a query
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_condition(text: str | None) -> list:
    """Text in the task's title or its request's business key or title (needs INSTANCE joined)."""
    if not text or not text.strip():
        return []
    pattern = _like_pattern(text.strip().lower())
    return [or_(func.lower(TASK.c.title).like(pattern, escape="\\"),
                func.lower(INSTANCE.c.business_key).like(pattern, escape="\\"),
                func.lower(INSTANCE.c.title).like(pattern, escape="\\"))]


def _with_text(statement, text: str | None):
    condition = _text_condition(text)
    if not condition:
        return statement
    return statement.join(INSTANCE, INSTANCE.c.id == TASK.c.instance_id).where(*condition)


def _page(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


# A tracking number or its beginning, as a clerk types it ("R-2026-00123", "r-2026-001"): the start of a
# business key (engine.tracking numbers them PREFIX-YEAR-NUMBER, in capitals).
TRACKING_NUMBER_START = re.compile(r"[A-Za-z]{1,10}-\d[\d-]*")
# A search with at most this many matches lists and counts them by id; with more, the list looks first
# among this many of the newest instances (at 1 in 20 matching or more they hold a page), then see
# `InstanceSearch`.
SEARCH_BY_ID_UP_TO = 2000
SEARCH_NEWEST_WINDOW = 5000


class InstanceSearch(NamedTuple):
    """A "tracking number or title contains" search, resolved with `ix_process_instance_search` (0013).

    `matching`: the condition, as an index finds it; `instance_ids`: every match, or None when there are
    more than SEARCH_BY_ID_UP_TO; then `newest_first` is the condition the list uses: on SQLite the
    matches collected from the index once, kept while the list's own index is read newest first (read
    from the index entries, so no row is fetched that is not shown), at most two index scans however
    many match and wherever they fall in the list."""
    matching: Any
    newest_first: Any
    instance_ids: tuple[int, ...] | None


def instance_search(connection: Connection, key_text: str | None) -> InstanceSearch | None:
    """Business key or title contains the text, in any case; a tracking number or its beginning is the
    start of the business key (as typed, or in capitals, on SQLite), found through the business key's index.

    PostgreSQL reads the pg_trgm index for both. SQLite scans the b-tree holding both columns instead of
    the table; its LIKE already ignores the case of ASCII letters (lower() would only slow the scan)."""
    text = (key_text or "").strip()
    if not text:
        return None
    key, title = INSTANCE.c.business_key, INSTANCE.c.title
    on_sqlite = connection.dialect.name == "sqlite"
    if TRACKING_NUMBER_START.fullmatch(text) and on_sqlite:
        matching = or_(*(and_(key >= start, key < f"{start}\U0010ffff") for start in sorted({text, text.upper()})))
    elif TRACKING_NUMBER_START.fullmatch(text):
        matching = key.ilike(f"{text}%")
    else:
        pattern, like = _like_pattern(text), "like" if on_sqlite else "ilike"
        matching = or_(*(getattr(column, like)(pattern, escape="\\") for column in (key, title)))
    # `id + 0`: SQLite may not fetch the matches by id and sort them all for one page
    newest_first = (INSTANCE.c.id + 0).in_(select(INSTANCE.c.id).where(matching)) if on_sqlite else matching
    found = tuple(connection.execute(select(INSTANCE.c.id).where(matching).limit(SEARCH_BY_ID_UP_TO + 1)).scalars())
    return InstanceSearch(matching, newest_first, found if len(found) <= SEARCH_BY_ID_UP_TO else None)


def _not_matching_ids(connection: Connection, search: InstanceSearch) -> tuple[int, ...] | None:
    """The ids of the instances a search with many matches leaves out, if there are few of them."""
    found = tuple(connection.execute(select(INSTANCE.c.id).where(~func.coalesce(search.matching, false()))
                                     .limit(SEARCH_BY_ID_UP_TO + 1)).scalars())
    return found if len(found) <= SEARCH_BY_ID_UP_TO else None


class Queries:
    """Read calls of `ProcessEngine`; each opens a short read-only session."""

    database: Any

    def versions(self, process_key: str | None = None) -> list[VersionView]:
        with self.database.read() as session:
            statement = select(ProcessVersion).order_by(ProcessVersion.process_key, ProcessVersion.version)
            if process_key:
                statement = statement.where(ProcessVersion.process_key == process_key)
            return [version_view(row) for row in session.scalars(statement)]

    def latest_form(self, process_key: str, form_file: str) -> dict[str, Any] | None:
        """A form stored with the newest deployed version of `process_key` (a start event's form, say); None
        when that process is not deployed or its newest version has no such form."""
        with self.database.read() as session:
            version = latest_version(session, process_key)
            return (version.forms or {}).get(form_file) if version is not None else None

    def start_needs(self, process_key: str) -> StartNeeds:
        """What starting the latest version of `process_key` by hand must give (its start form, and the
        variables its first automatic steps read before anything sets them)."""
        with self.database.read() as session:
            version = latest_version(session, process_key)
            if version is None:
                raise NotFound(f'No process "{process_key}" is deployed.')
            return start_needs(version.bpmn_xml, process_key)

    def form_schema(self, task_id: int) -> dict[str, Any] | None:
        """The JSON Schema of a task's form, from the version the task's instance runs on, with any
        choices the form takes from the task's data (`options_from_task_data_var:`) filled in."""
        schema = self._form_file(task_id, "form_file")
        if schema is None or not task_data_options(schema):
            return schema
        return with_task_data_options(schema, self.task_data(task_id))

    def task_data(self, task_id: int) -> dict[str, Any]:
        """The data a user task sees, read from the stored state (the workflow is not restored)."""
        with self.database.read() as session:
            task = session.get(HumanTask, task_id)
            if task is None:
                raise NotFound(f"No task {task_id}.")
            task_guid = task.task_guid
            state_json = session.scalar(select(ProcessInstance.state_json)
                                        .where(ProcessInstance.id == task.instance_id))
        return stored_task_data(state_json or "", task_guid)

    def form_answers(self, task_id: int) -> dict[str, Any]:
        """The answers a task's form starts from: the task's data, or the dict its
        `spiffworkflow:variableName` holds (engine.answers)."""
        with self.database.read() as session:
            task = session.get(HumanTask, task_id)
            if task is None:
                raise NotFound(f"No task {task_id}.")
            connection = session.connection()
            version_id, state_json = connection.execute(select(INSTANCE.c.process_version_id, INSTANCE.c.state_json)
                                                        .where(INSTANCE.c.id == task.instance_id)).one()
            around = calls.stored_processes_around(state_json or "", task.task_guid)
            version = calls.forms_of_task(connection, self._versions, self._versions.get(connection, version_id),
                                          task.instance_id, around)
            variable = stored_answer_variable([version.spec, *version.subprocess_specs.values()],
                                              around[0] if around else None, task.bpmn_id)
            task_guid = task.task_guid
        return answers_in(stored_task_data(state_json or "", task_guid), variable)

    def form_ui_schema(self, task_id: int) -> dict[str, Any] | None:
        """The UI schema (field order, widgets) of a task's form, where the diagram names one."""
        return self._form_file(task_id, "ui_form_file")

    def _form_file(self, task_id: int, which: str) -> dict[str, Any] | None:
        with self.database.read() as session:
            task = session.get(HumanTask, task_id)
            if task is None:
                raise NotFound(f"No task {task_id}.")
            form_file = getattr(task, which)
            if not form_file:
                return None
            connection = session.connection()
            version = self._versions.get(connection, connection.execute(
                select(INSTANCE.c.process_version_id).where(INSTANCE.c.id == task.instance_id)).scalar_one())
            if version.called_processes:   # a task of a called process has that process's forms
                state_json = connection.execute(select(INSTANCE.c.state_json)
                                                .where(INSTANCE.c.id == task.instance_id)).scalar_one()
                version = calls.forms_of_task(connection, self._versions, version, task.instance_id,
                                              calls.stored_processes_around(state_json, task.task_guid))
            return version.forms.get(form_file)

    def get_instance(self, instance_id: int) -> InstanceView:
        with self.database.read() as session:
            connection = session.connection()
            row = connection.execute(_RECORD_AND_VERSION.where(INSTANCE.c.id == instance_id)).first()
            if row is None:
                raise NotFound(f"No process instance {instance_id}.")
            return instance_view(connection, InstanceRecord(*row[:-1]), row[-1])

    def list_instances(self, *, status: str | None = None, process_key: str | None = None,
                       business_key: str | None = None, limit: int = 50, offset: int = 0,
                       version: int | None = None, waiting: str | None = None, key_text: str | None = None,
                       started_from: datetime | None = None, started_before: datetime | None = None,
                       overdue: bool = False) -> list[InstanceView]:
        """Instances, most recently changed first (without their tasks: `get_instance` has those).

        Filters: `status` (an instance status, or "waiting_timer" / "waiting_message": active instances
        with a pending timer / message subscription row); `process_key` and `version`; `business_key`
        exactly, or `key_text` found case-insensitively in the business key or title (a tracking number
        or its beginning: the start of the business key, see `instance_search`); started in
        `started_from <= started_at < started_before`; `overdue`: not ended and `next_due_at` already past."""
        conditions = self._instance_conditions(
            status=status, process_key=process_key, business_key=business_key, version=version, waiting=waiting,
            started_from=started_from, started_before=started_before, overdue=overdue)
        newest_first, page, skip = (INSTANCE.c.updated_at.desc(), INSTANCE.c.id.desc()), _page(limit), max(0, offset)
        with self.database.read() as session:
            connection = session.connection()
            search, rows = instance_search(connection, key_text), []
            if search is not None and search.instance_ids == ():
                return []
            if search is not None and search.instance_ids is not None:
                conditions.append(INSTANCE.c.id.in_(search.instance_ids))
            elif search is not None:
                # Many match. Where they are dense among the newest (a word of every title, this year's
                # numbers), the newest rows hold the page and the answer is the same; else the whole list.
                window = select(INSTANCE.c.id).where(*conditions).order_by(*newest_first).limit(
                    min(SEARCH_NEWEST_WINDOW, 20 * (page + skip)))
                rows = connection.execute(_RECORD_AND_VERSION.where(INSTANCE.c.id.in_(window), search.matching)
                                          .order_by(*newest_first).limit(page).offset(skip)).all()
                conditions.append(search.newest_first)
            if len(rows) < page:
                rows = connection.execute(_RECORD_AND_VERSION.where(*conditions).order_by(*newest_first)
                                          .limit(page).offset(skip)).all()
            return [instance_view(connection, InstanceRecord(*row[:-1]), row[-1], detail=False) for row in rows]

    def count_instances(self, *, process_key: str | None = None, business_key: str | None = None,
                        version: int | None = None, key_text: str | None = None,
                        started_from: datetime | None = None, started_before: datetime | None = None,
                        overdue: bool = False) -> dict[str, int]:
        """How many instances per status (with the filters of `list_instances`), and of the active ones how
        many wait on a timer (`waiting_timer`) and on a message (`waiting_message`)."""
        filters = dict(process_key=process_key, business_key=business_key, version=version,
                       started_from=started_from, started_before=started_before, overdue=overdue)
        # With a range filter, group by an expression: otherwise SQLite walks the whole status index to
        # group rather than the few rows the started_at / next_due_at index finds.
        ranged = started_from is not None or started_before is not None or overdue
        with self.database.read() as session:
            connection = session.connection()
            search = instance_search(connection, key_text)
            if search is None:
                return self._counts(connection, filters, [], ranged)
            if search.instance_ids == ():
                return {name: 0 for name in (*INSTANCE_STATUSES, "waiting_timer", "waiting_message")}
            if search.instance_ids is not None:
                return self._counts(connection, filters, [INSTANCE.c.id.in_(search.instance_ids)], ranged)
            if connection.dialect.name != "sqlite":   # one parallel scan testing each row: the quickest there
                return self._counts(connection, filters, [search.matching], ranged)
            # Most instances match: count them as all less the few that do not (each of those read once),
            # rather than reading every matching row for its status.
            left_out = _not_matching_ids(connection, search)
            if left_out is None:
                matching = INSTANCE.c.id.in_(select(INSTANCE.c.id).where(search.matching))
                return self._counts(connection, filters, [matching], ranged)
            every = self._counts(connection, filters, [], ranged)
            others = self._counts(connection, filters, [INSTANCE.c.id.in_(left_out)], ranged)
            return {name: every[name] - others[name] for name in every}

    def _counts(self, connection: Connection, filters: dict[str, Any], matching: list, ranged: bool) -> dict[str, int]:
        status_key = func.coalesce(INSTANCE.c.status, INSTANCE.c.status) if ranged else INSTANCE.c.status
        by_status = (select(status_key, func.count()).select_from(INSTANCE)
                     .where(*self._instance_conditions(**filters), *matching).group_by(status_key))
        counts = {value: 0 for value in INSTANCE_STATUSES}
        for status, count in connection.execute(by_status):
            counts[getattr(status, "value", status)] = count
        for waiting, table in (("timer", TIMER), ("message", SUBSCRIPTION)):
            # Driven by the (smaller) wait table: each waiting instance once, then its row checked.
            statement = (select(func.count()).select_from(INSTANCE).where(
                INSTANCE.c.id.in_(select(table.c.instance_id).where(table.c.instance_id.is_not(None))),
                *self._instance_conditions(status=InstanceStatus.ACTIVE.value, **filters), *matching))
            counts[f"waiting_{waiting}"] = int(connection.execute(statement).scalar_one())
        return counts

    @staticmethod
    def _instance_conditions(*, status=None, process_key=None, business_key=None, version=None, waiting=None,
                             started_from=None, started_before=None, overdue=False) -> list:
        conditions = []
        if status in WAITING_STATUSES:
            status, waiting = InstanceStatus.ACTIVE.value, WAITING_STATUSES[status]
        if status:
            conditions.append(INSTANCE.c.status == _status(InstanceStatus, status,
                                                           INSTANCE_STATUSES + tuple(WAITING_STATUSES)))
        if waiting == "timer":
            conditions.append(select(TIMER.c.id).where(TIMER.c.instance_id == INSTANCE.c.id).exists())
        elif waiting == "message":
            conditions.append(select(SUBSCRIPTION.c.id).where(SUBSCRIPTION.c.instance_id == INSTANCE.c.id).exists())
        elif waiting is not None:
            raise ClerkflowError(f'Unknown wait "{waiting}"; use timer or message.')
        if process_key and version is None:   # with a version, the version's id says the process too
            conditions.append(INSTANCE.c.process_key == process_key)
        if version is not None:   # by version id: no join, and the (process_version_id, status) index
            conditions.append(INSTANCE.c.process_version_id.in_(
                select(VERSION.c.id).where(VERSION.c.version == int(version),
                                           *([VERSION.c.process_key == process_key] if process_key else []))))
        if business_key:
            conditions.append(INSTANCE.c.business_key == business_key)
        if started_from is not None:
            conditions.append(INSTANCE.c.started_at >= clock.as_utc(started_from))
        if started_before is not None:
            conditions.append(INSTANCE.c.started_at < clock.as_utc(started_before))
        if overdue:
            conditions.append(INSTANCE.c.next_due_at < clock.now())
            conditions.append(INSTANCE.c.status.not_in([InstanceStatus.COMPLETED, InstanceStatus.TERMINATED]))
        return conditions

    def get_task(self, task_id: int) -> TaskView:
        with self.database.read() as session:
            found = session.connection().execute(_TASK_WITH_INSTANCE.where(TASK.c.id == task_id)).first()
            if found is None:
                raise NotFound(f"No task {task_id}.")
            return task_view(found, found.business_key, found.instance_title)

    def list_tasks(self, *, roles: set[str] | None = None, assignee: str | None = None,
                   instance_id: int | None = None, status: str = "open", limit: int = 50,
                   offset: int = 0, process_key: str | None = None, due_from: datetime | None = None,
                   due_before: datetime | None = None, text: str | None = None,
                   also_assigned_to: str | None = None, order: str = "age",
                   among_roles: Collection[str] | None = None,
                   task_ids: Collection[int] | None = None) -> list[TaskView]:
        """Tasks for an inbox: by candidate roles and/or assignee, oldest first.

        A task whose lane names no role is work for any of the staff, so it is listed for every role set.
        Optional filters: `process_key`; a due window `due_from <= due_at < due_before` (either end
        open); `text` found case-insensitively in the task's title or its request's business key or
        title; `also_assigned_to` (with `roles`) adds that person's claimed tasks of other roles;
        `among_roles`: only tasks for these candidate roles (an office's work: the caller knows which
        roles those are); `task_ids`: only these tasks (a person's
        follow-ups, say). `order`: "age" (oldest first, the default) or "due" (soonest due first, tasks without a due
        date last, then oldest first)."""
        page, skip = _page(limit), max(0, offset)
        sort = _task_order(order)
        if roles is None and assignee is None and instance_id is None and status == TaskStatus.OPEN.value:
            # Every open task (a supervisor's view): read it as the union of every role's inbox, each
            # branch an index range cut at a page, rather than sorting all open tasks for one page.
            roles = set(among_roles) if among_roles else self._open_task_roles()
        conditions = self._task_conditions(assignee=assignee, instance_id=instance_id, status=status,
                                           process_key=process_key, due_from=due_from, due_before=due_before,
                                           among_roles=among_roles if roles is None else None, task_ids=task_ids)
        if roles is None:
            statement = _TASK_WITH_INSTANCE.where(*conditions, *_text_condition(text))
            statement = statement.order_by(*(key(TASK.c) for key in sort)).limit(page).offset(skip)
        else:
            # One branch per role, each read in index order and cut at a page, so the inbox stays fast
            # however many tasks other roles (or this one) have open; then one page of the merge.
            branches = []
            columns = (TASK.c.id, TASK.c.created_at, TASK.c.due_at)
            for owner in _owners(roles, also_assigned_to, among_roles):
                for part, keys in _BRANCH_PARTS[order]:
                    branch = _with_text(select(*columns).where(*conditions, owner, part(TASK.c)), text)
                    branch = branch.order_by(*(key(TASK.c) for key in keys)).limit(page + skip).subquery()
                    branches.append(select(branch.c.id, branch.c.created_at, branch.c.due_at))
            merged = union_all(*branches).subquery()
            page_ids = (select(merged.c.id).order_by(*(key(merged.c) for key in sort)).limit(page).offset(skip))
            statement = _TASK_WITH_INSTANCE.where(TASK.c.id.in_(page_ids)).order_by(*(key(TASK.c) for key in sort))
        with self.database.read() as session:
            return [task_view(found, found.business_key, found.instance_title)
                    for found in session.connection().execute(statement)]

    def _open_task_roles(self) -> set[str]:
        """The candidate roles of the open tasks (read from the inbox index alone)."""
        with self.database.read() as session:
            return set(session.connection().execute(
                select(TASK.c.candidate_role).where(TASK.c.status == TaskStatus.OPEN,
                                                    TASK.c.candidate_role.is_not(None)).distinct()).scalars())

    def count_tasks(self, *, roles: set[str] | None = None, assignee: str | None = None,
                    instance_id: int | None = None, status: str = "open", process_key: str | None = None,
                    due_from: datetime | None = None, due_before: datetime | None = None,
                    text: str | None = None, also_assigned_to: str | None = None,
                    among_roles: Collection[str] | None = None, task_ids: Collection[int] | None = None) -> int:
        """How many tasks `list_tasks` with the same filters would list over all its pages."""
        conditions = self._task_conditions(assignee=assignee, instance_id=instance_id, status=status,
                                           process_key=process_key, due_from=due_from, due_before=due_before,
                                           among_roles=among_roles if roles is None else None, task_ids=task_ids)
        if roles is None:
            statement = _with_text(select(func.count()).select_from(TASK).where(*conditions), text)
        else:
            branches = [_with_text(select(TASK.c.id).where(*conditions, owner), text)
                        for owner in _owners(roles, also_assigned_to, among_roles)]
            statement = select(func.count()).select_from(union_all(*branches).subquery())
        with self.database.read() as session:
            return int(session.connection().execute(statement).scalar_one())

    @staticmethod
    def _task_conditions(*, assignee, instance_id, status, process_key, due_from, due_before, among_roles=None,
                         task_ids=None) -> list:
        conditions = [TASK.c.status == _status(TaskStatus, status, TASK_STATUSES)]
        if among_roles:
            conditions.append(TASK.c.candidate_role.in_(sorted(among_roles)))
        if task_ids is not None:
            conditions.append(TASK.c.id.in_(sorted(set(task_ids))))
        if assignee is not None:
            conditions.append(TASK.c.assignee == assignee)
        if instance_id is not None:
            conditions.append(TASK.c.instance_id == instance_id)
        if process_key:
            conditions.append(TASK.c.process_key == process_key)
        if due_from is not None:
            conditions.append(TASK.c.due_at >= clock.as_utc(due_from))
        if due_before is not None:
            conditions.append(TASK.c.due_at < clock.as_utc(due_before))
        return conditions

    def pending_timers(self, *, instance_id: int | None = None, limit: int = 100) -> list[TimerView]:
        with self.database.read() as session:
            statement = select(PendingTimer).order_by(PendingTimer.due_at).limit(_page(limit))
            if instance_id is not None:
                statement = statement.where(PendingTimer.instance_id == instance_id)
            return [TimerView(row.id, row.instance_id, row.process_key, row.bpmn_id, row.kind, row.due_at)
                    for row in session.scalars(statement)]

    def subscriptions(self, *, instance_id: int | None = None) -> list[SubscriptionView]:
        with self.database.read() as session:
            statement = select(MessageSubscription).order_by(MessageSubscription.id)
            if instance_id is not None:
                statement = statement.where(MessageSubscription.instance_id == instance_id)
            return [SubscriptionView(row.instance_id, row.bpmn_id, row.message_name, json.loads(row.correlation_key))
                    for row in session.scalars(statement)]

    def list_incidents(self, *, status: str | None = "open", instance_id: int | None = None,
                       limit: int = 100) -> list[IncidentView]:
        with self.database.read() as session:
            statement = select(Incident).order_by(Incident.created_at.desc()).limit(_page(limit))
            if status and status != "all":
                statement = statement.where(Incident.status == _status(IncidentStatus, status, ("open", "resolved", "all")))
            if instance_id is not None:
                statement = statement.where(Incident.instance_id == instance_id)
            return [incident_view(row) for row in session.scalars(statement)]

    def audit_trail(self, instance_id: int) -> list[AuditView]:
        with self.database.read() as session:
            return [AuditView(row.at, row.actor, row.action, row.bpmn_id, dict(row.changes), row.detail)
                    for row in session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                               .order_by(AuditEvent.id))]

    # -- what happened since a reader last looked (mail, exports) ------------------------------
    # Readers keep their own cursor (the last id they looked at). Ids are handed out in order but,
    # on PostgreSQL, may commit out of order: a reader re-reads a little behind its cursor.

    def latest_event_id(self) -> int:
        with self.database.read() as session:
            return session.scalar(select(func.max(AuditEvent.id))) or 0

    def variable_changes(self, *, after: int = 0, upto: int, instance_ids: Collection[int] | None = None
                         ) -> list[VariableChanges]:
        """The variables each audit event in (after, upto] set, oldest first; only those instances if named."""
        statement = (select(AuditEvent.id, AuditEvent.instance_id, AuditEvent.changes)
                     .where(AuditEvent.id > after, AuditEvent.id <= upto).order_by(AuditEvent.id))
        if instance_ids is not None:
            if not instance_ids:
                return []
            statement = statement.where(AuditEvent.instance_id.in_(list(instance_ids)))
        with self.database.read() as session:
            return [VariableChanges(event_id, instance_id, dict(changes or {}))
                    for event_id, instance_id, changes in session.execute(statement)]

    def latest_task_id(self) -> int:
        with self.database.read() as session:
            return session.scalar(select(func.max(HumanTask.id))) or 0

    def open_tasks_created(self, *, after: int = 0, upto: int) -> list[tuple[int, datetime]]:
        """(task id, created at) of each task in (after, upto] that is still open, oldest first."""
        with self.database.read() as session:
            return [(task_id, created_at) for task_id, created_at in session.execute(
                select(HumanTask.id, HumanTask.created_at)
                .where(HumanTask.id > after, HumanTask.id <= upto, HumanTask.status == TaskStatus.OPEN)
                .order_by(HumanTask.id))]

    # -- monitoring: diagrams and where instances wait ---------------------------------------

    def instance_tasks(self, instance_id: int) -> list[TaskView]:
        """Every human task of an instance, open or done, in the order they were created (who did what when)."""
        with self.database.read() as session:
            return [task_view(row, row.business_key, row.instance_title) for row in session.connection().execute(
                _TASK_WITH_INSTANCE.where(TASK.c.instance_id == instance_id).order_by(TASK.c.id))]

    def instance_diagram(self, instance_id: int) -> DiagramView:
        """The BPMN of the instance's version and which elements completed, are open, wait or failed.

        Open tasks, timers, subscriptions and incidents come from the derived rows; the completed
        elements from the stored state, read once as JSON (task states only, the workflow is not restored)."""
        with self.database.read() as session:
            connection = session.connection()
            row = connection.execute(select(INSTANCE.c.process_key, INSTANCE.c.process_version_id, INSTANCE.c.state_json,
                                            VERSION.c.version, VERSION.c.bpmn_xml)
                                     .join(VERSION, VERSION.c.id == INSTANCE.c.process_version_id)
                                     .where(INSTANCE.c.id == instance_id)).first()
            if row is None:
                raise NotFound(f"No process instance {instance_id}.")
            active = connection.execute(select(TASK.c.bpmn_id).where(
                TASK.c.instance_id == instance_id, TASK.c.status == TaskStatus.OPEN).order_by(TASK.c.id)).scalars()
            timers = connection.execute(select(TIMER.c.bpmn_id, TIMER.c.due_at).where(
                TIMER.c.instance_id == instance_id).order_by(TIMER.c.due_at)).all()
            messages = connection.execute(select(SUBSCRIPTION.c.bpmn_id, SUBSCRIPTION.c.message_name).where(
                SUBSCRIPTION.c.instance_id == instance_id).order_by(SUBSCRIPTION.c.id)).all()
            failed = connection.execute(select(INCIDENT.c.bpmn_id).where(
                INCIDENT.c.instance_id == instance_id, INCIDENT.c.status == IncidentStatus.OPEN)).scalars()
            version = self._versions.get(connection, row.process_version_id)
            completed, data = read_state(row.state_json, version)
            return DiagramView(instance_id, row.process_key, row.version, row.bpmn_xml,
                               completed, tuple(dict.fromkeys(active)),
                               tuple((bpmn_id, clock.as_utc(due)) for bpmn_id, due in timers),
                               tuple((bpmn_id, name) for bpmn_id, name in messages), tuple(dict.fromkeys(failed)), data)

    def called_versions(self, instance_id: int) -> list[CalledView]:
        """The processes of other files the instance calls: the version of each pinned at its start, and how
        far each run has come (engine.calls)."""
        with self.database.read() as session:
            connection = session.connection()
            state_json = connection.execute(select(INSTANCE.c.state_json).where(INSTANCE.c.id == instance_id)).scalar()
            if state_json is None:
                raise NotFound(f"No process instance {instance_id}.")
            return calls.called_views(connection, self._versions, instance_id, state_json)

    def version_diagram(self, process_key: str, version: int) -> tuple[VersionView, str]:
        """A deployed version and its BPMN XML."""
        with self.database.read() as session:
            row = session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == process_key,
                                                               ProcessVersion.version == version)).first()
            if row is None:
                raise NotFound(f'No version {version} of process "{process_key}" is deployed.')
            return version_view(row), row.bpmn_xml

    def version_decisions(self, process_key: str, version: int) -> dict[str, str]:
        """The DMN files (name -> XML) deployed with a version, for the modeler."""
        with self.database.read() as session:
            found = session.execute(select(VERSION.c.decisions).where(VERSION.c.process_key == process_key,
                                                                     VERSION.c.version == version)).scalar()
            if found is None:
                raise NotFound(f'No version {version} of process "{process_key}" is deployed.')
            return dict(found)

    def version_counts(self) -> dict[int, dict[str, int]]:
        """Per process version id: how many instances in each status."""
        counts: dict[int, dict[str, int]] = {}
        with self.database.read() as session:
            for version_id, status, count in session.connection().execute(
                    select(INSTANCE.c.process_version_id, INSTANCE.c.status, func.count())
                    .group_by(INSTANCE.c.process_version_id, INSTANCE.c.status)):
                counts.setdefault(version_id, {value: 0 for value in INSTANCE_STATUSES})[status.value] = count
        return counts

    def waiting_by_element(self, version_id: int) -> list[WaitingCounts]:
        """Where the instances of one version wait now: open tasks, timers, messages and incidents per element."""
        of_version = select(INSTANCE.c.id).where(INSTANCE.c.process_version_id == version_id).scalar_subquery()
        counts: dict[str, dict[str, int]] = {}
        queries_by_kind = {
            "tasks": select(TASK.c.bpmn_id, func.count()).where(TASK.c.status == TaskStatus.OPEN,
                                                                 TASK.c.instance_id.in_(of_version)),
            "timers": select(TIMER.c.bpmn_id, func.count()).where(TIMER.c.instance_id.in_(of_version)),
            "messages": select(SUBSCRIPTION.c.bpmn_id, func.count()).where(SUBSCRIPTION.c.instance_id.in_(of_version)),
            "incidents": select(INCIDENT.c.bpmn_id, func.count()).where(INCIDENT.c.status == IncidentStatus.OPEN,
                                                                        INCIDENT.c.instance_id.in_(of_version)),
        }
        with self.database.read() as session:
            connection = session.connection()
            for kind, statement in queries_by_kind.items():
                bpmn_id_column = statement.selected_columns[0]
                for bpmn_id, count in connection.execute(statement.group_by(bpmn_id_column)):
                    counts.setdefault(bpmn_id, {})[kind] = count
        return [WaitingCounts(bpmn_id, **kinds) for bpmn_id, kinds in sorted(counts.items())]


_CURRENT = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


def read_state(state_json: str, version) -> tuple[tuple[str, ...], dict[str, Any]]:
    """From a stored state read as JSON (the workflow is not restored): the bpmn ids of the flow nodes
    that completed, and the data as the latest step left it (where it waits now merged over the last
    finished step, as `engine.derive.instance_data` does)."""
    if not state_json:
        return (), {}
    names: dict[str, str] = {}
    for spec in [version.spec, *version.subprocess_specs.values()]:
        for name, task_spec in spec.task_specs.items():
            if getattr(task_spec, "bpmn_id", None):
                names[name] = task_spec.bpmn_id
    state = json.loads(state_json)
    tasks: dict[str, dict] = dict(state.get("tasks", {}))
    for sub in state.get("subprocesses", {}).values():
        tasks.update(sub.get("tasks", {}))
    completed, current, finished = [], [], []
    for index, task in enumerate(tasks.values()):
        bpmn_id = names.get(task.get("task_spec"))
        if not bpmn_id:
            continue
        task_state = task.get("state", 0)
        if task_state == TaskState.COMPLETED:
            completed.append(bpmn_id)
        if task_state & TaskState.FINISHED_MASK:
            finished.append((index, task))
        elif task_state & _CURRENT:
            current.append((index, task))
    if state.get("completed") and state.get("data"):
        return tuple(dict.fromkeys(completed)), dict(state["data"])   # the workflow's own data, once it has ended
    # Ties (a frozen clock, one instant) go to the task furthest along its branch, then to the one created last,
    # as engine.derive.instance_data does.
    depths: dict[str, int] = {}

    def depth(task: dict) -> int:
        """How many ancestors the task has (walked, not recursed: a long loop makes a deep tree)."""
        chain, parent = [], task.get("parent")
        while parent is not None and parent in tasks and parent not in depths:
            chain.append(parent)
            parent = tasks[parent].get("parent")
        known = depths.get(parent, -1) if parent is not None and parent in tasks else -1
        for guid in reversed(chain):
            known += 1
            depths[guid] = known
        return known + 1

    order = lambda pair: (pair[1].get("last_state_change") or 0, depth(pair[1]), pair[0])   # noqa: E731
    if finished:
        current.append(max(finished, key=order))
    data: dict[str, Any] = dict(state.get("data") or {}) if not current else {}
    known: dict[str, dict[str, Any]] = {}
    for _index, task in sorted(current, key=order):
        data.update(_task_data(task, tasks, known))
    return tuple(dict.fromkeys(completed)), data


def stored_task_data(state_json: str, task_guid: str) -> dict[str, Any]:
    """One task's data from a stored state read as JSON; empty when the task is not in it."""
    if not state_json:
        return {}
    state = json.loads(state_json)
    tasks: dict[str, dict] = dict(state.get("tasks", {}))
    for sub in state.get("subprocesses", {}).values():
        tasks.update(sub.get("tasks", {}))
    task = tasks.get(task_guid)
    return _task_data(task, tasks, {}) if task is not None else {}


def _task_data(task: dict, tasks: dict[str, dict], known: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A task's data from stored state: SpiffWorkflow keeps a child's data as a delta on its parent's."""
    chain = []
    while task is not None and task["id"] not in known:
        chain.append(task)
        parent = task.get("parent")
        task = tasks.get(parent) if parent else None
    data = dict(known[task["id"]]) if task is not None else {}
    for each in reversed(chain):
        delta = each.get("delta") or {}
        if each.get("parent") is None or not delta:
            data = dict(each.get("data") or {}) if each.get("parent") is None else data
        else:
            data = {**data, **(delta.get("updates") or {})}
            for key in delta.get("deletions") or ():
                data.pop(key, None)
        known[each["id"]] = data
    return data
