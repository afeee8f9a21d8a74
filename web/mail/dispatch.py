"""Deciding who gets which mail: read what happened since the last look, queue what is owed.

Requesters who gave an e-mail address get the letters the issue names (acknowledgement, fee
estimate, prepayment demand, 72-hour privacy notice, delay explanation, denial, pending-litigation
denial), the statement of grounds, and a short notice when the records are provided. Staff get a
mail for each new task in one of their roles ("immediate") or one list a day at the digest hour
("digest"). The dispatcher reads what happened through the engine (its audit trail and new tasks)
and writes the outbox; the engine's write path never waits on mail.

Cursors: the last audit event, task and access row looked at. Each look re-reads a few rows
behind the cursor (OVERLAP), because on PostgreSQL a transaction that took a lower id can commit
after one with a higher id; the outbox's unique key makes the second look harmless.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from city.rules.business_calendar import CITY_TIME_ZONE
from web.mail import messages
from web.mail.outbox import already_queued, letter_key, queue
from web.mail.settings import MailSettings
from web.models import StaffAccount
from web.models_mail import MailCursor
from web.models_portal import RequesterAccess

OVERLAP = 50
# Tasks behind the cursor are looked at again only while this new, so a person who just got an e-mail
# address is not mailed about the older tasks the re-read happens to cover.
OVERLAP_WINDOW = timedelta(minutes=10)
DIGEST_LIMIT = 50
# The letters mailed to the requester (issue 5), by the variable the process keeps each in.
MAILED_LETTERS = ("acknowledgement_letter", "fee_estimate_letter", "prepayment_demand_letter",
                  "privacy_notice_letter", "delay_letter", "pending_litigation_letter", "denial_letter",
                  "statement_letter", "decision_letter", "appeal_refusal_letter", "takedown_outcome_letter")
# The letters of a data privacy complaint (processes/privacy_complaint.bpmn) and of a report on a published data
# set (processes/dataset_takedown.bpmn), mailed like a request's; what the mail calls the case.
CASE_WORDS = {"decision_letter": "data privacy complaint", "appeal_refusal_letter": "data privacy complaint",
              "takedown_outcome_letter": "report on a published data set"}
IMMEDIATE, DIGEST, NONE = "immediate", "digest", "none"


@dataclass(frozen=True)
class Dispatched:
    letters: int = 0
    task_notices: int = 0
    digests: int = 0

    @property
    def total(self) -> int:
        return self.letters + self.task_notices + self.digests


def dispatch(session: Session, settings: MailSettings, now: datetime, *, engine, work_roles) -> Dispatched:
    """Queue every mail owed since the last call. `engine` reads what happened and lists tasks;
    `work_roles(account)` gives a person's roles (their account's plus the offices whose register
    names them custodian)."""
    return Dispatched(letters=queue_requester_mail(session, now, engine),
                      task_notices=queue_task_notices(session, settings, now, engine, work_roles),
                      digests=queue_digests(session, settings, now, engine, work_roles))


# -- requesters ---------------------------------------------------------------------------------

def queue_requester_mail(session: Session, now: datetime, engine) -> int:
    audit_top = engine.latest_event_id()
    access_top = session.scalar(select(func.max(RequesterAccess.id))) or 0
    audit_from, access_from = _cursor(session, "audit_event"), _cursor(session, "requester_access")
    queued = 0
    # A request whose access row is new: its whole history (the row may have been written after its first events).
    new_accesses = session.scalars(select(RequesterAccess).where(
        RequesterAccess.id > access_from, RequesterAccess.id <= access_top,
        RequesterAccess.email.is_not(None))).all()
    for access in new_accesses:
        events = engine.variable_changes(upto=audit_top, instance_ids=[access.instance_id])
        queued += sum(_queue_for_event(session, _mail_target(access), event.changes, now) for event in events)
    # Every request with an address: what happened since the last look.
    events = engine.variable_changes(after=max(0, audit_from - OVERLAP), upto=audit_top)
    targets = _mail_targets(session, {event.instance_id for event in events})
    for event in events:
        for target in targets.get(event.instance_id, ()):
            queued += _queue_for_event(session, target, event.changes, now)
    _move_cursor(session, "audit_event", audit_top)
    _move_cursor(session, "requester_access", access_top)
    _commit_cursors(session)
    return queued


def _mail_targets(session: Session, instance_ids: set[int]) -> dict[int, list[tuple[int, str, str]]]:
    """Each request's requester addresses, by instance."""
    targets: dict[int, list[tuple[int, str, str]]] = {}
    if instance_ids:
        for access in session.scalars(select(RequesterAccess).where(
                RequesterAccess.instance_id.in_(instance_ids), RequesterAccess.email.is_not(None))
                .order_by(RequesterAccess.id)):
            targets.setdefault(access.instance_id, []).append(_mail_target(access))
    return targets


