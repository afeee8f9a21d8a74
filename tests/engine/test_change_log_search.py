"""The change log of the city data, as the Settings page reads it: newest first in a stable order, filtered by
kind, by who and by the day made (city time), one page at a time, with the count of all that match."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from city import change_log, citydata
from city.change_log import search_changes

# 2026-11-20 23:30 in the city is already 2026-11-21 in UTC: the day filter goes by the city's day.
FRIDAY_LATE = datetime(2026, 11, 21, 5, 30, tzinfo=UTC)
FRIDAY, SATURDAY = date(2026, 11, 20), date(2026, 11, 21)


@pytest.fixture
def logged(database, time_machine):
    """Three closures by ann on Friday evening (all at one moment), then two floats by bob the day after."""
    time_machine.move_to(FRIDAY_LATE, tick=False)
    with database.write() as session:
        citydata.set_office(session, "police", actor="setup", name="Police Department",
                            official_custodian="Chief of Police")
        for day in (24, 25, 31):
            citydata.add_closure(session, date(2026, 12, day), f"Resolution {day}", actor="ann")
    time_machine.shift(timedelta(days=1))
    with database.write() as session:
        citydata.issue_cash_float(session, "police", "50.00", issued_by="bob")
        citydata.issue_cash_float(session, "police", "75.00", issued_by="bob")
    return database


def found(database, **filters):
    with database.read() as session:
        changes, total = search_changes(session, **filters)
        return [(change.kind, change.subject_key, change.action) for change in changes], total


def test_newest_first_and_changes_made_at_one_moment_keep_their_order(logged):
    changes, total = found(logged)
    assert total == 6
    assert changes == [("cash_float", "police", "changed"), ("cash_float", "police", "added"),
                       ("closure", "2026-12-31", "added"), ("closure", "2026-12-25", "added"),
                       ("closure", "2026-12-24", "added"), ("office", "police", "added")]


def test_pages_neither_skip_nor_repeat_a_change(logged):
    pages = [found(logged, offset=offset, limit=4)[0] for offset in (0, 4)]
    assert [len(page) for page in pages] == [4, 2]
    assert pages[0] + pages[1] == found(logged)[0]


def test_filters_by_kind_and_by_who(logged):
    assert found(logged, kind="closure", limit=2) == (
        [("closure", "2026-12-31", "added"), ("closure", "2026-12-25", "added")], 3)
    assert found(logged, actor="bob")[1] == 2
    assert found(logged, kind="closure", actor="bob") == ([], 0)
    with logged.read() as session:
        assert change_log.change_actors(session) == ["ann", "bob", "setup"]


def test_the_day_filter_is_the_city_day_both_ends_included(logged):
    assert found(logged, made_from=FRIDAY, made_until=FRIDAY)[1] == 4      # 23:30 on Friday in the city
    assert found(logged, made_from=SATURDAY)[1] == 2
    assert found(logged, made_until=FRIDAY - timedelta(days=1))[1] == 0
