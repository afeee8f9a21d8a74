"""The timer scheduler: fires BPMN timers (statutory deadlines, waits, cycles) when they fall due.

ARCHITECTURE.md "Time": APScheduler keeps a job per pending-timer row, at due + 1 s (SpiffWorkflow
fires only strictly after the due instant), plus a periodic sweep, in the `apscheduler_jobs`
table of the engine's own database, so a restart loses nothing. Jobs name `run_due_timers` and
`sweep` by text, and those act through the scheduler that leads in this process. One scheduler
per database leads: it holds the `scheduler_lease` row "timers", renewed every third of the
lease; others stand by until it expires. Firing is `ProcessEngine.fire_due_timers`, one
instance transaction per timer, so a timer fires once however often or late it is asked:
after downtime, each overdue timer fires once, at start-up.

Outer layers may hand `run_scheduler` periodic jobs of their own (`PeriodicJob`: the web app's
mail). The leading scheduler runs each every so many seconds in a thread of its own, one run at
a time, so a slow job never holds up the lease; a job that fails is logged by its error's class
and runs again at its next turn. The engine knows nothing of what the jobs do.

Start-up on SQLite (issue 14): APScheduler creates its job table in a deferred transaction,
which SQLite refuses at once ("database is locked", no busy wait) while the web app writes. So
the table is created first in one of our write transactions (BEGIN IMMEDIATE, which waits its
turn), and a start that still meets a locked or unreachable database is tried again with
backoff rather than ending the process. Each round of the leader renews the lease row and writes
`renewed_at`, its heartbeat (`last_round`, read by the web app's /healthz).
"""
from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from engine import clock, timers
from engine.api import ProcessEngine
from engine.db import Database
from engine.models import PendingTimer, SchedulerLease

log = logging.getLogger("clerkflow.scheduler")

LEASE_NAME = "timers"
JOB_TABLE = "apscheduler_jobs"
FIRE_JOB = "engine.scheduler:run_due_timers"
SWEEP_JOB = "engine.scheduler:sweep"
SWEEP_JOB_ID = "timers-sweep"          # not "timer-…": the sync removes timer jobs without a row
TIMER_JOB_PREFIX = "timer-"
FIRE_AFTER_DUE = timedelta(seconds=1)   # SpiffWorkflow fires strictly after the due instant
FIRE_BATCH = 500
MAX_STANDBY_POLL = 5.0                  # seconds between looks at the lease while standing by
LEASE_SECONDS = 30.0                    # how long a lease lasts; the leader renews it every third
SWEEP_SECONDS = 30.0
START_BACKOFF = (1, 2, 4, 8, 15, 30)    # seconds between tries to start (the last one repeats)

_leading: TimerScheduler | None = None   # the scheduler that holds the lease in this process


# -- pure decisions -----------------------------------------------------------------------------

def timer_job_id(timer_id: int) -> str:
    return f"{TIMER_JOB_PREFIX}{timer_id}"


def timer_id_of(job_id: str) -> int | None:
    """The pending-timer id a job fires, or None for any other job (the sweep)."""
    suffix = job_id[len(TIMER_JOB_PREFIX):] if job_id.startswith(TIMER_JOB_PREFIX) else ""
    return int(suffix) if suffix.isdigit() else None


@dataclass(frozen=True)
class JobPlan:
    add: tuple[tuple[int, datetime], ...]   # (timer id, run at): new jobs, or jobs whose time moved
    remove: tuple[str, ...]                 # timer jobs whose pending-timer row is gone


def plan_timer_jobs(pending: Mapping[int, datetime], jobs: Mapping[str, datetime | None],
                    now: datetime) -> JobPlan:
    """Which jobs to add and remove so each pending timer (id -> due_at) has one at due + 1 s.

    `jobs` maps the job ids in the store to their next run time. A row already overdue gets
    no new job: the sweep fires it (a job would only be re-added after every run while, say,
    its instance stays suspended). An existing job for a row is never removed here."""
    add = []
    for timer_id, due_at in sorted(pending.items()):
        run_at = clock.as_utc(due_at) + FIRE_AFTER_DUE
        if run_at > now and jobs.get(timer_job_id(timer_id)) != run_at:
            add.append((timer_id, run_at))
    remove = sorted(job_id for job_id in jobs
                    if (timer_id := timer_id_of(job_id)) is not None and timer_id not in pending)
    return JobPlan(tuple(add), tuple(remove))


