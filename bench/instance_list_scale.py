"""Monitoring list latency at scale: `list_instances` and `count_instances` over 100,000 instances.

A fresh, migrated SQLite file (or `--database-url`) is seeded DIRECTLY with bulk SQL inserts into
the engine's tables (process_instance, pending_timer, message_subscription), the rows shaped like
what the engine writes for tests/engine/diagrams/request_shaped.bpmn (one real `state_json` for every
row, so the file has a realistic size; the list never reads it):

* 100,000 instances started over three years: 80% completed, 2% terminated, 12% active, 3% with an
  incident, 3% suspended; of the active ones half wait on a timer and a quarter on a message;
* business keys R-<year>-<number>; active instances have a next due date within +-30 days of now.

Each filter shape the instance list offers is asked `--queries` times (after a warm-up) for one page
of 50 and for the counts per status; the script prints median and p95 in milliseconds. No timed
assertions: the figures go to docs/performance.md.

    .venv/bin/python bench/instance_list_scale.py [--instances N] [--queries N] [--database-url URL]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import insert, text  # noqa: E402

from engine import clock  # noqa: E402
from city.office import open_engine  # noqa: E402
from engine.db import Database, sqlite_url_for  # noqa: E402
from migrations import upgrade  # noqa: E402
from engine.models import InstanceStatus, MessageSubscription, PendingTimer, ProcessInstance  # noqa: E402

DIAGRAM = REPO / "tests" / "engine" / "diagrams" / "request_shaped.bpmn"
FORMS = REPO / "tests" / "engine" / "diagrams" / "forms"
PROCESS_KEY = "request_shaped"
BATCH = 20_000
SHARES = [(InstanceStatus.COMPLETED, 0.80), (InstanceStatus.TERMINATED, 0.02), (InstanceStatus.ACTIVE, 0.12),
          (InstanceStatus.INCIDENT, 0.03), (InstanceStatus.SUSPENDED, 0.03)]


def pick_status(rng: random.Random) -> InstanceStatus:
    point, total = rng.random(), 0.0
    for status, share in SHARES:
        total += share
        if point < total:
            return status
    return SHARES[-1][0]


def seed(database: Database, version_id: int, state_json: str, instances: int, rng: random.Random) -> None:
    now = clock.now()
    three_years = timedelta(days=3 * 365).total_seconds()
    rows: dict = {ProcessInstance.__table__: [], PendingTimer.__table__: [], MessageSubscription.__table__: []}
    with database.engine.begin() as connection:
        next_id = (connection.execute(text("SELECT coalesce(max(id), 0) FROM process_instance")).scalar() or 0) + 1

        def flush():
            for table, batch in rows.items():
                if batch:
                    connection.execute(insert(table), batch)
                    batch.clear()
        for number in range(instances):
            instance_id = next_id + number
            started = now - timedelta(seconds=rng.random() * three_years)
            status = pick_status(rng)
            ended = started + timedelta(days=rng.randint(1, 40)) if status in (
                InstanceStatus.COMPLETED, InstanceStatus.TERMINATED) else None
            due = now + timedelta(days=rng.uniform(-30, 30)) if ended is None else None
            key = f"R-{started.year}-{number:06d}"
            rows[ProcessInstance.__table__].append({
                "id": instance_id, "process_version_id": version_id, "process_key": PROCESS_KEY, "business_key": key,
                "title": f"Request-shaped test process {key}", "status": status,
                "current_steps": "" if ended else "Review request", "next_due_at": due, "started_by": "seed",
                "started_at": started, "updated_at": ended or started, "ended_at": ended, "lock_version": 3,
                "state_json": state_json})
            if status == InstanceStatus.ACTIVE:
                wait = rng.random()
                if wait < 0.5:
                    rows[PendingTimer.__table__].append({
                        "instance_id": instance_id, "process_key": PROCESS_KEY, "bpmn_id": "response_overdue",
                        "task_guid": str(uuid.uuid4()), "kind": "date", "due_at": due})
                elif wait < 0.75:
                    rows[MessageSubscription.__table__].append({
                        "instance_id": instance_id, "bpmn_id": "wait_for_payment", "task_guid": str(uuid.uuid4()),
                        "message_name": "prepayment_received", "correlation_properties": "tracking_number",
                        "correlation_key": json.dumps({"tracking_number": key})})
            if len(rows[ProcessInstance.__table__]) >= BATCH:
                flush()
        flush()


def timed(call, queries: int) -> tuple[float, float]:
    call()   # warm-up
    times = []
    for _ in range(queries):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--database-url", default=None, help="an empty, migrated PostgreSQL, say (default: SQLite)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or sqlite_url_for(Path(folder) / "bench.db")
        upgrade(url)
        database = Database(url)
        engine = open_engine(database, city_settings=lambda: {})
        version = engine.deploy_file(DIAGRAM, FORMS, actor="seed").version
        seeded = engine.start_instance(PROCESS_KEY, {"received_at": clock.now().isoformat()}, actor="seed")
        with database.read() as session:
            state_json = session.get(ProcessInstance, seeded.instance_id).state_json
        started = time.perf_counter()
        seed(database, version.version_id, state_json, options.instances, random.Random(6))
        print(f"seeded {options.instances:,} instances in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        if database.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a bulk load on a real server (13+ vacuums after inserts
            # too, which lets counts read indexes alone); SQLite gets no ANALYZE (the engine runs none).
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        with database.engine.connect() as connection:   # R-<year>-000123: the year it was seeded in
            known = connection.execute(text("SELECT business_key FROM process_instance "
                                            "WHERE business_key LIKE '%-000123'")).scalar_one()
        year = known.split("-")[1]
        month_ago = clock.now() - timedelta(days=30)
        shapes = {
            "all, page 1": dict(),
            "all, page 20": dict(offset=950),
            "running": dict(status="active"),
            "waiting on timer": dict(status="waiting_timer"),
            "waiting on message": dict(status="waiting_message"),
            "incident": dict(status="incident"),
            "completed": dict(status="completed"),
            "process + version": dict(process_key=PROCESS_KEY, version=1),
            "key text 000123": dict(key_text="000123"),
            "key text r-<year>-000123": dict(key_text=known.lower()),
            "key text R-<year>-0001 (prefix)": dict(key_text=f"R-{year}-0001"),
            "key text <year>-000123": dict(key_text=f"{year}-000123"),
            "key text 'SHAPED' (every title)": dict(key_text="SHAPED"),
            "key text R-<year> (a third)": dict(key_text=f"R-{year}"),
            "key text 'zzz' (nothing)": dict(key_text="zzz"),
            "key text 'running' + 000123": dict(status="active", key_text="000123"),
            "exact business key": dict(business_key=known),
            "started last 30 days": dict(started_from=month_ago),
            "overdue": dict(overdue=True),
            "running + overdue": dict(status="active", overdue=True),
        }
        print(f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
        print(f"{'list_instances (50 rows)':36} {'median ms':>10} {'p95 ms':>10} {'rows':>6}")
        for label, filters in shapes.items():
            median, p95 = timed(lambda: engine.list_instances(limit=50, **filters), options.queries)
            print(f"{label:36} {median:10.1f} {p95:10.1f} {len(engine.list_instances(limit=50, **filters)):6}")
        print(f"{'count_instances (per status)':36} {'median ms':>10} {'p95 ms':>10} {'total':>6}")
        for label, filters in {"no filter": {}, "process + version": dict(process_key=PROCESS_KEY, version=1),
                               "started last 30 days": dict(started_from=month_ago),
                               "overdue": dict(overdue=True), "key text 000123": dict(key_text="000123"),
                               "key text R-<year>-000123": dict(key_text=known),
                               "key text 'SHAPED'": dict(key_text="SHAPED"),
                               "key text R-<year> (a third)": dict(key_text=f"R-{year}"),
                               "key text 'zzz'": dict(key_text="zzz")}.items():
            median, p95 = timed(lambda: engine.count_instances(**filters), max(5, options.queries // 5))
            total = sum(count for status, count in engine.count_instances(**filters).items()
                        if not status.startswith("waiting_"))
            print(f"{label:36} {median:10.1f} {p95:10.1f} {total:6}")
        print(f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
