"""Public pages for people asking for records: parse the request, call the engine, render.

Every view here is `@public`. The status page is found only by the sha256 of the token in the
requester's link; there is no lookup by tracking number. Nothing a requester types is logged.
"""
from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import FormInvalid, clock
from city.rules.business_calendar import CITY_TIME_ZONE
from city.message_rules import PAYMENT_RECEIVED
from city.rules.fees import prepayment_outstanding
from web.current import city_data, process_engine
from web.auth import public
from web.formatting import money
from web.filestore import human_size
from web.models import db
from web.letter_pdf import Letterhead, file_name, letterhead_from, render_letter_pdf
from web.mail import messages as mail_messages
from web.mail import queue as queue_mail
from web.mail import valid_email_address
from web.mail.outbox import same_address
from web.models_correspondence import MESSAGE_MAX_CHARACTERS, WITHDRAWN, RequesterMessage, messages_on, open_question
from web.models_portal import RequesterAccess
from web.portal.correspondence import Released, may_withdraw, released_records, requester_words
from web.portal.blueprint import bp
from web.portal.filing import (EMAIL_FIELD, ONLINE, file_request, new_submission_id, offices_of, public_link,
                               read_request, request_form, submitted_id, token_hash)
from web.portal.filing import PROCESS_KEY  # noqa: F401  (web.inbox.payments reads it here)
from web.portal.filing import TRACKING_PREFIX
from web.portal.public_case import status_page_of
from web.portal.receipt import kept_receipt, keep_receipt, receipt_minutes
from web.throttle import attempts_within, client_address, count_attempt

log = logging.getLogger(__name__)

TRACKING_NUMBER_SHAPE = re.compile(r"^[A-Z]{1,5}-\d{4}-\d{1,10}$")
ACTOR = "portal"
RECEIPT_KEY = "portal_receipt"             # session: the new request's link, for a while (web.portal.receipt)
SUBMISSIONS_PER_HOUR = 5                   # CLERKFLOW_PORTAL_SUBMISSIONS_PER_HOUR overrides
LINK_REQUESTS_PER_HOUR = 5                 # CLERKFLOW_PORTAL_LINK_REQUESTS_PER_HOUR overrides
# The letters a request keeps (docs/records-request.md, "What a request keeps"), as the requester reads them.
LETTER_EVENTS = {
    "acknowledgement_letter": "We acknowledged your request",
    "referral_letter": "Your request was passed on to the office that holds the records",
    "fee_estimate_letter": "We sent you an estimate of the fees",
    "prepayment_demand_letter": "We asked for a prepayment",
    "privacy_notice_letter": "We told you of the 72-hour privacy waiting period",
    "pending_litigation_letter": "Inspection was denied until a court decides",
    "denial_letter": "We denied the request, in whole or in part",
    "delay_letter": "We explained a delay",
    "statement_letter": "We sent the statement of the grounds for denial",
}


# -- the front page: how to ask -----------------------------------------------------------------

@public
def home():
    """`/`: how to request records, from the city data in force today (registered as the endpoint `home`)."""
    settings = city_data()()
    today = clock.now().astimezone(CITY_TIME_ZONE).date()
    closures = sorted(day for day in settings.get("city_closures", ()) if day >= today)[:10]
    return render_template("portal/home.html", schedule=settings["fee_schedule"], offices=offices_of(settings),
                           closures=closures)


# -- the request form ---------------------------------------------------------------------------

@bp.route("/request", methods=["GET", "POST"])
@public
def new_request():
    form = _intake_form()
    offices = offices_of(city_data()())
    if request.method == "GET":
        return _form_page(form, offices, {}, {})
    if _over_the_limit():
        abort(429, description=f"This connection has already filed {_limit()} requests in the last hour. "
                               "Please wait an hour and try again, or call or visit the City Clerk's office.")
    read = read_request(form, offices, request.form)
    if read.field_errors:
        return _form_page(form, offices, read.typed, read.field_errors, status=422)

    _count_submission()
    try:
        filed = file_request(read, received_at=clock.now(), received_via=ONLINE, actor=ACTOR,
                             submission_id=submitted_id(request.form))
    except FormInvalid as refused:     # text no database stores (engine.require_plain_data): shown beside its field
        return _form_page(form, offices, read.typed, refused.field_errors, status=422)
    keep_receipt(RECEIPT_KEY, filed.token, filed.instance.instance_id)
    return redirect(url_for(".received"))


