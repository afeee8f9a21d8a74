"""The timer scheduler: one leader per database, a job per pending timer, each timer fired once.

APScheduler is driven synchronously: schedulers are started with their job store open but
never run jobs by themselves (`StaysPaused`); tests call the job functions and the
start-up routine directly, and move the clock with time-machine instead of sleeping.
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED
from sqlalchemy import select, text
from SpiffWorkflow.util.task import TaskState

from engine import clock as engine_clock
from engine import scheduler
from engine.api import ProcessEngine
from city.office import open_engine_at
from engine.models import ProcessInstance, ProcessVersion, SchedulerLease
from engine.scheduler import (FIRE_JOB, SWEEP_JOB_ID, TimerScheduler, can_take_lease, plan_timer_jobs,
                              run_scheduler, timer_job_id)
from engine.state import spec_from_json, state_from_json

DIAGRAMS = Path(__file__).parent / "diagrams"
MONDAY_9AM = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)   # 9 AM in the city (UTC-6)
LEASE = timedelta(seconds=30)


class StaysPaused(BackgroundScheduler):
    """Keeps jobs in the store but never runs them by itself: the test calls the job functions."""

    def resume(self):
        pass


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    return time_machine


@pytest.fixture
def web_engine(database_url, clock):
    """The web app's process: deploys, starts instances; it never runs a scheduler."""
    process_engine = open_engine_at(database_url)
    process_engine.deploy_file(DIAGRAMS / "request_shaped.bpmn", DIAGRAMS / "forms", actor="admin")
    yield process_engine
    process_engine.database.dispose()


@pytest.fixture
def make_scheduler(database_url, web_engine):
    """A scheduler as another process would run it: its own engine and database pool."""
    made: list[TimerScheduler] = []

    def make(**options) -> TimerScheduler:
        timer_scheduler = TimerScheduler(open_engine_at(database_url), scheduler_class=StaysPaused, **options)
        timer_scheduler.start()
        made.append(timer_scheduler)
        return timer_scheduler

    yield make
    for timer_scheduler in made:
        timer_scheduler.shutdown()
        timer_scheduler.engine.database.dispose()


def file_request(engine: ProcessEngine, received_at: datetime = MONDAY_9AM) -> int:
    return engine.start_instance("request_shaped", {"received_at": received_at.isoformat()}, actor="clerk").instance_id


def overdue_notes(engine: ProcessEngine, instance_id: int) -> list[bool]:
    """`overdue` as each completed run of the boundary path ("Note overdue") left it."""
    with engine.database.read() as session:
        instance = session.get(ProcessInstance, instance_id)
        version = session.get(ProcessVersion, instance.process_version_id)
        workflow = state_from_json(instance.state_json, *spec_from_json(version.spec_json))
    return [task.data.get("overdue") for task in workflow.get_tasks(state=TaskState.COMPLETED)
            if task.task_spec.bpmn_id == "note_overdue"]


def timer_actions(engine: ProcessEngine, instance_id: int) -> list[str]:
    return [event.actor for event in engine.audit_trail(instance_id) if event.action == "timer"]


def lease_row(engine: ProcessEngine) -> tuple[str, datetime]:
    with engine.database.read() as session:
        row = session.scalars(select(SchedulerLease).where(SchedulerLease.name == "timers")).one()
        return row.holder, row.expires_at


# -- leader election ------------------------------------------------------------------------

def test_second_scheduler_waits_while_first_holds_the_lease(make_scheduler, web_engine, clock, caplog):
    caplog.set_level(logging.INFO, logger="clerkflow.scheduler")
    first, second = make_scheduler(), make_scheduler()
    assert first.tick() == pytest.approx(10)   # renews every third of the lease
    assert first.holds_lease()

    assert second.tick() <= 5
    assert not second.leading and not second.holds_lease()
    assert f"scheduler {second.holder} is standing by: {first.holder} holds the lease" in caplog.text

    clock.shift(timedelta(seconds=20))
    first.tick()                              # renewed: now good until +50 s
    clock.shift(timedelta(seconds=20))
    second.tick()
    assert not second.leading
    assert lease_row(web_engine) == (first.holder, MONDAY_9AM + timedelta(seconds=50))
    assert scheduler._leading is first