def can_take_lease(holder: str | None, expires_at: datetime | None, me: str, now: datetime) -> bool:
    """Whether `me` may take (or renew) the lease now: nobody holds it, it expired, or it is mine."""
    return holder is None or holder == me or expires_at is None or clock.as_utc(expires_at) <= now


# -- the lease ------------------------------------------------------------------------------------

def claim_lease(database: Database, me: str, now: datetime, seconds: float) -> tuple[bool, str, datetime]:
    """Take or renew the lease in one write transaction; returns (mine?, holder, expires_at)."""
    try:
        with database.write() as session:
            row = session.scalars(select(SchedulerLease).where(SchedulerLease.name == LEASE_NAME)
                                  .with_for_update()).first()
            if row is not None and not can_take_lease(row.holder, row.expires_at, me, now):
                return False, row.holder, row.expires_at
            expires_at = now + timedelta(seconds=seconds)
            if row is None:
                session.add(SchedulerLease(name=LEASE_NAME, holder=me, expires_at=expires_at, renewed_at=now))
            else:
                row.holder, row.expires_at, row.renewed_at = me, expires_at, now
            return True, me, expires_at
    except IntegrityError:   # another scheduler inserted the first lease row at the same moment
        return False, "another scheduler", now


def release_lease(database: Database, me: str, now: datetime) -> None:
    """Let a standby take over at once instead of waiting for the lease to expire."""
    with database.write() as session:
        row = session.get(SchedulerLease, LEASE_NAME)
        if row is not None and row.holder == me:
            row.expires_at = now


@dataclass(frozen=True)
class LeaseState:
    """What the lease row says about the leading scheduler (for health checks)."""

    holder: str
    expires_at: datetime
    last_round: datetime       # when the holder last renewed it: each of its rounds does


def lease_state(database: Database, lease_seconds: float = LEASE_SECONDS) -> LeaseState | None:
    """The lease as last written, or None when no scheduler has ever run on this database."""
    with database.read() as session:
        row = session.get(SchedulerLease, LEASE_NAME)
        if row is None:
            return None
        expires_at = clock.as_utc(row.expires_at)
        renewed_at = clock.as_utc(row.renewed_at) if row.renewed_at is not None else None
        # A lease row written before renewed_at existed: its holder renewed it lease_seconds before it expires.
        return LeaseState(row.holder, expires_at, renewed_at or expires_at - timedelta(seconds=lease_seconds))


def oldest_overdue_timer(database: Database, now: datetime) -> datetime | None:
    """The due time of the oldest timer that should have fired by `now` (suspended instances' wait), or None."""
    due = timers.due_timers(database, now - FIRE_AFTER_DUE, 1)
    return due[0].due_at if due else None


def ensure_job_table(database: Database) -> None:
    """Create APScheduler's job table, if missing, in a write transaction that waits for other writers.

    APScheduler would create it in a deferred transaction, which SQLite refuses without waiting
    while another connection writes; BEGIN IMMEDIATE (Database.write_connection) queues instead."""
    table = SQLAlchemyJobStore(engine=database.engine, tablename=JOB_TABLE).jobs_t
    with database.write_connection() as connection:
        table.create(connection, checkfirst=True)


# -- the scheduler --------------------------------------------------------------------------------

