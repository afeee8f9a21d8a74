"""The web app's own tables: the staff who sign in and the roles they hold.

Roles are the slugs of BPMN lane names (lane "City Clerk" -> role "city_clerk"), so a task's
candidate role and a person's roles meet without a mapping table. The tables share the
engine's metadata (`engine.db.Base`), so one Alembic history migrates both.
"""
from __future__ import annotations

from datetime import datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from engine import clock
from engine.db import Base

db = SQLAlchemy(model_class=Base)

CLERK = "clerk"
CITY_CLERK = "city_clerk"
CUSTODIAN = "custodian"
CITY_ATTORNEY = "city_attorney"
ANALYST = "analyst"
ADMINISTRATOR = "administrator"
ROLES = (CLERK, CITY_CLERK, CUSTODIAN, CITY_ATTORNEY, ANALYST, ADMINISTRATOR)
# The custodian of each office of Art. 6 works that office's requests (docs/records-request.md, "Roles").
OFFICE_KEYS = ("city_clerk", "city_treasurer", "police", "fire", "city_attorney", "municipal_court")
OFFICE_CUSTODIANS = tuple(f"{CUSTODIAN}:{office}" for office in OFFICE_KEYS)


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

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(role.strip() for role in self.roles.split(",") if role.strip())

    def has_role(self, role: str) -> bool:
        return role in self.role_set

    def set_roles(self, roles) -> None:
        self.roles = ",".join(sorted({role.strip() for role in roles if role.strip()}))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:   # never the hash
        return f"<StaffAccount {self.id} {self.username!r}>"


def normalize_username(username: str) -> str:
    """Usernames are matched without regard to case or surrounding spaces."""
    return (username or "").strip().lower()


import web.models_portal  # noqa: E402,F401  (the portal's tables share this metadata and migration history)
import web.models_api  # noqa: E402,F401  (the REST API's tokens share this metadata and migration history)
