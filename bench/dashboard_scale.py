"""Dashboard latency at scale: `city.reports` and /admin/dashboard over three years of records requests.

The database is a fresh, migrated SQLite file (or `--database-url`, an empty migrated PostgreSQL)
with the city data seeded and processes/records_request.bpmn deployed. A handful of requests are
first driven through the real engine, one per path a request takes (provided without a fee, with a
prepaid fee, with copies billed to an account, referred, denied, explained as delayed and then
provided, stalled after a delay explanation), with the clock moved between steps (time-machine,
and the clerk's and custodian's steps of tests/engine/test_records_request.py). Their audit
events, fee assessments and collections are the templates: `--requests` requests (100,000 by
default) received over three years are then written by bulk SQL inserts, each a copy of one
template with its own received time, office, response deadline and tracking number, its steps
stretched or shrunk by a random factor, and cut off at "now" when it is recent (so it is still
open, at the step the template was at then). Fee transmittals are written per office and month.
`human_task`, `pending_timer` and `message_subscription` are left empty: the dashboard never reads
them.

Then each dashboard shape (the default 12 weeks, the last full quarter, the last 365 days, and those
365 days for the police alone) is timed `--runs` times after a warm-up: what the page computes in `city.reports`
(request_facts, the weekly, response time and overdue tables, fees_per_month), then the whole page
through the Flask test client (plus one CSV download). For the 12 weeks and the year the same figures
are also computed with city/reports.py as it was first written (`--baseline`, read from git), in
the same process on the same data: the script prints how many times faster the current code is, and
whether every table came out the same. Median and p95 in milliseconds; no timed assertions: the
figures go to docs/dashboards.md.

    .venv/bin/python bench/dashboard_scale.py [--requests N] [--runs N] [--quick] [--database-url URL]
                                              [--baseline REV] [--baseline-runs N]
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import types
from dataclasses import astuple, dataclass
from functools import partial
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for folder in (REPO, REPO / "tests", REPO / "tests" / "engine"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import time_machine  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench._scale_data import BatchedRows, first_free_id  # noqa: E402
from bench.inbox_scale import line, loadavg, timed  # noqa: E402
from engine import clock  # noqa: E402
from city import reports  # noqa: E402
from engine.api import ProcessEngine  # noqa: E402
from city.citydata import seed_defaults  # noqa: E402
from city.office import open_engine  # noqa: E402
from engine.db import Database, sqlite_url_for  # noqa: E402
from migrations import upgrade  # noqa: E402
from engine.models import AuditEvent, InstanceStatus, ProcessInstance  # noqa: E402
from city.models import FeeAssessment, FeeCollection, FeeTransmittal  # noqa: E402
from city.rules.business_calendar import CITY_TIME_ZONE, business_deadline, city_day, city_midnight  # noqa: E402
from web import ENGINE_EXTENSION, create_app  # noqa: E402
from web.admin.dashboard import Filters  # noqa: E402
import test_records_request as scenario  # noqa: E402  (what a clerk, a custodian and a cashier do)

YEARS = 3
OFFICES = [("city_clerk", 0.30), ("police", 0.35), ("fire", 0.10), ("city_treasurer", 0.10),
           ("municipal_court", 0.10), ("city_attorney", 0.05)]
DAY = timedelta(days=1)
BASELINE = "771e04560550f6113796cd14a523d1ea3bd18f54"   # the dashboards as first written
DEFAULT, YEAR = "12 weeks (default)", "year (last 365 days)"


# -- the templates: real requests driven through the engine -----------------------------------------


@dataclass
class Template:
    """One request as the engine wrote it; its moments are offsets in seconds from receipt."""

    name: str
    share: float
    offices: tuple[str, ...]                      # the template's office, then the one it was referred to
    events: list[tuple[float, dict[str, Any]]]    # audit_event rows, without id, instance_id and at
    steps: list[tuple[float, str, str]]           # after each step: status, current_steps
    assessments: list[tuple[float, dict[str, Any]]]
    collections: list[tuple[float, dict[str, Any]]]
    tracking_number: str
    title: str
    state_json: str


def _grant_and_prepare(engine, instance_id):
    scenario.no_privacy_concern(engine, instance_id)
    scenario.decide(engine, instance_id, "grant")
    scenario.complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection"})


def _fire_timers(engine, instance_id):
    """The deadline watch, or the 30 days for asking a statement of grounds, ends."""
    assert engine.fire_due_timers() >= 1


def _explain_delay(engine, instance_id):
    scenario.complete(engine, instance_id, "explain_delay", {
        "delay_reason": "The files are stored off site.", "available_place": "The office's front desk",
        "available_at": (clock.now() + DAY).isoformat()})


# name: (share of requests, office filed with, office referred to, [(days after the step before, step)]).
# Filed on Monday 10:00 in Kansas: the response is due by the end of Thursday (day 3.58).
PATHS = {
    "provided, no fee": (0.46, "police", None, [
        (1, scenario.review), (0, scenario.estimate), (0.5, _grant_and_prepare), (0.5, scenario.provide)]),
    "provided, prepaid fee": (0.14, "city_clerk", None, [
        (1, scenario.review), (0, lambda e, i: scenario.estimate(e, i, hours=2, demand_prepayment=True)),
        (1.5, lambda e, i: scenario.pay(e, i, 30)), (0.5, _grant_and_prepare), (0.5, scenario.provide)]),
    "copies, billed to an account": (0.08, "city_treasurer", None, [
        (0.5, scenario.review), (0, lambda e, i: scenario.estimate(e, i, pages=40)),
        (1, lambda e, i: (scenario.no_privacy_concern(e, i), scenario.decide(e, i, "grant"))),
        (1, lambda e, i: scenario.complete(e, i, "prepare_records", {"delivery_method": "copies"})),
        (0.5, lambda e, i: scenario.complete(e, i, "collect_balance",
                                             {"balance_method": "billed", "collected_by": "Jo"})),
        (0, scenario.provide)]),
    "referred, then provided": (0.06, "police", "city_treasurer", [
        (0.2, lambda e, i: scenario.review(e, i, holds_record=False, referral_office_key="city_treasurer")),
        (1, scenario.review), (0, scenario.estimate), (1, _grant_and_prepare),
        (0.2, lambda e, i: scenario.complete(e, i, "collect_balance",   # the minimum fee (24-hour rule)
                                             {"balance_method": "paid", "collected_by": "Jo"})),
        (0, scenario.provide)]),
    "denied": (0.08, "police", None, [
        (1, scenario.review), (0, scenario.estimate),
        (1, lambda e, i: (scenario.no_privacy_concern(e, i), scenario.decide(e, i, "deny", ["45-221(a)(4)"]))),
        (2, lambda e, i: scenario.complete(e, i, "receive_denial_copy", {}, actor="attorney")),
        (29, _fire_timers)]),
    "delay explained, then provided": (0.175, "fire", None, [
        (2, scenario.review), (2, _fire_timers), (0.5, _explain_delay), (3, scenario.estimate),
        (1, _grant_and_prepare), (1, scenario.provide)]),
    "stalled after its delay explanation": (0.005, "municipal_court", None, [
        (1, scenario.review), (3, _fire_timers), (1, _explain_delay)]),
}


def record_templates(database: Database, engine: ProcessEngine) -> list[Template]:
    """Drive one request along each path with the clock moved, and read back the rows it wrote."""
    templates = []
    for name, (share, office, referred_to, moves) in PATHS.items():
        steps = []
        with time_machine.travel(scenario.MONDAY_10AM, tick=False) as machine:
            instance_id = scenario.file_request(engine, office_key=office)
            for days, step in [(0, None), *moves]:
                machine.shift(timedelta(days=days))
                if step is not None:
                    step(engine, instance_id)
                with database.read() as session:
                    instance = session.get(ProcessInstance, instance_id)
                    steps.append((_offset(clock.now()), instance.status.value, instance.current_steps))
        with database.read() as session:
            connection = session.connection()
            instance = session.get(ProcessInstance, instance_id)
            number = instance.business_key
            events = connection.execute(select(AuditEvent.__table__).where(AuditEvent.instance_id == instance_id)
                                        .order_by(AuditEvent.id)).mappings().all()
            assessed = connection.execute(select(FeeAssessment.__table__).where(
                FeeAssessment.tracking_number == number).order_by(FeeAssessment.id)).mappings().all()
            collected = connection.execute(select(FeeCollection.__table__).where(
                FeeCollection.tracking_number == number).order_by(FeeCollection.id)).mappings().all()
            templates.append(Template(
                name, share, (office, referred_to) if referred_to else (office,),
                _offsets(events, "at", ("id", "instance_id")), steps,
                _offsets(assessed, "assessed_at", ("id",)), _offsets(collected, "collected_at", ("id",)),
                number, instance.title, instance.state_json))
    return templates


def _offset(moment: datetime) -> float:
    return (clock.as_utc(moment) - scenario.MONDAY_10AM).total_seconds()


def _offsets(rows, moment: str, left_out: tuple[str, ...]) -> list[tuple[float, dict[str, Any]]]:
    return [(_offset(row[moment]), {k: v for k, v in row.items() if k not in (moment, *left_out)}) for row in rows]


# -- the copies: bulk inserts -----------------------------------------------------------------------

def pick(rng: random.Random, weighted):
    """One of (value, weight) pairs, in proportion to the weights."""
    point, total = rng.random() * sum(weight for _, weight in weighted), 0.0
    for value, weight in weighted:
        total += weight
        if point < total:
            return value
    return weighted[-1][0]


def received_moment(rng: random.Random, now: datetime) -> datetime:
    """A moment in the last three years, in office hours on a weekday (one in twenty on a weekend, the portal's)."""
    while True:
        day = (now - timedelta(days=rng.uniform(0, YEARS * 365))).astimezone(CITY_TIME_ZONE).date()
        if day.weekday() < 5 or rng.random() < 0.05:
            break
    moment = datetime.combine(day, datetime.min.time(), tzinfo=CITY_TIME_ZONE) + timedelta(
        hours=rng.uniform(8, 17))
    return min(moment.astimezone(UTC), now - timedelta(minutes=5))


def _moved(changes: dict[str, Any], offices: dict[str, str]) -> dict[str, Any]:
    """The template's changes with its offices replaced by this copy's."""
    moved = None
    for name in ("office_key", "referral_office_key", "custodian_role"):
        value = changes.get(name)
        if not isinstance(value, str):
            continue
        prefix = reports.CUSTODIAN_ROLE_PREFIX if value.startswith(reports.CUSTODIAN_ROLE_PREFIX) else ""
        office = value.removeprefix(prefix)
        if office in offices:
            moved = moved if moved is not None else dict(changes)
            moved[name] = prefix + offices[office]
    return changes if moved is None else moved


def seed(database: Database, version_id: int, templates: list[Template], requests: int,
         rng: random.Random) -> dict[str, int]:
    """Bulk-insert `requests` copies of the templates and their fee rows; returns row counts."""
    now = clock.now()
    weighted = [(template, template.share) for template in templates]
    numbers: dict[int, int] = {}
    collections: list[dict] = []   # written last, with the transmittal that took each one's money
    with database.engine.begin() as connection:
        batches = BatchedRows(connection, [ProcessInstance.__table__, AuditEvent.__table__,
                                           FeeAssessment.__table__, FeeTransmittal.__table__,
                                           FeeCollection.__table__])
        next_id = first_free_id(connection)
        for index, received_at in enumerate(sorted(received_moment(rng, now) for _ in range(requests))):
            year = received_at.astimezone(CITY_TIME_ZONE).year
            numbers[year] = numbers.get(year, 0) + 1
            copy_request(batches, collections, pick(rng, weighted), rng, now, version_id=version_id,
                         instance_id=next_id + index, number=f"R-{year}-{numbers[year]:05d}", received_at=received_at)
            batches.flush_when_full()
        for row in monthly_transmittals(collections, now):
            batches.add(FeeTransmittal.__table__, row)
        for row in collections:
            batches.add(FeeCollection.__table__, row)
        batches.flush()
    if database.engine.dialect.name == "sqlite":
        with database.engine.connect() as connection:   # as a long-running database would be: WAL checkpointed
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return batches.counts


def copy_request(batches: BatchedRows, collections: list[dict], template: Template, rng: random.Random,
                 now: datetime, *, version_id: int, instance_id: int, number: str, received_at: datetime) -> None:
    """One request like `template`, received at `received_at`, its steps stretched or shrunk, cut off at now."""
    first = pick(rng, OFFICES)
    offices = {template.offices[0]: first}
    if len(template.offices) > 1:
        offices[template.offices[1]] = pick(rng, [(office, w) for office, w in OFFICES if office != first])
    stretch = min(4.0, max(0.2, rng.lognormvariate(0, 0.5)))
    elapsed = (now - received_at).total_seconds()
    due = business_deadline(received_at, reports.STATUTORY_BUSINESS_DAYS)
    kept = [(offset, row) for offset, row in template.events if offset * stretch <= elapsed]
    _, status, current_steps = [step for step in template.steps if step[0] * stretch <= elapsed][-1]
    last_at = received_at + timedelta(seconds=kept[-1][0] * stretch)
    batches.add(ProcessInstance.__table__, {
        "id": instance_id, "process_version_id": version_id, "process_key": reports.RECORDS_REQUEST,
        "business_key": number, "title": template.title.replace(template.tracking_number, number),
        "status": InstanceStatus(status), "current_steps": current_steps,
        "next_due_at": due if status != "completed" else None, "started_by": "clerk", "started_at": received_at,
        "updated_at": last_at, "ended_at": last_at if status == "completed" else None, "lock_version": len(kept),
        "state_json": template.state_json})
    for position, (offset, row) in enumerate(kept):
        changes = _moved(row["changes"], offices)
        if position == 0:
            changes = {**changes, "received_at": received_at.astimezone(CITY_TIME_ZONE).isoformat(),
                       "response_due_at": due.isoformat()}
        batches.add(AuditEvent.__table__, {**row, "instance_id": instance_id, "changes": changes,
                                           "at": received_at + timedelta(seconds=offset * stretch)})
    for offset, row in template.assessments:
        if offset * stretch <= elapsed:
            batches.add(FeeAssessment.__table__, {
                **row, "tracking_number": number, "instance_id": instance_id, "office_key": offices[row["office_key"]],
                "assessed_at": received_at + timedelta(seconds=offset * stretch)})
    collections.extend({**row, "tracking_number": number, "office_key": offices[row["office_key"]],
                        "collected_at": received_at + timedelta(seconds=offset * stretch)}
                       for offset, row in template.collections if offset * stretch <= elapsed)


def monthly_transmittals(collections: list[dict], now: datetime) -> list[dict]:
    """Each office hands its month's paid fees to the City Clerk on the 1st of the next month; the
    collections are marked with their transmittal."""
    sums: dict[tuple[str, date], list[dict]] = {}
    for row in collections:
        if row["method"] == "paid":
            month = reports.month_of(city_day(row["collected_at"]))
            sums.setdefault((row["office_key"], month), []).append(row)
    transmittals = []
    for (office, month), rows in sorted(sums.items()):
        handed_over = city_midnight(reports.next_month(month)) + timedelta(hours=15)
        if handed_over >= now:
            continue
        transmittal_id = len(transmittals) + 1
        transmittals.append({"id": transmittal_id, "office_key": office, "amount": sum(r["amount"] for r in rows),
                             "transmitted_at": handed_over, "transmitted_by": f"custodian.{office}",
                             "received_at": handed_over + timedelta(hours=2), "received_by": "city.clerk"})
        for row in rows:
            row["transmittal_id"] = transmittal_id
    return transmittals


# -- measuring --------------------------------------------------------------------------------------

def shapes(now: datetime) -> dict[str, Filters]:
    """The ranges an administrator asks for: the default 12 weeks, the last full quarter, the last year."""
    today = city_day(now)
    quarter_end = date(today.year, (today.month - 1) // 3 * 3 + 1, 1) - DAY
    quarter_start = date(quarter_end.year, quarter_end.month - 2, 1)
    year_start = today - timedelta(days=364)
    return {DEFAULT: Filters(None, None, None),
            f"quarter ({quarter_start:%b}-{quarter_end:%b %Y})": Filters(quarter_start, quarter_end, None),
            YEAR: Filters(year_start, today, None),
            "year, police only": Filters(year_start, today, "police")}


def figures(module, connection, filters: Filters, now: datetime) -> tuple[int, list]:
    """What the page computes for its tables, engine only (`module` is city.reports or the baseline's);
    returns the requests read and the tables as plain tuples."""
    since, until = filters.weekly_range(now)
    facts = module.request_facts(connection, since=since, office_key=filters.office_key)
    tables = [module.requests_per_week(facts, since, until), module.response_times(facts, since, until, now),
              module.overdue_now(facts, now), module.fees_per_month(connection, *filters.monthly_range(now),
                                                                     filters.office_key)]
    return len(facts), [[astuple(row) for row in table] for table in tables]


def baseline_reports(revision: str):
    """city/reports.py as it was at `revision`, loaded as a module (None when git cannot show it)."""
    try:
        source = subprocess.run(["git", "-C", str(REPO), "show", f"{revision}:city/reports.py"], check=True,
                                capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("baseline_reports")
    sys.modules[module.__name__] = module   # dataclasses look their module up
    exec(compile(source, f"{revision}:city/reports.py", "exec"), module.__dict__)
    return module


def signed_in_client(app):
    """A test client signed in as an administrator (the session set directly: no password hashing timed)."""
    from web.auth import SESSION_KEY
    from web.models import StaffAccount, db
    with app.app_context():
        account = StaffAccount(username="bench.admin", display_name="Bench Admin", active=True)
        account.set_roles(("administrator",))
        account.password_hash = "-"
        db.session.add(account)
        db.session.commit()
        account_id = account.id
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = account_id
    return client


def measure_reports(connection, now: datetime, args) -> None:
    print(f"\n  city.reports (request_facts, the weekly, response and overdue tables, fees_per_month), "
          f"{args.runs} runs after a warm-up:")
    for label, filters in shapes(now).items():
        call = partial(figures, reports, connection, filters, now)
        print(line(label, timed(call, args.runs, 1), call()[0]))
    baseline = baseline_reports(args.baseline) if args.baseline_runs else None
    if baseline is None:
        return
    print(f"  the same with city/reports.py as of {args.baseline[:7]} (it read every audit event), "
          f"runs: {args.baseline_runs} each, same process and data:")
    for label in (DEFAULT, YEAR):
        before, after = (partial(figures, module, connection, shapes(now)[label], now) for module in (baseline, reports))
        before_samples, after_samples = timed(before, args.baseline_runs, 0), timed(after, args.baseline_runs, 0)
        print(line(f"{label}, baseline", before_samples)
              + f"   now {statistics.median(before_samples) / statistics.median(after_samples):.0f}x faster, "
              + ("the same figures" if before()[1] == after()[1] else "DIFFERENT FIGURES"))


def measure_pages(client, now: datetime, runs: int) -> None:
    def page(path: str, filters: Filters) -> None:
        response = client.get(path, query_string=filters.args())
        assert response.status_code == 200, response.status_code
    print(f"\n  the page through the Flask test client, {runs} runs after a warm-up:")
    for label, filters in shapes(now).items():
        print(line(f"/admin/dashboard, {label}", timed(partial(page, "/admin/dashboard", filters), runs, 1)))
    year = shapes(now)[YEAR]
    print(line(f"response_times.csv, {YEAR}",
               timed(partial(page, "/admin/dashboard/response_times.csv", year), runs, 1)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000, help="records requests (default 100000)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per shape, after one warm-up (default 7)")
    parser.add_argument("--seed", type=int, default=20261124, help="random seed for the data")
    parser.add_argument("--quick", action="store_true", help="a smaller run: 20,000 requests, 5 runs")
    parser.add_argument("--database-url", default=None, help="an empty, migrated PostgreSQL, say (default: SQLite)")
    parser.add_argument("--baseline", default=BASELINE, help="git revision of city/reports.py to compare with")
    parser.add_argument("--baseline-runs", type=int, default=3, help="timed runs of the baseline (0: none)")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.runs = 20_000, 5

    with tempfile.TemporaryDirectory(prefix="clerkflow-dashboard-") as folder:
        url = args.database_url or sqlite_url_for(Path(folder) / "dashboard.db")
        backend = url.split(":")[0].split("+")[0]
        print(f"Clerkflow dashboards at scale: city.reports and /admin/dashboard on {backend}")
        print(f"  python {platform.python_version()} on {platform.machine()}, nproc {os.cpu_count()}, "
              f"SQLite {sqlite3.sqlite_version}; load average at start: {loadavg()}")
        upgrade(url)
        database = Database(url)
        with database.write() as session:
            seed_defaults(session)
        engine = open_engine(database)
        version_id = engine.deploy_file(REPO / "processes" / "records_request.bpmn", REPO / "forms",
                                        actor="bench").version.version_id
        templates = record_templates(database, engine)
        print("  templates (driven through the engine): " + "; ".join(
            f"{t.name} {t.share:.0%} ({len(t.events)} events)" for t in templates))
        started = time.perf_counter()
        counts = seed(database, version_id, templates, args.requests, random.Random(args.seed))
        seconds = time.perf_counter() - started
        size = (f"; file {os.path.getsize(Path(folder) / 'dashboard.db') / 2**20:,.0f} MB"
                if backend == "sqlite" else "")
        print(f"  seeded by bulk SQL inserts in {seconds:.0f} s: "
              + ", ".join(f"{count:,} {table}" for table, count in counts.items()) + size)
        with database.read() as session:
            by_status = dict(session.execute(select(ProcessInstance.status, func.count()).where(
                ProcessInstance.process_key == reports.RECORDS_REQUEST).group_by(ProcessInstance.status)).all())
        print("  requests by status: " + ", ".join(f"{getattr(k, 'value', k)} {v:,}" for k, v in by_status.items()))

        now = clock.now()
        with database.read() as session:
            measure_reports(session.connection(), now, args)
        os.environ["CLERKFLOW_INSTANCE_DIR"] = str(Path(folder) / "instance")
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        measure_pages(signed_in_client(app), now, args.runs)
        print(f"  load average at end: {loadavg()}")
        app.extensions[ENGINE_EXTENSION].database.dispose()
        database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
