"""The web app's own tables: the staff who sign in, the roles they hold and the addresses they signed in from.

Roles are the slugs of BPMN lane names (lane "City Clerk" -> role "city_clerk"), so a task's
candidate role and a person's roles meet without a mapping table. The tables share the
engine's metadata (`engine.db.Base`), so one Alembic history migrates both.
"""
from __future__ import annotations

import logging
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash

from engine import clock
from engine.db import Base

db = SQLAlchemy(model_class=Base)
log = logging.getLogger(__name__)

# Passwords are hashed with argon2id (argon2-cffi's recommended parameters). Hashes made earlier by
# werkzeug ("scrypt:...", "pbkdf2:...") still verify and are replaced by an argon2 hash on the next
# successful sign-in.
password_hasher = PasswordHasher()
ARGON2_PREFIX = "$argon2"
MIN_PASSWORD_LENGTH = 12

NOTIFY_CHOICES = (("immediate", "Immediately: one e-mail for each new task in my roles"),
                  ("digest", "Once a day: one e-mail listing my open tasks"),
                  ("none", "Never: I look at the inbox myself"))


class StaffAccount(db.Model):
    """A member of staff who signs in to work the inbox (or administer instances)."""

    __tablename__ = "staff_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(500), default="")     # comma-separated role slugs
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Where task notifications go, and how (docs/mail.md): immediate, digest (daily) or none.
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    notify: Mapped[str] = mapped_column(String(20), default="immediate", server_default="immediate")
    # The generation of this account's sessions (docs/operations.md, "Sessions"): a session carries the number it
    # was signed in under and ends as soon as the account's number moves on (sign-out, new password, deactivation).
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(role.strip() for role in self.roles.split(",") if role.strip())

    def has_role(self, role: str) -> bool:
        return role in self.role_set

    def set_roles(self, roles) -> None:
        self.roles = ",".join(sorted({role.strip() for role in roles if role.strip()}))

    def set_password(self, password: str) -> None:
        """A new password ends every session signed in with the old one."""
        self.password_hash = password_hasher.hash(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        """Every session of this account, in every browser, ends on its next request."""
        self.session_epoch = (self.session_epoch or 0) + 1

    def check_password(self, password: str) -> bool:
        """True when `password` is this account's. An active account whose hash is an old werkzeug
        hash, or an argon2 hash with outdated parameters, gets a fresh argon2 hash (committed at once,
        since a successful check is the only time the password is known)."""
        stored = self.password_hash or ""
        if stored.startswith(ARGON2_PREFIX):
            try:
                password_hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return False
            if self.active and password_hasher.check_needs_rehash(stored):
                self._rehash(password)
            return True
        try:
            matches = check_password_hash(stored, password)
        except ValueError:            # not a hash werkzeug knows either
            return False
        if matches and self.active:
            self._rehash(password)
        return matches

    def _rehash(self, password: str) -> None:
        self.password_hash = password_hasher.hash(password)   # the same password: sessions go on
        try:
            db.session.commit()
        except SQLAlchemyError:       # the sign-in still succeeds; the next one tries again
            db.session.rollback()
            log.warning("could not store a new password hash for staff account %s", self.id)

    def __repr__(self) -> str:   # never the hash
        return f"<StaffAccount {self.id} {self.username!r}>"


class StaffSignInAddress(db.Model):
    """An address an account signed in from successfully (an HMAC of it, web.throttle): failed sign-ins by
    others slow that account down elsewhere, never from here."""

    __tablename__ = "staff_sign_in_address"
    __table_args__ = (UniqueConstraint("staff_account_id", "address_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
    address_key: Mapped[str] = mapped_column(String(64))
    last_signed_in_at: Mapped[datetime] = mapped_column(default=clock.now)


def normalize_username(username: str) -> str:
    """Usernames are matched without regard to case or surrounding spaces."""
    return (username or "").strip().lower()
