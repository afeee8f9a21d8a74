"""The settings change log: one append-only row in `city_data_change` for every change an
administrator (or the command line) makes to the city's data, staff accounts and the mail server,
with who, when, the row changed, and its values before and after.

`record_change` adds the row to the caller's session, so it commits (or not) with the change
itself. The readers page through the log newest first and say on which day a change takes effect.
"""
from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from city.models import CityDataChange
from city.rules.business_calendar import CITY_TIME_ZONE, city_midnight

# The city data (city.citydata), then what the web app logs here too: staff accounts' roles and status
# (web.admin.account_changes) and the mail server set on the Settings page (web.admin.settings_mail); the open data
# settings (city.open_data.settings).
CHANGE_KINDS = ("fee_schedule", "closure", "office", "designation", "exemption", "letter_template", "cash_float",
                "staff_account", "mail_server", "privacy_rule", "open_data_setting")


def record_change(session: Session, *, at: datetime, actor: str, kind: str, subject_key: str, action: str,
                  before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """Add one change to the log (amounts and dates kept as text, as JSON needs)."""
    session.add(CityDataChange(at=at, actor=actor, kind=kind, subject_key=subject_key, action=action,
                               before=_json_ready(before), after=_json_ready(after)))


def _json_ready(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {name: (str(value) if isinstance(value, Decimal) else value.isoformat()
                   if isinstance(value, (date, datetime)) else copy.deepcopy(value))
            for name, value in values.items()}


def list_changes(session: Session, kind: str | None = None, *, limit: int = 200) -> list[CityDataChange]:
    """The newest changes first: who, when, which row, before and after."""
    query = select(CityDataChange).order_by(CityDataChange.at.desc(), CityDataChange.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(CityDataChange.kind == kind)
    return list(session.scalars(query))


def search_changes(session: Session, *, kind: str | None = None, actor: str | None = None,
                   made_from: date | None = None, made_until: date | None = None, offset: int = 0,
                   limit: int | None = 50) -> tuple[list[CityDataChange], int]:
    """One page of the change log, newest first, and how many changes match in all.

    `made_from` and `made_until` are days in city time, both included; the order (time, then the
    row's number) is stable, so paging by `offset` neither skips nor repeats a change."""
    conditions = []
    if kind is not None:
        conditions.append(CityDataChange.kind == kind)
    if actor is not None:
        conditions.append(CityDataChange.actor == actor)
    if made_from is not None:
        conditions.append(CityDataChange.at >= city_midnight(made_from))
    if made_until is not None:
        conditions.append(CityDataChange.at < city_midnight(made_until + timedelta(days=1)))
    total = session.scalar(select(func.count()).select_from(CityDataChange).where(*conditions))
    query = (select(CityDataChange).where(*conditions)
             .order_by(CityDataChange.at.desc(), CityDataChange.id.desc()).offset(offset).limit(limit))
    return list(session.scalars(query)), total


def change_actors(session: Session) -> list[str]:
    """Everyone who has changed city data, by name."""
    return list(session.scalars(select(CityDataChange.actor).distinct().order_by(CityDataChange.actor)))


def effective_date_of(change: CityDataChange) -> date:
    """The day a recorded change takes (or took) effect, city time: a fee schedule's effective date, a
    closure's day, a designation's first or last day; any other change the day it was made."""
    values = change.after or change.before or {}
    if change.kind == "fee_schedule":
        return date.fromisoformat(change.subject_key)
    if change.kind == "closure":
        return date.fromisoformat(values.get("day") or change.subject_key)
    if change.kind == "designation":
        day = (change.after or {}).get("until" if change.action == "ended" else "since")
        if day:
            return date.fromisoformat(day)
    return change.at.astimezone(CITY_TIME_ZONE).date()
