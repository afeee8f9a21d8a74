"""Filing a records request: the one way a request starts, whether the requester sends the portal's form
(`web/portal/views.py`) or staff enter a request received by mail, telephone, e-mail, fax or at the counter
(`web/inbox/intake.py`).

Both read the same form, the start form of the deployed `records_request` (name, address and what
identifies the records, and nothing more: K.S.A. 45-220(b)), with the same checks, and both start the
process the same way: numbered R-YYYY-NNNNN, `received_at` with the city's offset (the K.S.A. 45-218(d)
deadline counts from its day), `received_via` (how it came), a requester access row keeping only the hash
of the private status link, and the acknowledgement mailed with that link when an e-mail address was given.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from city.rules.business_calendar import CITY_TIME_ZONE
from engine import FormInvalid, InstanceView
from web.current import process_engine
from web.inbox.form_values import coerce_submission
from web.inbox.forms import FormField, fields_of
from web.mail import messages as mail_messages
from web.mail import queue as queue_mail
from web.mail import valid_email_address
from web.mail.outbox import letter_key
from web.mail.settings import MailSettingsInvalid, mail_settings
from web.models import db
from web.models_portal import RequesterAccess

log = logging.getLogger(__name__)

PROCESS_KEY = "records_request"
INTAKE_FORM = "request.schema.json"        # the form of the process's start event, "Request received"
INTAKE_UI_FORM = "request.ui.json"         # its widgets and order, when the analysts give one
TRACKING_PREFIX = "R"
EMAIL_FIELD = "email"                      # optional: where the letters are e-mailed (docs/mail.md)
OFFICE_FIELD = "office_key"                # optional: the office that keeps the records (empty: the City Clerk)
SUBMISSION_FIELD = "submission_id"         # hidden: the form's own id, so that sending it twice files it once
SUBMISSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
# How a request reached the city (`received_via`): the portal's own, and the ways staff enter one.
ONLINE = "online"
RECEIPT_CHANNELS = (("counter", "At the counter"), ("mail", "By mail"), ("telephone", "By telephone"),
                    ("email", "By e-mail"), ("fax", "By fax"))
CHANNEL_LABELS = {ONLINE: "Online, through the portal", **dict(RECEIPT_CHANNELS)}
WEEKDAYS = (("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
            ("fri", "Friday"), ("sat", "Saturday"), ("sun", "Sunday"))


@dataclass(frozen=True)
class Office:
    key: str
    name: str
    hours: tuple[tuple[str, str], ...]     # (days, hours): ("Monday to Friday", "08:00–17:00")


@dataclass(frozen=True)
class RequestForm:
    """The start form of the deployed records request, and the fields the pages draw from it."""
    schema: dict[str, Any]
    fields: list[FormField]


@dataclass(frozen=True)
class ReadRequest:
    typed: dict[str, str]              # as typed, to show the form again
    submission: dict[str, Any]         # the form's values, for the process
    office_key: str | None
    email: str | None
    field_errors: dict[str, str]       # by input name; {} when the request may be filed


@dataclass(frozen=True)
class FiledRequest:
    instance: InstanceView
    access: RequesterAccess
    token: str                         # the private status link's token: shown once, never stored


def request_form() -> RequestForm | None:
    """The start form of the deployed records request; None when the process is not deployed."""
    engine = process_engine()
    schema = engine.latest_form(PROCESS_KEY, INTAKE_FORM)
    if not schema:
        return None
    return RequestForm(schema, fields_of(schema, engine.latest_form(PROCESS_KEY, INTAKE_UI_FORM)))


def read_request(form: RequestForm, offices: list[Office], posted: Mapping[str, str]) -> ReadRequest:
    """The request form as sent, checked as the process's form says, with the office and e-mail address."""
    typed = {form_field.name: posted.get(form_field.name, "") for form_field in form.fields}
    typed[OFFICE_FIELD] = posted.get(OFFICE_FIELD, "")
    typed[EMAIL_FIELD] = posted.get(EMAIL_FIELD, "").strip()
    submission, field_errors = coerce_submission(form.fields, posted)
    try:
        process_engine().check_start(PROCESS_KEY, submission)     # the form, and the city's start rules
    except FormInvalid as invalid:
        field_errors = {**invalid.field_errors, **field_errors}
    office_key = typed[OFFICE_FIELD] or None
    if office_key is not None and office_key not in {office.key for office in offices}:
        field_errors[OFFICE_FIELD] = "choose one of the offices, or \"I don't know\""
    email = valid_email_address(typed[EMAIL_FIELD]) if typed[EMAIL_FIELD] else None
    if typed[EMAIL_FIELD] and email is None:
        field_errors[EMAIL_FIELD] = ("cannot be written to: an address looks like name@example.com. Correct it, or "
                                     "leave the field empty")
    return ReadRequest(typed, submission, office_key, email, field_errors)


