"""The register of designated custodians (003, Art. 6(b)): a designation is in force from today or later; a first
day in the past is taken only as a late record of a designation made earlier, within a year and not before the
office was added; the first day out comes after the first day in."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

import test_city_data
from city import change_log, citydata
from city.citydata import CityDataRefused, DatesRefused, designation_dates_refusal
from test_city_data import change

seeded = test_city_data.seeded   # the city's defaults seeded on Friday 20 November 2026, 09:00

FRIDAY = date(2026, 11, 20)   # FRIDAY_9AM (the friday_9am fixture) in city time
A_YEAR_AGO = FRIDAY - timedelta(days=365)


def judged(since, until=None, *, opened=None, late=False):
    return designation_dates_refusal(since, until, today=FRIDAY, register_opened=opened, recorded_late=late)


@pytest.mark.parametrize("since, until", [(FRIDAY, None), (FRIDAY + timedelta(days=3), None),
                                          (FRIDAY, FRIDAY + timedelta(days=1))])
def test_a_designation_from_today_or_later_is_entered(since, until):
    assert judged(since, until) is None


def test_a_first_day_in_the_past_is_refused_unless_it_records_a_designation_made_earlier():
    refusal = judged(FRIDAY - timedelta(days=1))
    assert refusal.field == "since" and "records a designation made earlier" in refusal.message
    assert judged(FRIDAY - timedelta(days=1), late=True) is None
    assert judged(A_YEAR_AGO, FRIDAY - timedelta(days=30), late=True) is None   # one that has ended since


def test_a_late_record_reaches_back_a_year_at_most():
    refusal = judged(A_YEAR_AGO - timedelta(days=1), late=True)
    assert refusal == DatesRefused("since", f"{A_YEAR_AGO - timedelta(days=1)} is more than a year before today: a "
                                            f"designation made earlier is entered from {A_YEAR_AGO} at the "
                                            "earliest. Check the year.")


def test_a_late_record_cannot_start_before_the_office_was_added():
    added = FRIDAY - timedelta(days=10)
    refusal = judged(added - timedelta(days=1), late=True, opened=added)
    assert refusal.field == "since" and f"entered in the register on {added}" in refusal.message
    assert judged(added, late=True, opened=added) is None


@pytest.mark.parametrize("until", [FRIDAY, FRIDAY - timedelta(days=1)])
def test_the_first_day_out_comes_after_the_first_day_in(until):
    refusal = judged(FRIDAY, until, late=True)
    assert refusal.field == "until" and "must come after the first day in force" in refusal.message


def test_the_engine_refuses_what_the_rule_refuses_and_logs_what_it_takes(seeded):
    with pytest.raises(CityDataRefused, match="before today"):
        change(seeded, citydata.designate_custodian, "police", "rivera", designated_by="chief",
               since=FRIDAY - timedelta(days=4), recorded_late=False)
    with pytest.raises(CityDataRefused, match="more than a year before today"):
        change(seeded, citydata.designate_custodian, "police", "rivera", designated_by="chief", since=date(2016, 11, 16))
    change(seeded, citydata.designate_custodian, "police", "rivera", designated_by="chief",
           since=FRIDAY - timedelta(days=4), until=FRIDAY + timedelta(days=30))
    with seeded.read() as session:
        [row] = citydata.list_designations(session, "police")
        assert (row.since, row.until) == (FRIDAY - timedelta(days=4), FRIDAY + timedelta(days=30))
        [logged] = change_log.list_changes(session, "designation")
        assert (logged.action, logged.after["since"], logged.after["until"]) == ("added", "2026-11-16", "2026-12-20")


def test_an_office_added_later_has_no_designations_before_it_was_added(seeded, time_machine):
    time_machine.shift(timedelta(days=-3))
    change(seeded, citydata.set_office, "parks", actor="admin", name="Parks Department",
           official_custodian="Parks Director")
    time_machine.shift(timedelta(days=3))
    with seeded.read() as session:
        assert citydata.register_opened(session, "parks") == FRIDAY - timedelta(days=3)
        assert citydata.register_opened(session, "police") is None     # an Art. 6 office, seeded as a default
    with pytest.raises(CityDataRefused, match="cannot be in force before that day"):
        change(seeded, citydata.designate_custodian, "parks", "lee", designated_by="director",
               since=FRIDAY - timedelta(days=4))


def test_a_late_record_may_sit_beside_a_later_designation_of_the_same_person(seeded):
    change(seeded, citydata.designate_custodian, "fire", "hale", designated_by="fire_chief")
    change(seeded, citydata.designate_custodian, "fire", "hale", designated_by="fire_chief",
           since=FRIDAY - timedelta(days=60), until=FRIDAY - timedelta(days=30))
    with pytest.raises(CityDataRefused, match="already designated"):
        change(seeded, citydata.designate_custodian, "fire", "hale", designated_by="fire_chief",
               since=FRIDAY - timedelta(days=10), until=FRIDAY + timedelta(days=1))