def test_lease_is_taken_over_after_holder_stops_renewing(make_scheduler, web_engine, clock):
    first, second = make_scheduler(), make_scheduler()
    first.tick()
    second.tick()
    assert first.leading and not second.leading

    clock.shift(LEASE + timedelta(seconds=1))   # first hangs: no renewal for longer than the lease
    assert not first.holds_lease()             # so it stops firing even before it learns of it
    second.tick()
    assert second.leading and second.holds_lease()
    assert lease_row(web_engine)[0] == second.holder

    first.tick()                               # comes back, finds someone else holding the lease
    assert not first.leading
    assert first.apscheduler.state == STATE_PAUSED   # its jobs no longer run
    assert scheduler._leading is second


def test_lease_released_on_shutdown_is_taken_at_once(make_scheduler, web_engine):
    first, second = make_scheduler(), make_scheduler()
    first.tick()
    first.shutdown()
    second.tick()
    assert second.leading


@pytest.mark.parametrize("holder, expires_in, expected", [
    (None, None, True),          # no lease row yet
    ("other", 10, False),        # someone else holds a live lease
    ("other", 0, True),          # it expired this instant
    ("other", -5, True),
    ("me", 10, True),            # renewing my own
])
def test_who_may_take_the_lease(holder, expires_in, expected):
    expires_at = None if expires_in is None else MONDAY_9AM + timedelta(seconds=expires_in)
    assert can_take_lease(holder, expires_at, "me", MONDAY_9AM) is expected


# -- jobs --------------------------------------------------------------------------------------

def test_every_pending_timer_gets_a_job_at_its_due_time_plus_one_second(make_scheduler, web_engine):
    requests = [file_request(web_engine, MONDAY_9AM + timedelta(days=days)) for days in (0, 1, 2)]
    timer_scheduler = make_scheduler()
    timer_scheduler.tick()

    pending = web_engine.pending_timers()
    assert sorted(timer.instance_id for timer in pending) == requests
    for timer in pending:
        job = timer_scheduler.apscheduler.get_job(timer_job_id(timer.timer_id))
        assert job.next_run_time == timer.due_at + timedelta(seconds=1)
        assert (job.func_ref, job.args) == (FIRE_JOB, (timer.timer_id,))
        assert job.misfire_grace_time is None and job.coalesce
    with web_engine.database.read() as session:   # persisted in the engine's own database
        rows = session.execute(text("SELECT id, next_run_time FROM apscheduler_jobs"))
        stored = {job_id: run_at for job_id, run_at in rows}
    assert stored.keys() == {timer_job_id(timer.timer_id) for timer in pending} | {SWEEP_JOB_ID}
    for timer in pending:
        assert stored[timer_job_id(timer.timer_id)] == (timer.due_at + timedelta(seconds=1)).timestamp()

    web_engine.terminate_instance(requests[0], actor="clerk", reason="withdrawn")
    scheduler.sweep()
    remaining = {job.id for job in timer_scheduler.apscheduler.get_jobs()}
    assert remaining == {timer_job_id(timer.timer_id) for timer in pending[1:]} | {SWEEP_JOB_ID}


def test_a_timer_set_less_than_a_sweep_ahead_gets_its_job_at_the_next_renewal(make_scheduler, web_engine, clock):
    """Not at the next sweep, up to 30 s later: a short wait drawn by an analyst fires on time."""
    leader = make_scheduler()
    leader.tick()                                       # takes the lease; nothing pending yet
    request = file_request(web_engine)
    (timer,) = web_engine.pending_timers(instance_id=request)
    clock.move_to(timer.due_at - timedelta(seconds=20), tick=False)
    leader.tick()                                       # a renewal, not a sweep
    job = leader.apscheduler.get_job(timer_job_id(timer.timer_id))
    assert job is not None and job.next_run_time == timer.due_at + timedelta(seconds=1)


def test_a_timer_already_due_at_a_renewal_gets_a_job_to_fire_at_once(make_scheduler, web_engine, clock):
    leader = make_scheduler()
    leader.tick()
    request = file_request(web_engine)
    (timer,) = web_engine.pending_timers(instance_id=request)
    clock.move_to(timer.due_at + timedelta(seconds=5), tick=False)
    leader.tick()
    job = leader.apscheduler.get_job(timer_job_id(timer.timer_id))
    assert job is not None and job.next_run_time == timer.due_at + timedelta(seconds=5)
    assert scheduler.run_due_timers(timer.timer_id) == 1       # the job, when it runs, fires it once
    assert timer_actions(web_engine, request) == ["scheduler"]


