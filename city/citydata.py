"""City data that administrators edit, and the city settings the engine hands to operators.

003, Art. 6: offices and their hours, official and designated custodians (the City Clerk's
register), fee schedules (amounts "set by resolution"), closure days (K.S.A. 45-217), the
exemption catalogue (K.S.A. 45-221(a), 45-218(e)), the letters sent to requesters, and the
cash float the City Clerk gives each office for making change (not fee money: never transmitted).
Every change is written to the change log (`city.change_log`) with who, when, before and after. A fee
schedule is never edited: a new one takes effect on its own date, so an estimate made
earlier is still explained by the schedule that was in force then.

`CityData(database)` is the engine's `city_settings` provider; it caches for a few seconds
(`invalidate()` drops the cache at once). The change functions take the caller's session
(`Database.write()` or Flask-SQLAlchemy's) and leave the commit to it.
"""
from __future__ import annotations

import copy
import re
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import clock
from city.change_log import record_change
from engine.db import Database
from engine.errors import ClerkflowError
from city.models import (CashFloat, CityClosure, CityDataChange, CustodianDesignation, Exemption,
                                FeeScheduleRow, LetterTemplate, Office)
from city.rules.business_calendar import city_day
from city.defaults import DEFAULT_EXEMPTIONS, DEFAULT_LETTERS, DEFAULT_OFFICES
from city.privacy_rules import load_privacy_rules
from city.rules.privacy import PrivacyRule
from city.rules.fees import (DEFAULT_FEE_SCHEDULE, FEE_AMOUNT_NAMES, FEE_AMOUNTS, RESOLUTION_FIELDS, FeeSchedule, cents,
                             in_cents, schedule_in_force)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFFICE_HOURS = {day: ([["08:00", "17:00"]] if day not in ("sat", "sun") else []) for day in WEEKDAYS}
SCHEDULE_AMOUNTS = FEE_AMOUNT_NAMES
# What a schedule row keeps: its amounts, and the resolution that sets the accident report copy fee.
SCHEDULE_FIELDS = (*SCHEDULE_AMOUNTS, *RESOLUTION_FIELDS)
# The article's amounts; the accident report copy fee is left to resolution: none until the city enters it.
DEFAULT_SCHEDULE_AMOUNTS = {name: getattr(DEFAULT_FEE_SCHEDULE, name) for name in SCHEDULE_AMOUNTS}
DEFAULT_SCHEDULE_VALUES = {name: getattr(DEFAULT_FEE_SCHEDULE, name) for name in SCHEDULE_FIELDS}
BY_RESOLUTION = next(amount.name for amount in FEE_AMOUNTS if amount.set_by_resolution)
MONEY_MAX = Decimal("99999999.99")   # the largest amount a Numeric(10, 2) column keeps
SEED_ACTOR = "setup"                 # who `seed_defaults` records as making the defaults
# The kinds of city data, as the change log names them, in the order the Settings pages list them.
# How far back a designation may be entered late (Art. 6(b): the official custodian notifies the City Clerk,
# sometimes after the fact); an older first day is most likely a mistyped year.
LATE_RECORD_LIMIT = timedelta(days=365)
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TIME = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")   # "24:00" closes at midnight


class CityDataRefused(ClerkflowError):
    """A change to city data that cannot be made as asked; the message says what to fix."""

    status = 422


def city_today(now: datetime | None = None) -> date:
    """The date in the city (America/Chicago) at `now` (default: the engine's clock)."""
    return city_day(now or clock.now())


# -- the engine's city settings ----------------------------------------------------------------

@dataclass(frozen=True)
class _Loaded:
    schedules: tuple[FeeSchedule, ...]
    closures: frozenset[date]
    offices: tuple[tuple[str, str, str, dict[str, Any]], ...]
    designations: tuple[tuple[str, str, date, date | None], ...]
    exemptions: dict[str, dict[str, str]]
    letters: dict[str, dict[str, str]]
    privacy_rules: dict[str, PrivacyRule]   # 000: appeal limits and fines per rule, empty unless published


