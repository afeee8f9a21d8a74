"""Lifecycles per second through the engine on SQLite, against the bare SpiffWorkflow floor.

A lifecycle of tests/engine/diagrams/request_shaped.bpmn: start (the service task computes
the response deadline, the boundary timer is armed, "Review request" waits), complete the
review (approved, 10 pages: the gateway takes the approved path, the script task computes
the fee, "Release records" waits), complete the release (the instance completes).

* engine: `ProcessEngine.start_instance` + 2 x `complete_task` on a fresh, migrated SQLite
  file; every call is one transaction (state, derived rows, audit trail).
* bare floor: the same diagram driven with SpiffWorkflow alone, parsed once; at each wait
  state `serialize_json` then `deserialize_json` (what any persisted deployment must at
  least pay), and `serialize_json` of the completed workflow (the engine saves that too).
  Its script engine is SpiffWorkflow's plain `PythonScriptEngine` whose `call_service`
  returns the same deadline the engine's operator computes.

Both sides run the same number of lifecycles (`--lifecycles`) after a warm-up that is not
timed. The machine is often shared, so the sides take turns in rounds: noise hits all of
them alike. The engine runs twice: with its warm-workflow cache (the default) and with
`warm_cache_size=0`. `--profile` adds a wall-clock breakdown of an engine call, the SQL it
issues and a cProfile listing.

    /tmp/probe/bin/python bench/engine_throughput.py [--lifecycles N] [--quick] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import os
import platform
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sqlalchemy import event  # noqa: E402
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine  # noqa: E402
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.task import Task  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

import engine.api as api  # noqa: E402
import engine.queries as queries  # noqa: E402
import engine.records as records  # noqa: E402
from engine import clock  # noqa: E402
from engine.db import Database, sqlite_url_for  # noqa: E402
from migrations import upgrade  # noqa: E402
from engine.runtime import make_script_engine  # noqa: E402
from city.rules import call_operator  # noqa: E402
from city.default_settings import default_city_settings  # noqa: E402
from city.office import open_engine  # noqa: E402
from city.operators import CityOperators  # noqa: E402
from engine.state import state_from_json, state_to_json  # noqa: E402
from engine.transaction import Transaction  # noqa: E402

DIAGRAM = REPO / "tests" / "engine" / "diagrams" / "request_shaped.bpmn"
FORMS = REPO / "tests" / "engine" / "diagrams" / "forms"
PROCESS_KEY = "request_shaped"
REVIEW = {"approved": True, "pages": 10}


# -- the two sides ------------------------------------------------------------------------------

class Scenario:
    """What every lifecycle of both sides uses: start data, form data, the deadline."""

    def __init__(self):
        self.received_at = clock.now().isoformat()   # deadline 3 business days on: the timer never fires
        self.start_data = {"received_at": self.received_at}
        self.release = {"released_on": clock.now().date().isoformat()}
        # The engine computes the deadline with its operator; the bare floor returns the same value.
        deadline = call_operator("calendar.business_deadline",
                                 {"received_at": self.received_at, "business_days": 3}, default_city_settings())
        self.deadline_json = json.dumps(deadline)


class FixedServiceScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's own script engine; service tasks get a fixed answer (as engine/runtime.py wires them)."""

    def __init__(self, result_json: str):
        super().__init__()
        self.result_json = result_json

    def call_service(self, task, **kwargs):
        return self.result_json


