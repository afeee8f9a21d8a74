"""How every page writes a time, a day and an amount: one way, in the city's time zone.

Staff, requesters and administrators read the same request, so a moment is written the same on the
inbox, a task page, the admin pages and the portal: "Dec 7, 2026, 9:21 AM CST" (America/Chicago, the
city's time, whatever zone the reader's computer is in; the database keeps UTC), a calendar day
"Dec 7, 2026", an amount "$47.50" (thousands with commas, "-$3.00" below zero). Task data holds these as
ISO text and money as text with two decimals ("47.50"), so each filter takes text too; what it cannot read
it shows as it is rather than guess. `register_filters(app)` makes them the Jinja filters `when`, `day`
and `money`.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from city.rules.business_calendar import CITY_TIME_ZONE
from city.rules.fees import dollars
from engine import clock

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?")


def when(moment: datetime | str | None) -> str:
    """A moment in city time, minute precision, with its zone: "Dec 7, 2026, 9:21 AM CST".

    A naive datetime is taken as UTC (what the database hands back); ISO text is read with its offset,
    and text without one is shown as typed with "(no time zone)", since converting it would be a guess."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        return _when_text(moment)
    local = clock.as_utc(moment).astimezone(CITY_TIME_ZONE)
    return f"{_day_and_time(local)} {local:%Z}"


def day(moment: date | datetime | str | None) -> str:
    """A calendar day, "Dec 7, 2026": a date as it is, a moment's day in city time."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        text = moment.strip()
        try:
            if ISO_DAY.fullmatch(text):
                return day(date.fromisoformat(text))
            if ISO_MOMENT.fullmatch(text):
                return day(clock.parse_instant(text))
        except ValueError:
            pass
        return moment
    if isinstance(moment, datetime):
        moment = clock.as_utc(moment).astimezone(CITY_TIME_ZONE).date()
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def money(amount: Decimal | int | float | str | None) -> str:
    """An amount in dollars and cents, "$47.50", "$1,250.00", "-$3.00"; text that is no amount as it is."""
    if amount is None or amount == "" or isinstance(amount, bool):
        return ""
    try:
        value = Decimal(str(amount).strip().replace(",", "").removeprefix("$"))
    except InvalidOperation:
        return str(amount)
    if not value.is_finite():
        return str(amount)
    return dollars(value)


def is_moment_text(text: Any) -> bool:
    """Whether `text` is an ISO date and time (as task data holds `received_at`)."""
    return isinstance(text, str) and bool(ISO_MOMENT.fullmatch(text.strip()))


def is_day_text(text: Any) -> bool:
    """Whether `text` is an ISO calendar day ("2026-12-07")."""
    return isinstance(text, str) and bool(ISO_DAY.fullmatch(text.strip()))


def register_filters(app) -> None:
    """The filters every template uses for times, days and money."""
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["money"] = money


def _when_text(text: str) -> str:
    stripped = text.strip()
    match = ISO_MOMENT.fullmatch(stripped)
    if match is None:
        return text
    try:
        if match.group(3) is None:
            return f"{_day_and_time(datetime.fromisoformat(stripped))} (no time zone)"
        return when(clock.parse_instant(stripped))
    except ValueError:   # shaped like a moment but not one ("2026-13-45T25:00")
        return text


def _day_and_time(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{day(moment.date())}, {hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