class CityData:
    """The `city_settings` provider: the city data as the operators take it, cached for `ttl` seconds.

    What depends on the day (the schedule in force, who is designated) is worked out on every
    call from the cached rows, so a cached copy never carries yesterday's answer into today."""

    def __init__(self, database: Database, *, ttl: float = 5.0):
        self.database = database
        self.ttl = ttl
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self._loaded_at = 0.0

    def __call__(self) -> dict[str, Any]:
        loaded = self._current()
        today = city_today()
        schedules = list(loaded.schedules)
        if not any(schedule.effective_from <= today for schedule in schedules):
            schedules.insert(0, DEFAULT_FEE_SCHEDULE)   # nothing seeded (yet): the article's own amounts
        register = {
            office_key: {"name": name, "official_custodian": custodian, "hours": copy.deepcopy(hours),
                         "designated": sorted({person for key, person, since, until in loaded.designations
                                               if key == office_key and _in_force(since, until, today)})}
            for office_key, name, custodian, hours in loaded.offices}
        return {
            "city_closures": loaded.closures,
            "fee_schedules": schedules,
            "fee_schedule": schedule_in_force(schedules, today),
            "custodian_register": register,
            "exemptions": copy.deepcopy(loaded.exemptions),
            "letter_templates": copy.deepcopy(loaded.letters),
            "privacy_rules": dict(loaded.privacy_rules),
        }

    def invalidate(self) -> None:
        """Read the tables again on the next call (after an administrator's change commits)."""
        with self._lock:
            self._loaded = None

    def apply(self, change: Callable[..., Any], *args: Any, **keywords: Any) -> Any:
        """Run one change function (e.g. `add_closure`) in its own transaction, then invalidate."""
        with self.database.write() as session:
            result = change(session, *args, **keywords)
        self.invalidate()
        return result

    def _current(self) -> _Loaded:
        with self._lock:
            if self._loaded is None or time.monotonic() - self._loaded_at > self.ttl:
                with self.database.read() as session:
                    self._loaded = _load(session)
                self._loaded_at = time.monotonic()
            return self._loaded


def _load(session: Session) -> _Loaded:
    # A table with no rows at all has not been seeded yet (`seed_defaults`): the defaults stand in.
    schedules = tuple(to_fee_schedule(row) for row in
                      session.scalars(select(FeeScheduleRow).order_by(FeeScheduleRow.effective_from)))
    closures = frozenset(session.scalars(select(CityClosure.day)))
    offices = [(office.office_key, office.name, office.official_custodian, office.hours, office.active)
               for office in session.scalars(select(Office).order_by(Office.office_key))] or [
        (key, name, custodian, OFFICE_HOURS, True) for key, name, custodian in sorted(DEFAULT_OFFICES)]
    designations = tuple(tuple(row) for row in session.execute(select(
        CustodianDesignation.office_key, CustodianDesignation.person, CustodianDesignation.since,
        CustodianDesignation.until)))
    exemptions = [(row.code, row.citation, row.summary, row.active)
                  for row in session.scalars(select(Exemption).order_by(Exemption.code))] or [
        (code, citation, summary, True) for code, citation, summary in DEFAULT_EXEMPTIONS]
    letters = {row.name: {"subject": row.subject, "body": row.body}
               for row in session.scalars(select(LetterTemplate).order_by(LetterTemplate.name))} or {
        name: {"subject": subject, "body": body} for name, (subject, body) in DEFAULT_LETTERS.items()}
    return _Loaded(schedules, closures,
                   tuple((key, name, custodian, hours) for key, name, custodian, hours, active in offices if active),
                   designations,
                   {code: {"citation": citation, "summary": summary}
                    for code, citation, summary, active in exemptions if active},
                   letters, load_privacy_rules(session))


def to_fee_schedule(row: FeeScheduleRow) -> FeeSchedule:
    """The stored row as the fee rules take it."""
    return FeeSchedule(effective_from=row.effective_from, **{name: getattr(row, name) for name in SCHEDULE_FIELDS})


def _in_force(since: date, until: date | None, day: date) -> bool:
    return since <= day and (until is None or day < until)


