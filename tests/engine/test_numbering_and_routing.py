"""Tracking numbers per year, and tasks routed to a role or due at a date the instance's data names."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine import ClerkflowError


def test_requests_are_numbered_in_sequence_per_city_year(engine, deploy, time_machine):
    deploy("routed")
    time_machine.move_to(datetime(2026, 12, 31, 23, 0, tzinfo=timezone.utc), tick=False)   # 17:00 in Kansas
    first = engine.start_instance("routed", {}, actor="clerk", tracking_prefix="R")
    second = engine.start_instance("routed", {}, actor="clerk", tracking_prefix="R")
    assert (first.business_key, second.business_key) == ("R-2026-00001", "R-2026-00002")
    time_machine.move_to(datetime(2027, 1, 1, 6, 30, tzinfo=timezone.utc))   # 00:30 on 1 January in Kansas
    assert engine.start_instance("routed", {}, actor="clerk", tracking_prefix="R").business_key == "R-2027-00001"
    assert engine.start_instance("routed", {}, actor="clerk", tracking_prefix="DP").business_key == "DP-2027-00001"
    changes = engine.audit_trail(first.instance_id)[0].changes
    assert changes["tracking_number"] == "R-2026-00001"   # the diagram and its letters can use it


def test_two_starts_numbering_the_years_first_request_at_once_both_get_a_number(engine, deploy, monkeypatch,
                                                                                 time_machine):
    """On PostgreSQL two starts may both find no sequence row for the year and both insert it; the one whose
    insert meets the other's committed row takes the next number instead of refusing the requester."""
    from engine import tracking
    deploy("routed")
    time_machine.move_to(datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc), tick=False)
    first = engine.start_instance("routed", {}, actor="clerk", tracking_prefix="R")
    take_next, seen = tracking._take_next, []

    def as_if_the_row_was_not_there_yet(connection, prefix, year):
        seen.append(prefix)
        return None if len(seen) == 1 else take_next(connection, prefix, year)
    monkeypatch.setattr(tracking, "_take_next", as_if_the_row_was_not_there_yet)
    second = engine.start_instance("routed", {}, actor="clerk", tracking_prefix="R")
    assert (first.business_key, second.business_key, len(seen)) == ("R-2026-00001", "R-2026-00002", 2)


def test_tracking_prefix_must_be_capital_letters(engine, deploy):
    deploy("routed")
    with pytest.raises(ClerkflowError, match="capital letters"):
        engine.start_instance("routed", {}, actor="clerk", tracking_prefix="r-1")
    assert engine.list_instances() == []


def test_task_goes_to_the_role_and_deadline_the_data_names(engine, deploy):
    deploy("routed")
    started = engine.start_instance("routed", {"custodian_role": "custodian:city_treasurer",
                                               "response_due_at": "2026-11-25T23:59:59-06:00"}, actor="clerk")
    [review] = engine.list_tasks(instance_id=started.instance_id)
    assert review.candidate_role == "custodian:city_treasurer"
    assert review.due_at == datetime(2026, 11, 26, 5, 59, 59, tzinfo=timezone.utc)
    assert engine.list_tasks(roles={"custodian:city_clerk"}) == []
    assert [t.task_id for t in engine.list_tasks(roles={"custodian:city_treasurer"})] == [review.task_id]


def test_task_without_the_role_variable_falls_back_to_its_lane(engine, deploy):
    deploy("routed")
    started = engine.start_instance("routed", {}, actor="clerk")
    [review] = engine.list_tasks(instance_id=started.instance_id)
    assert (review.candidate_role, review.due_at) == ("custodian", None)