def _mail_target(access: RequesterAccess) -> tuple[int, str, str]:
    return access.instance_id, access.tracking_number, access.email or ""


def _queue_for_event(session: Session, target: tuple[int, str, str], changes: dict[str, Any] | None,
                     now: datetime) -> int:
    instance_id, tracking_number, email = target
    changes = changes or {}
    queued = 0
    for variable in MAILED_LETTERS:
        value = changes.get(variable)
        if not (isinstance(value, dict) and value.get("text")):
            continue
        letter_subject, text = str(value.get("subject") or ""), str(value["text"])
        subject, body = messages.letter_mail(tracking_number, letter_subject, text,
                                             CASE_WORDS.get(variable, "records request"))
        queued += queue(session, kind="letter", dedupe_key=letter_key(instance_id, variable, letter_subject, text),
                        recipient=email, subject=subject, body=body, instance_id=instance_id, now=now)
    if changes.get("provided_on"):
        subject, body = messages.records_provided_mail(tracking_number, str(changes["provided_on"]),
                                                       released=len(changes.get("released_records") or []))
        queued += queue(session, kind="letter", dedupe_key=f"provided:{instance_id}", recipient=email,
                        subject=subject, body=body, instance_id=instance_id, now=now)
    return queued


# -- staff ----------------------------------------------------------------------------------------

def _staff_to_notify(session: Session, preference: str) -> list[StaffAccount]:
    return list(session.scalars(select(StaffAccount).where(
        StaffAccount.active.is_(True), StaffAccount.email.is_not(None), StaffAccount.email != "",
        StaffAccount.notify == preference).order_by(StaffAccount.id)))


def queue_task_notices(session: Session, settings: MailSettings, now: datetime, engine, work_roles) -> int:
    """One mail per new open task to each person with "immediate" whose roles the task's lane names."""
    top = engine.latest_task_id()
    start = _cursor(session, "human_task")
    queued = 0
    accounts = _staff_to_notify(session, IMMEDIATE)
    if accounts and top > start:
        tasks = [task_id for task_id, created_at in engine.open_tasks_created(after=max(0, start - OVERLAP), upto=top)
                 if task_id > start or created_at >= now - OVERLAP_WINDOW]
        views = [engine.get_task(task_id) for task_id in tasks]   # the view carries the request's number and title
        for account in accounts:
            roles = work_roles(account)
            for task in views:
                # A task whose lane names no role is anyone's work: it is in the digest, not worth a mail each.
                if task.candidate_role in roles or task.assignee == account.username:
                    subject, body = messages.task_mail(task, settings.link(f"/inbox/tasks/{task.task_id}"),
                                                       settings.link("/account/notifications"))
                    queued += queue(session, kind="task", dedupe_key=f"task:{task.task_id}",
                                    recipient=account.email, subject=subject, body=body,
                                    instance_id=task.instance_id, now=now)
    _move_cursor(session, "human_task", top)
    _commit_cursors(session)
    return queued


def queue_digests(session: Session, settings: MailSettings, now: datetime, engine, work_roles) -> int:
    """Once a day, from the digest hour (city time): each "digest" person's open tasks, if they have any."""
    city_now = now.astimezone(CITY_TIME_ZONE)
    if city_now.hour < settings.digest_hour:
        return 0
    day = city_now.date()
    queued = 0
    for account in _staff_to_notify(session, DIGEST):
        key = f"digest:{account.id}:{day.isoformat()}"
        if already_queued(session, key, account.email):
            continue
        choice = {"roles": set(work_roles(account)), "also_assigned_to": account.username}
        tasks = engine.list_tasks(**choice, limit=DIGEST_LIMIT)
        if not tasks:
            continue
        total = engine.count_tasks(**choice)
        subject, body = messages.digest_mail(day, tasks, total,
                                             [settings.link(f"/inbox/tasks/{task.task_id}") for task in tasks],
                                             settings.link("/inbox"), settings.link("/account/notifications"))
        queued += queue(session, kind="digest", dedupe_key=key, recipient=account.email, subject=subject,
                        body=body, now=now)
    return queued


# -- cursors --------------------------------------------------------------------------------------

def _cursor(session: Session, name: str) -> int:
    return session.scalar(select(MailCursor.position).where(MailCursor.name == name)) or 0


def _move_cursor(session: Session, name: str, position: int) -> None:
    row = session.get(MailCursor, name)
    if row is None:
        session.add(MailCursor(name=name, position=position))
    elif position > row.position:
        row.position = position


def _commit_cursors(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError:   # another dispatcher wrote the first cursor row at the same moment: its look counts
        session.rollback()