# -- reading, for the administrator's pages ----------------------------------------------------

def list_fee_schedules(session: Session) -> list[FeeScheduleRow]:
    return list(session.scalars(select(FeeScheduleRow).order_by(FeeScheduleRow.effective_from)))


def list_offices(session: Session) -> list[Office]:
    return list(session.scalars(select(Office).order_by(Office.office_key)))


def list_designations(session: Session, office_key: str | None = None, *,
                      on: date | None = None) -> list[CustodianDesignation]:
    """The register of designated custodians; with `on`, only those in force that day."""
    query = select(CustodianDesignation).order_by(CustodianDesignation.office_key, CustodianDesignation.since)
    if office_key is not None:
        query = query.where(CustodianDesignation.office_key == office_key)
    rows = session.scalars(query)
    return [row for row in rows if on is None or _in_force(row.since, row.until, on)]


def list_closures(session: Session) -> list[CityClosure]:
    return list(session.scalars(select(CityClosure).order_by(CityClosure.day)))


def list_exemptions(session: Session) -> list[Exemption]:
    return list(session.scalars(select(Exemption).order_by(Exemption.code)))


def list_letter_templates(session: Session) -> list[LetterTemplate]:
    return list(session.scalars(select(LetterTemplate).order_by(LetterTemplate.name)))


def list_cash_floats(session: Session, office_key: str | None = None, *,
                     in_force_only: bool = True) -> list[CashFloat]:
    """The floats in force (one per office at most), by office; with `in_force_only=False`, every float issued."""
    query = select(CashFloat).order_by(CashFloat.office_key, CashFloat.issued_at, CashFloat.id)
    if office_key is not None:
        query = query.where(CashFloat.office_key == office_key)
    if in_force_only:
        query = query.where(CashFloat.returned_at.is_(None))
    return list(session.scalars(query))


def cash_float_in_force(session: Session, office_key: str) -> CashFloat | None:
    """The office's float now in force, or None."""
    return session.scalars(select(CashFloat).where(CashFloat.office_key == office_key,
                                                   CashFloat.returned_at.is_(None))).first()


# -- changing, each change recorded with who and when -------------------------------------------

def add_fee_schedule(session: Session, *, effective_from: date, created_by: str, now: datetime | None = None,
                     **amounts: Decimal | str | int | date | None) -> FeeScheduleRow:
    """A new schedule from `effective_from` (today or later); amounts not given carry over from the one before it.

    The accident report copy fee is set by resolution (Art. 6): it is given with `accident_report_resolution`
    (its number) and `accident_report_resolution_date`, or left empty ("" or None) until the city has one."""
    now = now or clock.now()
    _actor(created_by)
    unknown = sorted(set(amounts) - set(SCHEDULE_FIELDS))
    if unknown:
        raise CityDataRefused(f'A fee schedule has no amount "{unknown[0]}"; it has {", ".join(SCHEDULE_FIELDS)}.')
    if effective_from < city_today(now):
        raise CityDataRefused(f"A fee schedule cannot take effect in the past ({effective_from.isoformat()}): "
                              "estimates already made are explained by the schedule in force when they were made. "
                              "Give today's date or a later one.")
    if session.scalar(select(FeeScheduleRow.id).where(FeeScheduleRow.effective_from == effective_from)):
        raise CityDataRefused(f"A fee schedule already takes effect on {effective_from.isoformat()}; "
                              "schedules are never edited. Withdraw it if it is not yet in force, "
                              "or pick another date.")
    before = session.scalars(select(FeeScheduleRow).where(FeeScheduleRow.effective_from < effective_from)
                             .order_by(FeeScheduleRow.effective_from.desc()).limit(1)).first()
    values = {name: (getattr(before, name) if before else DEFAULT_SCHEDULE_VALUES[name]) for name in SCHEDULE_FIELDS}
    values.update({name: _money(name, amount) for name, amount in amounts.items()
                   if name in SCHEDULE_AMOUNTS and name != BY_RESOLUTION})
    values.update(_resolution_values(amounts) if BY_RESOLUTION in amounts or set(RESOLUTION_FIELDS) & set(amounts)
                  else {})
    row = FeeScheduleRow(effective_from=effective_from, created_by=created_by, created_at=now, **values)
    session.add(row)
    _record(session, now, created_by, "fee_schedule", effective_from.isoformat(), "added", None,
            {"effective_from": effective_from, **values})
    return row


