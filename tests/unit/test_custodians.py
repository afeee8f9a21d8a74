"""003, Art. 6 custodians and office hours; K.S.A. 45-218(c) referral, 45-218(d) earliest date and time."""

import copy
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from city.rules import OperatorArgumentError, OperatorError, call_operator
from city.rules.business_calendar import CITY_TIME_ZONE
from city.rules.custodians import designated_roles, earliest_available, is_open, route_request

CENTRAL = CITY_TIME_ZONE
WEEKDAYS_8_TO_5 = {
    "mon": [["08:00", "17:00"]],
    "tue": [["08:00", "17:00"]],
    "wed": [["08:00", "17:00"]],
    "thu": [["08:00", "17:00"]],
    "fri": [["08:00", "17:00"]],
    "sat": [],
    "sun": [],
}
# Police records: weekday mornings and afternoons with a lunch break, Saturday mornings,
# and open on holidays.
POLICE_HOURS = {
    "mon": [["13:00", "16:30"], ["08:30", "12:00"]],
    "tue": [["08:30", "12:00"], ["13:00", "16:30"]],
    "wed": [["08:30", "12:00"], ["13:00", "16:30"]],
    "thu": [["08:30", "12:00"], ["13:00", "16:30"]],
    "fri": [["08:30", "12:00"], ["13:00", "16:30"]],
    "sat": [["09:00", "12:00"]],
}
REGISTER = {
    "city_clerk": {
        "name": "City Clerk's Office",
        "official_custodian": "City Clerk",
        "hours": WEEKDAYS_8_TO_5,
        "designated": ["jdoe"],
    },
    "police": {
        "name": "Police Department",
        "official_custodian": "Chief of Police",
        "hours": POLICE_HOURS,
        "designated": ["records.officer", "jdoe"],
        "open_on_holidays": True,
    },
    "municipal_court": {
        "name": "Municipal Court",
        "official_custodian": "Clerk of the Municipal Court",
        "hours": {"tue": [["09:00", "12:00"]], "thu": [["18:00", "24:00"]]},
        "designated": [],
    },
}
SETTINGS = {"custodian_register": REGISTER, "city_closures": frozenset()}

# Week of 2 March 2026: no holiday; DST starts Sunday 8 March.
FRIDAY = date(2026, 3, 6)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CENTRAL)


# Routing: the office that holds the record, else the City Clerk.


def test_request_goes_to_the_custodian_of_the_office_holding_the_record():
    assert route_request("police", REGISTER) == {
        "office_key": "police",
        "office_name": "Police Department",
        "official_custodian": "Chief of Police",
        "custodian_role": "custodian:police",
    }


@pytest.mark.parametrize("office_key", [None, "", "   ", "zoning", "city_treasurer"])
def test_request_for_an_unassigned_office_goes_to_the_city_clerk(office_key):
    routed = route_request(office_key, REGISTER)
    assert routed["office_key"] == "city_clerk"
    assert routed["custodian_role"] == "custodian:city_clerk"
    assert routed["official_custodian"] == "City Clerk"


def test_office_key_is_read_without_case_or_spaces():
    assert route_request(" Police ", REGISTER)["office_key"] == "police"


def test_register_without_the_city_clerk_is_an_operator_error():
    register = {key: entry for key, entry in REGISTER.items() if key != "city_clerk"}
    with pytest.raises(OperatorError, match="city_clerk"):
        route_request("zoning", register)


def test_route_request_operator_takes_an_optional_office():
    assert call_operator("custodians.route_request", {}, SETTINGS)["office_key"] == "city_clerk"
    assert call_operator("custodians.route_request", {"office_key": None}, SETTINGS)["office_key"] == "city_clerk"
    routed = call_operator("custodians.route_request", {"office_key": "municipal_court"}, SETTINGS)
    assert routed["custodian_role"] == "custodian:municipal_court"


@pytest.mark.parametrize("office_key", sorted(REGISTER))
def test_each_office_has_its_own_custodian_role(office_key):
    assert route_request(office_key, REGISTER)["custodian_role"] == f"custodian:{office_key}"


def test_designated_custodians_hold_their_offices_roles():
    assert designated_roles("jdoe", REGISTER) == ["custodian:city_clerk", "custodian:police"]
    assert designated_roles("records.officer", REGISTER) == ["custodian:police"]
    assert designated_roles("nobody", REGISTER) == []


# Office hours.


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(FRIDAY, 7, 59), False),
        (at(FRIDAY, 8, 0), True),
        (at(FRIDAY, 16, 59), True),
        (at(FRIDAY, 17, 0), False),  # the hours end at 17:00
        (at(date(2026, 3, 7), 10, 0), False),  # Saturday
    ],
)
def test_office_is_open_only_within_its_hours(moment, open_):
    assert is_open(WEEKDAYS_8_TO_5, moment) is open_


def test_office_hours_are_read_in_city_time():
    # 14:30 UTC on Friday 6 March is 08:30 Central standard time; 13:30 UTC is 07:30.
    assert is_open(WEEKDAYS_8_TO_5, datetime(2026, 3, 6, 14, 30, tzinfo=UTC))
    assert not is_open(WEEKDAYS_8_TO_5, datetime(2026, 3, 6, 13, 30, tzinfo=UTC))
    assert is_open(WEEKDAYS_8_TO_5, datetime(2026, 3, 6, 8, 30, tzinfo=timezone(timedelta(hours=-6))))


