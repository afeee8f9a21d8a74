"""Business days and response deadlines: K.S.A. 45-217 business day, K.S.A. 45-218(d) three business days.

A business day is any day but Saturday, Sunday and a holiday declared by Congress, by
the Kansas legislature or governor, or by the city itself. The city's own closure days
are a setting the caller passes in; this module reads no clock and no database.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from city.rules.registry import OperatorArgumentError, Parameter, operator

# Kansas (outside its four western Mountain-time counties) keeps Central time.
CITY_TIME_ZONE = ZoneInfo("America/Chicago")

# "No later than the end of the ... business day": the last second of that day, city time.
END_OF_BUSINESS_DAY = time(23, 59, 59)

SATURDAY = 5


def city_day(moment: datetime) -> date:
    """The day in city time of `moment` (a naive moment is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CITY_TIME_ZONE).date()


def city_midnight(day: date) -> datetime:
    """The start of `day` in city time, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=CITY_TIME_ZONE).astimezone(UTC)


def is_business_day(day: date, city_closures: Collection[date] = ()) -> bool:
    """K.S.A. 45-217: not a weekend, not a federal or Kansas holiday, not a city closure day."""
    if day.weekday() >= SATURDAY:
        return False
    if is_holiday(day):
        return False
    return day not in city_closures


def is_holiday(day: date) -> bool:
    """A holiday declared by Congress or by the Kansas legislature or governor (observed days included)."""
    return day in _federal_and_kansas_holidays(day.year)


def business_deadline(
    received_at: datetime, business_days: int, city_closures: Collection[date] = ()
) -> datetime:
    """End of the `business_days`-th business day after the day the request is received.

    The day of receipt never counts, business day or not (K.S.A. 45-218(d) "after the day
    it is received"). `received_at` must be timezone-aware; it is read in city time, and
    the deadline is 23:59:59 city time, returned in UTC for a BPMN `timeDate` timer.
    """
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise OperatorArgumentError(
            f"received_at {received_at.isoformat()} has no time zone; "
            "the receiving day depends on it",
            "received_at",
        )
    if business_days < 1:
        raise OperatorArgumentError(
            f"business_days must be at least 1, not {business_days}", "business_days"
        )
    closures = frozenset(city_closures)
    day = received_at.astimezone(CITY_TIME_ZONE).date()
    counted = 0
    while counted < business_days:
        day += timedelta(days=1)
        if is_business_day(day, closures):
            counted += 1
    # combine() with a ZoneInfo picks the right UTC offset for that day, DST included.
    return datetime.combine(day, END_OF_BUSINESS_DAY, tzinfo=CITY_TIME_ZONE).astimezone(UTC)


@lru_cache(maxsize=64)
def _federal_and_kansas_holidays(year: int) -> frozenset[date]:
    # The holidays package's "US"/"KS" set is the federal list plus the Kansas state ones.
    return frozenset(holidays.country_holidays("US", subdiv="KS", years=year))


operator(
    "calendar.business_deadline",
    "End of the Nth business day after the day received (K.S.A. 45-218(d)), as a UTC time for a timer.",
    Parameter("received_at", "datetime", description="when the request arrived, with its time zone"),
    Parameter("business_days", "integer", description="business days allowed; 3 under K.S.A. 45-218(d)"),
    settings=("city_closures",),
)(business_deadline)
