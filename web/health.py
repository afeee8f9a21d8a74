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
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, current_app

from engine import clock
from engine.scheduler import SWEEP_SECONDS, lease_state, oldest_overdue_timer
from web.auth import public
from web.current import process_engine

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
    except Exception:
        log.exception("health check: the database did not answer")
        return {"status": "unavailable"}, 503
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


def _seconds(delta: timedelta | None) -> int | None:
    return None if delta is None else max(0, int(delta.total_seconds()))
