"""Timers: which are due, and timer start events (a process that starts itself on a schedule).

Timers inside instances are SpiffWorkflow's: the engine only keeps a pending-timer row per
waiting timer (derived after each step) and refreshes the instance when one is due.
Timer start events are the host's: each process version with one has a pending-timer row
without an instance; when it is due the engine starts an instance and, for a cycle,
schedules the next occurrence. However late the firing, a timer fires once.

A timer's expression is Python on the task data, so ISO text is quoted ("P45D"). Analysts coming
from Camunda type it bare (P45D), which SpiffWorkflow reads as a variable name: a diagram's bare
ISO 8601 date, duration or cycle is quoted before it is parsed or stored (`quote_timer_literals`),
and `timer_value_problem` says why an evaluated value cannot drive a timer of its kind.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent

from engine.clock import as_utc
from engine.db import Database
from engine.errors import DeployRefused
from engine.models import InstanceStatus, PendingTimer, ProcessInstance, ProcessVersion


ONE_OCCURRENCE_DUE = "2000-01-01T00:00:00+00:00"

# The shapes of ISO 8601 text written bare in a timer. Loose on purpose: P45X is taken as a mistyped
# duration (and refused as one) rather than as the name of a variable.
_ISO_LITERAL = re.compile(r"\d{4}-\d{2}-\d{2}(?:T[0-9:.,]+(?:Z|[+-][0-9:]+)?)?"   # 2026-12-01T09:00:00-06:00
                          r"|P[0-9T][0-9A-Z.,]*"                                    # P45D, PT72H
                          r"|R[0-9]*/[0-9A-Z:.,+/-]+")                              # R3/PT1H, R/<start>/P1M
_TIMER_TEXT = re.compile(rb"(<(?P<tag>(?:[A-Za-z_][\w.-]*:)?time(?:Date|Duration|Cycle))(?:\s[^>]*)?(?<!/)>)"
                         rb"(?P<text>[^<]*)(?=</(?P=tag)\s*>)")
TIMER_WORDS = {"date": "date-time", "duration": "duration", "cycle": "cycle"}
TIMER_EXAMPLES = {"date": "such as 2026-12-01T09:00:00-06:00", "duration": "such as P45D or PT72H",
                  "cycle": "such as R3/PT1H or R/2026-12-01T09:00:00-06:00/P1M"}


def _bare_iso_literal(expression: str) -> str | None:
    """The ISO 8601 text a timer expression is written as, unquoted (P45D, R3/PT1H), else None."""
    text = expression.strip()
    return text if _ISO_LITERAL.fullmatch(text) else None


def quote_timer_literals(bpmn: bytes) -> bytes:
    """The diagram with every timer written as bare ISO 8601 text quoted (P45D becomes "P45D").

    Quoted in the file rather than read as text when the timer runs, so that the stored BPMN means
    the same to SpiffWorkflow anywhere (SpiffArena evaluates P45D as a name). Everything else is
    kept byte for byte, so lines stay where they were and an unchanged diagram keeps its checksum."""
    def quoted(found: re.Match) -> bytes:
        text = found.group("text")
        literal = _bare_iso_literal(text.decode("ascii", "replace"))
        if literal is None:
            return found.group(0)
        return found.group(1) + text.replace(literal.encode(), b'"' + literal.encode() + b'"', 1)
    return _TIMER_TEXT.sub(quoted, bpmn)


def timer_value_problem(kind: str, value: Any, now: datetime, *, start_event: bool = False) -> str | None:
    """Why `value`, a timer expression's value, cannot drive a `kind` timer ("date", "duration",
    "cycle"), or None. A start event's is checked as the engine schedules it (`first_occurrence`)."""
    expected = f"an ISO 8601 {TIMER_WORDS[kind]} ({TIMER_EXAMPLES[kind]})"
    if not isinstance(value, str):
        hint = "; isoformat(...) writes a date as text" if isinstance(value, datetime) else ""
        return f"gives {type(value).__name__} {value}, where the timer needs the text of {expected}{hint}"
    text = value.strip().upper()
    if kind == "date" and text.startswith(("P", "R")) or kind == "duration" and not text.startswith("P"):
        return f"{value!r} is not {expected}: choose the timer type that fits it (date, duration or cycle)"
    try:
        if start_event:
            first_occurrence(kind, value, now)
        elif kind == "date":
            TimerEventDefinition.get_datetime(value)
        elif kind == "duration":
            _add_duration(now, value)
        else:
            _, _, period = TimerEventDefinition.parse_iso_recurring_interval(value)
            if period <= timedelta(0):
                return f"{value!r} repeats every {period}: a cycle's period must be longer than nothing"
    except ValueError as err:   # Python's date parser and parse_cycle say what is wrong, int() does not
        return f"{value!r} is not {expected}" + ("" if "invalid literal" in str(err) else f": {err}")
    except Exception:   # the library's own parsers raise bare exceptions that say nothing more
        return f"{value!r} is not {expected}"
    return None


