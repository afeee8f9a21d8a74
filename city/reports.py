"""Dashboard figures for open records requests and fee money (K.S.A. 45-218(d) three business days; Art. 6 fees).

Read-only. Everything comes from rows the engine already derives and from the fee ledgers; no
workflow is ever restored:

- a request is a `process_instance` of `records_request` (its tracking number is the business key);
- its facts come from its `audit_event` rows, the values each step set:
  `received_at` and `response_due_at` (set at intake), the office (from the latest
  `custodian_role`, `custodian:<office_key>`: routing sends a request without a known office to
  the City Clerk, and a referral changes it), the **first step** (the earliest task a person
  completed on it, normally "Review the request") and **acted on** (the step that sent
  `request_acted_on`: the records were provided or the request was denied in whole; that step is
  the one whose changes first carry `deadline_watch`, the message the deadline watch answers with).
  Only the events carrying one of those values are read, and of them only the values, through
  partial indexes (`engine.models.REPORT_FACT_WHERE`): a year of a large city's requests is read
  without touching the letters and forms the other events hold;
- fee money comes from `fee_assessment`, `fee_collection` and `fee_transmittal`, read as
  `city.ledger.fee_audit_report` reads what each request was charged;
- records handed out free (Art. 6 (a)(6): no form for records reproduced for free public distribution)
  are `free_distribution` instances, one per entry at the counter, with their copies and office in the
  start event's changes; the weekly table counts their copies beside the requests.

Weeks start on Monday and months on the 1st, in city time (Kansas, Central time); all bucketing is
done here in Python, so the queries stay the same on SQLite and PostgreSQL (but for the JSON
predicate the partial index needs word for word). Business days are K.S.A. 45-217 business days
(`city.rules.business_calendar`) with the city's closure days.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Text, case, column, func, or_, select, text, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement, FromClause

from engine import ENDED_STATUSES, INSTANCE_STATUSES, clock
from engine.models import COMPLETED_WHERE, REPORT_FACT_KEYS, REPORT_FACT_WHERE, AuditEvent, ProcessInstance
from city.models import FeeAssessment, FeeCollection, FeeTransmittal, Office
from city.rules.fees import cents
from city.rules.roles import office_of_custodian_role
from city.rules.business_calendar import city_day, is_business_day

RECORDS_REQUEST = "records_request"
FREE_DISTRIBUTION = "free_distribution"
OPEN_STATUSES = tuple(status for status in INSTANCE_STATUSES if status not in ENDED_STATUSES)
STATUTORY_BUSINESS_DAYS = 3
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class RequestFacts:
    """What the dashboards know of one records request (instants in UTC)."""

    instance_id: int
    tracking_number: str
    office_key: str
    status: str
    received_at: datetime
    response_due_at: datetime | None
    first_step_at: datetime | None
    acted_on_at: datetime | None
    closed_at: datetime | None      # when the instance completed (every branch ended)
    current_steps: str


@dataclass(frozen=True)
class WeekRow:
    week_start: date                # a Monday, city time
    received: int
    acted_on: int
    closed: int
    handed_out: int = 0             # copies of records for free distribution handed out, asked for without a form


@dataclass(frozen=True)
class HandOut:
    """One entry at the counter: copies of a record reproduced for free public distribution, no form, no fee."""

    instance_id: int
    office_key: str
    handed_out_at: datetime
    record_title: str
    copies: int


@dataclass(frozen=True)
class ResponseRow:
    office_key: str | None          # None: all offices together
    received: int
    first_step: int
    median_days_to_first_step: float | None
    acted_on: int
    median_days_to_acted_on: float | None
    due_so_far: int                 # acted on, or past the deadline without it
    within_deadline: int
    share_within_deadline: float | None   # within_deadline / due_so_far, 0..1


@dataclass(frozen=True)
class OverdueRow:
    tracking_number: str
    instance_id: int
    office_key: str
    received_at: datetime
    response_due_at: datetime
    business_days_late: int
    status: str
    current_steps: str


@dataclass(frozen=True)
class FeeMonthRow:
    month: date                     # the 1st, city time
    office_key: str
    charged: Decimal
    paid: Decimal
    billed: Decimal
    transmitted: Decimal


# -- time ------------------------------------------------------------------------------------------

def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def business_days_between(start: datetime, end: datetime, city_closures: Collection[date] = ()) -> int:
    """Business days after the city day of `start` up to and including the city day of `end`.

    Received Monday and acted on Wednesday is 2; acted on the day received is 0. The same count
    as the statutory deadline: within 3 means by the end of the third business day after receipt."""
    return BusinessDays(city_closures).between(start, end)


class BusinessDays:
    """`business_days_between` for many moments: a running count of business days per city day, each
    day counted once, so each of a dashboard's thousands of requests costs a subtraction."""

    def __init__(self, city_closures: Collection[date] = ()):
        self._closures = frozenset(city_closures)
        self._running: dict[date, int] = {}   # business days from the first day asked about (0) to this one
        self._first = self._last = None

    def between(self, start: datetime, end: datetime) -> int:
        first, last = city_day(start), city_day(end)
        return self._count(last) - self._count(first) if last > first else 0

    def _count(self, day: date) -> int:
        running = self._running
        if self._first is None:
            self._first = self._last = day
            running[day] = 0
        one_day = timedelta(days=1)
        while day > self._last:                  # a later day: + 1 if it is a business day
            previous, self._last = self._last, self._last + one_day
            running[self._last] = running[previous] + is_business_day(self._last, self._closures)
        while day < self._first:                 # an earlier day: - 1 if the day after it is one
            later, self._first = self._first, self._first - one_day
            running[self._first] = running[later] - is_business_day(later, self._closures)
        return running[day]