@bp.get("/request/received")
@public
def received():
    """The confirmation: the tracking number, the private link and the acknowledgement, again on reload in the
    same browser for a while (web.portal.receipt)."""
    receipt = kept_receipt(RECEIPT_KEY)
    if not receipt:
        return redirect(url_for("home"))
    access = db.session.scalars(select(RequesterAccess).where(
        RequesterAccess.instance_id == receipt["instance_id"])).one()
    status = _status_of(access)
    acknowledgement = next((letter for letter in status.letters if letter.variable == "acknowledgement_letter"),
                           None)
    link = url_for(".status", token=receipt["token"], _external=True)
    return private_page(render_template("portal/received.html", status=status, link=link,
                                    acknowledgement=acknowledgement, emailed=bool(access.email),
                                    receipt_minutes=receipt_minutes()))


# -- the private status page ---------------------------------------------------------------------

@bp.get("/status/<token>")
@public
def status(token: str):
    return status_page(token, _access_for(token))


def status_page(token: str, access: RequesterAccess, *, answer_text: str = "", answer_error: str | None = None,
                status: int = 200):
    """The status page; with `answer_error`, the answer form as the requester left it."""
    return private_page(render_template("portal/status.html", status=_status_of(access), token=token,
                                    answer_text=answer_text, answer_error=answer_error,
                                    message_limit=MESSAGE_MAX_CHARACTERS, human_size=human_size)), status


@bp.get("/status/<token>/letters/<int:number>.txt")
@public
def letter(token: str, number: int):
    access = _access_for(token)
    letters = _status_of(access).letters
    if not 1 <= number <= len(letters):
        abort(404, description="There is no such letter for this request.")
    chosen = letters[number - 1]
    response = make_response(f"{chosen.subject}\n\n{chosen.text}\n")
    response.mimetype = "text/plain"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{access.tracking_number}-{number:02d}-{chosen.name}.txt"')
    return private_page(response)


@bp.get("/status/<token>/letters/<int:number>.pdf")
@public
def letter_pdf(token: str, number: int):
    """A letter as PDF, with the city's letterhead (web/letter_pdf.py)."""
    access = _access_for(token)
    status = _status_of(access)
    if not 1 <= number <= len(status.letters):
        abort(404, description="There is no such letter for this request.")
    chosen = status.letters[number - 1]
    document = render_letter_pdf({"letter": chosen.name, "subject": chosen.subject, "text": chosen.text},
                                 letterhead=_letterhead(status.office_name),
                                 dated=chosen.at.astimezone(CITY_TIME_ZONE).date(), reference=access.tracking_number)
    response = make_response(document)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{file_name(access.tracking_number, number, chosen.name)}"')
    return private_page(response)


def _letterhead(office_name: str | None) -> Letterhead:
    return letterhead_from(current_app.config, office_name)


# -- a lost status link ----------------------------------------------------------------------------

@bp.route("/status/lost", methods=["GET", "POST"])
@public
def lost_link():
    """Tracking number and e-mail address in, a new link mailed out. The answer is the same whether or not
    they match a request, so the page tells nobody which requests exist or who filed them."""
    if request.method == "GET":
        return private_page(render_template("portal/lost_link.html", values={}, field_errors={}))
    values = {"tracking_number": " ".join(request.form.get("tracking_number", "").split()).upper(),
              EMAIL_FIELD: request.form.get(EMAIL_FIELD, "").strip()}
    field_errors = {}
    if not TRACKING_NUMBER_SHAPE.match(values["tracking_number"]):
        field_errors["tracking_number"] = "Enter the tracking number from your confirmation, like R-2026-00042."
    if valid_email_address(values[EMAIL_FIELD]) is None:
        field_errors[EMAIL_FIELD] = "Enter the e-mail address you gave with the request, like name@example.com."
    if field_errors:
        return private_page(render_template("portal/lost_link.html", values=values, field_errors=field_errors)), 422
    purpose = "lost_link"
    limit = int(current_app.config.get("PORTAL_LINK_REQUESTS_PER_HOUR", LINK_REQUESTS_PER_HOUR))
    if _over_the_limit(purpose, limit):
        abort(429, description=f"This connection has already asked for {limit} new links in the last hour. "
                               "Please wait an hour and try again, or call or visit the City Clerk's office.")
    _count_submission(purpose)
    access = db.session.scalars(select(RequesterAccess).where(
        RequesterAccess.tracking_number == values["tracking_number"])).first()
    if access is not None and same_address(access.email, values[EMAIL_FIELD]):
        token = secrets.token_urlsafe(32)
        access.token_hash = token_hash(token)      # the old link stops working at once
        # A data privacy complaint and a report on a data set have their own status pages.
        case_words, status_endpoint = status_page_of(access.tracking_number)
        subject, body = mail_messages.new_link_mail(access.tracking_number, case_words)
        queue_mail(db.session, kind="status_link", dedupe_key=f"link:{access.tracking_number}:{access.token_hash[:16]}",
                   recipient=access.email or "", subject=subject, body=body,
                   private_link=public_link(url_for(status_endpoint, token=token)),
                   instance_id=access.instance_id, commit=False)
        db.session.commit()
        log.info("portal: new status link for %s queued for mailing", access.tracking_number)
    return private_page(render_template("portal/lost_link_sent.html"))


