"""The health check (`/healthz`): the database answers, and timers are being fired (issue 14).

Public and free of personal data: counts of seconds and the scheduler's name (host:pid:token).
Answers 503 when the database does not answer, when the leading scheduler's last round (its
lease renewal, every 10 s) is older than `HEARTBEAT_STALE_AFTER` (3 x the 30-second sweep), or
when a timer is overdue by more than `TIMER_OVERDUE_AFTER`: with SQLite a scheduler that died
at start-up left /healthz saying ok while deadlines and mail silently stopped.

Two cases are not failures. A database no scheduler has ever run on (a fresh install before its
first `clerkflow run`) answers 200 with `"last_round_seconds_ago": null`; an overdue timer still
turns it to 503. And an app configured without a scheduler (`CLERKFLOW_SCHEDULER=none`: timers
fired from cron with `clerkflow timers fire`, say) reports the numbers, says `"expected": false`
and answers 200. docs/reliability.md, "Scheduler faults".

`/healthz/web` is the web worker's own check for a load balancer: it answers and reaches the
database, whatever the scheduler does.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, current_app
from sqlalchemy import text

from engine import clock
from engine.scheduler import SWEEP_SECONDS, lease_state, oldest_overdue_timer
from web.auth import public
from web.current import process_engine
from web.errors import DATABASE_RETRY_AFTER, OUTAGE, database_unreachable

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

HEARTBEAT_STALE_AFTER = timedelta(seconds=3 * SWEEP_SECONDS)   # 90 s: rides out a lease take-over (<= 35 s)
TIMER_OVERDUE_AFTER = timedelta(minutes=5)                      # a timer normally fires within a sweep (30 s)
NO_SCHEDULER = "none"                                           # CLERKFLOW_SCHEDULER=none


@bp.get("/healthz")
@public
def healthz():
    database = process_engine().database
    now = clock.now()
    try:
        lease = lease_state(database)
        overdue_since = oldest_overdue_timer(database, now)
    except Exception as error:   # noqa: BLE001 - whatever failed, the answer is "unavailable"
        return _unavailable(error)
    expected = str(current_app.config.get("SCHEDULER", "")).lower() != NO_SCHEDULER
    last_round = None if lease is None else now - lease.last_round
    overdue = None if overdue_since is None else now - overdue_since
    problems = []
    if expected and last_round is not None and last_round > HEARTBEAT_STALE_AFTER:
        problems.append("no scheduler round for %d s" % last_round.total_seconds())
    if expected and overdue is not None and overdue > TIMER_OVERDUE_AFTER:
        problems.append("a timer is %d s overdue" % overdue.total_seconds())
    body = {"status": "timers not fired" if problems else "ok",
            "scheduler": {"expected": expected,
                          "last_round_seconds_ago": _seconds(last_round),
                          "holder": lease.holder if lease is not None else None},
            "oldest_overdue_timer_seconds": _seconds(overdue)}
    if problems:
        body["problems"] = problems
        return body, 503
    return body


@bp.get("/healthz/web")
@public
def healthz_web():
    """Whether this web process can serve pages: it answers and reaches the database. For a load balancer
    choosing web workers; timers and the scheduler are /healthz's (a dead scheduler is no reason to stop
    sending people to a worker that serves pages)."""
    try:
        with process_engine().database.read() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:   # noqa: BLE001
        return _unavailable(error)
    OUTAGE.ended()
    return {"status": "ok"}


def _unavailable(error: Exception):
    """503, logged once per outage (web.errors.OUTAGE), not a traceback per poll."""
    if database_unreachable(error):
        OUTAGE.began(error)
    else:
        log.error("health check: the database did not answer (%s)", type(error).__name__)
    return {"status": "unavailable"}, 503, {"Retry-After": str(DATABASE_RETRY_AFTER)}


def _seconds(delta: timedelta | None) -> int | None:
    return None if delta is None else max(0, int(delta.total_seconds()))
