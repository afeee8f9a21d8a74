"""What passes between the office and the requester outside the letters: questions staff ask, the
requester's answers, the requester's withdrawal, and each download of a record released online.

Clarifications are correspondence, not steps of the process: Art. 6 (b)(3) has the custodian help
identify a record that is not described well enough ("Help identify the record" carries that in the
diagram), and neither Art. 6 nor K.S.A. 45-218(d) stops the three-business-day clock while the
office waits for an answer, so the request's deadline keeps running and nothing in the diagram waits.
Like the staff notes (`web/models_notes.py`), a message belongs to the request (the process
instance), so every task page of it shows the conversation; unlike them, the requester sees it on
the status page. Messages are never edited or deleted.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from engine import clock
from web.models import db

USERNAME = String(100)
MESSAGE_MAX_CHARACTERS = 5000
REQUESTER = "requester"          # the author of what comes through the status link: we know no more of them
ASKED, ANSWERED, WITHDRAWN = "asked", "answered", "withdrawn"


class RequesterMessage(db.Model):
    """One message between the office and the requester: asked (by staff), answered or withdrawn (by the requester)."""

    __tablename__ = "requester_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    author: Mapped[str] = mapped_column(USERNAME)
    written_at: Mapped[datetime] = mapped_column(default=clock.now)
    text: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[int | None] = mapped_column(default=None)    # the task a question was asked from
    answers_id: Mapped[int | None] = mapped_column(ForeignKey("requester_message.id"), default=None)

    def __repr__(self) -> str:   # never the text: it may name the requester
        return f"<RequesterMessage {self.id} {self.kind} on instance {self.instance_id}>"


class RecordsDownload(db.Model):
    """The requester downloaded one of the records released online (who: whoever held the status link)."""

    __tablename__ = "records_download"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    downloaded_at: Mapped[datetime] = mapped_column(default=clock.now)

    def __repr__(self) -> str:   # never the file name: it may name the requester
        return f"<RecordsDownload {self.id} on instance {self.instance_id}>"


def messages_on(instance_id: int) -> list[RequesterMessage]:
    """The request's correspondence, oldest first."""
    return list(db.session.scalars(select(RequesterMessage).where(RequesterMessage.instance_id == instance_id)
                                   .order_by(RequesterMessage.written_at, RequesterMessage.id)))


def withdrawn_among(instance_ids: list[int]) -> set[int]:
    """Which of these requests their requester withdrew (the instance list and page say so beside "terminated")."""
    if not instance_ids:
        return set()
    return set(db.session.scalars(db.select(RequesterMessage.instance_id).where(
        RequesterMessage.instance_id.in_(instance_ids), RequesterMessage.kind == WITHDRAWN)))


def open_question(instance_id: int) -> RequesterMessage | None:
    """The latest question not answered yet, if any."""
    messages = messages_on(instance_id)
    answered = {message.answers_id for message in messages if message.kind == ANSWERED}
    return next((message for message in reversed(messages) if message.kind == ASKED and message.id not in answered),
                None)


def add_message(instance_id: int, kind: str, author: str, text: str = "", *, task_id: int | None = None,
                answers_id: int | None = None, commit: bool = True) -> RequesterMessage:
    message = RequesterMessage(instance_id=instance_id, kind=kind, author=author, text=text, task_id=task_id,
                               answers_id=answers_id)
    db.session.add(message)
    if commit:
        db.session.commit()
    return message


def downloads_of(instance_id: int) -> list[RecordsDownload]:
    return list(db.session.scalars(select(RecordsDownload).where(RecordsDownload.instance_id == instance_id)
                                   .order_by(RecordsDownload.downloaded_at, RecordsDownload.id)))


def record_download(instance_id: int, sha256: str, filename: str) -> None:
    db.session.add(RecordsDownload(instance_id=instance_id, sha256=sha256, filename=filename))
    db.session.commit()
