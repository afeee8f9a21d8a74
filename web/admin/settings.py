"""Settings pages (administrators): the city data of 003, Art. 6 that is data, not config (docs/city-data.md).

This module holds what the sections share (reading and changing the city data, parsing a day or an
amount). `/admin/settings` (in `settings_changes`) links every section and shows the latest changes.
The sections live in
`settings_fees` (fee schedules), `settings_calendar` (closure days, the holiday calendar),
`settings_offices` (offices, hours, the register of designated custodians), `settings_letters`
(letter templates, exemptions), `settings_cash` (the offices' cash floats), `settings_open_data` (who approves
and who publishes data sets, the catalog's publisher), `settings_mail` (the mail server, set on the page or in the environment; the outbox) and `settings_changes` (the whole change log, filtered and paged).
Every change goes through a change function of `city.citydata`, so it is recorded in
`city_data_change` with who and when, and the engine's city settings are read again at once.
A refused change (`CityDataRefused`) is shown beside its field with what was typed kept.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import abort

from city.citydata import MONEY_MAX, CityDataRefused
from web.current import city_data, process_engine, signed_in_staff

SECTIONS = (
    ("admin.settings_fees", "Fee schedules", "amounts set by resolution, each version with its effective date"),
    ("admin.settings_calendar", "Closure days and holidays", "days the city is closed, and the holiday calendar"),
    ("admin.settings_offices", "Offices and hours", "each office's official custodian and its office hours"),
    ("admin.settings_custodians", "Designated custodians", "the City Clerk's register of record custodians"),
    ("admin.settings_exemptions", "Exemptions", "the grounds a denial may cite (K.S.A. 45-221)"),
    ("admin.settings_letters", "Letter templates", "the letters sent to requesters"),
    ("admin.settings_privacy_rules", "Privacy rules", "the rules a privacy decision may cite: appeal limits and fines, "
     "empty until published"),
    ("admin.settings_open_data", "Open data", "who approves data sets and who publishes them (Sacramento or Kansas "
     "City), the catalog's publisher and DCAT-US codes"),
    ("admin.settings_cash_floats", "Cash floats", "the change money the City Clerk gives each office (not fee money)"),
    ("admin.settings_mail", "Mail (SMTP)", "set the mail server, the outbox, a test mail"),
    ("admin.users", "Staff accounts and roles", "who signs in, and what each may do"),
    ("admin.settings_changes", "Change log", "every change to these settings: who, when, what, from which day"),
)
LATEST_CHANGES = 10     # on the index; the change log page has them all


def read_city(reader: Callable[..., Any], *args: Any, **keywords: Any) -> Any:
    """Call a reader of `city.citydata` (`list_*`, ...) in a read-only session; the rows come back detached."""
    with process_engine().database.read() as session:
        rows = reader(session, *args, **keywords)
        session.expunge_all()       # loaded as they are: the session's closing rollback must not expire them
        return rows


def change_city(change: Callable[..., Any], *args: Any, **keywords: Any) -> str | None:
    """Run one change function in its own transaction and read the city data again; the refusal's message, if any."""
    try:
        city_data().apply(change, *args, **keywords)
    except CityDataRefused as refused:
        return refused.user_message
    return None


def actor() -> str:
    return signed_in_staff().username


_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")


def parse_money(text: str, errors: dict[str, str], field: str) -> Decimal | None:
    """An amount more than zero typed in dollars and cents ("50", "50.00", "$50.00"), or a message in
    `errors[field]`."""
    typed = (text or "").strip()
    plain = typed.removeprefix("$").strip()
    if not plain:
        errors[field] = "Enter an amount in dollars and cents, e.g. 50.00."
    elif "," in plain:
        errors[field] = f'Write "{typed}" without commas, e.g. 1250.00.'
    elif not _AMOUNT.match(plain):
        errors[field] = f'"{typed}" is not an amount; write dollars and cents, e.g. 50.00.'
    elif Decimal(plain) <= 0:
        errors[field] = f"The amount must be more than zero, not {typed}."
    elif Decimal(plain) != Decimal(plain).quantize(Decimal("0.01")):
        errors[field] = f'"{typed}" has more than two decimals: give dollars and cents, e.g. 50.25.'
    elif Decimal(plain) > MONEY_MAX:
        errors[field] = f"{typed} is more than the largest amount kept ({MONEY_MAX}); check the figure."
    else:
        return Decimal(plain).quantize(Decimal("0.01"))
    return None


def day_in_path(text: str, not_found: str) -> date:
    """The YYYY-MM-DD day in a page's address; a 404 saying `not_found` when it is not one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404, description=not_found)


def parse_day(text: str, errors: dict[str, str], field: str, *, required: bool = True) -> date | None:
    """A date typed as YYYY-MM-DD (the browser's date input), or a message in `errors[field]`."""
    text = (text or "").strip()
    if not text:
        if required:
            errors[field] = "Enter a date (YYYY-MM-DD)."
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = f'"{text}" is not a date; write it as YYYY-MM-DD, e.g. 2027-01-01.'
        return None