# -- the requests' facts ---------------------------------------------------------------------------

def request_facts(connection: Connection, *, since: datetime, office_key: str | None = None) -> list[RequestFacts]:
    """Every records request still open, or closed at or after `since`, with its facts from the audit trail.

    Of each request's audit trail two things are read: the time of its first completed task, and the
    few events whose changes carry a fact (intake, routing, a referral, the step that acted on it), and
    of those only the five values. Both come through partial indexes (ix_audit_event_completed,
    ix_audit_event_report_fact), so the letters and forms in the other events are never read."""
    # Found in ix_process_instance_process_ended alone; only the rows found are read (SQLite keeps the
    # whole workflow state in the row, so reading every request's row would cost more than the rest).
    request_ids = select(ProcessInstance.id).where(
        ProcessInstance.process_key == RECORDS_REQUEST,
        or_(ProcessInstance.ended_at.is_(None), ProcessInstance.ended_at >= since))
    first_step_at = (select(func.min(AuditEvent.at))
                     .where(text(COMPLETED_WHERE), AuditEvent.instance_id == ProcessInstance.id)
                     .scalar_subquery().label("first_step_at"))
    instances = connection.execute(
        select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.status, ProcessInstance.started_at,
               ProcessInstance.ended_at, ProcessInstance.current_steps, first_step_at)
        .where(ProcessInstance.id.in_(request_ids)).order_by(ProcessInstance.id)).all()
    # The events carrying a fact are picked from the partial index alone, and only their JSON is read:
    # asked in one go, PostgreSQL would rather read every event's JSON than the index (it costs reading
    # JSON as nearly nothing). Each value comes as SQL text (json_extract, ->>), so no JSON is decoded
    # here. Parallel paths make later events report other paths' values as None: only a value counts,
    # so the step that acted on the request is the first whose deadline_watch is not null.
    fact_event_ids = select(AuditEvent.id).where(text(REPORT_FACT_WHERE[connection.dialect.name]),
                                                 AuditEvent.instance_id.in_(request_ids))
    source, (received, due, role, office, deadline_watch) = _fact_values(connection.dialect.name)
    events: dict[int, list[Any]] = defaultdict(list)
    for event in connection.execute(
            select(AuditEvent.instance_id, received, due, role, office,
                   case((deadline_watch.is_not(None), AuditEvent.at)))
            .select_from(source).where(AuditEvent.id.in_(fact_event_ids)).order_by(AuditEvent.id)).all():
        events[event[0]].append(event)
    facts = []
    for row in instances:
        fact = _facts_of(row, events.get(row.id, ()))
        if office_key is None or fact.office_key == office_key:
            facts.append(fact)
    return facts


def _fact_values(dialect: str) -> tuple[FromClause, list[ColumnElement[str]]]:
    """Where to select from, and the five values an event may carry, as SQL text (a string stays a string)."""
    if dialect == "postgresql":
        # One json_to_record reads each event's JSON once; five ->> would read it five times.
        record = func.json_to_record(AuditEvent.changes).table_valued(
            *(column(key, Text) for key in REPORT_FACT_KEYS)).render_derived(name="fact", with_types=True)
        return AuditEvent.__table__.join(record, true()), [record.c[key] for key in REPORT_FACT_KEYS]
    return AuditEvent.__table__, [AuditEvent.changes[key].as_string() for key in REPORT_FACT_KEYS]


