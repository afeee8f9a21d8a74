"""The instance list's "tracking number or title contains" search: what a clerk types finds the request.

The search resolves its matches by id when there are few; when there are many
(`engine.queries.SEARCH_BY_ID_UP_TO`) it looks among the newest instances first
(`SEARCH_NEWEST_WINDOW`), then reads the list newest first. Each rule is checked every way, so the
answer never depends on how many requests happen to match or where they are."""
from __future__ import annotations

from datetime import timedelta

import pytest

import engine.queries
from scenario_data import DIAGRAMS, FORMS, FRIDAY_9AM

KEYS = ("R-2026-00123", "R-2026-00150", "R-2026-00200", "R-2025-00123", "PR-2026-00123")


@pytest.fixture(params=["few matches", "many matches", "many matches, few among the newest"])
def matches_read(request, monkeypatch):
    """Read as a search with few matches is, or as one with many (whose page the newest rows may not hold)."""
    if request.param.startswith("many matches"):
        monkeypatch.setattr(engine.queries, "SEARCH_BY_ID_UP_TO", 1)
    if request.param.endswith("among the newest"):
        monkeypatch.setattr(engine.queries, "SEARCH_NEWEST_WINDOW", 2)


@pytest.fixture
def requests_filed(engine, deploy, time_machine, matches_read):
    """One routed request per key, a minute apart (the last filed is the most recently changed)."""
    deploy("routed")
    filed = {}
    for minute, key in enumerate(KEYS):
        time_machine.move_to(FRIDAY_9AM + timedelta(minutes=minute), tick=False)
        filed[key] = engine.start_instance("routed", {}, actor="clerk", business_key=key)
    return filed


def found(engine, text: str, **filters) -> list[str]:
    return [instance.business_key for instance in engine.list_instances(key_text=text, **filters)]


def counted(engine, text: str) -> int:
    counts = engine.count_instances(key_text=text)
    return sum(counts[status] for status in ("active", "incident", "suspended", "completed", "terminated"))


def test_searching_a_whole_tracking_number_finds_that_request_in_any_case(engine, requests_filed):
    assert found(engine, "R-2026-00123") == ["R-2026-00123"]
    assert found(engine, "  r-2026-00123 ") == ["R-2026-00123"]
    assert counted(engine, "r-2026-00123") == 1


def test_searching_the_beginning_of_a_tracking_number_finds_every_request_it_begins(engine, requests_filed):
    assert found(engine, "R-2026-001") == ["R-2026-00150", "R-2026-00123"]   # most recently changed first
    assert found(engine, "r-2026") == ["R-2026-00200", "R-2026-00150", "R-2026-00123"]
    assert counted(engine, "R-2026-001") == 2


def test_a_tracking_number_is_looked_up_from_its_start_not_inside_another(engine, requests_filed):
    """R-2026-00123 is not PR-2026-00123: a tracking number is found by the start of the business key."""
    assert found(engine, "R-2026-00123") == ["R-2026-00123"]
    assert found(engine, "PR-2026-00123") == ["PR-2026-00123"]


def test_searching_part_of_a_tracking_number_finds_the_request(engine, requests_filed):
    assert found(engine, "2026-00123") == ["PR-2026-00123", "R-2026-00123"]
    assert found(engine, "00123") == ["PR-2026-00123", "R-2025-00123", "R-2026-00123"]
    assert found(engine, "150") == ["R-2026-00150"]
    assert counted(engine, "00123") == 3


def test_search_for_a_word_in_the_title_finds_it_in_any_case(engine, requests_filed):
    engine.deploy_file(DIAGRAMS / "payment_watch.bpmn", FORMS, actor="analyst")
    prepayment = engine.start_instance("payment_watch", {"tracking_number": "R-2026-00300"}, actor="clerk",
                                       business_key="R-2026-00300")
    assert prepayment.title == "Wait for prepayment R-2026-00300"
    assert found(engine, "PREPAYMENT") == found(engine, "prepayment") == ["R-2026-00300"]
    assert found(engine, "for prep") == ["R-2026-00300"]
    assert len(found(engine, "routed REQUEST")) == len(KEYS)
    assert counted(engine, "Routed") == len(KEYS)
    assert counted(engine, "prepayment") == 1


def test_search_finding_nothing_lists_and_counts_nothing(engine, requests_filed):
    assert found(engine, "no such request") == []
    assert counted(engine, "no such request") == 0
    assert counted(engine, "R-2027") == 0


def test_percent_and_underscore_in_a_search_are_plain_characters(engine, requests_filed):
    assert found(engine, "R_2026") == []
    assert found(engine, "%") == []
    assert found(engine, "2026-001__") == []


def test_search_counts_follow_status_and_waits(engine, deploy, time_machine, matches_read):
    """Per-status counts and the waiting ones count only what the search finds."""
    time_machine.move_to(FRIDAY_9AM, tick=False)
    deploy("request_shaped")
    received = {"received_at": FRIDAY_9AM.isoformat()}
    waiting = engine.start_instance("request_shaped", received, actor="clerk", business_key="R-2026-00401")
    engine.start_instance("request_shaped", received, actor="clerk", business_key="R-2026-00402")
    failing = engine.start_instance("request_shaped", {"received_at": "last Tuesday"}, actor="clerk",
                                    business_key="R-2026-00403")
    assert (waiting.status, failing.status) == ("active", "incident")
    engine.terminate_instance(waiting.instance_id, actor="admin")

    counts = engine.count_instances(key_text="R-2026-004")
    assert (counts["active"], counts["incident"], counts["terminated"], counts["waiting_timer"]) == (1, 1, 1, 1)
    assert engine.count_instances(key_text="00402")["waiting_timer"] == 1
    assert engine.count_instances(key_text="00403") == {**{status: 0 for status in counts}, "incident": 1}
    assert found(engine, "R-2026-004", status="incident") == ["R-2026-00403"]
    assert found(engine, "R-2026-004", status="waiting_timer") == ["R-2026-00402"]
    assert found(engine, "shaped", limit=1, offset=1) == ["R-2026-00402"]