class Bare:
    """The floor: SpiffWorkflow only, full serialize_json/deserialize_json at each wait state."""

    def __init__(self, scenario: Scenario, *, script_engine=None, save=None, load=None):
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_file(str(DIAGRAM))
        self.spec = parser.get_spec(PROCESS_KEY)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS_KEY)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.script_engine = script_engine or FixedServiceScriptEngine(scenario.deadline_json)
        self.scenario = scenario
        self.save = save or self.serializer.serialize_json
        self.load = load or self.serializer.deserialize_json
        self.saved_bytes = 0

    def lifecycle(self) -> None:
        scenario = self.scenario
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.script_engine)
        workflow.task_tree.data.update(scenario.start_data)        # as ProcessEngine._start does
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(scenario.start_data)
        workflow.do_engine_steps()
        for form in (REVIEW, scenario.release):
            workflow = self._persist(workflow)                         # a wait state: save, later load
            task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update(form)
            task.run()
            workflow.do_engine_steps()
        if not workflow.is_completed():
            raise AssertionError("bare lifecycle did not complete")
        if self.final_save:
            self.saved_bytes = len(self._stored(self.save(workflow)))  # the final state is saved too

    final_save = True

    def _persist(self, workflow):
        workflow = self.load(self._stored(self.save(workflow)))
        workflow.script_engine = self.script_engine                    # not serialized: attach again
        return workflow

    def _stored(self, text: str) -> str:
        return text


class InMemory(Bare):
    """No persistence at all: what SpiffWorkflow itself costs for this lifecycle."""

    final_save = False

    def _persist(self, workflow):
        return workflow


