"""City data (003, Art. 6): offices, the custodian register, dated fee schedules, closures, exemptions, letters."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from city import change_log, citydata
from city.citydata import CityData, CityDataRefused
from city.models import CityDataChange, FeeScheduleRow, LetterTemplate, Office
from city.rules.fees import FeeSchedule
from scenario_data import FRIDAY_9AM

ADMIN = "admin"
FRIDAY = date(2026, 11, 20)   # FRIDAY_9AM in city time
FIRST_OF_DECEMBER = date(2026, 12, 1)


@pytest.fixture
def seeded(database, friday_9am):
    with database.write() as session:
        citydata.seed_defaults(session)
    return database


def change(database, function, *args, **keywords):
    with database.write() as session:
        return function(session, *args, **keywords)


def count(database, model) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_seed_defaults_adds_the_six_art_6_offices_a_schedule_exemptions_and_letters_once(database, friday_9am):
    with database.write() as session:
        first = citydata.seed_defaults(session)
    with database.write() as session:
        again = citydata.seed_defaults(session)
    assert first == {"offices": 6, "fee_schedules": 1, "exemptions": len(citydata.DEFAULT_EXEMPTIONS),
                     "letter_templates": 9}                    # eight letters and the letterhead
    assert again == {"offices": 0, "fee_schedules": 0, "exemptions": 0, "letter_templates": 0}
    settings = CityData(database)()
    assert list(settings["custodian_register"]) == ["city_attorney", "city_clerk", "city_treasurer", "fire",
                                                    "municipal_court", "police"]
    clerk = settings["custodian_register"]["city_clerk"]
    assert clerk["official_custodian"] == "City Clerk"
    assert clerk["hours"]["mon"] == [["08:00", "17:00"]] and clerk["hours"]["sat"] == []
    assert settings["fee_schedule"].transmit_above == Decimal("5.00")
    assert settings["exemptions"]["45-221(a)(30)"]["citation"] == "K.S.A. 45-221(a)(30)"
    assert "45-218(e)" in settings["exemptions"]
    assert set(settings["letter_templates"]) == {
        "acknowledgement", "fee_estimate", "prepayment_demand", "privacy_notice", "delay_explanation", "denial",
        "statement_of_grounds", "referral", "letterhead"}


def test_seed_defaults_keeps_what_an_administrator_changed(seeded):
    change(seeded, citydata.set_letter_template, "denial", actor=ADMIN, subject="Denied: {tracking_number}",
           body="Dear {requester_name}, ...")
    change(seeded, citydata.set_office, "police", actor=ADMIN, name="Police Records Unit")
    with seeded.write() as session:
        assert citydata.seed_defaults(session)["letter_templates"] == 0
    with seeded.read() as session:
        assert session.get(LetterTemplate, "denial").subject == "Denied: {tracking_number}"
        assert session.get(Office, "police").name == "Police Records Unit"


def test_a_new_fee_schedule_is_a_new_row_and_leaves_the_old_one_unchanged(seeded):
    with seeded.read() as session:
        [old] = citydata.list_fee_schedules(session)
        old_values = (old.effective_from, old.copy_fee_per_page, old.search_rate_per_hour)
    change(seeded, citydata.add_fee_schedule, effective_from=FIRST_OF_DECEMBER, created_by=ADMIN,
           copy_fee_per_page="0.30")
    with seeded.read() as session:
        first, second = citydata.list_fee_schedules(session)
        assert (first.effective_from, first.copy_fee_per_page, first.search_rate_per_hour) == old_values
        assert second.copy_fee_per_page == Decimal("0.30")
        assert second.search_rate_per_hour == Decimal("15.00")   # not given: carried over from the one before
        assert (second.created_by, second.created_at) == (ADMIN, FRIDAY_9AM)


def test_the_schedule_in_force_is_the_latest_effective_on_or_before_today(seeded, friday_9am):
    change(seeded, citydata.add_fee_schedule, effective_from=FIRST_OF_DECEMBER, created_by=ADMIN,
           copy_fee_per_page="0.30")
    settings = CityData(seeded, ttl=0)
    assert settings()["fee_schedule"].copy_fee_per_page == Decimal("0.25")
    assert [s.effective_from for s in settings()["fee_schedules"]] == [date(2005, 1, 1), FIRST_OF_DECEMBER]
    # 1 December begins at 06:00 UTC in Kansas: at 05:59 UTC it is still 30 November there.
    friday_9am.move_to(datetime(2026, 12, 1, 5, 59, tzinfo=timezone.utc))
    assert settings()["fee_schedule"].copy_fee_per_page == Decimal("0.25")
    friday_9am.move_to(datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc))
    assert settings()["fee_schedule"].copy_fee_per_page == Decimal("0.30")
    assert isinstance(settings()["fee_schedule"], FeeSchedule)


def test_a_fee_schedule_cannot_take_effect_in_the_past_nor_twice_on_one_day(seeded):
    with pytest.raises(CityDataRefused, match="past"):
        change(seeded, citydata.add_fee_schedule, effective_from=FRIDAY - timedelta(days=1), created_by=ADMIN)
    change(seeded, citydata.add_fee_schedule, effective_from=FRIDAY, created_by=ADMIN, free_below="2.00")
    with pytest.raises(CityDataRefused, match="never edited"):
        change(seeded, citydata.add_fee_schedule, effective_from=FRIDAY, created_by=ADMIN, free_below="3.00")
    assert count(seeded, FeeScheduleRow) == 2


@pytest.mark.parametrize("amount", [0.25, "-1.00", "0.255", "abc"])
def test_fee_schedule_amounts_are_dollars_and_cents_given_exactly(seeded, amount):
    with pytest.raises(CityDataRefused):
        change(seeded, citydata.add_fee_schedule, effective_from=FIRST_OF_DECEMBER, created_by=ADMIN,
               copy_fee_per_page=amount)


def test_only_a_schedule_not_yet_in_force_can_be_withdrawn(seeded):
    change(seeded, citydata.add_fee_schedule, effective_from=FIRST_OF_DECEMBER, created_by=ADMIN)
    with pytest.raises(CityDataRefused, match="already in force"):
        change(seeded, citydata.withdraw_fee_schedule, date(2005, 1, 1), actor=ADMIN)
    change(seeded, citydata.withdraw_fee_schedule, FIRST_OF_DECEMBER, actor=ADMIN)
    assert count(seeded, FeeScheduleRow) == 1


def test_the_register_lists_only_designations_in_force_today(seeded):
    since_monday = change(seeded, citydata.designate_custodian, "police", "rivera", designated_by="chief",
                          since=date(2026, 11, 16))
    change(seeded, citydata.designate_custodian, "police", "okafor", designated_by="chief",
           since=date(2026, 11, 23))                                          # starts next Monday
    ended_today = change(seeded, citydata.designate_custodian, "police", "lind", designated_by="chief",
                         since=date(2026, 1, 5))
    ended_tomorrow = change(seeded, citydata.designate_custodian, "police", "moss", designated_by="chief",
                            since=date(2026, 1, 5))
    change(seeded, citydata.end_designation, ended_today.id, ended_by="chief")   # `until` today: no longer in force
    change(seeded, citydata.end_designation, ended_tomorrow.id, ended_by="chief", until=FRIDAY + timedelta(days=1))
    register = CityData(seeded)()["custodian_register"]
    assert register["police"]["designated"] == ["moss", "rivera"]
    assert register["fire"]["designated"] == []
    with seeded.read() as session:
        assert len(citydata.list_designations(session, "police")) == 4   # the register keeps every entry
        in_force = citydata.list_designations(session, "police", on=FRIDAY)
        assert {row.id for row in in_force} == {since_monday.id, ended_tomorrow.id}


def test_a_person_is_designated_once_per_office_until_that_designation_ends(seeded):
    first = change(seeded, citydata.designate_custodian, "fire", "hale", designated_by="fire_chief")
    with pytest.raises(CityDataRefused, match="already designated"):
        change(seeded, citydata.designate_custodian, "fire", "hale", designated_by="fire_chief")
    change(seeded, citydata.end_designation, first.id, ended_by="fire_chief")
    change(seeded, citydata.designate_custodian, "fire", "hale", designated_by="fire_chief",
           since=FRIDAY + timedelta(days=3))
    with pytest.raises(CityDataRefused, match="no office"):
        change(seeded, citydata.designate_custodian, "parks", "hale", designated_by="fire_chief")


def test_closure_days_are_city_settings_for_business_days(seeded):
    change(seeded, citydata.add_closure, date(2026, 12, 24), "Christmas Eve, resolution 2026-14", actor=ADMIN)
    settings = CityData(seeded)
    assert settings()["city_closures"] == frozenset({date(2026, 12, 24)})
    with pytest.raises(CityDataRefused, match="already"):
        change(seeded, citydata.add_closure, date(2026, 12, 24), "again", actor=ADMIN)
    change(seeded, citydata.remove_closure, date(2026, 12, 24), actor=ADMIN)
    settings.invalidate()
    assert settings()["city_closures"] == frozenset()


def test_settings_are_cached_until_invalidated(seeded):
    settings = CityData(seeded, ttl=3600)
    assert "45-221(a)(99)" not in settings()["exemptions"]
    change(seeded, citydata.set_exemption, "45-221(a)(99)", actor="attorney", citation="K.S.A. 45-221(a)(99)",
           summary="A test ground.")
    assert "45-221(a)(99)" not in settings()["exemptions"]
    settings.invalidate()
    assert settings()["exemptions"]["45-221(a)(99)"] == {"citation": "K.S.A. 45-221(a)(99)",
                                                         "summary": "A test ground."}
    settings.apply(citydata.set_exemption, "45-221(a)(99)", actor="attorney", active=False)
    assert "45-221(a)(99)" not in settings()["exemptions"]   # withdrawn from the catalogue, kept in the table


def test_every_change_is_recorded_with_who_when_before_and_after(seeded, friday_9am):
    friday_9am.shift(timedelta(hours=1))
    change(seeded, citydata.set_office, "municipal_court", actor="court_clerk",
           hours={"mon": [["13:00", "17:00"]], "wed": [["08:00", "12:00"], ["13:00", "17:00"]]})
    with seeded.read() as session:
        [latest] = change_log.list_changes(session, "office", limit=1)
        seeded_count = session.scalar(select(func.count()).select_from(CityDataChange)
                                      .where(CityDataChange.actor == "setup"))
        assert (latest.actor, latest.at, latest.subject_key, latest.action) == (
            "court_clerk", FRIDAY_9AM + timedelta(hours=1), "municipal_court", "changed")
        assert latest.before["hours"]["tue"] == [["08:00", "17:00"]]
        assert latest.after["hours"]["tue"] == [] and latest.after["hours"]["wed"][1] == ["13:00", "17:00"]
    assert seeded_count == 6 + 1 + len(citydata.DEFAULT_EXEMPTIONS) + len(citydata.DEFAULT_LETTERS)   # seeding too


@pytest.mark.parametrize("hours", [
    {"mon": [["17:00", "08:00"]]},
    {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]},
    {"monday": [["08:00", "17:00"]]},
    {"mon": [["8:00", "17:00"]]},
])
def test_office_hours_are_spans_of_opening_and_later_closing_times(seeded, hours):
    with pytest.raises(CityDataRefused):
        change(seeded, citydata.set_office, "city_clerk", actor=ADMIN, hours=hours)


@pytest.mark.parametrize("body", ["{requester.name}", "{items[0]}", "{0}", "{}", "{amount:>10}", "{name!r}",
                                  "unpaired {brace"])
def test_letter_templates_take_plain_placeholders_only(seeded, body):
    with pytest.raises(CityDataRefused):
        change(seeded, citydata.set_letter_template, "denial", actor=ADMIN, subject="Denied", body=body)


def test_default_letters_use_plain_placeholders_and_the_denial_goes_to_the_city_attorney():
    for name, (subject, body) in citydata.DEFAULT_LETTERS.items():
        names = citydata.template_placeholders(subject) | citydata.template_placeholders(body)
        if name == "letterhead":             # the city's name and address: plain words
            assert names == set()
            continue
        assert {"tracking_number", "requester_name", "city_name", "city_address"} <= names, name
    assert "cc: City Attorney" in citydata.DEFAULT_LETTERS["denial"][1]
    assert {"delay_reason", "available_place", "available_at"} <= citydata.template_placeholders(
        citydata.DEFAULT_LETTERS["delay_explanation"][1])


def test_before_seeding_the_defaults_stand_in(database, friday_9am):
    settings = CityData(database)()
    assert settings["fee_schedule"].effective_from == date(2005, 1, 1)
    assert settings["custodian_register"]["city_clerk"]["designated"] == []
    assert "45-221(a)(4)" in settings["exemptions"] and "referral" in settings["letter_templates"]
    assert settings["city_closures"] == frozenset()