@dataclass(frozen=True)
class DueTimer:
    timer_id: int
    instance_id: int | None
    process_key: str
    bpmn_id: str
    task_guid: str | None
    due_at: datetime


def due_timers(database: Database, now: datetime, limit: int) -> list[DueTimer]:
    """Timers strictly past due (SpiffWorkflow fires only after the due instant), oldest first."""
    with database.read() as session:
        rows = session.execute(
            select(PendingTimer.id, PendingTimer.instance_id, PendingTimer.process_key, PendingTimer.bpmn_id,
                   PendingTimer.task_guid, PendingTimer.due_at)
            .outerjoin(ProcessInstance, ProcessInstance.id == PendingTimer.instance_id)
            .where(PendingTimer.due_at < now,
                   or_(PendingTimer.instance_id.is_(None),
                       ProcessInstance.status.in_([InstanceStatus.ACTIVE, InstanceStatus.INCIDENT])))
            .order_by(PendingTimer.due_at).limit(limit)).all()
    return [DueTimer(*row) for row in rows]


def still_pending(connection: Connection, due: DueTimer) -> bool:
    table = PendingTimer.__table__
    return connection.execute(select(table.c.id).where(table.c.id == due.timer_id,
                                                       table.c.due_at == due.due_at)).first() is not None


def next_due_timer(database: Database) -> datetime | None:
    with database.read() as session:
        return session.scalars(select(PendingTimer.due_at).order_by(PendingTimer.due_at).limit(1)).first()


def first_occurrence(kind: str, expression_value: str, now: datetime) -> datetime:
    """When a timer start event first fires, given its evaluated expression."""
    if kind == "date":
        return as_utc(TimerEventDefinition.get_datetime(expression_value))
    if kind == "duration":
        return _add_duration(now, expression_value)
    start, period = parse_cycle(expression_value, now)
    return next_occurrence(start, period, now)


def parse_cycle(expression_value: str, now: datetime) -> tuple[datetime, str]:
    """The first instant and the ISO period of "R[n]/start/period" or "R[n]/period" (starting now)."""
    parts = expression_value.strip().upper().split("/")
    if len(parts) == 3 and not parts[1].startswith("P") and parts[2].startswith("P"):
        return as_utc(TimerEventDefinition.get_datetime(parts[1])), parts[2]
    if len(parts) == 2 and parts[1].startswith("P"):
        return _add_duration(now, parts[1]), parts[1]
    raise ValueError(f"unsupported timer cycle {expression_value!r}; use R/<start>/<period>, e.g. "
                     "R/2026-12-01T09:00:00-06:00/P1M")


def next_occurrence(start: datetime, period: str, after: datetime) -> datetime:
    """The first occurrence start, start+period, start+2*period, ... not before `after`.

    Periods are stepped on the calendar (P1M from 1 December is 1 January, then 1 February)."""
    occurrence = start
    for _ in range(100_000):
        if occurrence >= after:
            return occurrence
        following = _add_duration(occurrence, period)
        if following <= occurrence:
            raise ValueError(f"timer period {period!r} does not move forward")
        occurrence = following
    raise ValueError(f"timer period {period!r} is too short to schedule")


def _add_duration(start: datetime, duration: str) -> datetime:
    parsed = TimerEventDefinition.parse_iso_duration(duration)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def start_timer_dues(file_name: str, start_events: dict, script_engine, now: datetime) -> list[tuple[dict, datetime]]:
    """(timer, when it first fires) for each timer start event of a diagram being deployed.

    Worked out before the deploy's write transaction opens, so that an expression running up to the sandbox's
    limits holds no lock on the database meanwhile."""
    dues = []
    for timer in start_events.get("timers", []):
        value = _evaluate(script_engine, file_name, timer)
        try:
            dues.append((timer, first_occurrence(timer["kind"], value, now)))
        except Exception as err:   # the library's parsers raise bare exceptions on bad ISO text
            raise DeployRefused(f"{file_name}, element '{timer['bpmn_id']}': the start timer {value!r} "
                                f"is not a valid ISO 8601 {timer['kind']} ({err}).") from None
    return dues