# -- what a requester may see of their request ---------------------------------------------------

@dataclass(frozen=True)
class Letter:
    variable: str        # acknowledgement_letter, ...
    name: str            # the template: acknowledgement, ...
    subject: str
    text: str
    at: datetime


@dataclass(frozen=True)
class Event:
    at: datetime
    text: str


@dataclass(frozen=True)
class RequestStatus:
    tracking_number: str
    received_at: datetime
    due_at: datetime | None
    office_name: str | None
    state: str                     # open, denied, "denied, grounds sent", closed, stopped, withdrawn
    waiting: str | None            # what the request waits for from the requester, in words
    amount_due: Decimal | None
    timeline: tuple[Event, ...]
    letters: tuple[Letter, ...]
    released: tuple[Released, ...] = ()           # records released online, to download
    messages: tuple[RequesterMessage, ...] = ()   # the office's questions and the requester's answers
    question: RequesterMessage | None = None      # the question waiting for an answer
    may_withdraw: bool = False


def _status_of(access: RequesterAccess) -> RequestStatus:
    engine = process_engine()
    instance = engine.get_instance(access.instance_id)
    trail = engine.audit_trail(access.instance_id)
    data: dict[str, Any] = {}
    letters: list[Letter] = []
    timeline: list[Event] = []
    for event in trail:
        changes = event.changes
        if event.action == "start":
            timeline.append(Event(event.at, "We received your request"))
        previous_office = data.get("office_name")
        new_letters = [(variable, label, changes[variable]) for variable, label in LETTER_EVENTS.items()
                       if isinstance(changes.get(variable), dict) and changes[variable].get("text")
                       and changes[variable] != data.get(variable)]
        # A step that runs beside another path reports the other path's values as removed: keep the last real one.
        data.update({name: value for name, value in changes.items() if value is not None or name not in data})
        if event.action == "start" and data.get("office_name"):
            timeline.append(Event(event.at, f"Your request went to the custodian of records of the "
                                            f"{data['office_name']}"))
        elif data.get("office_name") and data.get("office_name") != previous_office:
            timeline.append(Event(event.at, f"The {data['office_name']} now has your request"))
        for variable, label, value in new_letters:
            letters.append(Letter(variable, str(value.get("letter", variable.removesuffix("_letter"))),
                                  str(value.get("subject", "")), str(value["text"]), event.at))
            timeline.append(Event(event.at, label))
        if "prepaid" in changes and event.action != "start" and _money(changes["prepaid"]):
            timeline.append(Event(event.at, f"We recorded your payment; paid so far: {money(changes['prepaid'])}"))
        if changes.get("provided_on"):
            timeline.append(Event(event.at, "The records were provided"))
    released = released_records(trail)
    if released:
        timeline.append(Event(released[0].released_at, f"{len(released)} record(s) released for you to download"))
    messages = messages_on(access.instance_id)
    timeline.extend(Event(message.written_at, requester_words(message)) for message in messages)
    timeline.sort(key=lambda event: event.at)
    waiting, amount_due = _waiting(engine, instance, data)
    question = open_question(access.instance_id) if instance.running else None
    if question is not None:
        waiting = waiting or "Waiting for your answer to our question"
    if waiting:
        timeline.append(Event(clock.now(), waiting))
    if instance.status == "completed":
        timeline.append(Event(instance.ended_at or instance.updated_at, "Your request is closed"))
    state = {"completed": "closed", "terminated": "stopped"}.get(instance.status, "open")
    if state == "open" and _denied(data):
        state = "denied, grounds sent" if _sent(data, "statement_letter") else "denied"
    if state == "stopped" and any(message.kind == WITHDRAWN for message in messages):
        state = "withdrawn"
    received = _moment(data.get("received_at")) or instance.started_at
    due = _moment(data.get("response_due_at")) or min(
        (task.due_at for task in instance.open_tasks if task.due_at), default=None)
    return RequestStatus(access.tracking_number, received, due, data.get("office_name"), state, waiting, amount_due,
                         tuple(timeline), tuple(letters), tuple(released), tuple(messages), question,
                         may_withdraw(instance, data))


