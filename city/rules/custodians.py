"""Official custodians, designated record custodians and office hours: 003, Art. 6; K.S.A. 45-218(c), (d).

Each office that keeps records has one official custodian (City Clerk, City Treasurer,
Chief of Police, Fire Chief, City Attorney, Clerk of the Municipal Court). The City Clerk
keeps the records of the clerk's office and every record not assigned elsewhere, so a
request for an office the register does not know goes to the City Clerk: referred, not
lost. Every office sets the hours in which requests are taken; an office not open Monday
to Friday has hours set for each day.

The register is a city setting the caller passes in ("custodian_register"):

    {office_key: {"name": "City Treasurer's Office",
                  "official_custodian": "City Treasurer",
                  "hours": {"mon": [["08:00", "17:00"]], ..., "sat": [], "sun": []},
                  "designated": ["username", ...],
                  "open_on_holidays": false}}          # optional, false when absent

Hours are wall-clock times in city time (America/Chicago); "24:00" ends an interval at
midnight; a day left out is a closed day. An office is closed on the city's closure days
and, unless it is open on holidays, on federal and Kansas holidays.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, time, timedelta

from city.rules.business_calendar import CITY_TIME_ZONE, is_holiday
from city.rules.roles import custodian_role
from city.rules.registry import OperatorArgumentError, OperatorError, Parameter, operator

CITY_CLERK = "city_clerk"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# How far ahead to look for an opening before calling the office's hours unusable.
_SEARCH_DAYS = 2 * 366


def route_request(office_key: str | None, register: Mapping[str, Mapping[str, object]]) -> dict[str, str]:
    """The custodian a request goes to: the office that holds the record, else the City Clerk.

    Returns {"office_key", "office_name", "official_custodian", "custodian_role"}, the role
    being "custodian:<office_key>", the candidate role of the office's tasks.
    """
    key = _office_key(office_key, register)
    entry = _entry(register, key)
    return {
        "office_key": key,
        "office_name": entry["name"],
        "official_custodian": entry["official_custodian"],
        "custodian_role": custodian_role(key),
    }


def office_choices(
    register: Mapping[str, Mapping[str, object]], except_office_key: str | None = None
) -> list[dict[str, str]]:
    """The offices a request may be referred to, as a form's choices: [{"value": key, "label": name}], by name.

    The register holds the city's active offices (an inactive office takes no requests); the office
    that has the request (`except_office_key`) is left out, since a referral passes it to another.
    A form names this list with SpiffArena's convention (`"anyOf": ["options_from_task_data_var:<variable>"]`),
    so only an office the register holds can be picked (K.S.A. 45-218(c))."""
    leaving = (except_office_key or "").strip().lower()
    choices = [
        {"value": key, "label": str(entry.get("name") or key)}
        for key, entry in register.items()
        if isinstance(entry, Mapping) and key.lower() != leaving
    ]
    return sorted(choices, key=lambda choice: choice["label"].lower())


def is_open(
    hours: Mapping[str, object],
    moment: datetime,
    city_closures: Collection[date] = (),
    *,
    open_on_holidays: bool = False,
) -> bool:
    """Whether an office with these weekly `hours` takes requests at `moment` (read in city time).

    The office is closed all day on a city closure day and, unless `open_on_holidays`, on a
    federal or Kansas holiday.
    """
    local = _city_time(moment, "moment")
    if _closed(local.date(), frozenset(city_closures), open_on_holidays):
        return False
    clock = local.time().replace(tzinfo=None)
    return any(_within(clock, start, end) for start, end in _weekly_hours(hours)[local.weekday()])


def earliest_available(
    office_key: str | None,
    not_before: datetime,
    register: Mapping[str, Mapping[str, object]],
    city_closures: Collection[date] = (),
) -> datetime:
    """K.S.A. 45-218(d): the first moment at or after `not_before` the office is open, in city time.

    The office is the one `route_request` gives for `office_key` (an unknown office is the
    City Clerk's). Closure days, and holidays for an office not open on holidays, are skipped
    whole.
    """
    local = _city_time(not_before, "not_before")
    key = _office_key(office_key, register)
    entry = _entry(register, key)
    weekly = _weekly_hours(entry.get("hours"), key)
    if not any(weekly.values()):
        raise OperatorError(f'the custodian register gives the office "{key}" no office hours')
    closures = frozenset(city_closures)
    open_on_holidays = entry.get("open_on_holidays") is True
    for offset in range(_SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if _closed(day, closures, open_on_holidays):
            continue
        for start, end in weekly[day.weekday()]:
            if offset == 0:
                clock = local.time().replace(tzinfo=None)
                if end is not None and clock >= end:
                    continue  # this interval is over for the day
                if clock >= start:
                    return local  # open now
            return datetime.combine(day, start, tzinfo=CITY_TIME_ZONE)
    raise OperatorError(f'the office "{key}" is not open on any day within two years of {local.date().isoformat()}')


def designated_roles(username: str, register: Mapping[str, Mapping[str, object]]) -> list[str]:
    """The custodian roles ("custodian:<office_key>") of the offices that designated `username`."""
    return [
        custodian_role(key)
        for key, entry in register.items()
        if isinstance(entry, Mapping) and username in (entry.get("designated") or ())
    ]


def _office_key(office_key: str | None, register: Mapping[str, Mapping[str, object]]) -> str:
    key = (office_key or "").strip()
    if key in register:
        return key
    if key.lower() in register:
        return key.lower()
    # Every record not assigned elsewhere is the City Clerk's (003, Art. 6 official custodians).
    return CITY_CLERK


def _entry(register: Mapping[str, Mapping[str, object]], key: str) -> Mapping[str, object]:
    entry = register.get(key)
    if entry is None:
        raise OperatorError(
            f'the custodian register has no "{key}" office; the City Clerk keeps every record not assigned elsewhere'
        )
    if not isinstance(entry, Mapping) or not all(
        isinstance(entry.get(field), str) and entry.get(field) for field in ("name", "official_custodian")
    ):
        raise OperatorError(f'the custodian register entry "{key}" needs a "name" and an "official_custodian"')
    return entry


def _city_time(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise OperatorArgumentError(f"{name} needs a date and time with its time zone, not {moment!r}", name)
    return moment.astimezone(CITY_TIME_ZONE)


def _closed(day: date, closures: frozenset[date], open_on_holidays: bool) -> bool:
    return day in closures or (not open_on_holidays and is_holiday(day))


def _within(clock: time, start: time, end: time | None) -> bool:
    return start <= clock and (end is None or clock < end)


def _weekly_hours(hours: object, office: str = "") -> dict[int, list[tuple[time, time | None]]]:
    """{weekday number: [(start, end or None for midnight)]}, sorted; a bad entry is an OperatorError."""
    where = f' of the office "{office}"' if office else ""
    if not isinstance(hours, Mapping):
        raise OperatorError(f'the office hours{where} must map "mon" ... "sun" to [["08:00", "17:00"], ...]')
    unknown = sorted(str(day) for day in hours if day not in WEEKDAYS)
    if unknown:
        raise OperatorError(f'the office hours{where} name "{unknown[0]}"; use {", ".join(WEEKDAYS)}')
    weekly: dict[int, list[tuple[time, time | None]]] = {}
    for number, day in enumerate(WEEKDAYS):
        intervals = []
        for interval in hours.get(day) or ():
            try:
                start_text, end_text = interval
                start, end = _clock(start_text), _clock(end_text, end=True)
            except (TypeError, ValueError):
                raise OperatorError(
                    f'the office hours{where} on "{day}" must be ["HH:MM", "HH:MM"] pairs, not {interval!r}'
                ) from None
            if end is not None and end <= start:
                raise OperatorError(f'the office hours{where} on "{day}" end before they start: {interval!r}')
            intervals.append((start, end))
        weekly[number] = sorted(intervals, key=lambda pair: pair[0])
    return weekly


def _clock(text: object, *, end: bool = False) -> time | None:
    if not isinstance(text, str):
        raise TypeError
    if end and text.strip() == "24:00":
        return None
    hour, minute = text.strip().split(":")
    if len(minute) != 2:
        raise ValueError
    return time(int(hour), int(minute))


_REGISTER = ("custodian_register",)


@operator(
    "custodians.route_request",
    "The custodian a request goes to (003, Art. 6); an unknown or empty office goes to the City Clerk.",
    Parameter("office_key", "string", False, 'the office that holds the record, e.g. "police"; empty: the City Clerk'),
    settings=_REGISTER,
)
def _route_request_operator(
    *, custodian_register: Mapping[str, Mapping[str, object]], office_key: str | None = None
) -> dict[str, str]:
    return route_request(office_key, custodian_register)


@operator(
    "custodians.office_choices",
    "The city's offices a request may be referred to, as choices for a form (value: the office key, label: its name).",
    Parameter("except_office_key", "string", False, "the office that has the request now, left out of the choices"),
    settings=_REGISTER,
)
def _office_choices_operator(
    *, custodian_register: Mapping[str, Mapping[str, object]], except_office_key: str | None = None
) -> list[dict[str, str]]:
    return office_choices(custodian_register, except_office_key)


@operator(
    "custodians.earliest_available",
    "K.S.A. 45-218(d): the first time at or after not_before the office is open to requesters, in city time.",
    Parameter("office_key", "string", description="the office where the record will be available"),
    Parameter("not_before", "datetime", description="the earliest moment the record can be ready, with its time zone"),
    settings=(*_REGISTER, "city_closures"),
)
def _earliest_available_operator(
    office_key: str,
    not_before: datetime,
    *,
    custodian_register: Mapping[str, Mapping[str, object]],
    city_closures: Collection[date],
) -> datetime:
    return earliest_available(office_key, not_before, custodian_register, city_closures)