def test_job_plan_adds_missing_and_moved_jobs_and_drops_orphans():
    due = MONDAY_9AM + timedelta(days=3)
    plan = plan_timer_jobs(
        {1: due, 2: due, 3: due, 4: MONDAY_9AM - timedelta(hours=1)},
        {"timer-1": due + timedelta(seconds=1), "timer-2": due, "timer-9": due, SWEEP_JOB_ID: MONDAY_9AM},
        MONDAY_9AM)
    assert plan.add == ((2, due + timedelta(seconds=1)), (3, due + timedelta(seconds=1)))
    assert plan.remove == ("timer-9",)   # 4 is overdue: the sweep fires it, no job needed


# -- firing once -------------------------------------------------------------------------------

def test_overdue_timer_fires_once_on_startup_after_downtime(make_scheduler, web_engine, clock):
    request = file_request(web_engine)
    (timer,) = web_engine.pending_timers(instance_id=request)
    clock.move_to(timer.due_at + timedelta(days=2), tick=False)   # nobody ran a scheduler meanwhile

    crashed = make_scheduler()
    crashed.tick()                            # wins the lease and catches up
    assert crashed.catch_up() == 0            # the start-up routine again: nothing left to fire
    restarted = make_scheduler()              # the process died without handing back its lease
    restarted.tick()
    assert not restarted.leading
    clock.shift(LEASE)
    restarted.tick()
    assert restarted.leading

    assert timer_actions(web_engine, request) == ["scheduler"]
    assert overdue_notes(web_engine, request) == [True]
    assert web_engine.pending_timers(instance_id=request) == []
    assert [task.title for task in web_engine.get_instance(request).open_tasks] == ["Review request"]


def test_job_for_a_timer_another_process_already_fired_does_nothing(make_scheduler, web_engine, clock):
    request = file_request(web_engine)
    (timer,) = web_engine.pending_timers(instance_id=request)
    timer_scheduler = make_scheduler()
    timer_scheduler.tick()
    assert timer_scheduler.apscheduler.get_job(timer_job_id(timer.timer_id)) is not None

    clock.move_to(timer.due_at + timedelta(seconds=1), tick=False)
    timer_scheduler.tick()                     # the lease was renewed all along
    assert web_engine.fire_due_timers(actor="admin") == 1   # say, an administrator's command got there first
    state_before = web_engine.get_instance(request).lock_version
    assert scheduler.run_due_timers(timer.timer_id) == 0
    scheduler.sweep()

    assert timer_actions(web_engine, request) == ["admin"]
    assert overdue_notes(web_engine, request) == [True]
    assert web_engine.get_instance(request).lock_version == state_before
    assert timer_scheduler.apscheduler.get_job(timer_job_id(timer.timer_id)) is None


def test_jobs_do_nothing_in_a_process_that_does_not_lead(make_scheduler, web_engine, clock):
    request = file_request(web_engine)
    (timer,) = web_engine.pending_timers(instance_id=request)
    leader, standby = make_scheduler(), make_scheduler()
    leader.tick()
    standby.tick()
    leader.shutdown()                          # this process's leader is gone; the lease is free
    clock.move_to(timer.due_at + timedelta(seconds=1), tick=False)
    assert scheduler.run_due_timers(timer.timer_id) == 0
    assert standby.fire_due() == 0             # standing by: it has not taken the lease yet
    assert timer_actions(web_engine, request) == []


def test_run_scheduler_catches_up_then_stops_and_hands_back_the_lease(web_engine, database_url, clock):
    request = file_request(web_engine)
    (timer,) = web_engine.pending_timers(instance_id=request)
    clock.move_to(timer.due_at + timedelta(hours=1), tick=False)
    stop = threading.Event()
    stop.set()                                 # one tick, then a clean shutdown
    handler_before = signal.getsignal(signal.SIGTERM)

    run_scheduler(open_engine_at(database_url), sweep_seconds=60, stop_event=stop)

    assert signal.getsignal(signal.SIGTERM) is handler_before

    assert timer_actions(web_engine, request) == ["scheduler"]
    assert lease_row(web_engine)[1] <= engine_clock.now()
    with web_engine.database.read() as session:
        assert session.execute(text("SELECT id FROM apscheduler_jobs")).scalars().all() == [SWEEP_JOB_ID]
    assert scheduler._leading is None
