"""K.S.A. 45-217 business days and the K.S.A. 45-218(d) three-business-day deadline."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from city.rules import OperatorArgumentError
from city.rules.business_calendar import CITY_TIME_ZONE, business_deadline, is_business_day

CENTRAL = CITY_TIME_ZONE

# Week of 2 March 2026: no federal or Kansas holiday; DST starts Sunday 8 March.
FRIDAY_10AM = datetime(2026, 3, 6, 10, 0, tzinfo=CENTRAL)
SATURDAY_NOON = datetime(2026, 3, 7, 12, 0, tzinfo=CENTRAL)
# Memorial Day 2026 is Monday 25 May.
FRIDAY_BEFORE_MEMORIAL_DAY = datetime(2026, 5, 22, 9, 0, tzinfo=CENTRAL)


def end_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=CENTRAL).astimezone(UTC)


def test_weekday_is_a_business_day():
    assert is_business_day(date(2026, 3, 4))


@pytest.mark.parametrize("weekend_day", [date(2026, 3, 7), date(2026, 3, 8)])
def test_saturday_and_sunday_are_not_business_days(weekend_day):
    assert not is_business_day(weekend_day)


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 1, 1),  # New Year's Day
        date(2026, 5, 25),  # Memorial Day
        date(2026, 7, 3),  # Independence Day, observed on the Friday
        date(2026, 11, 26),  # Thanksgiving Day
        date(2026, 12, 25),  # Christmas Day
    ],
)
def test_federal_holiday_is_not_a_business_day(holiday):
    assert not is_business_day(holiday)


def test_kansas_state_holiday_is_not_a_business_day():
    # Christmas Eve is a Kansas state holiday, not a federal one.
    assert not is_business_day(date(2026, 12, 24))


def test_city_closure_day_is_not_a_business_day():
    closure = date(2026, 3, 4)
    assert not is_business_day(closure, city_closures={closure})
    assert is_business_day(closure, city_closures={date(2026, 3, 5)})


def test_request_received_friday_is_due_end_of_wednesday():
    due = business_deadline(FRIDAY_10AM, 3)
    assert due == end_of_day(date(2026, 3, 11))
    assert due.tzinfo is UTC
    assert due.astimezone(CENTRAL).strftime("%A %H:%M:%S") == "Wednesday 23:59:59"


def test_deadline_is_end_of_day_in_city_time_across_dst():
    # Received in CST (UTC-6), due in CDT (UTC-5): 23:59:59 CDT is 04:59:59 UTC.
    assert business_deadline(FRIDAY_10AM, 3) == datetime(2026, 3, 12, 4, 59, 59, tzinfo=UTC)


def test_monday_holiday_moves_the_deadline_one_day():
    due = business_deadline(FRIDAY_BEFORE_MEMORIAL_DAY, 3)
    assert due == end_of_day(date(2026, 5, 28))  # Thursday, not Wednesday


def test_city_closure_moves_the_deadline_one_day():
    due = business_deadline(FRIDAY_10AM, 3, city_closures=[date(2026, 3, 10)])
    assert due == end_of_day(date(2026, 3, 12))


def test_day_received_never_counts_even_on_a_weekend():
    # Saturday receipt: Monday, Tuesday, Wednesday are the three business days after it.
    assert business_deadline(SATURDAY_NOON, 3) == end_of_day(date(2026, 3, 11))


def test_day_received_never_counts_on_a_business_day():
    monday_8am = datetime(2026, 3, 2, 8, 0, tzinfo=CENTRAL)
    assert business_deadline(monday_8am, 3) == end_of_day(date(2026, 3, 5))


def test_day_received_is_read_in_city_time():
    # 02:30 UTC on Saturday is still Friday evening in Kansas.
    friday_evening_in_utc = datetime(2026, 3, 7, 2, 30, tzinfo=UTC)
    assert business_deadline(friday_evening_in_utc, 3) == end_of_day(date(2026, 3, 11))


def test_received_at_in_another_offset_is_converted():
    same_moment = FRIDAY_10AM.astimezone(timezone(timedelta(hours=9)))
    assert business_deadline(same_moment, 3) == business_deadline(FRIDAY_10AM, 3)


def test_deadline_across_year_end_uses_next_years_holidays():
    # 31 Dec 2026 Thursday; 1 Jan 2027 is New Year's Day; then Mon 4, Tue 5 Jan.
    new_years_eve = datetime(2026, 12, 31, 15, 0, tzinfo=CENTRAL)
    assert business_deadline(new_years_eve, 3) == end_of_day(date(2027, 1, 6))


def test_naive_received_at_is_refused():
    with pytest.raises(OperatorArgumentError) as refused:
        business_deadline(datetime(2026, 3, 6, 10, 0), 3)
    assert refused.value.parameter == "received_at"


def test_business_days_must_be_at_least_one():
    with pytest.raises(OperatorArgumentError) as refused:
        business_deadline(FRIDAY_10AM, 0)
    assert refused.value.parameter == "business_days"
