"""Tracking numbers for requests: R-2026-00042, a sequence per prefix and city-time year.

Allocated inside the transaction that starts the instance, so a number is never given twice;
a number whose start was rolled back is simply skipped.
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from engine.errors import ClerkflowError, Conflict
from engine.models import TrackingSequence

CITY_TIME = ZoneInfo("America/Chicago")
SEQUENCE = TrackingSequence.__table__
PREFIX = re.compile(r"^[A-Z]{1,10}$")


def next_tracking_number(connection: Connection, prefix: str, now: datetime) -> str:
    if not PREFIX.match(prefix or ""):
        raise ClerkflowError(f'A tracking prefix is one to ten capital letters, not "{prefix}".')
    year = now.astimezone(CITY_TIME).year
    number = _take_next(connection, prefix, year)
    if number is None:
        try:
            with connection.begin_nested():
                connection.execute(insert(SEQUENCE).values(prefix=prefix, year=year, last=1))
            number = 1
        except IntegrityError:
            # Another start took the year's first number at the same moment and has committed it (the unique
            # index waited for it): the row is there now, so take the next one.
            number = _take_next(connection, prefix, year)
            if number is None:
                raise Conflict("Two requests were numbered at the same moment; try again.") from None
    return f"{prefix}-{year}-{number:05d}"


def _take_next(connection: Connection, prefix: str, year: int) -> int | None:
    """The year's next number, or None when the year has no sequence row yet."""
    return connection.execute(
        update(SEQUENCE).where(SEQUENCE.c.prefix == prefix, SEQUENCE.c.year == year)
        .values(last=SEQUENCE.c.last + 1).returning(SEQUENCE.c.last)).scalar()


def last_tracking_number(connection: Connection, prefix: str, year: int) -> int:
    return connection.execute(select(SEQUENCE.c.last).where(SEQUENCE.c.prefix == prefix,
                                                            SEQUENCE.c.year == year)).scalar() or 0
