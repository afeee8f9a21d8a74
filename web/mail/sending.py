"""Delivering the outbox over SMTP: due rows in order, retried with backoff, failed after the last try.

A mail that cannot be sent now (server down, refused for the moment) is tried again after 1, 2,
4, ... minutes, at most an hour apart; after `max_attempts` tries it is marked failed and the
administrator sees it in `clerkflow mail status` (and can queue it again with `clerkflow mail
retry`). An address the server refuses outright fails at once. A status link is erased from its
row once the mail is sent or given up. Log lines carry row ids and error classes only: never an
address, a subject or a letter's text.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from web.mail.messages import link_paragraph, one_line
from web.mail.settings import MailSettings
from web.models_mail import FAILED, QUEUED, SENT, MailOutbox

log = logging.getLogger("clerkflow.mail")

BATCH = 100
MAX_BACKOFF = timedelta(hours=1)
# A row being sent is put this far ahead first, so a second sender (`clerkflow mail send` beside the
# scheduler) skips it; if the sender dies mid-send, the row is tried again after this long.
CLAIM = timedelta(minutes=10)


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    retrying: int = 0          # tried now, failed, will be tried again
    failed: int = 0            # given up now
    waiting: int = 0           # queued but not sent because no SMTP host is configured


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1, 2, 4, ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


def build_message(row: MailOutbox, settings: MailSettings, now: datetime) -> EmailMessage:
    """The row as an e-mail. EmailMessage refuses line breaks in headers, so nothing typed can add one."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = row.recipient
    message["Subject"] = one_line(row.subject, 300)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(idstring=f"mail{row.id}", domain=settings.sender_domain)
    message["Auto-Submitted"] = "auto-generated"      # RFC 3834: no out-of-office replies, please
    body = (link_paragraph(row.private_link) if row.private_link else "") + row.body
    message.set_content(body)
    return message


def connect(settings: MailSettings) -> smtplib.SMTP:
    """An SMTP session, secured and signed in as the settings say."""
    context = ssl.create_default_context()
    if settings.security == "ssl":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                    context=context)
    else:
        connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            connection.starttls(context=context)
    if settings.username:
        connection.login(settings.username, settings.password)
    return connection


def waiting_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(MailOutbox).where(MailOutbox.status == QUEUED)) or 0


def send_due(session: Session, settings: MailSettings, now: datetime, *, batch: int = BATCH) -> Delivery:
    """Send the queued mail that is due by `now` (oldest first); commits after each row."""
    if not settings.configured:
        return Delivery(waiting=waiting_count(session))
    due = session.scalars(select(MailOutbox).where(MailOutbox.status == QUEUED, MailOutbox.next_attempt_at <= now)
                          .order_by(MailOutbox.id).limit(batch)).all()
    if not due:
        return Delivery()
    try:
        connection = connect(settings)
    except (OSError, smtplib.SMTPException) as err:
        log.warning("cannot reach the SMTP server (%s); %d mail(s) wait for the next try", type(err).__name__,
                    len(due))
        outcomes = [_try_failed(row, err, settings, now) for row in due]
        session.commit()
        return Delivery(retrying=outcomes.count(QUEUED), failed=outcomes.count(FAILED))
    sent = retrying = failed = 0
    try:
        for row in due:
            if not _claim(session, row, now):
                continue
            try:
                connection.send_message(build_message(row, settings, now))
            except smtplib.SMTPRecipientsRefused as err:      # the address itself is refused: trying again won't help
                row.attempts += 1
                _give_up(row, err)
                failed += 1
            except smtplib.SMTPServerDisconnected as err:
                outcome = _try_failed(row, err, settings, now)
                session.commit()
                retrying, failed = retrying + (outcome == QUEUED), failed + (outcome == FAILED)
                log.warning("the SMTP server closed the connection; the rest waits for the next try")
                break
            except (OSError, smtplib.SMTPException) as err:
                outcome = _try_failed(row, err, settings, now)
                retrying, failed = retrying + (outcome == QUEUED), failed + (outcome == FAILED)
            else:
                row.status, row.sent_at, row.private_link, row.last_error = SENT, now, None, None
                row.attempts += 1
                sent += 1
                log.info("mail %s sent (%s)", row.id, row.kind)
            session.commit()
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
    return Delivery(sent=sent, retrying=retrying, failed=failed)


def _claim(session: Session, row: MailOutbox, now: datetime) -> bool:
    """Take the row for this sender; False when another sender took or sent it since it was read."""
    claimed = session.execute(update(MailOutbox).where(
        MailOutbox.id == row.id, MailOutbox.status == QUEUED, MailOutbox.attempts == row.attempts,
        MailOutbox.next_attempt_at <= now).values(next_attempt_at=now + CLAIM)).rowcount
    session.commit()
    return claimed == 1


def _try_failed(row: MailOutbox, err: BaseException, settings: MailSettings, now: datetime) -> str:
    row.attempts += 1
    row.last_error = type(err).__name__[:200]
    if row.attempts >= settings.max_attempts:
        _give_up(row, err)
        return FAILED
    row.next_attempt_at = now + backoff(row.attempts)
    log.info("mail %s: try %d failed (%s); next try in %s", row.id, row.attempts, row.last_error,
             backoff(row.attempts))
    return QUEUED


def _give_up(row: MailOutbox, err: BaseException) -> None:
    row.status, row.private_link = FAILED, None
    row.last_error = type(err).__name__[:200]
    log.warning("mail %s failed for good after %d tries (%s)", row.id, row.attempts, row.last_error)