def file_request(read: ReadRequest, *, received_at: datetime, received_via: str, actor: str,
                 received_by: str | None = None, submission_id: str | None = None) -> FiledRequest:
    """Start the records request and give its requester a private link (mailed with the acknowledgement
    when they gave an address), in one commit. `received_at` is aware; `received_by` is whoever took it.

    `submission_id` is the form's own (`submitted_id`): the same form sent twice (a double click, a
    resubmission after a slow answer) files one request and answers it both times, with the same link."""
    data = {**read.submission, "received_at": received_at.astimezone(CITY_TIME_ZONE).isoformat(),
            OFFICE_FIELD: read.office_key, "received_via": received_via}
    if received_by:
        data["received_by"] = received_by
    start_key = hashlib.sha256(f"records request {submission_id}".encode()).hexdigest() if submission_id else None
    instance = process_engine().start_instance(PROCESS_KEY, data, actor=actor, tracking_prefix=TRACKING_PREFIX,
                                               start_key=start_key)
    token = private_link_token(submission_id)
    access = _access_of(instance.instance_id)
    if access is not None:      # the form was sent before: the request it filed, with the same link
        log.info("request %s was sent again (instance %s); filed once", instance.business_key, instance.instance_id)
        return FiledRequest(instance, access, token)
    access = RequesterAccess(tracking_number=instance.business_key, instance_id=instance.instance_id,
                             token_hash=token_hash(token), email=read.email)
    db.session.add(access)
    if read.email:
        _queue_receipt(access, token)
    try:
        db.session.commit()
    except IntegrityError:      # the same form, sent twice at once: the other one gave the link
        db.session.rollback()
        access = _access_of(instance.instance_id)
        if access is None:
            raise
        return FiledRequest(instance, access, token)
    log.info("request %s filed (instance %s, %s)", instance.business_key, instance.instance_id, received_via)
    return FiledRequest(instance, access, token)


def new_submission_id() -> str:
    """The id a request form carries (a hidden field), so that sending it twice files it once."""
    return secrets.token_urlsafe(24)


def submitted_id(posted: Mapping[str, str]) -> str | None:
    """The form's submission id as sent; None when it is missing or not one the form could carry."""
    value = posted.get(SUBMISSION_FIELD, "")
    return value if SUBMISSION_ID.fullmatch(value) else None


def private_link_token(submission_id: str | None) -> str:
    """The token of the private status link a filed form gives (shown once, only its hash stored): the same for
    each sending of one form, so a double submit answers with one link; a random one for a form without an id."""
    return _link_token(submission_id) if submission_id else secrets.token_urlsafe(32)


def _link_token(submission_id: str) -> str:
    """The private link's token of the request this form files: the same for each sending of the form, and
    made with the app's secret key, so that nobody who lacks the form's id and the key can work it out."""
    key = current_app.secret_key
    digest = hmac.new(key.encode() if isinstance(key, str) else key, f"status link {submission_id}".encode(),
                      hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def _access_of(instance_id: int) -> RequesterAccess | None:
    return db.session.scalars(select(RequesterAccess).where(RequesterAccess.instance_id == instance_id)).first()


def _queue_receipt(access: RequesterAccess, token: str) -> None:
    """The requester's first mail, in the same transaction as their access row: the acknowledgement letter
    with the private link (or the link alone if no acknowledgement is written yet). The letter's key is the
    one the dispatcher uses, so the acknowledgement is not mailed a second time without the link."""
    link = status_link(token)
    acknowledgement = next((event.changes["acknowledgement_letter"]
                            for event in process_engine().audit_trail(access.instance_id)
                            if isinstance(event.changes.get("acknowledgement_letter"), dict)
                            and event.changes["acknowledgement_letter"].get("text")), None)
    if acknowledgement is not None:
        letter_subject, text = str(acknowledgement.get("subject") or ""), str(acknowledgement["text"])
        subject, body = mail_messages.letter_mail(access.tracking_number, letter_subject, text)
        key = letter_key(access.instance_id, "acknowledgement_letter", letter_subject, text)
    else:
        subject, body = mail_messages.receipt_mail(access.tracking_number)
        key = f"link:{access.tracking_number}:{access.token_hash[:16]}"
    queue_mail(db.session, kind="letter" if acknowledgement else "status_link", dedupe_key=key,
               recipient=access.email or "", subject=subject, body=body, private_link=link,
               instance_id=access.instance_id, commit=False)


def status_link(token: str) -> str:
    """The requester's private status link, on the site's public address (the mail settings in force,
    web.mail.settings) when one is set, else on the address asked for: staff may work on an inner address."""
    return public_link(url_for("portal.status", token=token))


def public_link(path: str) -> str:
    """An absolute link for a requester: on the site's public address when one is set, else on the address asked for."""
    try:
        base = mail_settings(current_app.config, db.session).public_base_url
    except MailSettingsInvalid:        # a bad CLERKFLOW_SMTP_* setting must not stop a request being filed
        base = ""
    return f"{base or request.url_root.rstrip('/')}{path}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- the offices a request may name --------------------------------------------------------------

def offices_of(settings: Mapping[str, Any]) -> list[Office]:
    register = settings.get("custodian_register", {})
    return sorted((Office(key, entry["name"], _hours_in_words(entry.get("hours") or {}))
                   for key, entry in register.items()), key=lambda office: office.name)


def _hours_in_words(hours: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Days with the same hours run together: (("Monday to Friday", "08:00–17:00"), ("Saturday", "closed"))."""
    groups: list[tuple[list[str], str]] = []
    for key, name in WEEKDAYS:
        spans = ", ".join(f"{start}–{end}" for start, end in hours.get(key) or []) or "closed"
        if groups and groups[-1][1] == spans:
            groups[-1][0].append(name)
        else:
            groups.append(([name], spans))
    return tuple((days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}", spans) for days, spans in groups)
