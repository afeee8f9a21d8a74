"""The departments' open data plans (city/open_data/liaison_plan*.py; KCMO Sec. 2-2135): a timeline agreed with
the Open Data Officer is met on time, met late or late; an exclusion needs its written justification, kept with
every change; a liaison touches only their own department's entries; and the yearly report's counts."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone

import pytest

from city.open_data.catalog import publish_dataset
from city.open_data.liaison_plan import entry_history, liaison_departments, plan_by_department, plan_entries, plan_entry
from city.open_data.liaison_plan_edits import (NotYourDepartment, PlanEditor, PlanInputError, agree_date,
                                               edit_entry, link_publication, mark_published_by_case, propose_date,
                                               record_entry, review_exclusion, set_liaison_departments,
                                               withdraw_entry)

JAN_5 = datetime(2026, 1, 5, 16, 0, tzinfo=timezone.utc)
MAR_2 = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)
DANA = PlanEditor("dana", frozenset({"Parks"}))
OFFICER = PlanEditor("olive", officer=True)
PARKS_DATA = {"department": "Parks", "kind": "can_publish", "title": "Park shelter bookings",
              "kept_in": "The bookings calendar at the parks office"}
PARKS_EXCLUSION = {"department": "Parks", "kind": "exclusion", "title": "Pool lifeguards' rosters",
                   "exclusion_reason": "privacy", "justification": "Names the lifeguards and their shifts."}


def record(connection, form, editor=DANA, today=date(2026, 1, 5), now=JAN_5) -> int:
    return record_entry(connection, editor, form, today=today, now=now)


def agreed_entry(connection, title: str, day: date) -> int:
    entry_id = record(connection, {**PARKS_DATA, "title": title, "proposed_date": day.isoformat()})
    agree_date(connection, OFFICER, entry_id, day, today=date(2026, 1, 5), now=JAN_5)
    return entry_id


def publish(connection, slug: str, department: str, on: datetime) -> str:
    content = slug.encode()
    return publish_dataset(connection, metadata={"title": slug, "slug": slug, "description": "d",
                                                 "department": department, "contact_email": "a@city.example"},
                           files=[{"sha256": hashlib.sha256(content).hexdigest(), "filename": "a.csv",
                                   "content_type": "text/csv", "size": len(content), "kind": "raw"}],
                           approved_in=7, now=on)


def test_an_agreed_date_that_passes_unpublished_is_late_and_one_published_on_it_is_met_on_time(database):
    with database.write_connection() as connection:
        late = agreed_entry(connection, "Shelter bookings", date(2026, 2, 1))
        on_time = agreed_entry(connection, "Trail counts", date(2026, 2, 27))
        publish(connection, "trail-counts", "Parks", datetime(2026, 2, 27, 20, 0, tzinfo=timezone.utc))
        link_publication(connection, DANA, on_time, "/data/trail-counts", now=MAR_2)
        assert plan_entry(connection, late, today=date(2026, 2, 1)).state == "agreed"
        assert plan_entry(connection, late, today=date(2026, 2, 2)).state == "late"
        assert plan_entry(connection, on_time, today=date(2026, 3, 2)).state == "published_on_time"
        assert [entry.title for entry in plan_entries(connection, today=date(2026, 3, 2))][0] == "Shelter bookings"


def test_a_data_set_published_after_the_agreed_date_meets_the_timeline_late(database):
    with database.write_connection() as connection:
        entry_id = agreed_entry(connection, "Trail counts", date(2026, 2, 1))
        publish(connection, "trail-counts", "Parks", datetime(2026, 2, 10, 20, 0, tzinfo=timezone.utc))
        assert mark_published_by_case(connection, str(entry_id), slug="trail-counts", department="parks",
                                      on=date(2026, 2, 10), instance_id=12, now=MAR_2)
        entry = plan_entry(connection, entry_id, today=date(2026, 3, 2))
        assert entry.state == "published_late" and entry.published_slug == "trail-counts"


def test_a_case_naming_another_departments_entry_does_not_mark_it_met(database):
    with database.write_connection() as connection:
        entry_id = agreed_entry(connection, "Trail counts", date(2026, 2, 1))
        assert not mark_published_by_case(connection, entry_id, slug="x", department="Police",
                                          on=date(2026, 1, 10), instance_id=12, now=MAR_2)
        assert plan_entry(connection, entry_id, today=date(2026, 1, 10)).published_slug is None


def test_an_exclusion_needs_a_written_justification_and_keeps_each_one_in_its_history(database):
    with database.write_connection() as connection:
        with pytest.raises(PlanInputError) as missing:
            record(connection, {**PARKS_EXCLUSION, "justification": "  "})
        assert missing.value.field == "justification"
        entry_id = record(connection, PARKS_EXCLUSION)
        edit_entry(connection, DANA, entry_id, {**PARKS_EXCLUSION, "justification": "Names minors' shifts."},
                   now=MAR_2)
        assert [change.justification for change in entry_history(connection, entry_id)] == [
            "Names the lifeguards and their shifts.", "Names minors' shifts."]
        assert [change.actor for change in entry_history(connection, entry_id)] == ["dana", "dana"]


def test_a_proposed_date_already_past_is_refused_with_a_clear_message(database):
    with database.write_connection() as connection:
        with pytest.raises(PlanInputError, match="has passed") as past:
            record(connection, {**PARKS_DATA, "proposed_date": "2026-01-04"})
        assert past.value.field == "proposed_date"
        entry_id = record(connection, PARKS_DATA)
        with pytest.raises(PlanInputError, match="has passed"):
            propose_date(connection, DANA, entry_id, "2026-01-04", today=date(2026, 1, 5))


def test_the_officer_setting_another_date_than_the_proposal_must_say_why(database):
    with database.write_connection() as connection:
        entry_id = record(connection, {**PARKS_DATA, "proposed_date": "2026-06-01"})
        with pytest.raises(PlanInputError) as no_note:
            agree_date(connection, OFFICER, entry_id, "2026-04-01", today=date(2026, 1, 5))
        assert no_note.value.field == "note"
        agree_date(connection, OFFICER, entry_id, "2026-04-01", note="Needed for the spring season.",
                   today=date(2026, 1, 5))
        entry = plan_entry(connection, entry_id, today=date(2026, 1, 5))
        assert (entry.proposed_date, entry.agreed_date, entry.awaiting_agreement) == \
            (date(2026, 6, 1), date(2026, 4, 1), False)


def test_a_liaison_cannot_touch_another_departments_entries_nor_agree_a_date(database):
    with database.write_connection() as connection:
        with pytest.raises(NotYourDepartment):
            record(connection, {**PARKS_DATA, "department": "Police"})
        police = record(connection, {**PARKS_DATA, "department": "Police"}, editor=OFFICER)
        with pytest.raises(NotYourDepartment):
            propose_date(connection, DANA, police, "2026-06-01", today=date(2026, 1, 5))
        with pytest.raises(NotYourDepartment):
            withdraw_entry(connection, DANA, police, "not ours")
        parks = record(connection, {**PARKS_DATA, "proposed_date": "2026-06-01"})
        with pytest.raises(NotYourDepartment):
            agree_date(connection, DANA, parks, "2026-06-01", today=date(2026, 1, 5))
        exclusion = record(connection, PARKS_EXCLUSION)
        with pytest.raises(NotYourDepartment):
            review_exclusion(connection, DANA, exclusion, "accepted", "")


def test_liaisons_are_assigned_to_departments(database):
    with database.write_connection() as connection:
        assert set_liaison_departments(connection, "dana", ["Parks", " ", "Public  Works"], actor="admin") == \
            ("Parks", "Public Works")
        set_liaison_departments(connection, "dana", ["Parks"], actor="admin")
        assert liaison_departments(connection, "dana") == ("Parks",)


def test_the_yearly_report_counts_each_departments_timelines_and_exclusions_in_the_period(database):
    with database.write_connection() as connection:
        set_liaison_departments(connection, "pat", ["Police"], actor="admin")
        agreed_entry(connection, "Late one", date(2026, 2, 1))
        on_time = agreed_entry(connection, "On time", date(2026, 3, 1))
        published_late = agreed_entry(connection, "Published late", date(2026, 2, 1))
        agreed_entry(connection, "Upcoming", date(2026, 11, 30))
        agreed_entry(connection, "Next year", date(2027, 1, 15))
        record(connection, PARKS_DATA)   # no date yet
        record(connection, PARKS_EXCLUSION)
        withdrawn = record(connection, {**PARKS_EXCLUSION, "title": "Withdrawn"})
        withdraw_entry(connection, DANA, withdrawn, "Published after all", now=MAR_2)
        for entry_id, slug, day in ((on_time, "on-time", date(2026, 2, 20)),
                                    (published_late, "published-late", date(2026, 3, 10))):
            mark_published_by_case(connection, entry_id, slug=slug, department="Parks", on=day, instance_id=1,
                                   now=MAR_2)
        plans = plan_by_department(connection, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
                                   today=date(2026, 6, 1))
    assert set(plans) == {"Parks", "Police"}
    parks = plans["Parks"]
    assert (parks.published_on_time, parks.published_late, parks.late_open, parks.upcoming) == (1, 1, 1, 1)
    assert parks.can_publish == 4 and parks.exclusions == 1   # late, upcoming, next year, no date; one exclusion
    assert len(parks.entries) == 7 and parks.entries[0].state == "late"
    assert [entry.justification for entry in parks.entries if entry.kind == "exclusion"] == [
        "Names the lifeguards and their shifts."]
    police = plans["Police"]
    assert (police.can_publish, police.exclusions, police.entries) == (0, 0, ())


def test_agreeing_the_date_already_agreed_again_changes_nothing_and_says_so(database):
    with database.write_connection() as connection:
        entry_id = agreed_entry(connection, "Trail counts", date(2026, 2, 1))
        with pytest.raises(PlanInputError, match="agreed already"):
            agree_date(connection, OFFICER, entry_id, date(2026, 2, 1), today=date(2026, 1, 5))
        assert [change.action for change in entry_history(connection, entry_id)] == ["recorded", "date_agreed"]