def _facts_of(instance: Any, events: Iterable[Any]) -> RequestFacts:
    """One request's facts from its instance row (with its first step) and, in order, its events carrying
    a fact as (instance_id, received_at, response_due_at, custodian_role, office_key, acted on at)."""
    received_at = response_due_at = acted_on_at = None
    office = ""
    for _, received, due, role, office_named, acted_at in events:
        if received_at is None and received:
            received_at = _instant(received)
        if response_due_at is None and due:
            response_due_at = _instant(due)
        # The office is the one whose custodian works the request: routing sends an empty or unknown
        # office_key to the City Clerk, and a referral changes the role, so the role is the surer guide.
        if isinstance(role, str) and (custodian_office := office_of_custodian_role(role)):
            office = custodian_office
        elif office_named and not office:
            office = str(office_named)
        if acted_on_at is None:
            acted_on_at = acted_at
    status = getattr(instance.status, "value", instance.status)
    return RequestFacts(
        instance_id=instance.id, tracking_number=instance.business_key or f"#{instance.id}", office_key=office,
        status=status, received_at=received_at or instance.started_at, response_due_at=response_due_at,
        first_step_at=instance.first_step_at, acted_on_at=acted_on_at,
        closed_at=instance.ended_at if status == "completed" and instance.ended_at else None,
        current_steps=instance.current_steps or "")


