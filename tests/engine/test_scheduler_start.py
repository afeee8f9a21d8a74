"""Issue 14: the scheduler starts on SQLite while the web app writes, instead of dying 'database is locked'.

Another connection holds a write transaction (BEGIN IMMEDIATE) on the database file while the
scheduler starts; it lets go about a second later, as a long web request would. Events say when
the lock is held; joins wait for the threads.
"""
from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from city.office import open_engine_at
from engine.scheduler import JOB_TABLE, TimerScheduler, ensure_job_table, lease_state, run_scheduler

HOLD_SECONDS = 1.5   # how long the web app's write lasts in the scenario


@pytest.fixture
def sqlite_path(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the lock is SQLite's")
    return database_url.removeprefix("sqlite:///")


def hold_write_lock(path: str, held: threading.Event, release: threading.Event) -> threading.Thread:
    """A thread that writes on `path` (BEGIN IMMEDIATE) and commits when `release` is set or HOLD_SECONDS pass."""

    def writer():
        connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("UPDATE scheduler_lease SET holder = holder")   # a write: the file changes
            connection.execute("CREATE TABLE web_app_was_here (n INTEGER)")
            held.set()
            release.wait(HOLD_SECONDS)
            connection.execute("COMMIT")
        finally:
            connection.close()

    thread = threading.Thread(target=writer, name="web-app-writer")
    thread.start()
    assert held.wait(10), "the writer never got its lock"
    return thread


def job_table_exists(engine) -> bool:
    return JOB_TABLE in inspect(engine.database.engine).get_table_names()


def test_scheduler_starts_while_another_connection_holds_a_write_lock(sqlite_path, database_url):
    engine = open_engine_at(database_url)
    assert not job_table_exists(engine)          # a migrated database: APScheduler's table is not there yet
    held, release = threading.Event(), threading.Event()
    writer = hold_write_lock(sqlite_path, held, release)
    timer_scheduler = TimerScheduler(engine)
    try:
        timer_scheduler.start()                  # waits for the writer instead of failing at once
        assert timer_scheduler.apscheduler.running
    finally:
        release.set()
        writer.join()
        timer_scheduler.shutdown()
        engine.database.dispose()
    assert job_table_exists(open_engine_at(database_url))


def test_job_table_is_created_in_a_write_transaction_before_apscheduler_starts(sqlite_path, database_url):
    engine = open_engine_at(database_url)
    assert not job_table_exists(engine)          # connected first, as the web app is (the file is in WAL mode)
    held, release = threading.Event(), threading.Event()
    writer = hold_write_lock(sqlite_path, held, release)
    try:
        ensure_job_table(engine.database)        # queues behind the writer (BEGIN IMMEDIATE, busy timeout)
    finally:
        release.set()
        writer.join()
    assert job_table_exists(engine)
    ensure_job_table(engine.database)            # again: nothing to do
    engine.database.dispose()


def test_run_scheduler_retries_start_up_when_the_database_is_locked(database_url, monkeypatch, caplog):
    engine = open_engine_at(database_url)
    attempts = []
    real_ensure = ensure_job_table

    def locked_twice(database):
        attempts.append(len(attempts) + 1)
        if len(attempts) <= 2:
            raise OperationalError("CREATE TABLE apscheduler_jobs", {}, sqlite3.OperationalError("database is locked"))
        real_ensure(database)

    monkeypatch.setattr("engine.scheduler.ensure_job_table", locked_twice)
    stop, waits = threading.Event(), []

    def wait(seconds=None):   # no real waiting: record the backoff, stop after the first tick
        waits.append(seconds)
        return len(waits) > 2

    monkeypatch.setattr(stop, "wait", wait)
    caplog.set_level("WARNING", logger="clerkflow.scheduler")
    run_scheduler(engine, stop_event=stop)
    assert attempts == [1, 2, 3]
    assert waits[:2] == [1, 2]                   # backs off before each new try
    assert caplog.text.count("could not start: the database is locked") == 2


def test_run_scheduler_stopped_while_waiting_to_start_ends_quietly(database_url, monkeypatch):
    engine = open_engine_at(database_url)

    def always_locked(database):
        raise OperationalError("CREATE TABLE apscheduler_jobs", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr("engine.scheduler.ensure_job_table", always_locked)
    stop = threading.Event()
    stop.set()
    run_scheduler(engine, stop_event=stop)       # returns instead of trying for ever


def test_each_round_of_the_leader_is_its_heartbeat(database_url, time_machine):
    monday_9am = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
    time_machine.move_to(monday_9am, tick=False)
    engine = open_engine_at(database_url)
    assert lease_state(engine.database) is None   # no scheduler has run here yet
    timer_scheduler = TimerScheduler(engine)
    timer_scheduler.start()
    try:
        timer_scheduler.tick()
        time_machine.shift(timedelta(seconds=10))
        timer_scheduler.tick()
        state = lease_state(engine.database)
        assert (state.holder, state.last_round) == (timer_scheduler.holder, monday_9am + timedelta(seconds=10))
    finally:
        timer_scheduler.shutdown()
        engine.database.dispose()
