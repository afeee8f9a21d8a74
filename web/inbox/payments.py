"""Recording a payment received for a request (the cashier's or clerk's page).

A records request that asked for a prepayment waits at "Payment received" for the message
`payment_received`, correlated by its tracking number, with the amount and how it was paid
(docs/records-request.md, "Messages"). This page finds the request by its tracking number,
shows what the requester's status page shows as due, and delivers the message.

Who may record a payment, and what an amount must be, is the city's message rules' to say
(`city.message_rules`), the one place the API and the command line go through too: this page asks
them what to show, and the engine asks them again when the message is delivered.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from city.rules.fees import money_text
from city.message_rules import PAYMENT_METHODS, PAYMENT_RECEIVED as MESSAGE
from engine import FormInvalid, InstanceView, MessageNotDeliverable, NotAllowed, Sender
from web.current import process_engine, signed_in_staff, work_roles
from web.auth import staff_only
from web.formatting import money
from web.inbox.blueprint import bp
from web.portal.views import PROCESS_KEY, RequestStatus, request_status

log = logging.getLogger(__name__)

# What the page offers (the API may also leave the method out: the request then records "paid").
METHODS = tuple((key, PAYMENT_METHODS[key]) for key in ("cash", "check", "card", "money_order"))
TRACKING_NUMBER_LENGTH = 20
WORKING = ("active", "incident")     # an incident on another path does not stop a payment; a suspension does


def payments_refusal(staff, roles: frozenset[str], receiver: dict[str, Any] | None = None) -> str | None:
    """Why this person may not record payments (for the request whose data is `receiver`), by the rules the
    engine enforces when the message is delivered; None when they may."""
    return process_engine().message_rules.refusal(MESSAGE, Sender(staff.username, roles), receiver)


@bp.app_context_processor
def payment_link() -> dict[str, bool]:
    """`shows_payments`: whether the navigation offers "Record a payment": by the roles the person works
    under, so a record custodian designated in the register (and holding no payment role) sees it too."""
    staff = g.get("staff")
    return {"shows_payments": staff is not None and payments_refusal(staff, work_roles(staff)) is None}


@dataclass(frozen=True)
class FoundRequest:
    instance: InstanceView
    status: RequestStatus
    waiting_for_payment: bool


@bp.get("/payments")
@staff_only
def payment():
    roles = _payment_roles()
    tracking_number = _tracking_number(request.args.get("tracking_number", ""))
    found, problem = (None, None)
    if tracking_number:
        found, problem = _find(tracking_number, roles)
    values = {"tracking_number": tracking_number, "method": ""}
    if found is not None and found.status.amount_due:
        values["amount"] = money_text(found.status.amount_due)
    return _page(values, found=found, problem=problem)


@bp.post("/payments")
@staff_only
def record_payment():
    roles = _payment_roles()
    staff = signed_in_staff()
    tracking_number = _tracking_number(request.form.get("tracking_number", ""))
    typed = {name: request.form.get(name, "").strip() for name in ("amount", "method")}
    typed["tracking_number"] = tracking_number
    errors: dict[str, str] = {}
    if not tracking_number:
        errors["tracking_number"] = "Tracking number is needed (for example R-2026-00042)."
    # "$1,250.00" as typed on a receipt; whether it is a payment the rules say (city.message_rules).
    payment = {"amount": typed["amount"].replace(",", "").removeprefix("$").strip()}
    try:
        payment = process_engine().message_rules.clean_payload(MESSAGE, payment)
    except FormInvalid as invalid:
        errors.update(invalid.field_errors)
    if typed["method"] not in dict(METHODS):
        errors["method"] = "Method: choose how the requester paid."
    found, problem = _find(tracking_number, roles) if tracking_number else (None, None)
    if errors or problem or found is None:
        return _page(typed, found=found, problem=problem, errors=errors, status=422)
    if not found.waiting_for_payment:
        return _page(typed, found=found, problem=_not_waiting(tracking_number), status=409)
    amount = Decimal(payment["amount"])
    try:
        process_engine().deliver_message(MESSAGE, {"tracking_number": tracking_number},
                                         {"amount": payment["amount"], "method": typed["method"]},
                                         actor=staff.username, roles=roles)
    except MessageNotDeliverable:   # someone else's payment or a change of the request got there first
        return _page(typed, found=found, problem=_not_waiting(tracking_number), status=409)
    except NotAllowed as refused:   # the request moved to another office since it was found
        return _page(typed, found=None, problem=refused.user_message, status=403)
    except FormInvalid as invalid:
        return _page(typed, found=found, problem=None, errors=invalid.field_errors, status=422)
    log.info("payment of %s recorded for %s by staff account %s", money_text(amount), tracking_number, staff.id)
    flash(f"Payment of {money(amount)} ({dict(METHODS)[typed['method']].lower()}) recorded for {tracking_number}.",
          "info")
    return redirect(url_for(".payment", tracking_number=tracking_number))


def _payment_roles() -> frozenset[str]:
    staff = signed_in_staff()
    roles = work_roles(staff)
    refusal = payments_refusal(staff, roles)
    if refusal:
        abort(403, description=refusal)
    return roles


def _find(tracking_number: str, roles: frozenset[str]) -> tuple[FoundRequest | None, str | None]:
    """The request with this tracking number, if this person may record its payments; else what went wrong."""
    engine = process_engine()
    matches = engine.list_instances(process_key=PROCESS_KEY, business_key=tracking_number, limit=1)
    unknown = (f"There is no records request {tracking_number}. Check the tracking number on the requester's "
               "letter or receipt.")
    if not matches:
        return None, unknown
    instance = engine.get_instance(matches[0].instance_id)
    office = {"custodian_role": _latest(engine.audit_trail(instance.instance_id), "custodian_role")}
    if payments_refusal(signed_in_staff(), roles, office):
        return None, unknown      # an office custodian learns nothing of another office's requests
    status = request_status(instance.instance_id, tracking_number)
    waiting = any(subscription.message_name == MESSAGE
                  for subscription in engine.subscriptions(instance_id=instance.instance_id))
    return FoundRequest(instance, status, waiting and instance.status in WORKING), None


def _latest(trail, name: str) -> Any:
    """The last value the request recorded for `name` (a parallel path may report None: skipped)."""
    return next((event.changes[name] for event in reversed(trail) if event.changes.get(name) is not None), None)


def _not_waiting(tracking_number: str) -> str:
    return (f"Request {tracking_number} is not waiting for a payment, so nothing was recorded. A prepayment can be "
            "recorded only after the requester was asked for one; a balance due at the end is recorded by the "
            "custodian in the task \"Collect the balance\".")


def _tracking_number(text: str) -> str:
    return text.strip().upper()[:TRACKING_NUMBER_LENGTH]


def _page(values: dict[str, str], *, found: FoundRequest | None, problem: str | None,
          errors: dict[str, str] | None = None, status: int = 200):
    return render_template("inbox/payment.html", values=values, found=found, problem=problem, errors=errors or {},
                           methods=METHODS), status
