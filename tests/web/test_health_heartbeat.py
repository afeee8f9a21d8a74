"""Issue 14: /healthz says when timers are not being fired (scheduler heartbeat, oldest overdue timer)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.models import PendingTimer
from engine.scheduler import LEASE_SECONDS, claim_lease, release_lease
from web import ENGINE_EXTENSION

MONDAY_9AM = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
HOLDER = "clerk-host:4242:abcd1234"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    return time_machine


@pytest.fixture
def database(app):
    return app.extensions[ENGINE_EXTENSION].database


def scheduler_round_at(database, when: datetime, lease_seconds: float = LEASE_SECONDS) -> None:
    """The lease as the leading scheduler's round at `when` leaves it."""
    assert claim_lease(database, HOLDER, when, lease_seconds)[0]


def timer_due_at(database, due_at: datetime) -> None:
    with database.write() as session:
        session.add(PendingTimer(instance_id=None, process_key="annual_review", bpmn_id="every_january",
                                 task_guid=None, kind="date", due_at=due_at))


def test_recent_round_and_no_overdue_timer_is_ok(client, database, clock):
    scheduler_round_at(database, MONDAY_9AM - timedelta(seconds=7))
    timer_due_at(database, MONDAY_9AM + timedelta(days=3))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "scheduler": {"expected": True, "last_round_seconds_ago": 7, "holder": HOLDER},
        "oldest_overdue_timer_seconds": None}


def test_the_heartbeat_is_the_last_renewal_whatever_lease_the_scheduler_was_given(client, database, clock):
    """A scheduler started with a five-minute lease that renewed it 7 s ago is 7 s ago, not "in the future"."""
    scheduler_round_at(database, MONDAY_9AM - timedelta(seconds=7), lease_seconds=300)
    assert client.get("/healthz").get_json()["scheduler"]["last_round_seconds_ago"] == 7


def test_a_released_lease_still_says_when_its_last_round_was(client, database, clock):
    scheduler_round_at(database, MONDAY_9AM - timedelta(minutes=2))
    release_lease(database, HOLDER, MONDAY_9AM - timedelta(minutes=1))
    body = client.get("/healthz").get_json()
    assert body["scheduler"]["last_round_seconds_ago"] == 120


def test_stale_heartbeat_is_503(client, database, clock):
    scheduler_round_at(database, MONDAY_9AM - timedelta(minutes=2))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "timers not fired"
    assert body["scheduler"]["last_round_seconds_ago"] == 120
    assert body["problems"] == ["no scheduler round for 120 s"]


def test_timer_overdue_by_ten_minutes_is_503_even_with_a_live_scheduler(client, database, clock):
    scheduler_round_at(database, MONDAY_9AM - timedelta(seconds=3))
    timer_due_at(database, MONDAY_9AM - timedelta(minutes=10))
    timer_due_at(database, MONDAY_9AM - timedelta(minutes=1))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["oldest_overdue_timer_seconds"] == 600
    assert body["scheduler"]["last_round_seconds_ago"] == 3
    assert body["problems"] == ["a timer is 600 s overdue"]


def test_timer_overdue_within_a_sweep_is_ok(client, database, clock):
    scheduler_round_at(database, MONDAY_9AM)
    timer_due_at(database, MONDAY_9AM - timedelta(seconds=40))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["oldest_overdue_timer_seconds"] == 40


def test_a_database_no_scheduler_has_run_on_says_so_and_answers_ok(client, clock):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["scheduler"] == {"expected": True, "last_round_seconds_ago": None, "holder": None}


def test_app_configured_without_scheduler_says_so_instead_of_503(app, client, database, clock):
    app.config["SCHEDULER"] = "none"             # CLERKFLOW_SCHEDULER=none
    scheduler_round_at(database, MONDAY_9AM - timedelta(hours=1))
    timer_due_at(database, MONDAY_9AM - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["scheduler"]["expected"] is False
    assert body["oldest_overdue_timer_seconds"] == 600