def _resolution_values(given: dict[str, Any]) -> dict[str, Any]:
    """The accident report copy fee with its resolution's number and date, or none of the three."""
    amount = given.get(BY_RESOLUTION)
    number = str(given.get("accident_report_resolution") or "").strip()
    adopted = given.get("accident_report_resolution_date") or None
    if amount is None or str(amount).strip() == "":
        if number or adopted:
            raise CityDataRefused(f"{BY_RESOLUTION}: give the amount the resolution sets, with its number and date "
                                  "(or none of them while the city has no resolution).")
        return {BY_RESOLUTION: None, "accident_report_resolution": "", "accident_report_resolution_date": None}
    if not number or len(number) > 100:
        raise CityDataRefused("accident_report_resolution: the accident report copy fee is set by resolution; give "
                              'the resolution\'s number (up to 100 characters), e.g. "Resolution 2026-14".')
    if isinstance(adopted, str):
        try:
            adopted = date.fromisoformat(adopted.strip())
        except ValueError:
            raise CityDataRefused("accident_report_resolution_date: give the day the resolution was adopted as "
                                  f"YYYY-MM-DD, not {adopted!r}.") from None
    if not isinstance(adopted, date) or isinstance(adopted, datetime):
        raise CityDataRefused("accident_report_resolution_date: give the day the resolution was adopted.")
    return {BY_RESOLUTION: _money(BY_RESOLUTION, amount), "accident_report_resolution": number,
            "accident_report_resolution_date": adopted}


def withdraw_fee_schedule(session: Session, effective_from: date, *, actor: str, now: datetime | None = None) -> None:
    """Remove a schedule that has not taken effect yet (one in force, or past, stays for ever)."""
    now = now or clock.now()
    _actor(actor)
    row = session.scalars(select(FeeScheduleRow).where(FeeScheduleRow.effective_from == effective_from)).first()
    if row is None:
        raise CityDataRefused(f"No fee schedule takes effect on {effective_from.isoformat()}.")
    if effective_from <= city_today(now):
        raise CityDataRefused(f"The fee schedule of {effective_from.isoformat()} is already in force and is kept; "
                              "add a new schedule with a later date instead.")
    _record(session, now, actor, "fee_schedule", effective_from.isoformat(), "withdrawn",
            {name: getattr(row, name) for name in ("effective_from", *SCHEDULE_FIELDS)}, None)
    session.delete(row)


def set_office(session: Session, office_key: str, *, actor: str, name: str | None = None,
               official_custodian: str | None = None, hours: dict[str, Any] | None = None,
               active: bool | None = None, now: datetime | None = None) -> Office:
    """Add an office or change its name, official custodian, hours (city time) or whether it is active."""
    now = now or clock.now()
    _actor(actor)
    _key("office_key", office_key)
    office = session.get(Office, office_key)
    before = _office_values(office) if office else None
    if office is None:
        if not (name and official_custodian):
            raise CityDataRefused(f'Office "{office_key}" is new: give its name and its official custodian.')
        office = Office(office_key=office_key, name=name, official_custodian=official_custodian,
                        hours=check_hours(hours if hours is not None else OFFICE_HOURS),
                        active=True if active is None else active)
        session.add(office)
    else:
        for field, value in (("name", name), ("official_custodian", official_custodian)):
            if value is not None:
                if not value.strip():
                    raise CityDataRefused(f"An office's {field.replace('_', ' ')} cannot be blank.")
                setattr(office, field, value.strip())
        if hours is not None:
            office.hours = check_hours(hours)
        if active is not None:
            office.active = active
    _record(session, now, actor, "office", office_key, "added" if before is None else "changed",
            before, _office_values(office))
    return office