class TimerScheduler:
    """One process's scheduler: stands by, or holds the lease and keeps jobs in step with timers."""

    def __init__(self, engine: ProcessEngine, *, sweep_seconds: float = SWEEP_SECONDS,
                 lease_seconds: float = LEASE_SECONDS,
                 holder: str | None = None, scheduler_class: type[BaseScheduler] = BackgroundScheduler):
        self.engine = engine
        self.sweep_seconds = sweep_seconds
        self.lease_seconds = lease_seconds
        self.holder = holder or f"{socket.gethostname()[:150]}:{os.getpid()}:{secrets.token_hex(4)}"
        self.leading = False
        self.lease_expires_at: datetime | None = None
        self._standing_by_logged = False
        self._firing = threading.Lock()
        # One worker: jobs of this process never race each other for the same instance.
        self.apscheduler = scheduler_class(
            jobstores={"default": SQLAlchemyJobStore(engine=engine.database.engine, tablename=JOB_TABLE)},
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=timezone.utc)

    def start(self) -> None:
        """Open the job store (its table created first, see ensure_job_table) without running jobs until the lease is won."""
        ensure_job_table(self.engine.database)
        self.apscheduler.start(paused=True)

    def holds_lease(self) -> bool:
        return self.leading and self.lease_expires_at is not None and clock.now() < self.lease_expires_at

    def tick(self) -> float:
        """Take, renew or look at the lease and act on the result; returns seconds until the next tick."""
        renew_every = self.lease_seconds / 3
        try:
            mine, holder, expires_at = claim_lease(self.engine.database, self.holder, clock.now(),
                                                   self.lease_seconds)
        except DBAPIError as err:   # keep firing until our lease runs out locally; holds_lease() checks
            log.warning("could not reach the lease (%s); trying again", type(err.orig).__name__)
            return min(MAX_STANDBY_POLL, renew_every)
        if mine:
            self.lease_expires_at = expires_at
            if not self.leading:
                self.take_over()
            else:
                self._between_sweeps()
            return renew_every
        if self.leading:
            log.warning("scheduler %s lost the lease to %s; it stops firing timers", self.holder, holder)
            self.step_down()
        if not self._standing_by_logged:
            log.info("scheduler %s is standing by: %s holds the lease until %s", self.holder, holder,
                     f"{expires_at:%Y-%m-%d %H:%M:%S} UTC")
            self._standing_by_logged = True
        return min(MAX_STANDBY_POLL, renew_every)

    def take_over(self) -> None:
        global _leading
        log.info("scheduler %s holds the lease; catching up on overdue timers", self.holder)
        self.leading, self._standing_by_logged = True, False
        _leading = self
        try:
            self.catch_up()
        except Exception as err:   # the sweep tries again; only the class (see _run_as_leader)
            log.error("start-up catch-up failed (%s); the next sweep tries again", type(err).__name__)
        self.apscheduler.resume()

    def step_down(self) -> None:
        global _leading
        self.leading = False
        if _leading is self:
            _leading = None
        if self.apscheduler.running:
            self.apscheduler.pause()

    def catch_up(self) -> int:
        """The start-up routine: fire every overdue timer once, then give each pending timer its job."""
        fired = self.fire_due()
        self._schedule_sweep()   # anew: the sweep interval may have changed since the last run
        plan = self.sync_jobs()
        log.info("start-up: fired %d overdue timer(s); scheduled %d job(s), removed %d", fired,
                 len(plan.add), len(plan.remove))
        return fired

    def _between_sweeps(self) -> None:
        """Each renewal (every few seconds): give a job to each timer due before the next sweep that has
        none, and one to run at once when a timer is due already, so a timer set less than a sweep ahead
        fires at its time rather than at the sweep. Small indexed reads; the firing itself stays in the job
        thread, so a long firing never delays the lease's renewal. Moved and removed timers wait for the sweep."""
        if not self.holds_lease():
            return
        now = clock.now()
        with self.engine.database.read() as session:
            soon = dict(session.execute(select(PendingTimer.id, PendingTimer.due_at).where(
                PendingTimer.due_at <= now + timedelta(seconds=self.sweep_seconds))).all())
        jobs = list(plan_timer_jobs(soon, {}, now).add)
        due = timers.due_timers(self.engine.database, now - FIRE_AFTER_DUE, 1)   # suspended instances' aside
        if due:
            jobs.append((due[0].timer_id, now))   # its job fires everything due
        self._add_timer_jobs(tuple((timer_id, run_at) for timer_id, run_at in jobs
                                   if self.apscheduler.get_job(timer_job_id(timer_id)) is None))

    def _add_timer_jobs(self, timers_due: tuple[tuple[int, datetime], ...]) -> None:
        for timer_id, run_at in timers_due:
            self.apscheduler.add_job(FIRE_JOB, DateTrigger(run_date=run_at, timezone=timezone.utc),
                                     args=[timer_id], id=timer_job_id(timer_id), name=f"timer {timer_id}",
                                     replace_existing=True, misfire_grace_time=None, coalesce=True)

    def sweep(self) -> None:
        """The safety net: fire whatever is due (a missed job, a resumed instance), then sync jobs."""
        self.fire_due()
        self.sync_jobs()

    def fire_due(self) -> int:
        """Fire every timer due by now, if this scheduler leads; returns how many fired."""
        if not self.holds_lease():
            return 0
        fired = 0
        with self._firing:
            for _round in range(20):   # more than a batch is due; bounded, so a stuck timer cannot spin
                due = timers.due_timers(self.engine.database, clock.now(), FIRE_BATCH)
                for timer in due:   # ids and element names only: task data stays out of the log
                    log.info("firing timer %s (%s/%s, instance %s, due %s)", timer.timer_id, timer.process_key,
                             timer.bpmn_id, timer.instance_id or "none: timer start event",
                             f"{timer.due_at:%Y-%m-%d %H:%M:%S} UTC")
                count = self.engine.fire_due_timers(actor="scheduler", limit=FIRE_BATCH)
                fired += count
                if len(due) < FIRE_BATCH or count == 0:
                    break
        if fired:
            log.info("fired %d timer(s)", fired)
        return fired

    def sync_jobs(self) -> JobPlan:
        """Add a job for each pending timer without one (or whose due time moved); drop orphans."""
        if not self.holds_lease():
            return JobPlan((), ())
        with self.engine.database.read() as session:
            pending = {timer_id: due_at for timer_id, due_at in
                       session.execute(select(PendingTimer.id, PendingTimer.due_at))}
        jobs = {job.id: job.next_run_time for job in self.apscheduler.get_jobs()}
        plan = plan_timer_jobs(pending, jobs, clock.now())
        self._add_timer_jobs(plan.add)
        for job_id in plan.remove:
            try:
                self.apscheduler.remove_job(job_id)
            except JobLookupError:
                pass   # it ran and removed itself meanwhile
        if SWEEP_JOB_ID not in jobs:
            self._schedule_sweep()
        return plan

    def _schedule_sweep(self) -> None:
        if self.holds_lease():
            self.apscheduler.add_job(SWEEP_JOB, IntervalTrigger(seconds=self.sweep_seconds, timezone=timezone.utc),
                                     id=SWEEP_JOB_ID, name="timer sweep", replace_existing=True,
                                     misfire_grace_time=None, coalesce=True)

    def shutdown(self) -> None:
        """Stop running jobs (waiting for one in progress) and hand the lease back."""
        was_leading = self.leading
        self.step_down()
        if self.apscheduler.running:
            # Detach the shared store first: APScheduler's thread makes one more pass after
            # shutdown and would drop due jobs it can no longer run (apscheduler#285, #985);
            # detaching also keeps it from disposing the engine's own connection pool.
            self.apscheduler.remove_jobstore("default", shutdown=False)
            self.apscheduler.shutdown(wait=True)
        if was_leading:
            try:
                release_lease(self.engine.database, self.holder, clock.now())
            except DBAPIError as err:
                log.warning("could not release the lease (%s); it expires by itself", type(err.orig).__name__)


