"""The departments' open data plans kept by their liaisons (KCMO Sec. 2-2135; docs/open-data.md).

A liaison "identif[ies] and communicate[s] to the Open Data Officer the public data that can be but is not being
published online" (Sec. 2-2135(1)), "recommend[s] which public data should not be published" (2) and "maintain[s]
written justification" for it (3), and "establish[es] timelines with the Open Data Officer for publishing" (4).
One `OpenDataPlanEntry` row is one of those: data that can be published (with the proposed and agreed dates) or data
recommended not to be published (with its reason and justification). Every change adds an `OpenDataPlanChange` row, so
who changed what and when, and every justification ever written, stay on record.

`LiaisonDepartment` says which department(s) a liaison speaks for; a staff account is a web matter, so the rows
name the account by its username. Written and read by `city.open_data.liaison_plan` with Core statements.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

DEPARTMENT = String(200)   # as the catalog names it (open_dataset.department)
USERNAME = String(100)


class PlanEntryKind(enum.Enum):
    CAN_PUBLISH = "can_publish"   # public data that can be but is not being published (Sec. 2-2135(1))
    EXCLUSION = "exclusion"       # recommended not to publish, with a written justification (2), (3)


class LiaisonDepartment(Base):
    """A liaison designated for a department (Sec. 2-2135: "one or more open data liaisons")."""

    __tablename__ = "open_data_liaison_department"

    username: Mapped[str] = mapped_column(USERNAME, primary_key=True)
    department: Mapped[str] = mapped_column(DEPARTMENT, primary_key=True)
    assigned_by: Mapped[str] = mapped_column(USERNAME)
    assigned_at: Mapped[datetime]


class OpenDataPlanEntry(Base):
    """One line of a department's open data plan, as it stands now (its history is in `OpenDataPlanChange`)."""

    __tablename__ = "open_data_plan_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    department: Mapped[str] = mapped_column(DEPARTMENT, index=True)
    kind: Mapped[PlanEntryKind]
    title: Mapped[str] = mapped_column(String(200))            # what the data is, in a line
    description: Mapped[str] = mapped_column(Text, default="")
    kept_in: Mapped[str] = mapped_column(Text, default="")     # where the department keeps it (system, register)
    # Data that can be published: the liaison proposes a date, the Open Data Officer agrees it or sets another.
    proposed_date: Mapped[date | None]
    proposed_by: Mapped[str | None] = mapped_column(USERNAME)
    awaiting_agreement: Mapped[bool] = mapped_column(default=False)   # a proposal the officer has not answered
    agreed_date: Mapped[date | None]
    agreed_by: Mapped[str | None] = mapped_column(USERNAME)
    agreement_note: Mapped[str] = mapped_column(Text, default="")
    # Met: the data set that published it, and the city day it was published.
    published_slug: Mapped[str | None] = mapped_column(String(80))
    published_on: Mapped[date | None]
    # Recommended not to publish: the reason of Sec. 2-2135(2) and the written justification of (3); the
    # officer accepts or questions the recommendation, with a note.
    exclusion_reason: Mapped[str | None] = mapped_column(String(40))
    justification: Mapped[str] = mapped_column(Text, default="")
    review: Mapped[str | None] = mapped_column(String(20))     # None (not yet), "accepted", "questioned"
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str | None] = mapped_column(USERNAME)
    created_by: Mapped[str] = mapped_column(USERNAME)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]   # no longer part of the plan (kept for the record)


class OpenDataPlanChange(Base):
    """Append-only history of a plan entry: who did what, when, and what it said then."""

    __tablename__ = "open_data_plan_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("open_data_plan_entry.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(USERNAME)
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    justification: Mapped[str] = mapped_column(Text, default="")   # an exclusion's justification as it then read
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)   # {field: [before, after]}