def _instant(value: Any) -> datetime | None:
    try:
        return clock.as_utc(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def _within(moment: datetime | None, since: datetime, until: datetime) -> bool:
    return moment is not None and since <= moment < until


def hand_outs(connection: Connection, since: datetime, until: datetime, *,
              office_key: str | None = None) -> list[HandOut]:
    """The records handed out free recorded in [since, until), of one office or of all, oldest first."""
    rows = connection.execute(
        select(ProcessInstance.id, ProcessInstance.started_at, AuditEvent.changes)
        .join(AuditEvent, AuditEvent.instance_id == ProcessInstance.id)
        .where(ProcessInstance.process_key == FREE_DISTRIBUTION, AuditEvent.action == "start",
               ProcessInstance.started_at >= since, ProcessInstance.started_at < until)
        .order_by(ProcessInstance.id)).all()
    found = [HandOut(row.id, str(row.changes.get("office_key") or ""), row.started_at,
                     str(row.changes.get("record_title") or ""), int(row.changes.get("copies") or 0))
             for row in rows]
    return [hand_out for hand_out in found if office_key is None or hand_out.office_key == office_key]


# -- the tables ------------------------------------------------------------------------------------

def requests_per_week(facts: Iterable[RequestFacts], since: datetime, until: datetime,
                      handed_out: Iterable[HandOut] = ()) -> list[WeekRow]:
    """Requests received, acted on and closed in each week (Monday to Sunday, city time) of [since, until),
    and the copies of records for free distribution handed out (`handed_out`, asked for without a form)."""
    counts: dict[date, list[int]] = {}
    week = week_of(city_day(since))
    last = city_day(until - timedelta(microseconds=1))
    while week <= last:
        counts[week] = [0, 0, 0, 0]
        week += timedelta(days=7)
    for fact in facts:
        for index, moment in enumerate((fact.received_at, fact.acted_on_at, fact.closed_at)):
            if _within(moment, since, until):
                counts[week_of(city_day(moment))][index] += 1
    for hand_out in handed_out:
        if _within(hand_out.handed_out_at, since, until):
            counts[week_of(city_day(hand_out.handed_out_at))][3] += hand_out.copies
    return [WeekRow(week, *values) for week, values in counts.items()]


def response_times(facts: Iterable[RequestFacts], since: datetime, until: datetime, now: datetime,
                   city_closures: Collection[date] = ()) -> list[ResponseRow]:
    """For requests received in [since, until), per office and for all: business days to the first step and
    to acting on it, and the share acted on by the statutory deadline (of those acted on or past it)."""
    days = BusinessDays(city_closures)
    by_office: dict[str, list[_Response]] = defaultdict(list)
    for fact in facts:
        if _within(fact.received_at, since, until):
            by_office[fact.office_key].append(_response_of(fact, now, days))
    rows = [_response_row(office, group) for office, group in sorted(by_office.items())]
    if rows:
        rows.append(_response_row(None, [response for group in by_office.values() for response in group]))
    return rows


class _Response(NamedTuple):
    """One request's part in its response times row."""

    days_to_first_step: int | None
    days_to_acted_on: int | None
    due_so_far: bool
    within_deadline: bool


def _response_of(fact: RequestFacts, now: datetime, days: BusinessDays) -> _Response:
    to_first = days.between(fact.received_at, fact.first_step_at) if fact.first_step_at else None
    if fact.acted_on_at is None:   # its outcome is known once it is past its deadline
        return _Response(to_first, None, fact.response_due_at is not None and fact.response_due_at < now, False)
    to_acted = days.between(fact.received_at, fact.acted_on_at)
    # Acted on by the deadline the request was given; without one, within 3 business days.
    within = (fact.acted_on_at <= fact.response_due_at if fact.response_due_at is not None
              else to_acted <= STATUTORY_BUSINESS_DAYS)
    return _Response(to_first, to_acted, True, within)


def _response_row(office: str | None, group: list[_Response]) -> ResponseRow:
    to_first = [one.days_to_first_step for one in group if one.days_to_first_step is not None]
    to_acted = [one.days_to_acted_on for one in group if one.days_to_acted_on is not None]
    due = sum(one.due_so_far for one in group)
    within = sum(one.within_deadline for one in group)
    return ResponseRow(office, len(group), len(to_first), _median(to_first), len(to_acted), _median(to_acted),
                       due, within, within / due if due else None)


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def overdue_now(facts: Iterable[RequestFacts], now: datetime, city_closures: Collection[date] = ()) -> list[OverdueRow]:
    """Open requests not acted on whose response deadline has passed, the longest overdue first."""
    days = BusinessDays(city_closures)
    rows = [OverdueRow(f.tracking_number, f.instance_id, f.office_key, f.received_at, f.response_due_at,
                       days.between(f.response_due_at, now), f.status, f.current_steps)
            for f in facts
            if f.status in OPEN_STATUSES and f.acted_on_at is None and f.response_due_at is not None
            and f.response_due_at < now]
    return sorted(rows, key=lambda row: (row.response_due_at, row.tracking_number))


def fees_per_month(connection: Connection, since: datetime, until: datetime,
                   office_key: str | None = None) -> list[FeeMonthRow]:
    """Per month (city time) and office: fees charged, collected (paid, billed) and transmitted in [since, until).

    Charged: each request's latest assessment before `until` (the final fees replace the estimate;
    a denial's "no fee" replaces it with 0.00), in the month it was made, as `fee_audit_report`
    reads it. Paid and billed: each collection in the month it was recorded. Transmitted: each
    transmittal to the City Clerk in the month the custodian handed it over."""
    sums: dict[tuple[date, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
    # A request's latest assessment before `until` counts only when made in the range, so the latest of
    # those made in the range is the one; its office decides the filter (the estimate's may differ).
    ranked = select(FeeAssessment.office_key, FeeAssessment.assessed_at, FeeAssessment.total,
                    func.row_number().over(partition_by=FeeAssessment.tracking_number,
                                           order_by=(FeeAssessment.assessed_at.desc(), FeeAssessment.id.desc()))
                    .label("newest")).where(FeeAssessment.assessed_at >= since,
                                            FeeAssessment.assessed_at < until).subquery()
    charged = select(ranked.c.office_key, ranked.c.assessed_at, ranked.c.total).where(ranked.c.newest == 1)
    collected = select(FeeCollection.office_key, FeeCollection.collected_at, FeeCollection.amount,
                       FeeCollection.method).where(FeeCollection.collected_at >= since,
                                                   FeeCollection.collected_at < until)
    transmitted = select(FeeTransmittal.office_key, FeeTransmittal.transmitted_at, FeeTransmittal.amount).where(
        FeeTransmittal.transmitted_at >= since, FeeTransmittal.transmitted_at < until)
    if office_key is not None:
        charged = charged.where(ranked.c.office_key == office_key)
        collected = collected.where(FeeCollection.office_key == office_key)
        transmitted = transmitted.where(FeeTransmittal.office_key == office_key)
    for office, assessed_at, total in connection.execute(charged).all():
        sums[(month_of(city_day(assessed_at)), office)][0] += cents(total)
    for office, collected_at, amount, method in connection.execute(collected).all():
        # A refund of a prepayment takes back money paid; billed fees are the third column.
        column, sign = {"paid": (1, 1), "refunded": (1, -1)}.get(method, (2, 1))
        sums[(month_of(city_day(collected_at)), office)][column] += sign * cents(amount)
    for office, transmitted_at, amount in connection.execute(transmitted).all():
        sums[(month_of(city_day(transmitted_at)), office)][3] += cents(amount)
    return [FeeMonthRow(month, office, *values)
            for (month, office), values in sorted(sums.items())]


def months_in(since: datetime, until: datetime) -> list[date]:
    """The months (their 1st) that [since, until) touches, in order."""
    months, month = [], month_of(city_day(since))
    last = city_day(until - timedelta(microseconds=1))
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def office_names(connection: Connection) -> dict[str, str]:
    """office_key -> name, every office the city data knows (active or not), by name."""
    return dict(connection.execute(select(Office.office_key, Office.name).order_by(Office.name)).all())