def schedule_start_timers(session: Session, version: ProcessVersion, dues: list[tuple[dict, datetime]]) -> None:
    """Replace the process's start-timer rows with those of this (newest) version (`start_timer_dues`)."""
    session.execute(delete(PendingTimer).where(PendingTimer.instance_id.is_(None),
                                               PendingTimer.process_key == version.process_key))
    for timer, due_at in dues:
        session.add(PendingTimer(instance_id=None, process_key=version.process_key, bpmn_id=timer["bpmn_id"],
                                 task_guid=None, kind=timer["kind"], due_at=due_at))


def fire_start_timer(session: Session, due: DueTimer, now: datetime, script_engine,
                     start: Callable[[str], ProcessInstance]) -> int:
    if not still_pending(session.connection(), due):   # fired already by someone else
        return 0
    row = session.get(PendingTimer, due.timer_id)
    version = session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == row.process_key)
                              .order_by(ProcessVersion.version.desc()).limit(1)).one()
    if row.kind == "cycle":
        timer = next(t for t in version.start_events["timers"] if t["bpmn_id"] == row.bpmn_id)
        first, period = parse_cycle(_evaluate(script_engine, version.file_name, timer), now)
        # Catch-up after downtime fires once, then waits for the next occurrence still ahead.
        row.due_at = next_occurrence(first, period, now + timedelta(microseconds=1))
    else:
        session.delete(row)
    session.flush()
    start(row.process_key)
    return 1


def has_timer_start(spec) -> bool:
    """Whether a process spec starts with a timer start event (it runs on a schedule)."""
    return any(isinstance(start.event_definition, TimerEventDefinition) for start in spec.start.outputs
               if isinstance(start, StartEvent))


def prime_timer_start_event(workflow: BpmnWorkflow) -> None:
    """A new instance of a timer-started process: its start event's time has come (the host decided that).

    Called before the first step. A date or duration event is marked fired, so it passes once.
    A cycle left to SpiffWorkflow would add one branch for every period since the cycle's first
    date; it is given exactly one occurrence, already due, instead."""
    for task in workflow.get_tasks():
        definition = getattr(task.task_spec, "event_definition", None)
        if not (isinstance(task.task_spec, StartEvent) and isinstance(definition, TimerEventDefinition)):
            continue
        if isinstance(definition, CycleTimerEventDefinition):
            task._set_internal_data(event_value={"cycles": 1, "next": ONE_OCCURRENCE_DUE, "duration": 10**9})
        else:
            task._set_internal_data(event_fired=True)


def _evaluate(script_engine, file_name: str, timer: dict) -> str:
    try:
        value = script_engine.environment.evaluate(timer["expression"], {})
    except Exception as err:
        raise DeployRefused(f"{file_name}, element '{timer['bpmn_id']}': the start timer expression "
                            f"{timer['expression']!r} cannot be evaluated ({err}); a literal must be quoted, "
                            "e.g. \"R/2026-01-01T09:00:00-06:00/P1M\".") from None
    if not isinstance(value, str):
        raise DeployRefused(f"{file_name}, element '{timer['bpmn_id']}': the start timer expression must "
                            f"give an ISO 8601 text, not {type(value).__name__}.")
    return value


def pending_row(connection: Connection, timer: int | tuple[int, str]):
    """The pending-timer row named by its id or by (instance_id, bpmn_id), or None."""
    table = PendingTimer.__table__
    if isinstance(timer, tuple):
        instance_id, bpmn_id = timer
        condition = (table.c.instance_id == instance_id) & (table.c.bpmn_id == bpmn_id)
    else:
        condition = table.c.id == int(timer)
    return connection.execute(select(table).where(condition).order_by(table.c.due_at).limit(1)).first()


def set_due(task, kind: str, due_at: datetime) -> None:
    """Make a waiting SpiffWorkflow timer fire at `due_at` (UTC): rewrite the value it compares with now.

    A date or duration timer keeps the instant it fires after as ISO text; a cycle keeps it as "next"."""
    value = task.internal_data.get("event_value")
    if kind == "cycle" and isinstance(value, dict):
        task._set_internal_data(event_value={**value, "next": as_utc(due_at).isoformat()})
    else:
        task._set_internal_data(event_value=as_utc(due_at).isoformat())