def test_office_is_closed_on_city_closure_days_and_holidays():
    assert not is_open(WEEKDAYS_8_TO_5, at(FRIDAY, 10), {FRIDAY})
    memorial_day = date(2026, 5, 25)
    assert not is_open(WEEKDAYS_8_TO_5, at(memorial_day, 10))
    assert is_open(WEEKDAYS_8_TO_5, at(memorial_day, 10), open_on_holidays=True)


def test_naive_moment_is_refused():
    with pytest.raises(OperatorArgumentError, match="time zone"):
        is_open(WEEKDAYS_8_TO_5, datetime(2026, 3, 6, 10, 0))


# K.S.A. 45-218(d): the earliest date and time the record is available.


def test_office_closed_on_saturday_is_next_available_monday_morning():
    saturday_noon = at(date(2026, 3, 7), 12)
    available = earliest_available("city_clerk", saturday_noon, REGISTER)
    assert available == at(date(2026, 3, 9), 8)
    assert available.utcoffset() == timedelta(hours=-5)  # daylight time began on Sunday


def test_office_already_open_is_available_at_once():
    assert earliest_available("city_clerk", at(FRIDAY, 10, 15), REGISTER) == at(FRIDAY, 10, 15)


def test_office_not_yet_open_is_available_at_opening():
    assert earliest_available("city_clerk", at(FRIDAY, 6, 45), REGISTER) == at(FRIDAY, 8)


def test_after_closing_the_office_is_available_the_next_open_day():
    assert earliest_available("city_clerk", at(FRIDAY, 17, 0), REGISTER) == at(date(2026, 3, 9), 8)


def test_office_with_a_lunch_break_reopens_after_lunch():
    assert earliest_available("police", at(FRIDAY, 12, 5), REGISTER) == at(FRIDAY, 13)


def test_office_open_on_saturday_has_its_own_saturday_hours():
    assert earliest_available("police", at(FRIDAY, 16, 45), REGISTER) == at(date(2026, 3, 7), 9)
    assert earliest_available("police", at(date(2026, 3, 7), 12), REGISTER) == at(date(2026, 3, 9), 8, 30)


def test_office_not_open_monday_to_friday_keeps_its_per_day_hours():
    # The court takes requests Tuesday mornings and Thursday evenings only.
    monday = date(2026, 3, 9)
    assert earliest_available("municipal_court", at(monday, 9), REGISTER) == at(date(2026, 3, 10), 9)
    assert earliest_available("municipal_court", at(date(2026, 3, 10), 12), REGISTER) == at(date(2026, 3, 12), 18)
    thursday_late = at(date(2026, 3, 12), 23, 59)
    assert earliest_available("municipal_court", thursday_late, REGISTER) == thursday_late


def test_city_closure_days_are_skipped_whole():
    closures = {date(2026, 3, 9), date(2026, 3, 10)}
    assert earliest_available("city_clerk", at(FRIDAY, 18), REGISTER, closures) == at(date(2026, 3, 11), 8)


def test_holidays_are_skipped_unless_the_office_is_open_on_them():
    thursday_before_july_fourth = date(2026, 7, 2)  # Friday 3 July is Independence Day observed
    assert earliest_available("city_clerk", at(thursday_before_july_fourth, 17), REGISTER) == at(date(2026, 7, 6), 8)
    assert earliest_available("police", at(thursday_before_july_fourth, 17), REGISTER) == at(date(2026, 7, 3), 8, 30)


def test_unknown_office_is_available_when_the_city_clerk_is():
    assert earliest_available("zoning", at(date(2026, 3, 7), 12), REGISTER) == at(date(2026, 3, 9), 8)


def test_earliest_available_operator_returns_iso_text_in_city_time():
    available = call_operator(
        "custodians.earliest_available",
        {"office_key": "city_clerk", "not_before": "2026-03-07T18:00:00+00:00"},
        {**SETTINGS, "city_closures": frozenset({date(2026, 3, 9)})},
    )
    assert available == "2026-03-10T08:00:00-05:00"


def test_earliest_available_operator_needs_an_aware_time():
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator(
            "custodians.earliest_available", {"office_key": "police", "not_before": "2026-03-07T12:00:00"}, SETTINGS
        )
    assert refused.value.parameter == "not_before"


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"monday": [["08:00", "17:00"]]}, '"monday"'),
        ({"mon": [["17:00", "08:00"]]}, "end before they start"),
        ({"mon": [["8 am", "5 pm"]]}, "HH:MM"),
        ({"mon": [["08:00"]]}, "HH:MM"),
        ({"mon": [["08:00", "25:00"]]}, "HH:MM"),
        ([["08:00", "17:00"]], "must map"),
        ({"sat": [], "sun": []}, "no office hours"),
    ],
)
def test_unusable_office_hours_are_an_operator_error(hours, message):
    register = copy.deepcopy(REGISTER)
    register["city_clerk"]["hours"] = hours
    with pytest.raises(OperatorError, match=message):
        earliest_available("city_clerk", at(FRIDAY, 10), register)