class BareWithDatabase(Bare):
    """The bare floor plus a database: each saved JSON is written in its own SQLite transaction and read back."""

    def __init__(self, scenario: Scenario, folder: str):
        import sqlite3
        super().__init__(scenario)
        self.db = sqlite3.connect(os.path.join(folder, "bare.db"), isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("CREATE TABLE workflow (id INTEGER PRIMARY KEY, state TEXT NOT NULL)")
        self.row: int | None = None

    def lifecycle(self) -> None:
        self.row = None
        super().lifecycle()

    def _stored(self, text: str) -> str:
        self.db.execute("BEGIN IMMEDIATE")
        if self.row is None:
            self.row = self.db.execute("INSERT INTO workflow (state) VALUES (?)", (text,)).lastrowid
        else:
            self.db.execute("UPDATE workflow SET state = ? WHERE id = ?", (text, self.row))
        self.db.execute("COMMIT")
        return self.db.execute("SELECT state FROM workflow WHERE id = ?", (self.row,)).fetchone()[0]


class LeanCeiling:
    """NOT the engine: the engine's durable work per call, written by hand with sqlite3 and no ORM.

    Same tables (a migrated file), same transaction per call (BEGIN IMMEDIATE .. COMMIT, WAL,
    synchronous=NORMAL), same sandboxed script engine, same state-only JSON, same derive(),
    same rows written: the instance (state, status, steps, lock_version checked), the open
    human tasks diffed, the pending timers diffed, an audit row per action and for the data
    changes, the form validated; workflows kept warm across calls (also after start). It
    re-reads nothing it just wrote and loads no version row. It answers: what could any
    engine of this design reach at best on this machine?
    """

    def __init__(self, scenario: Scenario, folder: str):
        import sqlite3

        from jsonschema import validators

        from engine.derive import derive, instance_data
        from engine.records import data_changes
        self.derive, self.instance_data, self.data_changes = derive, instance_data, data_changes
        path = os.path.join(folder, "lean.db")
        upgrade(sqlite_url_for(path))
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            self.db.execute(f"PRAGMA {pragma}")
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_file(str(DIAGRAM))
        self.spec = parser.get_spec(PROCESS_KEY)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS_KEY)
        self.script_engine = make_script_engine(CityOperators(default_city_settings), 2.0)
        self.validators = {}
        for form in FORMS.glob("*.schema.json"):
            schema = json.loads(form.read_text())
            cls = validators.validator_for(schema)
            self.validators[form.name] = cls(schema, format_checker=cls.FORMAT_CHECKER)
        self.version_id = self.db.execute(
            "INSERT INTO process_version (process_key, version, display_name, file_name, checksum, bpmn_xml, forms, "
            "spec_json, start_events, deployed_by, deployed_at) VALUES (?, 1, 'x', 'x', 'x', '', '{}', '{}', '{}', "
            "'bench', ?)", (PROCESS_KEY, self._now())).lastrowid
        self.warm: dict[int, tuple[int, BpmnWorkflow]] = {}
        self.scenario = scenario

    @staticmethod
    def _now() -> str:
        return clock.now().replace(tzinfo=None).isoformat(sep=" ")

    def _audit(self, rows: list[tuple]) -> None:
        self.db.executemany("INSERT INTO audit_event (instance_id, process_key, at, actor, action, bpmn_id, task_guid, "
                            "changes, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '')", rows)

    def _save(self, instance_id: int, lock_version: int, workflow, before: dict, now: str,
              completed_guid: str | None) -> tuple[int, list[int]]:
        derived = self.derive(workflow)
        changes = self.data_changes(before, self.instance_data(workflow))
        state = state_to_json(workflow)
        open_rows = dict(self.db.execute("SELECT task_guid, id FROM human_task WHERE instance_id = ? AND status = "
                                         "'open'", (instance_id,)).fetchall())
        open_ids = []
        for task in derived.open_tasks:
            row_id = open_rows.pop(task.task_guid, None)
            if row_id is None:
                row_id = self.db.execute(
                    "INSERT INTO human_task (task_guid, instance_id, process_key, bpmn_id, title, lane, candidate_role, "
                    "form_file, status, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
                    (task.task_guid, instance_id, PROCESS_KEY, task.bpmn_id, task.title, task.lane,
                     task.candidate_role, task.form_file, now,
                     task.due_at.replace(tzinfo=None).isoformat(sep=" ") if task.due_at else None)).lastrowid
            open_ids.append(row_id)
        for guid, row_id in open_rows.items():
            self.db.execute("UPDATE human_task SET status = ?, completed_at = ?, completed_by = 'bench' WHERE id = ?",
                            ("completed" if guid == completed_guid else "cancelled", now, row_id))
        wanted = {timer.task_guid: timer for timer in derived.timers if timer.due_at is not None}
        for row_id, guid in self.db.execute("SELECT id, task_guid FROM pending_timer WHERE instance_id = ?",
                                            (instance_id,)).fetchall():
            if wanted.pop(guid, None) is None:
                self.db.execute("DELETE FROM pending_timer WHERE id = ?", (row_id,))
        for guid, timer in wanted.items():
            self.db.execute("INSERT INTO pending_timer (instance_id, process_key, bpmn_id, task_guid, kind, due_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)", (instance_id, PROCESS_KEY, timer.bpmn_id, guid, timer.kind,
                                                          timer.due_at.replace(tzinfo=None).isoformat(sep=" ")))
        status = "completed" if derived.completed else "active"
        steps = ", ".join(task.title for task in derived.open_tasks)
        dues = [task.due_at for task in derived.open_tasks if task.due_at is not None]
        updated = self.db.execute(
            "UPDATE process_instance SET state_json = ?, status = ?, current_steps = ?, next_due_at = ?, updated_at = ?, "
            "ended_at = ?, lock_version = lock_version + 1 WHERE id = ? AND lock_version = ?",
            (state, status, steps, min(dues).replace(tzinfo=None).isoformat(sep=" ") if dues else None, now,
             now if derived.completed else None, instance_id, lock_version)).rowcount
        if updated != 1:
            raise AssertionError("lost update")
        if changes:
            self._audit([(instance_id, PROCESS_KEY, now, "bench", "data", None, None, json.dumps(changes))])
        if derived.completed:
            self.warm.pop(instance_id, None)
        else:
            self.warm[instance_id] = (lock_version + 1, workflow)
        return lock_version + 1, open_ids

    def start(self) -> list[int]:
        now = self._now()
        data = self.scenario.start_data
        self.db.execute("BEGIN IMMEDIATE")
        try:
            workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.script_engine)
            workflow.task_tree.data.update(data)
            for task in workflow.get_tasks(state=TaskState.READY):
                task.data.update(data)
            instance_id = self.db.execute(
                "INSERT INTO process_instance (process_version_id, process_key, title, status, current_steps, "
                "started_by, started_at, updated_at, lock_version, state_json) VALUES (?, ?, 'x', 'active', '', "
                "'bench', ?, ?, 1, '{}')", (self.version_id, PROCESS_KEY, now, now)).lastrowid
            self._audit([(instance_id, PROCESS_KEY, now, "bench", "start", None, None, json.dumps(data))])
            workflow.do_engine_steps()
            _, open_ids = self._save(instance_id, 1, workflow, {}, now, None)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return open_ids

    def complete(self, task_id: int, submission: dict) -> list[int]:
        from uuid import UUID
        now = self._now()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            instance_id, guid, status, form_file, bpmn_id = self.db.execute(
                "SELECT instance_id, task_guid, status, form_file, bpmn_id FROM human_task WHERE id = ?",
                (task_id,)).fetchone()
            if status != "open":
                raise AssertionError("task not open")
            lock_version, instance_status = self.db.execute(
                "SELECT lock_version, status FROM process_instance WHERE id = ?", (instance_id,)).fetchone()
            errors = list(self.validators[form_file].iter_errors(submission))
            if errors:
                raise AssertionError(errors)
            entry = self.warm.pop(instance_id, None)
            if entry is not None and entry[0] == lock_version:
                workflow = entry[1]
            else:
                text = self.db.execute("SELECT state_json FROM process_instance WHERE id = ?",
                                       (instance_id,)).fetchone()[0]
                workflow = state_from_json(text, self.spec, self.subprocess_specs)
                workflow.script_engine = self.script_engine
            before = self.instance_data(workflow)
            task = workflow.get_task_from_id(UUID(guid))
            task.data.update(submission)
            task.run()
            self._audit([(instance_id, PROCESS_KEY, now, "bench", "complete", bpmn_id, guid, json.dumps(submission))])
            workflow.do_engine_steps()
            _, open_ids = self._save(instance_id, lock_version, workflow, before, now, guid)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return open_ids

    def lifecycle(self) -> None:
        open_ids = self.start()
        open_ids = self.complete(open_ids[0], REVIEW)
        if self.complete(open_ids[0], self.scenario.release):
            raise AssertionError("lean lifecycle did not complete")


