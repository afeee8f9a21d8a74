"""engine.reports: the dashboard figures, from requests driven through processes/records_request.bpmn.

Time is moved with time-machine. Monday 2 March 2026, 10:00 in Kansas: a request received then is
due by the end of Thursday 5 March (three business days, K.S.A. 45-218(d)).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from engine.citydata import add_closure
from engine.ledger import fee_audit_report, record_transmittal
from engine.models_city import FeeTransmittal
from engine.reports import (RequestFacts, business_days_between, city_midnight, fees_per_month, months_in,
                            overdue_now, request_facts, requests_per_week, response_times)
import test_records_request as scenario
from test_records_request import (END_OF_THURSDAY, MONDAY_10AM, complete, decide, estimate, file_request,
                                  fire_timers_at, no_privacy_concern, pay, provide, review, tracking_number)

# The records request scenario's fixtures: its clock (Monday 2 March, 10:00), city data and engine.
clock, city, engine = scenario.clock, scenario.city, scenario.engine

DAY = timedelta(days=1)
SINCE = city_midnight(date(2026, 2, 23))      # a Monday, the week before
UNTIL = city_midnight(date(2026, 3, 23))      # four weeks later
NEXT_TUESDAY = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)   # 10:00 in Kansas (daylight time since the 8th)


def facts(engine, office_key=None) -> dict[str, RequestFacts]:
    with engine.database.read() as session:
        return {fact.tracking_number: fact
                for fact in request_facts(session.connection(), since=SINCE, office_key=office_key)}


def granted_and_provided(engine, instance_id, *, reviewed=False):
    """The custodian's steps to "Provide the records" (a delay explanation left open does not matter)."""
    if not reviewed:
        review(engine, instance_id)
    estimate(engine, instance_id)
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection"})
    provide(engine, instance_id)


def test_a_request_acted_on_in_two_business_days_counts_as_within_the_three(engine, clock):
    instance_id = file_request(engine, office_key="police")
    clock.move_to(MONDAY_10AM + 2 * DAY)                       # Wednesday
    granted_and_provided(engine, instance_id)

    fact = facts(engine)[tracking_number(engine, instance_id)]
    assert fact.office_key == "police"
    assert fact.received_at == MONDAY_10AM and fact.response_due_at == END_OF_THURSDAY
    assert fact.first_step_at == fact.acted_on_at == MONDAY_10AM + 2 * DAY
    assert fact.closed_at == MONDAY_10AM + 2 * DAY
    assert business_days_between(fact.received_at, fact.acted_on_at) == 2
    [police, everyone] = response_times(facts(engine).values(), SINCE, UNTIL, now=MONDAY_10AM + 2 * DAY)
    assert police == everyone.__class__("police", received=1, first_step=1, median_days_to_first_step=2.0,
                                        acted_on=1, median_days_to_acted_on=2.0, due_so_far=1, within_deadline=1,
                                        share_within_deadline=1.0)
    assert everyone.office_key is None and everyone.share_within_deadline == 1.0


def test_a_request_past_its_deadline_without_action_is_overdue_now(engine, clock):
    late = file_request(engine, office_key="fire")
    on_time = file_request(engine, office_key="fire")
    granted_and_provided(engine, on_time)
    review(engine, late)                                       # a first step, but not acted on
    fire_timers_at(clock, engine, END_OF_THURSDAY)             # the delay explanation opens
    clock.move_to(NEXT_TUESDAY)

    [row] = overdue_now(facts(engine).values(), now=NEXT_TUESDAY)
    assert (row.tracking_number, row.office_key, row.response_due_at) == (
        tracking_number(engine, late), "fire", END_OF_THURSDAY)
    assert row.business_days_late == 3                         # Friday, Monday and Tuesday
    assert row.status == "active" and "Explain the delay" in row.current_steps
    [fire, _] = response_times(facts(engine).values(), SINCE, UNTIL, now=NEXT_TUESDAY)
    assert (fire.received, fire.acted_on, fire.due_so_far, fire.within_deadline) == (2, 1, 2, 1)
    assert fire.share_within_deadline == 0.5

    # Acted on late: no longer overdue, and not within the deadline.
    granted_and_provided(engine, late, reviewed=True)
    assert overdue_now(facts(engine).values(), now=NEXT_TUESDAY) == []
    [fire, _] = response_times(facts(engine).values(), SINCE, UNTIL, now=NEXT_TUESDAY)
    assert (fire.acted_on, fire.within_deadline, fire.median_days_to_acted_on) == (2, 1, 3.0)   # 0 and 6 days