def check_hours(hours: dict[str, Any]) -> dict[str, list[list[str]]]:
    """Office hours as {"mon": [["08:00", "17:00"]], ...}: every weekday, sorted, non-overlapping spans."""
    if not isinstance(hours, dict) or set(hours) - set(WEEKDAYS):
        raise CityDataRefused(f"Office hours name the days {', '.join(WEEKDAYS)}, each with a list of "
                              '["HH:MM", "HH:MM"] spans in city time.')
    checked: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        spans = sorted([list(span) for span in hours.get(day) or []])
        for opens_closes in spans:
            if len(opens_closes) != 2 or not all(isinstance(t, str) and _TIME.match(t) for t in opens_closes) \
                    or opens_closes[0] >= opens_closes[1]:
                raise CityDataRefused(f'Office hours for {day}: "{opens_closes}" is not an opening and a later '
                                      'closing time such as ["08:00", "17:00"].')
        for earlier, later in zip(spans, spans[1:]):
            if later[0] < earlier[1]:
                raise CityDataRefused(f"Office hours for {day} overlap: {earlier} and {later}.")
        checked[day] = spans
    return checked


@dataclass(frozen=True)
class DatesRefused:
    """Why a designation's days cannot be entered, and which of them to change."""

    field: str      # "since" or "until"
    message: str


def designation_dates_refusal(since: date, until: date | None, *, today: date, register_opened: date | None,
                              recorded_late: bool) -> DatesRefused | None:
    """The register's rule for a designation's first day (`since`) and first day out (`until`); None: enter it.

    A designation is in force from today or a later day. The official custodian tells the City Clerk of
    a designation (Art. 6(b)), sometimes after making it: a `since` before today is taken only as such a
    late record (`recorded_late`), no more than LATE_RECORD_LIMIT before today, and never before the
    office's register opened (`register_opened`, see `register_opened`). `until` comes after `since`."""
    if until is not None and until <= since:
        return DatesRefused("until", f"The first day no longer in force ({until.isoformat()}) must come after the "
                                     f"first day in force ({since.isoformat()}); leave it empty while the "
                                     "designation lasts.")
    if since >= today:
        return None
    if not recorded_late:
        return DatesRefused("since", f"{since.isoformat()} is before today ({today.isoformat()}): a designation is "
                                     "in force from today or a later day. If the official custodian made it "
                                     "earlier and is telling the City Clerk only now, say that it records a "
                                     "designation made earlier.")
    earliest = today - LATE_RECORD_LIMIT
    if since < earliest:
        return DatesRefused("since", f"{since.isoformat()} is more than a year before today: a designation made "
                                     f"earlier is entered from {earliest.isoformat()} at the earliest. Check the "
                                     "year.")
    if register_opened is not None and since < register_opened:
        return DatesRefused("since", f"The office was entered in the register on {register_opened.isoformat()}; "
                                     "a designation for it cannot be in force before that day.")
    return None


def register_opened(session: Session, office_key: str) -> date | None:
    """The first day the office can have designated custodians: the day it was added (city time).

    None for an Art. 6 office added by `seed_defaults` (it kept records before Clerkflow did), or one
    the change log does not know."""
    added = session.scalars(select(CityDataChange).where(
        CityDataChange.kind == "office", CityDataChange.subject_key == office_key, CityDataChange.action == "added")
        .order_by(CityDataChange.at, CityDataChange.id).limit(1)).first()
    if added is None or (added.actor == SEED_ACTOR and office_key in {key for key, _, _ in DEFAULT_OFFICES}):
        return None
    return city_today(added.at)


