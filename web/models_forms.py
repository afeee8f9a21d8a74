"""Forms edited in the web: the draft of each form (`form_draft`) and who saved or discarded which form when
(`form_draft_change`).

The forms editor never writes a file: the installation's `forms/` folder is read-only to the web app. A
saved form is the draft row of its `<process>/<file>`, one per form (a save replaces the text); the
modeler's Validate and Deploy take it over the folder's file (docs/modeler.md "Forms"). Each save and
each discard also adds a `form_draft_change` row, never edited or deleted, which the form page lists
newest first. Drafts stay after a deploy: they are what was deployed, and the next deploy takes them again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from engine import clock
from web.models import db

USERNAME = String(100)
PROCESS = String(100)
FILE_NAME = String(160)
CHANGES_SHOWN = 50


class FormDraft(db.Model):
    """The text of `forms/<process>/<file_name>` as last saved in the forms editor."""

    __tablename__ = "form_draft"
    __table_args__ = (UniqueConstraint("process", "file_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process: Mapped[str] = mapped_column(PROCESS)
    file_name: Mapped[str] = mapped_column(FILE_NAME)
    text: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(USERNAME)
    saved_at: Mapped[datetime] = mapped_column(default=clock.now)

    def __repr__(self) -> str:
        return f"<FormDraft {self.process}/{self.file_name} by {self.saved_by}>"


class FormDraftChange(db.Model):
    """One save ("saved") or discard ("discarded") of a form's draft, by whom and when."""

    __tablename__ = "form_draft_change"
    __table_args__ = (Index("ix_form_draft_change_form", "process", "file_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process: Mapped[str] = mapped_column(PROCESS)
    file_name: Mapped[str] = mapped_column(FILE_NAME)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(USERNAME)
    at: Mapped[datetime] = mapped_column(default=clock.now)


def draft_of(process: str, file_name: str) -> FormDraft | None:
    return db.session.scalar(select(FormDraft).where(FormDraft.process == process, FormDraft.file_name == file_name))


def drafts() -> list[FormDraft]:
    """Every draft, by process and name."""
    return list(db.session.scalars(select(FormDraft).order_by(FormDraft.process, FormDraft.file_name)))


def save_draft(process: str, file_name: str, text: str, actor: str) -> FormDraft:
    """Keep `text` as the form's draft (replacing any earlier one) and record the save; one transaction."""
    draft = draft_of(process, file_name)
    if draft is None:
        draft = FormDraft(process=process, file_name=file_name, text=text, saved_by=actor)
        db.session.add(draft)
    else:
        draft.text, draft.saved_by, draft.saved_at = text, actor, clock.now()
    db.session.add(FormDraftChange(process=process, file_name=file_name, action="saved", actor=actor))
    db.session.commit()
    return draft


def discard_draft(process: str, file_name: str, actor: str) -> bool:
    """Drop the form's draft and record the discard; False (and nothing recorded) when there was none."""
    removed = db.session.execute(delete(FormDraft).where(FormDraft.process == process,
                                                         FormDraft.file_name == file_name)).rowcount
    if removed:
        db.session.add(FormDraftChange(process=process, file_name=file_name, action="discarded", actor=actor))
    db.session.commit()
    return bool(removed)


def draft_changes(process: str, file_name: str) -> list[FormDraftChange]:
    """The form's saves and discards, newest first (the latest `CHANGES_SHOWN`)."""
    return list(db.session.scalars(
        select(FormDraftChange).where(FormDraftChange.process == process, FormDraftChange.file_name == file_name)
        .order_by(FormDraftChange.at.desc(), FormDraftChange.id.desc()).limit(CHANGES_SHOWN)))
