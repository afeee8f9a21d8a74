"""The engine's one clock.

Everything in Clerkflow that needs "now" asks this module, so tests can move time with
time-machine (which also moves SpiffWorkflow's own `datetime.now` calls) and nothing sleeps.
"""
from datetime import datetime, timezone


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive value is taken to be UTC already (SQLite hands those back)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time as an aware UTC datetime (naive text is read as UTC)."""
    return as_utc(datetime.fromisoformat(text))
