"""Mail: the outbox of notifications and the dispatcher's cursors (issue 5, "Letters and mail").

`mail_outbox` holds every mail Clerkflow means to send, one row per mail and recipient. Its
`dedupe_key` names what the mail is about ("letter:<instance>:<variable>:<hash>",
"task:<task id>", "digest:<account>:<day>", ...); the unique (dedupe_key, recipient) pair is
what keeps a letter from being mailed twice however often the dispatcher looks. A private
status link travels in `private_link`, not in the body, and is erased once the mail is sent
or given up (docs/mail.md). `mail_cursor` keeps how far the dispatcher has read the audit
trail, the open tasks and the requesters' access rows. `mail_server` is the mail server an
administrator set on the Settings page (one row), used when the environment names no
CLERKFLOW_SMTP_HOST; its password is kept only encrypted (web/mail/settings.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine import clock
from web.models import db

EMAIL_ADDRESS = String(320)     # RFC 3696's longest address
MAIL_SERVER_ROW = 1             # the one row of `mail_server`

QUEUED, SENT, FAILED = "queued", "sent", "failed"


class MailOutbox(db.Model):
    """One mail to one recipient: queued until sent, or failed after the last attempt."""

    __tablename__ = "mail_outbox"
    __table_args__ = (UniqueConstraint("dedupe_key", "recipient"),
                      Index("ix_mail_outbox_status_next_attempt", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))            # letter, status_link, task, digest
    dedupe_key: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(EMAIL_ADDRESS)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    private_link: Mapped[str | None] = mapped_column(String(500), default=None)
    instance_id: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    next_attempt_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)   # the error's class, never its text

    def __repr__(self) -> str:   # never the address or the text
        return f"<MailOutbox {self.id} {self.kind} {self.status}>"


class MailCursor(db.Model):
    """How far the dispatcher has read one source: the last row id it has looked at."""

    __tablename__ = "mail_cursor"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)    # audit_event, human_task, requester_access
    position: Mapped[int] = mapped_column(default=0)


class MailServer(db.Model):
    """The mail server set on the Settings page: one row (MAIL_SERVER_ROW), replaced in place on each save."""

    __tablename__ = "mail_server"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(253))               # empty: mail waits in the outbox
    port: Mapped[int | None] = mapped_column(default=None)       # empty: the security's usual port
    security: Mapped[str] = mapped_column(String(10))            # none, starttls, ssl
    username: Mapped[str] = mapped_column(String(200))
    sender: Mapped[str] = mapped_column(String(400))             # "City Clerk <clerk@city.example>"
    public_base_url: Mapped[str] = mapped_column(String(500))
    password_encrypted: Mapped[str | None] = mapped_column(Text, default=None)   # a Fernet token, never the text
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by: Mapped[str] = mapped_column(String(100))         # the administrator's username

    def __repr__(self) -> str:   # never the password, not even encrypted
        return f"<MailServer {self.host!r}:{self.port} {self.security}>"
