"""The audit trail is tamper-evident: each event carries a hash over the one before it (issue 14).

An event's `chain_hash` is sha256 over the previous event's `chain_hash` in the same chain (or
GENESIS) and a canonical JSON of the event's own fields, never its id. A chain is one instance's
events: that instance's writes are already serialized by its row lock (engine.api `_locked_record`),
so steps of different instances never wait for one global chain head. The instance row keeps the
latest hash (`process_instance.audit_head`), written in the same transaction, so removing the
latest events is found too.

Events of no instance (deploys) chain per process key. Deploys of one key are serialized by the
unique (process_key, version) index: the version row is flushed before its event is written, so a
second deploy of the key waits for the first to commit and then fails on that index, or began after
it and reads its event. Each created version writes exactly one deploy event, so the chain's head is
checked by counting: as many deploy events as versions.

What this shows: a row edited or deleted by hand (SQL, a restored backup of one table). What it
cannot show: someone who rewrites every hash after an edit, or deletes an instance with all its
events; keep a copy of the heads (`clerkflow audit verify --json`) elsewhere to catch that.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection

from engine.models import AuditEvent, ProcessInstance, ProcessVersion

AUDIT, INSTANCE, VERSION = AuditEvent.__table__, ProcessInstance.__table__, ProcessVersion.__table__
GENESIS = "0" * 64
HASHED_FIELDS = ("instance_id", "process_key", "at", "actor", "action", "bpmn_id", "task_guid", "changes", "detail")


def canonical(event: dict[str, Any]) -> str:
    """The event's own fields as one JSON text: sorted keys, `at` as ISO 8601 in UTC to the microsecond."""
    fields = {name: event.get(name) for name in HASHED_FIELDS}
    at: datetime = fields["at"]
    fields["at"] = at.astimezone(timezone.utc).isoformat(timespec="microseconds")
    fields["changes"] = fields["changes"] or {}
    fields["detail"] = fields["detail"] or ""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def link(previous: str | None, event: dict[str, Any]) -> str:
    """The chain hash of `event` after the event whose chain hash is `previous` (None: the first)."""
    digest = hashlib.sha256()
    digest.update((previous or GENESIS).encode("ascii"))
    digest.update(canonical(event).encode("utf-8"))
    return digest.hexdigest()


_INSTANCE_HEAD = select(INSTANCE.c.audit_head).where(INSTANCE.c.id == bindparam("instance_id"))
_PROCESS_HEAD = (select(AUDIT.c.chain_hash).where(AUDIT.c.instance_id.is_(None),
                                                  AUDIT.c.process_key == bindparam("process_key"))
                 .order_by(AUDIT.c.id.desc()).limit(1))


def chain_before(connection: Connection, *, instance_id: int | None, process_key: str) -> str | None:
    """The head of the chain a new event joins; the caller holds what serializes that chain (see above)."""
    if instance_id is not None:
        return connection.execute(_INSTANCE_HEAD, {"instance_id": instance_id}).scalar()
    return connection.execute(_PROCESS_HEAD, {"process_key": process_key}).scalar()


def chain_key(event: dict[str, Any]) -> tuple[str, Any]:
    if event["instance_id"] is not None:
        return ("instance", event["instance_id"])
    return ("process", event["process_key"])


def name_of(key: tuple[str, Any]) -> str:
    return f"instance {key[1]}" if key[0] == "instance" else f"process {key[1]} (deploys)"


@dataclass(frozen=True)
class Break:
    """One broken link: the chain, the event where it shows (None: the chain's head) and what it means."""

    chain: str
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        return f"{self.chain}: {self.problem}"


@dataclass
class Verification:
    events: int = 0
    chains: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


EVENT_COLUMNS = ("id",) + HASHED_FIELDS + ("chain_hash",)


def _events(connection: Connection, instance_id: int | None, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every event (of one instance, or all) in id order, a batch at a time (keyset: never one huge result)."""
    after = 0
    while True:
        statement = select(*(AUDIT.c[name] for name in EVENT_COLUMNS)).where(AUDIT.c.id > after)
        if instance_id is not None:
            statement = statement.where(AUDIT.c.instance_id == instance_id)
        rows = connection.execute(statement.order_by(AUDIT.c.id).limit(batch)).mappings().all()
        if not rows:
            return
        yield from (dict(row) for row in rows)
        after = rows[-1]["id"]


def walk(events: Iterable[dict[str, Any]]) -> tuple[dict[tuple[str, Any], str | None], dict[tuple, int],
                                                   list[Break], int]:
    """Check each event against the stored hash of the one before it in its chain.

    Each link is checked against the *stored* previous hash, so one edited event breaks one link (its
    own), and a removed event breaks the link of the event after it. Returns the last stored hash and
    the event count of each chain, the breaks, and how many events were read."""
    heads: dict[tuple[str, Any], str | None] = {}
    counts: dict[tuple, int] = {}
    breaks: list[Break] = []
    read = 0
    for event in events:
        read += 1
        key = chain_key(event)
        if event["chain_hash"] != link(heads.get(key), event):
            breaks.append(Break(name_of(key), event["id"],
                                f"event {event['id']} was changed or an event before it was removed"))
        heads[key] = event["chain_hash"]
        counts[key] = counts.get(key, 0) + 1
    return heads, counts, breaks, read


def verify(connection: Connection, *, instance_id: int | None = None) -> Verification:
    """Check every chain (or one instance's): each link, and each head against the instance row."""
    heads, counts, breaks, read = walk(_events(connection, instance_id))
    stored = select(INSTANCE.c.id, INSTANCE.c.audit_head)
    if instance_id is not None:
        stored = stored.where(INSTANCE.c.id == instance_id)
    for stored_id, stored_head in connection.execute(stored):
        key = ("instance", stored_id)
        if heads.get(key) != stored_head:
            breaks.append(Break(name_of(key), None, "the latest events were removed (head does not match)"))
    if instance_id is None:
        versions = dict(connection.execute(select(VERSION.c.process_key, func.count())
                                           .group_by(VERSION.c.process_key)).all())
        for process_key, created in sorted(versions.items()):
            key = ("process", process_key)
            if counts.get(key, 0) < created:
                breaks.append(Break(name_of(key), None,
                                    f"the latest deploy events were removed ({counts.get(key, 0)} for "
                                    f"{created} versions)"))
    return Verification(read, len(heads), breaks)
