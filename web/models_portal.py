"""The public portal's tables: the private link of each request filed online, and the count of
submissions that keeps one client from flooding the office.

`requester_access` ties a request to the sha256 of the token in its private status link; the
token itself is never stored, so the table cannot be used to rebuild anyone's link.
`portal_submission` holds one row per request filed online, with a keyed hash of the client's
IP address (not the address), so every web worker counts against the same limit.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine import clock
from web.models import db

TRACKING_NUMBER = String(20)
SHA256_HEX = String(64)


class RequesterAccess(db.Model):
    """The key to one request's status page: the sha256 (hex) of the token in the requester's link."""

    __tablename__ = "requester_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(TRACKING_NUMBER, unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(SHA256_HEX, unique=True)
    # Optional: where the request's letters are e-mailed (docs/mail.md); None when the requester gave none.
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    def __repr__(self) -> str:   # never the hash
        return f"<RequesterAccess {self.tracking_number}>"


class PortalSubmission(db.Model):
    """One request filed through the portal, counted against its client's hourly limit."""

    __tablename__ = "portal_submission"
    __table_args__ = (Index("ix_portal_submission_client_at", "client_key", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(SHA256_HEX)      # HMAC-SHA256 of the client's IP address
    submitted_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
