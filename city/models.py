"""City data and the fee ledgers: 003, Art. 6 (custodians, office hours, fees, fee transmittal).

City data (offices and hours, designated custodians, fee schedules, the exemption catalogue,
closure days, letter templates) is what administrators edit; `city.citydata` reads and
changes it and writes every change to `city_data_change` with who and when. A fee schedule
is never edited: a new row with its own effective date supersedes it, so an old estimate is
still explained by the schedule then in force.

The ledgers (`fee_assessment`, `fee_collection`, `fee_transmittal`) are written by the
`ledger.*` host operators (`city.ledger`) inside the step's transaction. Money is
`Numeric(10, 2)` and reads back as `Decimal`. The cash float the City Clerk gives each office
for making change (`cash_float`) is city data, not fee money: no ledger sums it.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

MONEY = Numeric(10, 2)
OFFICE_KEY = String(40)
TRACKING_NUMBER = String(20)
USERNAME = String(100)


class Office(Base):
    """An office keeping public records, with its official custodian and the hours it takes requests."""

    __tablename__ = "office"

    office_key: Mapped[str] = mapped_column(OFFICE_KEY, primary_key=True)   # "city_clerk"; role custodian:<key>
    name: Mapped[str] = mapped_column(String(200))
    official_custodian: Mapped[str] = mapped_column(String(200))   # the officer Art. 6 appoints, e.g. "City Clerk"
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)   # {"mon": [["08:00", "17:00"]], ..., "sun": []}, city time
    active: Mapped[bool] = mapped_column(default=True)


class CustodianDesignation(Base):
    """A record custodian designated by an official custodian; the City Clerk's register (Art. 6)."""

    __tablename__ = "custodian_designation"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_key: Mapped[str] = mapped_column(ForeignKey("office.office_key"), index=True)
    person: Mapped[str] = mapped_column(USERNAME)   # the staff username
    designated_by: Mapped[str] = mapped_column(USERNAME)
    since: Mapped[date]                 # first day in force
    until: Mapped[date | None]          # first day no longer in force (None: until ended)
    created_at: Mapped[datetime]


class FeeScheduleRow(Base):
    """One fee schedule from its effective date; never changed once written."""

    __tablename__ = "fee_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(unique=True)
    search_rate_per_hour: Mapped[Decimal] = mapped_column(MONEY)
    minimum_search_fee: Mapped[Decimal] = mapped_column(MONEY)
    free_below: Mapped[Decimal] = mapped_column(MONEY)
    copy_fee_per_page: Mapped[Decimal] = mapped_column(MONEY)
    prepayment_threshold: Mapped[Decimal] = mapped_column(MONEY)
    # "Set by resolution" (Art. 6): none until the city enters the resolution's amount, with its number and date.
    accident_report_copy_fee: Mapped[Decimal | None] = mapped_column(MONEY)
    transmit_above: Mapped[Decimal] = mapped_column(MONEY)   # a custodian holding more transmits to the clerk
    accident_report_resolution: Mapped[str] = mapped_column(String(100), default="", server_default="")
    accident_report_resolution_date: Mapped[date | None]
    created_by: Mapped[str] = mapped_column(USERNAME)
    created_at: Mapped[datetime]


class Exemption(Base):
    """A ground for closing a record, as a denial cites it (K.S.A. 45-221(a), 45-218(e))."""

    __tablename__ = "exemption"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)   # "45-221(a)(1)"
    citation: Mapped[str] = mapped_column(String(100))                # "K.S.A. 45-221(a)(1)"
    summary: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)


class CityClosure(Base):
    """A day the city itself declares a holiday: not a business day (K.S.A. 45-217)."""

    __tablename__ = "city_closure"

    day: Mapped[date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))


class LetterTemplate(Base):
    """A letter to a requester; `{name}` placeholders filled by `letters.render`."""

    __tablename__ = "letter_template"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(USERNAME)
    updated_at: Mapped[datetime]