def test_received_acted_on_and_closed_are_counted_in_their_weeks(engine, clock):
    first = file_request(engine)                               # Monday 2 March; no office: the City Clerk's
    assert facts(engine)[tracking_number(engine, first)].office_key == "city_clerk"
    clock.move_to(MONDAY_10AM + 7 * DAY)                       # Monday 9 March
    second = file_request(engine, office_key="police")
    granted_and_provided(engine, first)
    clock.move_to(MONDAY_10AM + 15 * DAY)                      # Tuesday 17 March
    granted_and_provided(engine, second)

    weeks = requests_per_week(facts(engine).values(), SINCE, UNTIL)
    assert [(w.week_start, w.received, w.acted_on, w.closed) for w in weeks] == [
        (date(2026, 2, 23), 0, 0, 0), (date(2026, 3, 2), 1, 0, 0), (date(2026, 3, 9), 1, 1, 1),
        (date(2026, 3, 16), 0, 1, 1)]
    police_only = facts(engine, office_key="police").values()
    assert [w.received for w in requests_per_week(police_only, SINCE, UNTIL)] == [0, 0, 1, 0]


def test_a_week_starts_on_monday_in_city_time(engine, clock):
    # Sunday 8 March 2026, 23:30 in Kansas (daylight time) is already Monday in UTC: it belongs to the week of 2 March.
    clock.move_to(datetime(2026, 3, 9, 4, 30, tzinfo=timezone.utc))
    file_request(engine)
    weeks = requests_per_week(facts(engine).values(), SINCE, UNTIL)
    assert {w.week_start: w.received for w in weeks}[date(2026, 3, 2)] == 1


def test_median_business_days_to_first_step_skips_a_city_closure(engine, city, clock):
    city.apply(add_closure, date(2026, 3, 4), "Water main repair", actor="clerk")   # Wednesday
    requests = [file_request(engine) for _ in range(3)]
    for instance_id, days in zip(requests, (1, 3, 4)):         # Tuesday, Thursday, Friday
        clock.move_to(MONDAY_10AM + days * DAY)
        review(engine, instance_id)

    closures = city()["city_closures"]
    [office, _] = response_times(facts(engine).values(), SINCE, UNTIL, now=MONDAY_10AM + 4 * DAY,
                                 city_closures=closures)
    # Tuesday 1; Thursday 2 (Wednesday closed); Friday 3: the median is 2 (it would be 3 without the closure).
    assert office.median_days_to_first_step == 2.0
    [without, _] = response_times(facts(engine).values(), SINCE, UNTIL, now=MONDAY_10AM + 4 * DAY)
    assert without.median_days_to_first_step == 3.0


def paid_in_full(engine, office_key, hours):
    """Estimated at hours x 15.00 with prepayment demanded and paid; the records provided."""
    instance_id = file_request(engine, office_key=office_key)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=hours, demand_prepayment=True)
    pay(engine, instance_id, 15 * hours)
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection"})
    provide(engine, instance_id)
    return instance_id


def test_fees_charged_collected_and_transmitted_per_month_and_office_match_the_ledger(engine, database, clock):
    paid_in_full(engine, "police", hours=2)                    # March: 30.00 charged and paid
    clock.move_to(datetime(2026, 4, 6, 16, 0, tzinfo=timezone.utc))
    paid_in_full(engine, "city_clerk", hours=1)                # April: 15.00
    with database.write() as session:
        transmitted = record_transmittal(session.connection(), datetime.now(timezone.utc), office_key="police",
                                         transmitted_by="Sgt. Ames")
    assert transmitted["amount"] == "30.00"

    since, until = city_midnight(date(2026, 3, 1)), city_midnight(date(2026, 5, 1))
    with database.read() as session:
        rows = fees_per_month(session.connection(), since, until)
        police = fees_per_month(session.connection(), since, until, office_key="police")
        report = fee_audit_report(session.connection(), since, until)
        ledger_transmitted = session.scalars(select(FeeTransmittal.amount)).all()
    assert [(r.month, r.office_key, r.charged, r.paid, r.billed, r.transmitted) for r in rows] == [
        (date(2026, 3, 1), "police", Decimal("30.00"), Decimal("30.00"), Decimal("0.00"), Decimal("0.00")),
        (date(2026, 4, 1), "city_clerk", Decimal("15.00"), Decimal("15.00"), Decimal("0.00"), Decimal("0.00")),
        (date(2026, 4, 1), "police", Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("30.00"))]
    assert sum(r.charged for r in rows) == sum(Decimal(row["charged"]) for row in report)
    assert sum(r.paid for r in rows) == sum(Decimal(row["paid"]) for row in report)
    assert sum(r.transmitted for r in rows) == sum(ledger_transmitted)
    assert {r.office_key for r in police} == {"police"}
    assert months_in(since, until) == [date(2026, 3, 1), date(2026, 4, 1)]


def test_a_referred_request_counts_for_the_office_it_was_referred_to(engine):
    instance_id = file_request(engine, office_key="police")
    review(engine, instance_id, holds_record=False, referral_office_key="fire")
    assert facts(engine)[tracking_number(engine, instance_id)].office_key == "fire"
    assert list(facts(engine, office_key="police")) == []
