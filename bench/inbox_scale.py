"""Inbox latency at scale: `ProcessEngine.list_tasks(roles={role}, limit=50)` over 100,000 instances.

The database is a fresh, migrated SQLite file seeded DIRECTLY with bulk SQL inserts into the
engine's tables (process_instance, human_task, pending_timer), not by running 100,000
lifecycles: the inbox reads only those derived rows, never workflow state. The rows look
like what the engine writes for tests/engine/diagrams/request_shaped.bpmn (the same
columns, enum values and UTC timestamps; `state_json` is a real state the engine saved for
that diagram, so the file has a realistic size):

* 100,000 instances, 90% completed (two completed tasks each), 10% active with one open
  user task each: 10,000 open tasks (60% at "Review request", with a pending timer, 40% at
  "Release records", with the completed review behind them);
* five candidate roles with a skewed spread, 4 to 10 staff per role; 40% of open tasks
  claimed by someone in their role;
* completed work spread over three years, open tasks created over the last 60 days.

`audit_event` is left empty (the inbox never reads it), and no ANALYZE is run (the engine
runs none). Each role's inbox is then asked for `--queries` times (after a warm-up); the
script prints median and p95 per role and overall, the target being p95 <= 20 ms, the SQL the
engine sent (captured, with its query plan and its time through bare sqlite3), and a few other
inbox shapes for comparison (two roles at once, "my tasks", a later page). `--profile` adds
hand-written alternative queries (not the engine) with plans and times, and a cProfile.

    /tmp/probe/bin/python bench/inbox_scale.py [--instances N] [--open-tasks N] [--quick] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import re
import sqlite3
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

from sqlalchemy import event, insert, text  # noqa: E402

from engine import clock  # noqa: E402
from city.office import open_engine  # noqa: E402
from engine.api import ProcessEngine  # noqa: E402
from engine.db import Database, sqlite_url_for  # noqa: E402
from migrations import upgrade  # noqa: E402
from engine.models import HumanTask, InstanceStatus, PendingTimer, ProcessInstance, TaskStatus  # noqa: E402

DIAGRAM = REPO / "tests" / "engine" / "diagrams" / "request_shaped.bpmn"
FORMS = REPO / "tests" / "engine" / "diagrams" / "forms"
PROCESS_KEY = "request_shaped"

# (role, share of the work, staff in the role)
ROLES = [("custodian", 0.35, 10), ("clerk", 0.25, 8), ("records_officer", 0.20, 6),
         ("legal_counsel", 0.12, 5), ("privacy_officer", 0.08, 4)]
CLAIMED_SHARE = 0.40
AT_REVIEW_SHARE = 0.60
TARGET_P95_MS = 20.0
BATCH = 20_000


# -- seeding -------------------------------------------------------------------------------------

def real_states(engine: ProcessEngine) -> dict[str, str]:
    """state_json the engine saved for this diagram: waiting at review, at release, completed."""
    received = clock.now().isoformat()
    states = {}

    def state_of(instance_id: int) -> str:
        with engine.database.read() as session:
            return session.get(ProcessInstance, instance_id).state_json
    view = engine.start_instance(PROCESS_KEY, {"received_at": received}, actor="seed")
    states["review"] = state_of(view.instance_id)
    view = engine.complete_task(view.open_tasks[0].task_id, {"approved": True, "pages": 10}, actor="seed")
    states["release"] = state_of(view.instance_id)
    view = engine.complete_task(view.open_tasks[0].task_id, {"released_on": clock.now().date().isoformat()},
                                actor="seed")
    states["completed"] = state_of(view.instance_id)
    return states


def pick_role(rng: random.Random) -> tuple[str, int]:
    point, total = rng.random(), 0.0
    for role, share, staff in ROLES:
        total += share
        if point < total:
            return role, staff
    return ROLES[-1][0], ROLES[-1][2]


def staff_name(role: str, rng: random.Random, staff: int) -> str:
    return f"{role}.{rng.randrange(staff) + 1:02d}"


def seed(database: Database, version_id: int, states: dict[str, str], instances: int, open_tasks: int,
         rng: random.Random) -> dict[str, int]:
    """Bulk-insert instances and their derived rows in one transaction; returns row counts."""
    now = clock.now()
    three_years = timedelta(days=3 * 365).total_seconds()
    counts = {"process_instance": 0, "human_task": 0, "pending_timer": 0}
    instance_rows: list[dict] = []
    task_rows: list[dict] = []
    timer_rows: list[dict] = []
    open_index = set(rng.sample(range(instances), open_tasks))
    with database.engine.begin() as connection:
        next_id = (connection.execute(text("SELECT coalesce(max(id), 0) FROM process_instance")).scalar() or 0) + 1

        def flush():   # parents before children: the foreign keys are on
            for table, rows in ((ProcessInstance.__table__, instance_rows), (HumanTask.__table__, task_rows),
                                (PendingTimer.__table__, timer_rows)):
                if rows:
                    connection.execute(insert(table), rows)
                    counts[table.name] += len(rows)
                    rows.clear()

        for index in range(instances):
            instance_id = next_id + index
            is_open = index in open_index
            if is_open:
                started = now - timedelta(seconds=rng.uniform(60, 60 * 86400))
            else:
                started = now - timedelta(seconds=rng.uniform(30 * 86400, three_years))
            review_role, review_staff = pick_role(rng)
            release_role, release_staff = pick_role(rng)
            due = started + timedelta(days=5)
            base = dict(process_version_id=version_id, process_key=PROCESS_KEY, business_key=f"REQ-{instance_id:07d}",
                        title=f"Request-shaped test process REQ-{instance_id:07d}", started_by="web",
                        started_at=started)
            review = dict(task_guid=str(uuid.UUID(int=rng.getrandbits(128), version=4)), instance_id=instance_id,
                          process_key=PROCESS_KEY, bpmn_id="review_request", title="Review request",
                          lane="Custodian", candidate_role=review_role, form_file="review_request.schema.json",
                          ui_form_file=None, created_at=started, due_at=due)
            if not is_open:
                reviewed = started + timedelta(seconds=rng.uniform(600, 3 * 86400))
                released = reviewed + timedelta(seconds=rng.uniform(600, 5 * 86400))
                reviewer, releaser = (staff_name(review_role, rng, review_staff),
                                      staff_name(release_role, rng, release_staff))
                instance_rows.append(dict(base, status=InstanceStatus.COMPLETED, current_steps="", next_due_at=None,
                                          updated_at=released, ended_at=released, lock_version=7,
                                          state_json=states["completed"]))
                task_rows.append(dict(review, assignee=reviewer, status=TaskStatus.COMPLETED,
                                      completed_by=reviewer, completed_at=reviewed))
                task_rows.append(dict(task_guid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                      instance_id=instance_id, process_key=PROCESS_KEY, bpmn_id="release_records",
                                      title="Release records", lane="Clerk", candidate_role=release_role,
                                      assignee=releaser, form_file="release_records.schema.json", ui_form_file=None,
                                      status=TaskStatus.COMPLETED, created_at=reviewed, due_at=None,
                                      completed_by=releaser, completed_at=released))
            elif rng.random() < AT_REVIEW_SHARE:
                assignee = staff_name(review_role, rng, review_staff) if rng.random() < CLAIMED_SHARE else None
                instance_rows.append(dict(base, status=InstanceStatus.ACTIVE, current_steps="Review request", next_due_at=due,
                                          updated_at=started, ended_at=None, lock_version=3,
                                          state_json=states["review"]))
                task_rows.append(dict(review, assignee=assignee, status=TaskStatus.OPEN, completed_by=None,
                                      completed_at=None))
                timer_rows.append(dict(instance_id=instance_id, process_key=PROCESS_KEY, bpmn_id="response_overdue",
                                       task_guid=str(uuid.UUID(int=rng.getrandbits(128), version=4)), kind="date",
                                       due_at=due))
            else:
                reviewed = min(now, started + timedelta(seconds=rng.uniform(600, 3 * 86400)))
                reviewer = staff_name(review_role, rng, review_staff)
                assignee = staff_name(release_role, rng, release_staff) if rng.random() < CLAIMED_SHARE else None
                instance_rows.append(dict(base, status=InstanceStatus.ACTIVE, current_steps="Release records", next_due_at=None,
                                          updated_at=reviewed, ended_at=None, lock_version=5,
                                          state_json=states["release"]))
                task_rows.append(dict(review, assignee=reviewer, status=TaskStatus.COMPLETED, completed_by=reviewer,
                                      completed_at=reviewed))
                task_rows.append(dict(task_guid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                      instance_id=instance_id, process_key=PROCESS_KEY, bpmn_id="release_records",
                                      title="Release records", lane="Clerk", candidate_role=release_role,
                                      assignee=assignee, form_file="release_records.schema.json", ui_form_file=None,
                                      status=TaskStatus.OPEN, created_at=reviewed, due_at=None, completed_by=None,
                                      completed_at=None))
            if len(instance_rows) >= BATCH:
                flush()
        flush()
    with database.engine.connect() as connection:   # as a long-running database would be: WAL checkpointed
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts


# -- measuring -----------------------------------------------------------------------------------

def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def timed(call, repeat: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def line(label: str, samples: list[float], rows: int | None = None) -> str:
    extra = f"  rows {rows}" if rows is not None else ""
    return (f"  {label:44} median {statistics.median(samples):7.2f} ms   p95 {percentile(samples, 0.95):7.2f} ms"
            f"   max {max(samples):7.2f} ms   (n={len(samples)}){extra}")


def loadavg() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def captured_sql(engine: ProcessEngine, **query) -> tuple[str, tuple]:
    """The SELECT `list_tasks(**query)` sends to SQLite right now, with its parameters (as the driver gets them)."""
    seen: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, tuple(parameters)))
    event.listen(engine.database.engine, "before_cursor_execute", capture)
    try:
        engine.list_tasks(**query)
    finally:
        event.remove(engine.database.engine, "before_cursor_execute", capture)
    return seen[-1]


# Hand-written alternatives for --profile (NOT the engine): they return the same 50 tasks with the same
# instance columns, and show what the query's shape costs. {roles} is filled with one "?" per role.
WHAT_IF = {
    "join kept, without OR candidate_role IS NULL": """
        SELECT human_task.*, process_instance.business_key, process_instance.title FROM human_task
        JOIN process_instance ON process_instance.id = human_task.instance_id
        WHERE human_task.status = 'open' AND human_task.candidate_role IN ({roles})
        ORDER BY human_task.created_at, human_task.id LIMIT 50 OFFSET 0""",
    "page of human_task first (OR kept), then join 50": """
        SELECT t.*, p.business_key, p.title FROM (
            SELECT * FROM human_task WHERE status = 'open' AND (candidate_role IN ({roles}) OR candidate_role IS NULL)
            ORDER BY created_at, id LIMIT 50 OFFSET 0) AS t
        JOIN process_instance AS p ON p.id = t.instance_id ORDER BY t.created_at, t.id""",
    "one index-ordered branch per role + NULL, then join 50": """
        SELECT t.*, p.business_key, p.title FROM (
            SELECT * FROM ({branches}) ORDER BY created_at, id LIMIT 50 OFFSET 0) AS t
        JOIN process_instance AS p ON p.id = t.instance_id ORDER BY t.created_at, t.id""",
    "no join, no OR (the query before the inbox showed business keys)": """
        SELECT * FROM human_task WHERE status = 'open' AND candidate_role IN ({roles})
        ORDER BY created_at, id LIMIT 50 OFFSET 0""",
}
BRANCH = ("SELECT * FROM (SELECT * FROM human_task WHERE status = 'open' AND candidate_role {test} "
          "ORDER BY created_at, id LIMIT 50)")


def what_if_sql(name: str, roles: list[str]) -> tuple[str, list]:
    template = WHAT_IF[name]
    if "{branches}" in template:
        branches = " UNION ALL ".join([BRANCH.format(test="= ?")] * len(roles) + [BRANCH.format(test="IS NULL")])
        return template.format(branches=branches), list(roles)
    return template.format(roles=", ".join("?" * len(roles))), list(roles)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=100_000, help="process instances (default 100000)")
    parser.add_argument("--open-tasks", type=int, default=10_000, help="open user tasks (default 10000)")
    parser.add_argument("--queries", type=int, default=200, help="timed inbox queries per role (default 200)")
    parser.add_argument("--seed", type=int, default=20261123, help="random seed for the data")
    parser.add_argument("--quick", action="store_true", help="a smaller run: 20,000 instances, 2,000 open tasks")
    parser.add_argument("--profile", action="store_true", help="also time hand-written alternative queries and cProfile the inbox call")
    args = parser.parse_args(argv)
    if args.quick:
        args.instances, args.open_tasks, args.queries = 20_000, 2_000, 100
    if not 0 < args.open_tasks <= args.instances:
        parser.error("--open-tasks must be between 1 and --instances")
    rng = random.Random(args.seed)

    print("Clerkflow inbox at scale: ProcessEngine.list_tasks(roles={role}, limit=50) on SQLite")
    print(f"  python {platform.python_version()} on {platform.machine()}, nproc {os.cpu_count()}, "
          f"SQLite {sqlite3.sqlite_version}; load average at start: {loadavg()}")
    with tempfile.TemporaryDirectory(prefix="clerkflow-inbox-") as folder:
        path = os.path.join(folder, "inbox.db")
        url = sqlite_url_for(path)
        upgrade(url)
        database = Database(url)
        engine = open_engine(database)
        version_id = engine.deploy_file(DIAGRAM, FORMS, actor="bench").version.version_id
        states = real_states(engine)

        start = time.perf_counter()
        counts = seed(database, version_id, states, args.instances, args.open_tasks, rng)
        seconds = time.perf_counter() - start
        with database.engine.connect() as connection:
            by_status = dict(connection.execute(text("SELECT status, count(*) FROM process_instance GROUP BY status")).all())
            open_by_role = dict(connection.execute(text(
                "SELECT candidate_role, count(*) FROM human_task WHERE status = 'open' GROUP BY candidate_role")).all())
            claimed = connection.execute(text(
                "SELECT count(*) FROM human_task WHERE status = 'open' AND assignee IS NOT NULL")).scalar()
            task_total = connection.execute(text("SELECT count(*) FROM human_task")).scalar()
        print(f"  seeded by bulk SQL inserts (not by running lifecycles) in {seconds:.1f} s: "
              f"{counts['process_instance']:,} instances, {counts['human_task']:,} human_task rows, "
              f"{counts['pending_timer']:,} pending timers; file {os.path.getsize(path) / 2**20:.0f} MB "
              f"(+ WAL {os.path.getsize(path + '-wal') / 2**20 if os.path.exists(path + '-wal') else 0:.0f} MB)")
        print(f"  instances by status: {', '.join(f'{k} {v:,}' for k, v in sorted(by_status.items()))} "
              f"(plus 1 completed by a real lifecycle, to capture state_json)")
        print(f"  human_task rows: {task_total:,}; open by role: "
              f"{', '.join(f'{role} {open_by_role.get(role, 0):,}' for role, _, _ in ROLES)}; "
              f"{claimed:,} of them claimed")

        sql, params = captured_sql(engine, roles={"custodian"}, limit=50)
        raw = sqlite3.connect(path)
        print("  SQL of list_tasks(roles={'custodian'}, limit=50), as captured from the engine:")
        print("      " + " ".join(sql.split()))
        plan = raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        print("  its query plan: " + "; ".join(row[-1] for row in plan))

        print(f"\n  one-role inbox, list_tasks(roles={{role}}, limit=50), {args.queries} queries per role "
              "after 20 warm-up (target p95 <= 20 ms):")
        every: list[float] = []
        worst = ("", 0.0)
        for role, _, _ in ROLES:
            rows = len(engine.list_tasks(roles={role}, limit=50))
            samples = timed(lambda role=role: engine.list_tasks(roles={role}, limit=50), args.queries, 20)
            every.extend(samples)
            worst = max(worst, (role, percentile(samples, 0.95)), key=lambda item: item[1])
            print(line(f"roles={{'{role}'}}", samples, rows))
        print(line("all roles", every))

        def verdict(value: float) -> str:
            return "meets" if value <= TARGET_P95_MS else "MISSES"
        print(f"  => p95 over all roles {percentile(every, 0.95):.2f} ms {verdict(percentile(every, 0.95))} the 20 ms "
              f"target; worst role ({worst[0]}) p95 {worst[1]:.2f} ms {verdict(worst[1])} it")

        print("\n  for comparison (not the target):")
        raw_samples = timed(lambda: raw.execute(sql, params).fetchall(), args.queries, 20)
        print(line("the same SQL through bare sqlite3 (no ORM)", raw_samples))
        two = timed(lambda: engine.list_tasks(roles={"custodian", "clerk"}, limit=50), args.queries, 20)
        print(line("two roles: {'custodian', 'clerk'}", two,
                   len(engine.list_tasks(roles={"custodian", "clerk"}, limit=50))))
        mine = timed(lambda: engine.list_tasks(assignee="custodian.01", limit=50), args.queries, 20)
        print(line("my tasks: assignee='custodian.01'", mine, len(engine.list_tasks(assignee="custodian.01", limit=50))))
        offset = max(0, min(1000, (open_by_role.get("custodian", 0) - 50) // 50 * 50))
        later = timed(lambda: engine.list_tasks(roles={"custodian"}, limit=50, offset=offset), args.queries, 20)
        print(line(f"one role, page {offset // 50 + 1} (offset={offset})", later,
                   len(engine.list_tasks(roles={"custodian"}, limit=50, offset=offset))))

        print("\n  soonest due first (the inbox page's default sort) and every open task (a supervisor's "
              "\"Everyone's tasks\"):")
        overdue = dict(due_before=clock.now())
        for label, call in {
                "one role, order='due'": lambda: engine.list_tasks(roles={"custodian"}, limit=50, order="due"),
                "everyone, order='due'": lambda: engine.list_tasks(limit=50, order="due"),
                "everyone, order='age'": lambda: engine.list_tasks(limit=50),
                "everyone, overdue, order='due'": lambda: engine.list_tasks(limit=50, order="due", **overdue),
                "everyone, count_tasks(overdue)": lambda: [engine.count_tasks(**overdue)],
        }.items():
            print(line(label, timed(call, args.queries, 20), len(call())))
        print(f"  load average at end: {loadavg()}")

        if args.profile:
            print("\n  hand-written alternatives (NOT the engine), bare sqlite3, same seeded file:")
            for roles in (["custodian"], ["clerk", "custodian"]):
                for name in WHAT_IF:
                    what_sql, what_params = what_if_sql(name, roles)
                    samples = timed(lambda: raw.execute(what_sql, what_params).fetchall(), args.queries, 5)
                    rows = len(raw.execute(what_sql, what_params).fetchall())
                    what_plan = raw.execute("EXPLAIN QUERY PLAN " + what_sql, what_params).fetchall()
                    print(f"  roles {'+'.join(roles)}: {name}")
                    print(line("", samples, rows))
                    print("      plan: " + "; ".join(row[-1] for row in what_plan))
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.queries):
                engine.list_tasks(roles={"custodian"}, limit=50)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(20)
            print(f"\ncProfile of {args.queries} one-role inbox calls:")
            print("\n".join(text_line for text_line in re.sub(r"\S*/site-packages/", "", out.getvalue()).splitlines()
                            if text_line.strip()))
        raw.close()
        database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