def designate_custodian(session: Session, office_key: str, person: str, *, designated_by: str,
                        since: date | None = None, until: date | None = None, recorded_late: bool = True,
                        now: datetime | None = None) -> CustodianDesignation:
    """Enter in the register that `person` is a record custodian of the office from `since` (default today).

    `until`, when given, is the first day no longer in force. The days follow
    `designation_dates_refusal`; `recorded_late=False` (the Settings page, unless the administrator
    says the designation was made earlier) refuses a `since` before today."""
    now = now or clock.now()
    _actor(designated_by)
    _actor(person)
    today = city_today(now)
    since = since or today
    if session.get(Office, office_key) is None:
        raise CityDataRefused(f'There is no office "{office_key}".')
    refused = designation_dates_refusal(since, until, today=today, register_opened=register_opened(session, office_key),
                                        recorded_late=recorded_late)
    if refused is not None:
        raise CityDataRefused(refused.message)
    overlapping = [row for row in list_designations(session, office_key) if row.person == person
                   and row.since < (until or date.max) and since < (row.until or date.max)]
    if overlapping:
        raise CityDataRefused(f"{person} is already designated for {office_key} since "
                              f"{overlapping[0].since.isoformat()}; end that designation first, or give days "
                              "that do not overlap it.")
    row = CustodianDesignation(office_key=office_key, person=person, designated_by=designated_by, since=since,
                               until=until, created_at=now)
    session.add(row)
    session.flush()
    _record(session, now, designated_by, "designation", f"{office_key}:{person}", "added", None,
            {"designation_id": row.id, "office_key": office_key, "person": person, "since": since,
             **({"until": until} if until is not None else {})})
    return row


def end_designation(session: Session, designation_id: int, *, ended_by: str, until: date | None = None,
                    now: datetime | None = None) -> CustodianDesignation:
    """End a designation: from `until` (default today) the person is no longer a custodian of that office."""
    now = now or clock.now()
    _actor(ended_by)
    row = session.get(CustodianDesignation, designation_id)
    if row is None:
        raise CityDataRefused(f"There is no designation {designation_id} in the register.")
    if row.until is not None:
        raise CityDataRefused(f"Designation {designation_id} already ended on {row.until.isoformat()}.")
    until = until or city_today(now)
    if until < row.since:
        raise CityDataRefused(f"A designation cannot end ({until.isoformat()}) before it began "
                              f"({row.since.isoformat()}).")
    row.until = until
    _record(session, now, ended_by, "designation", f"{row.office_key}:{row.person}", "ended",
            {"designation_id": row.id, "until": None}, {"designation_id": row.id, "until": until})
    return row


def add_closure(session: Session, day: date, reason: str, *, actor: str, now: datetime | None = None) -> CityClosure:
    """A day the city closes its offices: not a business day for K.S.A. 45-217 deadlines."""
    now = now or clock.now()
    _actor(actor)
    if not reason.strip():
        raise CityDataRefused("Say why the city is closed (e.g. the resolution declaring the holiday).")
    if session.get(CityClosure, day) is not None:
        raise CityDataRefused(f"{day.isoformat()} is already a closure day.")
    row = CityClosure(day=day, reason=reason.strip())
    session.add(row)
    _record(session, now, actor, "closure", day.isoformat(), "added", None, {"day": day, "reason": row.reason})
    return row


def remove_closure(session: Session, day: date, *, actor: str, now: datetime | None = None) -> None:
    """Remove a closure day entered by mistake (deadlines already computed keep their dates)."""
    now = now or clock.now()
    _actor(actor)
    row = session.get(CityClosure, day)
    if row is None:
        raise CityDataRefused(f"{day.isoformat()} is not a closure day.")
    _record(session, now, actor, "closure", day.isoformat(), "removed", {"day": day, "reason": row.reason}, None)
    session.delete(row)


def issue_cash_float(session: Session, office_key: str, amount: Decimal | str | int, *, issued_by: str,
                     now: datetime | None = None) -> CashFloat:
    """The City Clerk gives the office a cash float for making change; it replaces the float in force, if any.

    The float replaced is marked returned (by `issued_by`, at `now`) and kept, so the history shows
    every float the office held. A float is not fee money: no fee balance or transmittal counts it."""
    now = now or clock.now()
    _actor(issued_by)
    amount = _money("amount", amount)
    if amount <= 0:
        raise CityDataRefused("A cash float is more than zero; to take a float back, return it.")
    office = session.get(Office, office_key)
    if office is None:
        raise CityDataRefused(f'There is no office "{office_key}".')
    if not office.active:
        raise CityDataRefused(f'Office "{office_key}" is inactive: it takes no requests and needs no float.')
    old = cash_float_in_force(session, office_key)
    if old is not None:
        old.returned_at, old.returned_by = now, issued_by
        _flush_float(session, office_key)   # out of force before the new one comes in
    row = CashFloat(office_key=office_key, amount=amount, issued_by=issued_by, issued_at=now, returned_at=None,
                    returned_by=None)
    session.add(row)
    _flush_float(session, office_key)
    _record(session, now, issued_by, "cash_float", office_key, "added" if old is None else "changed",
            _float_values(old, in_force=True) if old else None, _float_values(row, in_force=True))
    return row


