"""Putting mail in the outbox: one row per mail and recipient, never two for the same thing.

The pair (dedupe_key, recipient) is unique in `mail_outbox`, so the dispatcher can look at the
same audit event twice (it re-reads a few rows behind its cursor) and a web request and the
scheduler can race for the same letter without anyone getting it twice.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.headerregistry import Address

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import clock
from web.models_mail import FAILED, QUEUED, SENT, MailOutbox

MAX_ADDRESS_LENGTH = 320
# Deliberately simple: one @, something before it, a dotted domain after it, no spaces or line breaks.
ADDRESS_SHAPE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def valid_email_address(text: str) -> str | None:
    """The address, trimmed, if it can be mailed to; None if it cannot."""
    address = (text or "").strip()
    if not address or len(address) > MAX_ADDRESS_LENGTH or not ADDRESS_SHAPE.match(address):
        return None
    try:
        Address(addr_spec=address)      # the email package must accept it too, or sending would fail later
    except (ValueError, IndexError):
        return None
    return address


def same_address(first: str | None, second: str | None) -> bool:
    """Addresses are compared without regard to case or surrounding spaces."""
    return bool(first and second) and first.strip().lower() == second.strip().lower()


def letter_key(instance_id: int, variable: str, subject: str, text: str) -> str:
    """What makes a letter the same letter: its request, its variable and its words."""
    digest = hashlib.sha256(f"{subject}\n{text}".encode()).hexdigest()[:32]
    return f"letter:{instance_id}:{variable}:{digest}"


def already_queued(session: Session, dedupe_key: str, recipient: str) -> bool:
    return session.scalar(select(MailOutbox.id).where(MailOutbox.dedupe_key == dedupe_key,
                                                      MailOutbox.recipient == recipient)) is not None


def queue(session: Session, *, kind: str, dedupe_key: str, recipient: str, subject: str, body: str,
          private_link: str | None = None, instance_id: int | None = None, now: datetime | None = None,
          commit: bool = True) -> bool:
    """Queue one mail unless the same one is already in the outbox; True when queued.

    With `commit=False` the row joins the caller's transaction (the portal commits a request's
    access row and its first mail together)."""
    if already_queued(session, dedupe_key, recipient):
        return False
    now = now or clock.now()
    session.add(MailOutbox(kind=kind, dedupe_key=dedupe_key[:200], recipient=recipient, subject=subject[:300],
                           body=body, private_link=private_link, instance_id=instance_id, created_at=now,
                           next_attempt_at=now))
    if not commit:
        return True
    try:
        session.commit()
    except IntegrityError:      # queued by someone else in the meantime: theirs counts
        session.rollback()
        return False
    return True


def outbox_counts(session: Session) -> dict[str, int]:
    """How many mails wait, were sent, failed (for `clerkflow mail status` and the mail settings page)."""
    counts = dict(session.execute(select(MailOutbox.status, func.count()).group_by(MailOutbox.status)).all())
    return {status: counts.get(status, 0) for status in (QUEUED, SENT, FAILED)}