class EngineSide:
    """The engine surface on its own fresh, migrated SQLite file."""

    def __init__(self, scenario: Scenario, folder: str, name: str, warm_cache_size: int | None):
        self.url = sqlite_url_for(os.path.join(folder, f"{name}.db"))
        upgrade(self.url)
        options = {} if warm_cache_size is None else {"warm_cache_size": warm_cache_size}
        self.database = Database(self.url)
        self.engine = open_engine(self.database, **options)
        self.engine.deploy_file(DIAGRAM, FORMS, actor="bench")
        self.scenario = scenario
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.hits = Counter()
        warm = self.engine._warm           # count warm-cache hits without changing the engine
        take = warm.take

        def counting_take(instance_id, lock_version):
            found = take(instance_id, lock_version)
            self.hits["hit" if found is not None else "miss"] += 1
            return found
        warm.take = counting_take

    def lifecycle(self, record: bool = True) -> None:
        engine, scenario, clock_ = self.engine, self.scenario, time.perf_counter
        t0 = clock_()
        view = engine.start_instance(PROCESS_KEY, scenario.start_data, actor="bench")
        t1 = clock_()
        view = engine.complete_task(view.open_tasks[0].task_id, REVIEW, actor="bench")
        t2 = clock_()
        view = engine.complete_task(view.open_tasks[0].task_id, scenario.release, actor="bench")
        t3 = clock_()
        if view.status != "completed":
            raise AssertionError(f"engine lifecycle ended {view.status}")
        if record:
            self.latencies["start_instance"].append(t1 - t0)
            self.latencies["complete_task (review)"].append(t2 - t1)
            self.latencies["complete_task (release)"].append(t3 - t2)

    def close(self):
        self.database.dispose()


# -- measuring -------------------------------------------------------------------------------

def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def run_rounds(sides: dict[str, object], lifecycles: int, rounds: int) -> dict[str, dict]:
    """Each side runs `lifecycles` in `rounds` turns, the order rotating; wall and CPU seconds, per-round rates."""
    results = {name: {"seconds": 0.0, "cpu": 0.0, "count": 0, "rates": []} for name in sides}
    names = list(sides)
    for index, chunk in enumerate(split(lifecycles, rounds)):
        order = names[index % len(names):] + names[:index % len(names)]
        for name in order:
            lifecycle = sides[name].lifecycle
            cpu = time.process_time()
            start = time.perf_counter()
            for _ in range(chunk):
                lifecycle()
            elapsed = time.perf_counter() - start
            results[name]["cpu"] += time.process_time() - cpu
            results[name]["seconds"] += elapsed
            results[name]["count"] += chunk
            results[name]["rates"].append(chunk / elapsed)
    for result in results.values():
        result["rate"] = result["count"] / result["seconds"]
        result["cpu_rate"] = result["count"] / result["cpu"] if result["cpu"] else float("nan")
    return results


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def loadavg() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