class PrivacyRule(Base):
    """An ordinance section or administrative rule a privacy decision may rely on (000), with the figures the
    city has published for it: the appeal time limit and the fine for a first, repeat and continuing offence.

    Empty means "not specified on the cited page": no default is invented (city.rules.privacy)."""

    __tablename__ = "privacy_rule"

    rule_ref: Mapped[str] = mapped_column(String(100), primary_key=True)   # "Code Sec. 2-1234", as decisions cite it
    title: Mapped[str] = mapped_column(String(300))
    appeal_limit_days: Mapped[int | None]
    fine_first: Mapped[Decimal | None] = mapped_column(MONEY)
    fine_repeat: Mapped[Decimal | None] = mapped_column(MONEY)
    fine_continuing: Mapped[Decimal | None] = mapped_column(MONEY)
    active: Mapped[bool] = mapped_column(default=True)
    updated_by: Mapped[str] = mapped_column(USERNAME)
    updated_at: Mapped[datetime]


class CashFloat(Base):
    """Change money the City Clerk gives an office: kept apart from fee money and never transmitted (Art. 6).

    One row per float issued; a float is never edited but returned (taken back, or replaced by a
    new one), so the history stays. At most one float per office is in force (`returned_at` empty)."""

    __tablename__ = "cash_float"
    __table_args__ = (
        # One float in force per office, kept by the database even when two clerks issue at once.
        Index("ix_cash_float_in_force", "office_key", unique=True,
              sqlite_where=text("returned_at IS NULL"), postgresql_where=text("returned_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_key: Mapped[str] = mapped_column(ForeignKey("office.office_key"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    issued_by: Mapped[str] = mapped_column(USERNAME)   # at the City Clerk's office
    issued_at: Mapped[datetime]
    returned_at: Mapped[datetime | None]               # None: in force
    returned_by: Mapped[str | None] = mapped_column(USERNAME)


class CityDataChange(Base):
    """Append-only: who changed which city data, when, and the values before and after."""

    __tablename__ = "city_data_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(USERNAME)
    kind: Mapped[str] = mapped_column(String(30))        # office, designation, fee_schedule, cash_float, ...
    subject_key: Mapped[str] = mapped_column(String(100))  # the row's key: office_key, code, day, ...
    action: Mapped[str] = mapped_column(String(20))      # added, changed, ended, removed, withdrawn, returned
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class FeeAssessment(Base):
    """The fees charged on one request, as estimated, with the schedule that explains them."""

    __tablename__ = "fee_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(TRACKING_NUMBER, index=True)
    instance_id: Mapped[int | None]   # no foreign key: the ledger outlives any housekeeping of instances
    requester_key: Mapped[str] = mapped_column(String(200), index=True)   # normalised: same person, same key
    # The person the request is made on behalf of (normalised the same way), when someone asks for another.
    on_behalf_of_key: Mapped[str | None] = mapped_column(String(200), index=True)
    office_key: Mapped[str] = mapped_column(OFFICE_KEY)
    assessed_at: Mapped[datetime] = mapped_column(index=True)
    requested_at: Mapped[datetime | None]   # when the request was made (received): the 24-hour rule counts by it
    locating_cost: Mapped[Decimal] = mapped_column(MONEY)   # actual cost of locating, before the minimum fee
    inspection_fee: Mapped[Decimal] = mapped_column(MONEY)
    copy_fee: Mapped[Decimal] = mapped_column(MONEY)
    mailing_fee: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    waived_amount: Mapped[Decimal] = mapped_column(MONEY)
    waiver_reason: Mapped[str] = mapped_column(Text, default="")
    schedule_effective_from: Mapped[date | None]


class FeeCollection(Base):
    """Fee money paid to a custodian, or billed to the requester's account with the city."""

    __tablename__ = "fee_collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(TRACKING_NUMBER, index=True)
    office_key: Mapped[str] = mapped_column(OFFICE_KEY, index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    method: Mapped[str] = mapped_column(String(10))   # "paid" (held by the custodian), "billed" or "refunded"
    collected_at: Mapped[datetime]
    collected_by: Mapped[str] = mapped_column(USERNAME)
    transmittal_id: Mapped[int | None] = mapped_column(ForeignKey("fee_transmittal.id"), index=True)


class FeeTransmittal(Base):
    """Fee money a custodian hands to the City Clerk, and the clerk's receipt of it."""

    __tablename__ = "fee_transmittal"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_key: Mapped[str] = mapped_column(OFFICE_KEY, index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    transmitted_at: Mapped[datetime]
    transmitted_by: Mapped[str] = mapped_column(USERNAME)
    received_at: Mapped[datetime | None]
    received_by: Mapped[str | None] = mapped_column(USERNAME)


@event.listens_for(CityDataChange, "before_update")
def _changes_are_append_only(_mapper, _connection, target):
    raise RuntimeError("city data changes are append-only")