def request_status(instance_id: int, tracking_number: str) -> RequestStatus:
    """What the requester's status page says of a request; staff pages use it too (the amount due)."""
    return _status_of(RequesterAccess(tracking_number=tracking_number, instance_id=instance_id))


def _denied(data: dict[str, Any]) -> bool:
    """The request was denied in whole (or until a court decides) and the letter sent: it stays open only for
    what may follow (the requester's ask for the statement of grounds, which K.S.A. 45-218(d) allows at any
    time; the court's decision), so the requester reads it as denied, not as still being worked."""
    letter = {"deny": "denial_letter", "pending_litigation": "pending_litigation_letter"}.get(data.get("decision"))
    return letter is not None and _sent(data, letter)


def _sent(data: dict[str, Any], letter: str) -> bool:
    return isinstance(data.get(letter), dict) and bool(data[letter].get("text"))


def _waiting(engine, instance, data: dict[str, Any]) -> tuple[str | None, Decimal | None]:
    """What the request waits for from the requester (a prepayment, a balance), and how much."""
    if not instance.running:
        return None, None
    if any(subscription.message_name == PAYMENT_RECEIVED
           for subscription in engine.subscriptions(instance_id=instance.instance_id)):
        demand = data.get("prepayment") or {"due": data.get("prepayment_due")}  # older diagrams kept one variable
        due = prepayment_outstanding(_money(demand.get("due")) or Decimal("0"), _money(data.get("prepaid")) or Decimal("0"))
        if due > 0:
            return f"Waiting for your prepayment of {money(due)}", due
        return "Waiting for your prepayment", None
    if any(task.bpmn_id == "collect_balance" for task in instance.open_tasks):
        balance = _money((data.get("settlement") or {}).get("balance_due"))
        if balance:
            return f"Waiting for you to pay the balance of {money(balance)}", balance
    return None, None


def _access_for(token: str) -> RequesterAccess:
    access = db.session.scalars(select(RequesterAccess).where(RequesterAccess.token_hash == token_hash(token))).first()
    # A data privacy complaint's link (web.portal.privacy) opens its own page, never a records request's.
    if access is not None and not access.tracking_number.startswith(f"{TRACKING_PREFIX}-"):
        access = None
    if access is None:
        abort(404, description="There is no request behind this link. Check that you copied the whole link from "
                               "your confirmation; if you have lost it, call or visit the City Clerk's office.")
    return access


def private_page(response):
    """A page or file with a requester's details: never cached, never indexed, never sent on as a referrer."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# -- the form and the limit ---------------------------------------------------------------------

def _intake_form():
    """The intake form of the deployed records request process (the form of its start event)."""
    form = request_form()
    if form is None:
        abort(503, description="Requests cannot be filed online yet. Call or visit the City Clerk's office.")
    return form


def _form_page(form, offices, values, field_errors, *, status: int = 200):
    return render_template("portal/request.html", schema=form.schema, fields=form.fields, offices=offices,
                           values=values, field_errors=field_errors,
                           submission_id=submitted_id(request.form) or new_submission_id()), status


def _limit() -> int:
    return int(current_app.config.get("PORTAL_SUBMISSIONS_PER_HOUR", SUBMISSIONS_PER_HOUR))


def _over_the_limit(purpose: str = "", limit: int | None = None) -> bool:
    return attempts_within(purpose, client_address()) >= (_limit() if limit is None else limit)


def _count_submission(purpose: str = "") -> None:
    count_attempt(purpose, client_address())


# -- city data in words ---------------------------------------------------------------------------

def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _money(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None