# -- --profile: where an engine call spends its time -----------------------------------------------

class Breakdown:
    """Exclusive wall-clock time per label: a wrapped call's time minus that of wrapped calls inside it."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: Counter = Counter()
        self._stack: list[float] = []

    def wrap(self, label: str, function):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            self._stack.append(0.0)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                inner = self._stack.pop()
                self.seconds[label] += elapsed - inner
                self.calls[label] += 1
                if self._stack:
                    self._stack[-1] += elapsed
        return timed


def patch(target, name: str, breakdown: Breakdown, label: str, undo: list) -> None:
    if not hasattr(target, name):   # the engine changed: leave this part in its caller's time
        owner = getattr(target, "__name__", type(target).__name__)
        print(f"  (breakdown: {owner}.{name} not found; its time stays in its caller's)")
        return
    original = getattr(target, name)
    undo.append((target, name, original, name in vars(target)))
    setattr(target, name, breakdown.wrap(label, original))


def unpatch(undo: list) -> None:
    for target, name, original, own in reversed(undo):
        if own:
            setattr(target, name, original)
        else:
            delattr(target, name)


def profile_engine(scenario: Scenario, folder: str, lifecycles: int) -> None:
    side = EngineSide(scenario, folder, "profile", None)
    for _ in range(10):
        side.lifecycle(record=False)

    # 1. SQL statements per call, by kind.
    statements: list[str] = []

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(statement)
    event.listen(side.database.engine, "before_cursor_execute", count)
    per_call: dict[str, Counter] = {}
    engine, release = side.engine, scenario.release
    for label, action in (("start_instance", lambda: engine.start_instance(PROCESS_KEY, scenario.start_data,
                                                                           actor="bench")),):
        statements.clear()
        view = action()
        per_call[label] = Counter(_statement_kind(s) for s in statements)
    statements.clear()
    view = engine.complete_task(view.open_tasks[0].task_id, REVIEW, actor="bench")
    per_call["complete_task (review)"] = Counter(_statement_kind(s) for s in statements)
    statements.clear()
    engine.complete_task(view.open_tasks[0].task_id, release, actor="bench")
    per_call["complete_task (release)"] = Counter(_statement_kind(s) for s in statements)
    event.remove(side.database.engine, "before_cursor_execute", count)
    print("\nSQL statements per engine call (one lifecycle):")
    kinds = sorted({kind for counts in per_call.values() for kind in counts})
    print(f"  {'statement':44}" + "".join(f"{label[:24]:>26}" for label in per_call))
    for kind in kinds:
        print(f"  {kind:44}" + "".join(f"{per_call[label][kind]:>26}" for label in per_call))
    print(f"  {'total':44}" + "".join(f"{sum(per_call[label].values()):>26}" for label in per_call))

    # 2. Exclusive wall-clock time by part of the engine path.
    breakdown, undo = Breakdown(), []
    # Parts of the engine path by name; a name the engine no longer has is skipped (its time stays in its caller).
    for name, label in (("start_instance", "api glue (start_instance)"),
                        ("complete_task", "api glue (complete_task)"),
                        ("_locked_task", "load task row, lock instance (_locked_task)"),
                        ("_locked_record", "load instance row (_locked_record)"),
                        ("_restore", "restore workflow (_restore, warm take)")):
        patch(engine, name, breakdown, label, undo)
    for name, label in (("advance", "SpiffWorkflow (do_engine_steps, task.run)"),
                        ("state_to_json", "state_to_json (state.py)"),
                        ("state_from_json", "state_from_json (state.py, cache miss)"),
                        ("derive", "derive (derive.py)"),
                        ("instance_data", "instance_data before/after (derive.py)"),
                        ("validate_submission", "validate_submission (forms.py, jsonschema)"),
                        ("latest_version_id", "latest version (versions.py)")):
        patch(api, name, breakdown, label, undo)
    for name, label in (("data_changes", "data_changes (records.py)"),
                        ("write_derived", "write derived rows (records.py)"),
                        ("audit", "audit event (records.py)"),
                        ("insert_instance", "insert instance row (records.py)"),
                        ("update_instance", "update instance row (records.py)")):
        patch(records, name, breakdown, label, undo)
    patch(queries, "instance_view", breakdown, "the call's returned view (queries.py)", undo)
    patch(Transaction, "__enter__", breakdown, "BEGIN IMMEDIATE", undo)
    patch(Transaction, "__exit__", breakdown, "COMMIT + warm-cache keep", undo)
    patch(Task, "run", breakdown, "SpiffWorkflow (do_engine_steps, task.run)", undo)
    patch(BpmnWorkflow, "__init__", breakdown, "SpiffWorkflow (BpmnWorkflow())", undo)
    try:
        start = time.perf_counter()
        for _ in range(lifecycles):
            side.lifecycle(record=False)
        total = time.perf_counter() - start
    finally:
        unpatch(undo)
    print(f"\nWhere an engine lifecycle spends its time (exclusive wall clock, {lifecycles} lifecycles, "
          f"timers on: {lifecycles / total:.1f} lifecycles/s):")
    print(f"  {'part':50}{'ms/lifecycle':>14}{'share':>8}{'calls/lc':>10}")
    accounted = sum(breakdown.seconds.values())
    for label, seconds in sorted(breakdown.seconds.items(), key=lambda item: -item[1]):
        print(f"  {label:50}{seconds / lifecycles * 1000:>14.3f}{seconds / accounted:>8.1%}"
              f"{breakdown.calls[label] / lifecycles:>10.1f}")
    print(f"  {'total':50}{accounted / lifecycles * 1000:>14.3f}")

    # 3. cProfile.
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(lifecycles):
        side.lifecycle(record=False)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"engine/|sqlalchemy/engine/base|SpiffWorkflow/bpmn/workflow", 30)
    stats.sort_stats("tottime").print_stats(15)
    print(f"\ncProfile of {lifecycles} engine lifecycles (cumulative, engine/ and main library entry points; "
          "then by own time):")
    text = re.sub(r"\S*/site-packages/", "", out.getvalue()).replace(str(REPO) + "/", "")
    print("\n".join(line for line in text.splitlines() if line.strip() and "Ordered by" not in line
                    and "List reduced" not in line))
    side.close()


def _statement_kind(statement: str) -> str:
    text = " ".join(statement.split())
    found = re.match(r"(SELECT) .*? FROM (\w+)|(INSERT) INTO (\w+)|(UPDATE) (\w+) SET (.*?) WHERE|(DELETE) FROM (\w+)"
                     r"|(BEGIN \w+)|(COMMIT)", text)
    if not found:
        return text[:40]
    groups = [group for group in found.groups() if group]
    if groups[0] == "UPDATE":
        columns = ",".join(part.split("=")[0].strip() for part in groups[2].split(","))
        big = "state_json" if "state_json" in columns else "other columns"
        return f"UPDATE {groups[1]} ({big})"
    return " ".join(groups[:2])


# -- main ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifecycles", type=int, default=300, help="timed lifecycles per side (default 300)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed lifecycles per side first (default 20)")
    parser.add_argument("--rounds", type=int, default=6, help="turns the sides take (default 6)")
    parser.add_argument("--quick", action="store_true", help="a smaller run: 60 lifecycles, 5 warm-up, 3 rounds")
    parser.add_argument("--profile", action="store_true",
                        help="also break an engine lifecycle down: SQL statements, wall clock by part, cProfile")
    args = parser.parse_args(argv)
    if args.quick:
        args.lifecycles, args.warmup, args.rounds = min(args.lifecycles, 60), min(args.warmup, 5), 3
    args.rounds = max(1, min(args.rounds, args.lifecycles))

    scenario = Scenario()
    print("Clerkflow engine throughput: records-request lifecycle (start, review, release)")
    print(f"  python {platform.python_version()} on {platform.machine()}, nproc {os.cpu_count()}, "
          f"SQLite {__import__('sqlite3').sqlite_version}; load average at start: {loadavg()}")
    print(f"  diagram {DIAGRAM.relative_to(REPO)}; {args.lifecycles} timed lifecycles per side in "
          f"{args.rounds} rounds, {args.warmup} warm-up lifecycles per side not timed")

    with tempfile.TemporaryDirectory(prefix="clerkflow-bench-") as folder:
        stateonly = Bare(scenario)
        stateonly.save = state_to_json
        stateonly.load = lambda text: state_from_json(text, stateonly.spec, stateonly.subprocess_specs)
        sides = {
            "bare": Bare(scenario),
            "engine": EngineSide(scenario, folder, "warm", None),
            "engine_nocache": EngineSide(scenario, folder, "cold", 0),
            "lean": LeanCeiling(scenario, folder),
            "in_memory": InMemory(scenario),
            "bare_db": BareWithDatabase(scenario, folder),
            "bare_sandbox": Bare(scenario, script_engine=make_script_engine(CityOperators(default_city_settings), 2.0)),
            "bare_stateonly": stateonly,
        }
        warm, cold = sides["engine"], sides["engine_nocache"]
        for side in sides.values():
            for _ in range(args.warmup):
                side.lifecycle()
        for side in (warm, cold):
            side.latencies.clear()
            side.hits.clear()

        results = run_rounds(sides, args.lifecycles, args.rounds)

        bare = results["bare"]

        def show(name: str, label: str, target: bool = False) -> None:
            mine = results[name]
            rounds = [rate / floor for rate, floor in zip(mine["rates"], bare["rates"])]
            print(f"  {label:58} {mine['rate']:8.1f} lifecycles/s  ({1000 / mine['rate']:6.2f} ms per lifecycle)")
            if name != "bare":
                print(f"      ratio {name} / bare = {mine['rate'] / bare['rate']:.3f}{'  (target >= 1.5)' if target else ''}"
                      f"   per round {min(rounds):.3f} .. {max(rounds):.3f};   by CPU time "
                      f"{mine['cpu_rate'] / bare['cpu_rate']:.3f}")

        print()
        show("bare", "bare SpiffWorkflow floor (full JSON at each wait state)")
        print(f"      final state {sides['bare'].saved_bytes} bytes with the spec; the engine stores state only")
        show("engine", "engine, warm cache on (default warm_cache_size=500)", True)
        show("engine_nocache", "engine, warm_cache_size=0", True)
        for side, label in ((warm, "warm cache on"), (cold, "warm_cache_size=0")):
            print(f"  engine per-call latency, {label} (ms):")
            every = [value for values in side.latencies.values() for value in values]
            for name, values in list(side.latencies.items()) + [("all calls", every)]:
                print(f"      {name:26} median {ms(statistics.median(values)):>7}   p95 {ms(percentile(values, 0.95)):>7}"
                      f"   (n={len(values)})")
            restores = side.hits["hit"] + side.hits["miss"]
            print(f"      warm-cache hits: {side.hits['hit']} of {restores} workflow restores")

        print("\n  Context: the same lifecycles, same rounds (not the engine):")
        show("in_memory", "SpiffWorkflow alone, never persisted")
        show("bare_db", "bare floor + each JSON written to SQLite (own transaction)")
        show("bare_sandbox", "bare floor, Clerkflow's sandboxed script engine")
        show("bare_stateonly", "bare, state-only JSON of engine/state.py instead")
        show("lean", "engine's durable work by hand: sqlite3, no ORM (ceiling)")
        print(f"  load average at end: {loadavg()}")
        for side in (warm, cold):
            side.close()
        sides["lean"].db.close()
        sides["bare_db"].db.close()

        if args.profile:
            profile_engine(scenario, folder, max(50, args.lifecycles // 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
