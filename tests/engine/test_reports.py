"""city.reports: the dashboard figures, from requests driven through processes/records_request.bpmn.

Time is moved with time-machine. Monday 2 March 2026, 10:00 in Kansas: a request received then is
due by the end of Thursday 5 March (three business days, K.S.A. 45-218(d)).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from city.citydata import add_closure
from city.ledger import fee_audit_report, record_assessment, record_collection, record_transmittal
from city.models import FeeTransmittal
from engine.records import audit
from city.reports import (RequestFacts, business_days_between, fees_per_month, months_in, overdue_now,
                            request_facts, requests_per_week, response_times)
from city.rules.business_calendar import city_midnight
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


# -- what the dashboards read of the audit trail ------------------------------------------------------

def facts_from_the_whole_trail(engine, instance_id):
    """The facts as docs/dashboards.md defines them, read from every event of the request's audit trail."""
    received = due = first_step = acted_on = None
    office = ""
    for step in engine.audit_trail(instance_id):
        received = received or step.changes.get("received_at")
        due = due or step.changes.get("response_due_at")
        role = step.changes.get("custodian_role")
        if isinstance(role, str) and role.startswith("custodian:"):
            office = role.removeprefix("custodian:")
        elif step.changes.get("office_key") and not office:
            office = step.changes["office_key"]
        if first_step is None and step.action == "complete":
            first_step = step.at
        if acted_on is None and step.changes.get("deadline_watch") is not None:
            acted_on = step.at
    return (office, datetime.fromisoformat(received), datetime.fromisoformat(due), first_step, acted_on)


def test_the_facts_read_through_the_indexes_are_those_of_the_whole_audit_trail(engine, clock):
    provided = file_request(engine, office_key="police")
    referred = file_request(engine, office_key="police")
    denied = file_request(engine)
    late = file_request(engine, office_key="fire")
    untouched = file_request(engine, office_key="municipal_court")
    clock.move_to(MONDAY_10AM + DAY)
    granted_and_provided(engine, provided)
    review(engine, referred, holds_record=False, referral_office_key="city_treasurer")
    scenario.to_decision(engine, denied)
    decide(engine, denied, "deny", ["45-221(a)(4)"])
    review(engine, late)
    fire_timers_at(clock, engine, END_OF_THURSDAY)            # the delay explanation opens for `late`
    clock.move_to(NEXT_TUESDAY)
    granted_and_provided(engine, late, reviewed=True)
    granted_and_provided(engine, referred)

    read = facts(engine)
    for instance_id in (provided, referred, denied, late, untouched):
        fact = read[tracking_number(engine, instance_id)]
        assert (fact.office_key, fact.received_at, fact.response_due_at, fact.first_step_at,
                fact.acted_on_at) == facts_from_the_whole_trail(engine, instance_id)
    assert read[tracking_number(engine, referred)].office_key == "city_treasurer"
    assert read[tracking_number(engine, untouched)].first_step_at is None
    assert read[tracking_number(engine, denied)].acted_on_at == MONDAY_10AM + DAY   # the denial acted on it