def return_cash_float(session: Session, office_key: str, *, returned_by: str,
                      now: datetime | None = None) -> CashFloat:
    """The City Clerk takes back the office's float; the office then has none in force (the row is kept)."""
    now = now or clock.now()
    _actor(returned_by)
    if session.get(Office, office_key) is None:
        raise CityDataRefused(f'There is no office "{office_key}".')
    row = cash_float_in_force(session, office_key)
    if row is None:
        raise CityDataRefused(f'Office "{office_key}" holds no cash float to return.')
    before = _float_values(row, in_force=True)
    row.returned_at, row.returned_by = now, returned_by
    _flush_float(session, office_key)
    _record(session, now, returned_by, "cash_float", office_key, "returned", before, _float_values(row))
    return row


def _flush_float(session: Session, office_key: str) -> None:
    # The partial unique index keeps one float in force per office; a clerk issuing or returning
    # at the same moment loses the race with a message rather than leaving two floats in force.
    try:
        session.flush()
    except IntegrityError:
        raise CityDataRefused(f'The cash float of "{office_key}" was changed at the same moment by someone '
                              "else; look at it again and repeat the change if it is still needed.") from None


def _float_values(row: CashFloat, *, in_force: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {"float_id": row.id, "amount": row.amount, "issued_by": row.issued_by,
                              "issued_at": row.issued_at}
    if not in_force:
        values.update(returned_at=row.returned_at, returned_by=row.returned_by)
    return values


def set_exemption(session: Session, code: str, *, actor: str, citation: str | None = None,
                  summary: str | None = None, active: bool | None = None, now: datetime | None = None) -> Exemption:
    """Add a ground for denial to the catalogue, or change its citation, summary or whether it is offered."""
    now = now or clock.now()
    _actor(actor)
    if not code.strip() or len(code) > 40:
        raise CityDataRefused('An exemption code is short text such as "45-221(a)(1)".')
    row = session.get(Exemption, code)
    before = _exemption_values(row) if row else None
    if row is None:
        if not (citation and summary):
            raise CityDataRefused(f'Exemption "{code}" is new: give its citation and a summary.')
        row = Exemption(code=code, citation=citation.strip(), summary=summary.strip(),
                        active=True if active is None else active)
        session.add(row)
    else:
        for field, value in (("citation", citation), ("summary", summary)):
            if value is not None:
                if not value.strip():
                    raise CityDataRefused(f"An exemption's {field} cannot be blank.")
                setattr(row, field, value.strip())
        if active is not None:
            row.active = active
    _record(session, now, actor, "exemption", code, "added" if before is None else "changed", before,
            _exemption_values(row))
    return row


def set_letter_template(session: Session, name: str, *, actor: str, subject: str, body: str,
                        now: datetime | None = None) -> LetterTemplate:
    """Add or reword a letter; `{placeholder}` names only (no attributes, indexes or formats)."""
    now = now or clock.now()
    _actor(actor)
    _key("letter name", name)
    if not subject.strip() or not body.strip():
        raise CityDataRefused("A letter needs a subject and a body.")
    template_placeholders(subject)
    template_placeholders(body)
    row = session.get(LetterTemplate, name)
    before = {"subject": row.subject, "body": row.body} if row else None
    if row is None:
        row = LetterTemplate(name=name, subject=subject, body=body, updated_by=actor, updated_at=now)
        session.add(row)
    else:
        row.subject, row.body, row.updated_by, row.updated_at = subject, body, actor, now
    _record(session, now, actor, "letter_template", name, "added" if before is None else "changed", before,
            {"subject": subject, "body": body})
    return row


def template_placeholders(text: str) -> set[str]:
    """The `{name}` placeholders of a letter; `CityDataRefused` for anything but plain names."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as problem:
        raise CityDataRefused(f"A letter's braces do not pair up ({problem}); write {{{{ for a literal brace.") \
            from None
    names = set()
    for _literal, field, format_spec, conversion in parts:
        if field is None:
            continue
        if not field.isidentifier() or format_spec or conversion:
            raise CityDataRefused(f'"{{{field}{"!" + conversion if conversion else ""}'
                                  f'{":" + format_spec if format_spec else ""}}}" is not a plain placeholder: '
                                  "use a simple name such as {tracking_number}.")
        names.add(field)
    return names


def _record(session: Session, now: datetime, actor: str, kind: str, subject_key: str, action: str,
            before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    record_change(session, at=now, actor=actor, kind=kind, subject_key=subject_key, action=action, before=before,
                  after=after)


def _office_values(office: Office) -> dict[str, Any]:
    return {"name": office.name, "official_custodian": office.official_custodian, "hours": office.hours,
            "active": office.active}


def _exemption_values(row: Exemption) -> dict[str, Any]:
    return {"citation": row.citation, "summary": row.summary, "active": row.active}


def _money(name: str, amount: Decimal | str | int) -> Decimal:
    if isinstance(amount, (bool, float)):   # a float is not an amount of money: pass text or Decimal
        raise CityDataRefused(f"{name} must be given as text or a Decimal, such as \"0.25\", not {amount!r}.")
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise CityDataRefused(f'{name} must be an amount such as "0.25", not {amount!r}.') from None
    if not in_cents(value) or value < 0:
        raise CityDataRefused(f"{name} must be zero or more, in dollars and cents, not {amount}.")
    if value > MONEY_MAX:
        raise CityDataRefused(f"{name} must be at most {MONEY_MAX}, not {amount}.")
    return cents(value)


def _actor(username: str) -> None:
    if not isinstance(username, str) or not username.strip() or len(username) > 100:
        raise CityDataRefused("Say who makes this change (a username).")


def _key(what: str, key: str) -> None:
    if not _KEY.match(key or ""):
        raise CityDataRefused(f'A {what} is lower-case letters, digits and underscores (e.g. "city_clerk"), '
                              f'not "{key}".')


def seed_defaults(session: Session, *, actor: str = SEED_ACTOR, now: datetime | None = None) -> dict[str, int]:
    """Add what is missing of the defaults (offices, a fee schedule, exemptions, letters); keep what is there.

    Returns how many of each kind were added."""
    now = now or clock.now()
    added = {"offices": 0, "fee_schedules": 0, "exemptions": 0, "letter_templates": 0}
    for office_key, name, official_custodian in DEFAULT_OFFICES:
        if session.get(Office, office_key) is None:
            set_office(session, office_key, actor=actor, name=name, official_custodian=official_custodian,
                       hours=OFFICE_HOURS, now=now)
            added["offices"] += 1
    if session.scalar(select(FeeScheduleRow.id).limit(1)) is None:
        effective_from = DEFAULT_FEE_SCHEDULE.effective_from
        session.add(FeeScheduleRow(effective_from=effective_from, created_by=actor, created_at=now,
                                   **DEFAULT_SCHEDULE_VALUES))
        _record(session, now, actor, "fee_schedule", effective_from.isoformat(), "added", None,
                {"effective_from": effective_from, **DEFAULT_SCHEDULE_VALUES})
        added["fee_schedules"] += 1
    for code, citation, summary in DEFAULT_EXEMPTIONS:
        if session.get(Exemption, code) is None:
            set_exemption(session, code, actor=actor, citation=citation, summary=summary, now=now)
            added["exemptions"] += 1
    for name, (subject, body) in DEFAULT_LETTERS.items():
        if session.get(LetterTemplate, name) is None:
            set_letter_template(session, name, actor=actor, subject=subject, body=body, now=now)
            added["letter_templates"] += 1
    session.flush()
    return added

