"""The inbox's own tables: follow-up dates a person sets and the filters they save.

Both belong to one staff account and are seen by that person only. A follow-up names a task by
its id without a foreign key: task rows are the engine's derived rows, and a request removed
under the retention rules takes its tasks with it; a follow-up left behind simply matches no
open task. A saved filter keeps the inbox's query string (`web.inbox.filters.InboxFilter.args`),
so it opens exactly the view it was saved from.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine import clock
from web.models import db

SAVED_FILTER_NAME_LENGTH = 60
SAVED_FILTER_QUERY_LENGTH = 500


class FollowUp(db.Model):
    """The day a person means to look at a task again (their own reminder, not a deadline)."""

    __tablename__ = "follow_up"
    __table_args__ = (UniqueConstraint("account_id", "task_id"),
                      Index("ix_follow_up_account_due", "account_id", "follow_up_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    task_id: Mapped[int]
    follow_up_on: Mapped[date]
    set_at: Mapped[datetime] = mapped_column(default=clock.now)


class SavedFilter(db.Model):
    """One named inbox view of a person ("Police, overdue")."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(SAVED_FILTER_NAME_LENGTH))
    query: Mapped[str] = mapped_column(String(SAVED_FILTER_QUERY_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