def test_request_facts_read_only_the_indexed_audit_events(engine, database):
    """The partial indexes are used only when the query repeats their predicate word for word."""
    file_request(engine)
    statements = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))
    event.listen(database.engine, "before_cursor_execute", listen)
    try:
        facts(engine)
    finally:
        event.remove(database.engine, "before_cursor_execute", listen)
    sqlite = database.engine.dialect.name == "sqlite"
    with database.engine.connect() as connection, connection.begin() as transaction:
        if not sqlite:
            # A table this small is read whole otherwise, whatever the indexes; and the plain index on instance_id
            # serves as well, so the planner takes either by its statistics of the moment (which vary between
            # runs). Without it (dropped in this transaction, rolled back), a partial index is used only if the
            # query repeats its predicate word for word, which is what this test is about.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql("DROP INDEX ix_audit_event_instance_id")
        plans = [" ".join(str(row[-1]) for row in connection.exec_driver_sql(
            ("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, parameters))
            for statement, parameters in statements]
        transaction.rollback()
    plan = " | ".join(plans)
    assert "ix_audit_event_completed" in plan and "ix_audit_event_report_fact" in plan, plan
    [fact_events] = [one for one in plans if "ix_audit_event_report_fact" in one]
    assert "(instance_id=?)" in fact_events or "Index Cond: (instance_id =" in fact_events, fact_events   # theirs only
    if sqlite:   # not every request's row, nor every event of theirs (PostgreSQL picks by its statistics)
        assert "COVERING INDEX ix_process_instance_process_ended" in plan, plan
        assert "USING INDEX ix_process_instance_process_key " not in plan, plan
        assert "ix_audit_event_instance_id" not in plan, plan


def test_an_audit_event_that_is_not_strict_json_is_still_written(engine, database):
    """SQLite stores a script's NaN as NaN, which json_extract refuses: the index skips such an event."""
    if database.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's json type refuses NaN whatever the indexes")
    instance_id = file_request(engine)
    with database.write() as session:
        audit(session.connection(), process_key="records_request", actor="script", action="complete",
              now=MONDAY_10AM + DAY, instance_id=instance_id, changes={"ratio": float("nan"), "office_key": "fire"})
    fact = facts(engine)[tracking_number(engine, instance_id)]
    assert fact.first_step_at == MONDAY_10AM + DAY and fact.office_key == "city_clerk"


def test_charged_is_each_requests_latest_assessment_made_in_the_range(engine, database):
    """An estimate replaced later in the range is not charged; one replaced after the range is, in its month."""
    with database.write() as session:
        connection = session.connection()
        for number, office, total, day in (
                ("R-2026-00101", "police", "30.00", date(2026, 3, 10)),    # estimate ...
                ("R-2026-00101", "police", "45.00", date(2026, 4, 2)),     # ... and final fees in April
                ("R-2026-00102", "fire", "20.00", date(2026, 3, 20)),      # estimate ...
                ("R-2026-00102", "fire", "0.00", date(2026, 3, 25)),       # ... and the denial's no fee
                ("R-2026-00103", "city_clerk", "15.00", date(2026, 2, 27))):   # before the range
            record_assessment(connection, city_midnight(day) + timedelta(hours=10), tracking_number=number,
                              requester_key="Pat Doe", office_key=office, locating_cost=Decimal(total),
                              inspection_fee=Decimal(total), copy_fee=Decimal(0), total=Decimal(total))
        record_collection(connection, city_midnight(date(2026, 3, 3)) + timedelta(hours=10),
                          tracking_number="R-2026-00103", office_key="city_clerk", amount=Decimal("15.00"),
                          method="paid", collected_by="Jo")
    march, april, may = (city_midnight(date(2026, month, 1)) for month in (3, 4, 5))
    with database.read() as session:
        connection = session.connection()
        only_march = fees_per_month(connection, march, april)
        both = fees_per_month(connection, march, may)
        fire = fees_per_month(connection, march, may, office_key="fire")
    assert [(r.month.month, r.office_key, r.charged, r.paid) for r in only_march] == [
        (3, "city_clerk", Decimal("0.00"), Decimal("15.00")), (3, "fire", Decimal("0.00"), Decimal("0.00")),
        (3, "police", Decimal("30.00"), Decimal("0.00"))]
    assert [(r.month.month, r.office_key, r.charged, r.paid) for r in both] == [
        (3, "city_clerk", Decimal("0.00"), Decimal("15.00")), (3, "fire", Decimal("0.00"), Decimal("0.00")),
        (4, "police", Decimal("45.00"), Decimal("0.00"))]
    assert [(r.month.month, r.office_key, r.charged) for r in fire] == [(3, "fire", Decimal("0.00"))]
    with database.read() as session:
        report = fee_audit_report(session.connection(), march, may)
    assert sum(r.charged for r in both) == sum(Decimal(row["charged"]) for row in report
                                               if row["assessed_at"] and row["assessed_at"] >= march.isoformat())
