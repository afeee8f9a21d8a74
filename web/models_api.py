"""The REST API's tables: the tokens integrations send as `Authorization: Bearer <token>`, and the
answers kept for an `Idempotency-Key` (see web/api/idempotency.py).

A token belongs to one staff account and acts with that account's roles. Only the sha256 (hex)
of the token is stored: the raw token is shown once, when it is made, and cannot be rebuilt
from the table. A revoked token (or one whose account was deactivated) opens nothing.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from engine import clock
from web.models import StaffAccount, db

SHA256_HEX = String(64)
TOKEN_PREFIX = "cf_"                       # makes a leaked token easy to recognize (and to search logs for)
LAST_USED_PRECISION = timedelta(minutes=1)  # `last_used_at` is written at most once a minute per token


class ApiToken(db.Model):
    """One named token of a staff account (e.g. "payments gateway"), stored as its sha256."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(SHA256_HEX, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:   # never the hash
        return f"<ApiToken {self.id} {self.name!r}>"


class ApiIdempotency(db.Model):
    """One POST an account made with an `Idempotency-Key`: what it was (method, path, sha256 of the body) and,
    once it has run, the answer it got (status and JSON body), kept 24 hours so that a retry gets that answer
    again instead of running twice. `status` is None while the first request is still running (or if it
    died before answering: `applied_at` then says whether its effect was committed)."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("account_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(255))
    body_hash: Mapped[str] = mapped_column(SHA256_HEX)
    status: Mapped[int | None] = mapped_column(default=None)
    response_body: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    # The request holding the key (a random token; a retry that takes over a dead request's key writes its
    # own) and when its effect was committed: written in the same transaction as the effect.
    holder: Mapped[str | None] = mapped_column(String(32), default=None)
    applied_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<ApiIdempotency {self.id} {self.method} {self.path} {self.status}>"


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def create_api_token(account: StaffAccount, name: str) -> str:
    """Make a token for `account` and return it; only its hash is kept, so this is the one time it is seen."""
    name = (name or "").strip()
    if not name:
        raise ValueError("Name the token after what uses it (e.g. \"payments gateway\").")
    raw_token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(account_id=account.id, name=name[:100], token_hash=hash_token(raw_token)))
    db.session.commit()
    return raw_token


def revoke_api_token(token_id: int) -> ApiToken | None:
    """Revoke a token for good (a revoked token is never valid again); None if there is no such token."""
    token = db.session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = clock.now()
        db.session.commit()
    return token


def account_for_token(raw_token: str) -> StaffAccount | None:
    """The active account a valid, unrevoked token belongs to (noting when it was used), else None."""
    if not raw_token or not raw_token.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(raw_token))).first()
    if token is None or token.revoked_at is not None:
        return None
    account = db.session.get(StaffAccount, token.account_id)
    if account is None or not account.active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - clock.as_utc(token.last_used_at) >= LAST_USED_PRECISION:
        token.last_used_at = now
        db.session.commit()
    return account