# -- the jobs (referenced by text from the job store) ----------------------------------------

def run_due_timers(timer_id: int | None = None) -> int:
    """Job: a pending timer's time has come; fire everything due (its own firing included)."""
    return _run_as_leader(f"timer job {timer_id}", lambda leader: leader.fire_due())


def sweep() -> None:
    """Job: the periodic safety net (fire what is due, sync jobs with pending timers)."""
    _run_as_leader("timer sweep", lambda leader: leader.sweep())


def _run_as_leader(what: str, work):
    leader = _leading
    if leader is None or not leader.holds_lease():
        log.info("%s skipped: this process does not hold the timer lease", what)
        return 0
    try:
        return work(leader)
    except Exception as err:   # only the class: database errors carry task data in their parameters
        log.error("%s failed (%s); the next sweep tries again", what, type(err).__name__)
        return 0


# -- periodic jobs of outer layers ---------------------------------------------------------------

@dataclass(frozen=True)
class PeriodicJob:
    """Work the leading scheduler runs every `seconds` beside the timers (e.g. the web app's mail)."""

    name: str
    seconds: float
    work: Callable[[], Any]


class _PeriodicRunner:
    """Runs one job in its own thread when its turn comes, never two runs of it at once."""

    def __init__(self, job: PeriodicJob):
        self.job = job
        self.next_at = 0.0             # time.monotonic(): the first turn is at once
        self.thread: threading.Thread | None = None

    def run_if_due(self, now: float) -> None:
        if (self.thread is not None and self.thread.is_alive()) or now < self.next_at:
            return
        self.next_at = now + self.job.seconds
        self.thread = threading.Thread(target=self._run, name=f"clerkflow-{self.job.name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.job.work()
        except Exception as err:   # only the class: errors may carry personal data in their text
            log.error("periodic job %s failed (%s); it runs again in %s s", self.job.name, type(err).__name__,
                      self.job.seconds)

    def finish(self, timeout: float) -> None:
        if self.thread is not None:
            self.thread.join(timeout)


# -- the command -------------------------------------------------------------------------------

def run_scheduler(engine: ProcessEngine, *, sweep_seconds: float = SWEEP_SECONDS, lease_seconds: float = LEASE_SECONDS,
                  stop_event: threading.Event | None = None, periodic: Sequence[PeriodicJob] = ()) -> None:
    """Run the timer scheduler (`clerkflow scheduler`) on `engine` until `stop_event` is set, SIGINT or SIGTERM.

    The database must be migrated; its connections are closed on the way out. A start that finds the
    database locked or unreachable is tried again (START_BACKOFF) until it works or the stop comes.
    At least one tick runs, so a stop_event set beforehand still catches up on overdue timers (if
    the lease is free) before shutting down. `periodic` jobs run while this scheduler holds the
    lease (see the module docstring)."""
    stop = stop_event or threading.Event()
    timer_scheduler = TimerScheduler(engine, sweep_seconds=sweep_seconds, lease_seconds=lease_seconds)
    runners = [_PeriodicRunner(job) for job in periodic]
    previous_handlers = _stop_on_signals(stop)
    try:
        if not _start_with_retry(timer_scheduler, stop):
            return
        log.info("scheduler %s started on %s", timer_scheduler.holder,
                 engine.database.engine.url.render_as_string(hide_password=True))
        while True:
            pause = timer_scheduler.tick()
            if runners and timer_scheduler.holds_lease():
                for runner in runners:
                    runner.run_if_due(time.monotonic())
                pause = min(pause, *(runner.job.seconds for runner in runners))
            if stop.wait(pause):
                break
    finally:
        for runner in runners:
            runner.finish(timeout=lease_seconds)
        timer_scheduler.shutdown()
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        engine.database.dispose()
        log.info("scheduler %s stopped", timer_scheduler.holder)


def _start_with_retry(timer_scheduler: TimerScheduler, stop: threading.Event) -> bool:
    """Start, trying again with backoff while the database is locked or unreachable; False if stopped first."""
    attempt = 0
    while True:
        try:
            timer_scheduler.start()
            return True
        except OperationalError as err:
            attempt += 1
            delay = START_BACKOFF[min(attempt, len(START_BACKOFF)) - 1]
            log.warning("scheduler %s could not start: %s (try %d); trying again in %s s", timer_scheduler.holder,
                        _start_failure(err), attempt, delay)
        if stop.wait(delay):
            return False


def _start_failure(err: OperationalError) -> str:
    """Why a start failed, in words free of SQL parameters: SQLite's lock message, else the error's class."""
    return "the database is locked" if "locked" in str(err.orig).lower() else type(err.orig).__name__


def _stop_on_signals(stop: threading.Event) -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}   # Python lets only the main thread install signal handlers
    return {signum: signal.signal(signum, lambda _signum, _frame: stop.set())
            for signum in (signal.SIGINT, signal.SIGTERM)}
