"""A caller's key for one start, so that a start sent twice (a form submitted twice, a retry after a lost
answer) starts one instance: the key is written in the same transaction as the instance it started, and a
start with a key already written answers that instance instead of starting another.

The key is the caller's to choose (the portal hashes its form's submission id); the engine only keeps it
unique (`instance_start_key`, migration 0022)."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from engine.models import InstanceStartKey

START_KEYS = InstanceStartKey.__table__
MAX_LENGTH = 64


def started_by(connection: Connection, start_key: str) -> int | None:
    """The instance a start with this key started, or None."""
    return connection.execute(select(START_KEYS.c.instance_id)
                              .where(START_KEYS.c.start_key == start_key)).scalar_one_or_none()


def remember(connection: Connection, start_key: str, instance_id: int) -> None:
    """Write the key beside the instance it started (IntegrityError when a start with it won the race)."""
    connection.execute(insert(START_KEYS).values(start_key=start_key, instance_id=instance_id))


def check(start_key: str) -> None:
    if not start_key or len(start_key) > MAX_LENGTH:
        raise ValueError(f"A start key is 1 to {MAX_LENGTH} characters.")
