"""Task page: the request's correspondence with the requester (web/portal/correspondence.py says what it
means): ask the requester a question, read their answers, see what was released online and each
download, and that the requester withdrew the request.

Only a records request has this correspondence (its status page carries the questions, the answers, the
released records and the withdrawal); a task of any other process (a data set's review, a report on a published
data set, a privacy complaint) shows none of it, and a question posted on one is refused.

Whoever may open a task of the request may ask. The question is shown on the requester's status page and,
when they gave an e-mail address, mailed to them (with where to answer: the mail never carries the status
link, which only the requester holds). Nothing here logs the text of a message or a file's name.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from web.auth import staff_only
from web.current import process_engine, signed_in_staff
from web.inbox.assignment import visible_task
from web.inbox.blueprint import bp
from web.inbox.history import HistoryEntry
from web.inbox.views import _task_page   # a refused question shows the task page again
from web.mail import messages as mail_messages
from web.mail import queue as queue_mail
from web.models import db
from web.models_correspondence import (ASKED, MESSAGE_MAX_CHARACTERS, RecordsDownload, RequesterMessage,
                                       add_message, downloads_of, messages_on, open_question)
from web.models_portal import RequesterAccess
from web.portal.correspondence import Released, message_problem, released_records, request_data, staff_words
from web.portal.filing import PROCESS_KEY as RECORDS_REQUEST
from web.portal.filing import public_link

log = logging.getLogger(__name__)

# The processes whose requester corresponds with the office through the status page (web/portal/requester.py).
CORRESPONDING_PROCESSES = frozenset({RECORDS_REQUEST})


@dataclass(frozen=True)
class Correspondence:
    """What the task page shows of the requester's side of the request."""
    messages: list[RequesterMessage]
    question: RequesterMessage | None
    released: list[Released]
    released_to: str                  # the requester's name, as the request gives it
    downloads: list[RecordsDownload]
    emailed: bool                     # the requester gave an e-mail address
    has_status_link: bool             # filed online or entered by staff: the requester has a status page
    message_limit: int = MESSAGE_MAX_CHARACTERS


@bp.app_template_global()
def has_requester_correspondence(process_key: str) -> bool:
    """Whether a task of `process_key` shows the messages with the requester (a records request's)."""
    return process_key in CORRESPONDING_PROCESSES


@bp.app_template_global()
def requester_correspondence(instance_id: int) -> Correspondence:
    engine = process_engine()
    access = _access_of(instance_id)
    data = request_data(engine, instance_id)
    return Correspondence(messages_on(instance_id), open_question(instance_id),
                          released_records(engine.audit_trail(instance_id)), str(data.get("requester_name") or ""),
                          downloads_of(instance_id), bool(access and access.email), access is not None)


@bp.app_template_global()
def with_correspondence(entries: list[HistoryEntry], instance_id: int) -> list[HistoryEntry]:
    """The request's history with each message asked, answered or withdrawn in its place."""
    messages = [HistoryEntry(message.written_at, message.author, staff_words(message), None, detail=message.text)
                for message in messages_on(instance_id)]
    return sorted([*entries, *messages], key=lambda entry: entry.at)


@bp.post("/tasks/<int:task_id>/ask")
@staff_only
def ask(task_id: int):
    task = visible_task(task_id)
    access = _access_of(task.instance_id)
    text = request.form.get("question", "")
    problem = message_problem(text)
    if not has_requester_correspondence(task.process_key):
        problem = "Only a records request's requester is asked questions here; this case has no such messages."
    elif access is None:
        problem = "This request has no status page, so the requester cannot read a question there: call or write."
    elif not process_engine().get_instance(task.instance_id).running:
        problem = "This request has ended; there is nothing left to ask about."
    if problem:
        return _task_page(task, notes_error=problem.replace("Write your answer first.", "Write your question first."),
                          status=422)
    message = add_message(task.instance_id, ASKED, signed_in_staff().username, text.strip(), task_id=task_id)
    if access.email:
        subject, body = mail_messages.question_mail(access.tracking_number, message.text,
                                                    public_link(url_for("portal.lost_link")))
        queue_mail(db.session, kind="letter", dedupe_key=f"asked:{message.id}", recipient=access.email,
                   subject=subject, body=body, instance_id=task.instance_id)
    log.info("inbox: a question was asked of the requester of instance %s", task.instance_id)
    flash("Your question was sent to the requester." + (" They were e-mailed too." if access.email else ""), "info")
    return redirect(url_for(".task", task_id=task_id, _anchor="correspondence"))


def _access_of(instance_id: int) -> RequesterAccess | None:
    return db.session.scalars(select(RequesterAccess).where(RequesterAccess.instance_id == instance_id)).first()
