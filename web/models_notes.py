"""Staff-only notes on a request: comments and attachments (files in the content-addressed file store).

Both belong to the process instance, not to one task, so every task of the request shows them.
Neither is ever shown to the requester. Comments are never edited or deleted, by anyone: a
correction is a new comment, so the notes read as they were written. An attachment row names
one file of the store (`web/filestore.py`) by its sha256; the same bytes attached twice are
stored once but listed twice, each with who attached them and when.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from engine import clock
from web.filestore import StoredFile
from web.models import db

USERNAME = String(100)
COMMENT_MAX_CHARACTERS = 5000


class RequestComment(db.Model):
    """A note one member of staff wrote on a request, for colleagues only."""

    __tablename__ = "request_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    author: Mapped[str] = mapped_column(USERNAME)
    written_at: Mapped[datetime] = mapped_column(default=clock.now)
    text: Mapped[str] = mapped_column(Text)

    def __repr__(self) -> str:   # never the text: it may name the requester
        return f"<RequestComment {self.id} on instance {self.instance_id}>"


class RequestAttachment(db.Model):
    """A file attached to a request, from the task page or through a form's file field."""

    __tablename__ = "request_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]                                         # bytes
    attached_by: Mapped[str] = mapped_column(USERNAME)
    attached_at: Mapped[datetime] = mapped_column(default=clock.now)
    form_field: Mapped[str | None] = mapped_column(String(100), default=None)   # set when a form's file field brought it

    def __repr__(self) -> str:   # never the file name: it may name the requester
        return f"<RequestAttachment {self.id} on instance {self.instance_id}>"


def comments_on(instance_id: int) -> list[RequestComment]:
    """The request's comments, oldest first (so the newest is last, as a conversation reads)."""
    return list(db.session.scalars(select(RequestComment).where(RequestComment.instance_id == instance_id)
                                   .order_by(RequestComment.written_at, RequestComment.id)))


def attachments_of(instance_id: int) -> list[RequestAttachment]:
    """The request's attachments, in the order they were attached."""
    return list(db.session.scalars(select(RequestAttachment).where(RequestAttachment.instance_id == instance_id)
                                   .order_by(RequestAttachment.attached_at, RequestAttachment.id)))


def attachment_of(instance_id: int, attachment_id: int) -> RequestAttachment | None:
    """One attachment, only if it belongs to this request."""
    attachment = db.session.get(RequestAttachment, attachment_id)
    return attachment if attachment is not None and attachment.instance_id == instance_id else None


def add_comment(instance_id: int, author: str, text: str) -> RequestComment:
    comment = RequestComment(instance_id=instance_id, author=author, text=text)
    db.session.add(comment)
    db.session.commit()
    return comment


def add_attachments(instance_id: int, files: list[StoredFile], attached_by: str,
                    form_field: str | None = None) -> list[RequestAttachment]:
    """List `files` (already in the file store) on the request, in one commit; returns the new rows."""
    rows = [RequestAttachment(instance_id=instance_id, sha256=stored.sha256, filename=stored.filename,
                              content_type=stored.content_type, size=stored.size, attached_by=attached_by,
                              form_field=form_field) for stored in files]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def add_form_files(instance_id: int, files_by_field: dict[str, StoredFile], attached_by: str) -> None:
    """List the files a completed form named, each once per form field (a form done again with the
    same file, or a field showing a file kept from before, adds nothing)."""
    listed = {(each.form_field, each.sha256) for each in attachments_of(instance_id)}
    for form_field, stored in files_by_field.items():
        if (form_field, stored.sha256) not in listed:
            add_attachments(instance_id, [stored], attached_by, form_field=form_field)
