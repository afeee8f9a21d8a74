"""Recording a payment received for a request (the cashier's or clerk's page).

A records request that asked for a prepayment waits at "Payment received" for the message
`payment_received`, correlated by its tracking number, with the amount and how it was paid
(docs/records-request.md, "Messages"). This page finds the request by its tracking number,
shows what the requester's status page shows as due, and delivers the message.

Who may record a payment: clerks, the City Clerk, finance, administrators and the records
custodians (role `custodian`, any office). A custodian of one office only (`custodian:police`)
records payments for that office's requests: fees are paid to the custodian of the records.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from engine import InstanceView, MessageNotDeliverable
from web.current import process_engine, signed_in_staff, work_roles
from web.auth import staff_only
from web.formatting import money
from web.inbox.blueprint import bp
from city.rules.roles import CITY_CLERK, CLERK, CUSTODIAN, FINANCE
from web.access import ADMINISTRATOR
from web.portal.views import PROCESS_KEY, RequestStatus, request_status

log = logging.getLogger(__name__)

MESSAGE = "payment_received"
PAYMENT_ROLES = frozenset({CLERK, CITY_CLERK, FINANCE, ADMINISTRATOR, CUSTODIAN})
OFFICE_CUSTODIAN_PREFIX = f"{CUSTODIAN}:"
METHODS = (("cash", "Cash"), ("check", "Check"), ("card", "Card"), ("money_order", "Money order"))
LARGEST_PAYMENT = Decimal("100000.00")
TRACKING_NUMBER_LENGTH = 20
WORKING = ("active", "incident")     # an incident on another path does not stop a payment; a suspension does


def may_record_payments(roles) -> bool:
    """Whether someone holding `roles` sees the page (the navigation asks this too)."""
    return bool(PAYMENT_ROLES & set(roles)) or any(role.startswith(OFFICE_CUSTODIAN_PREFIX) for role in roles)


@bp.app_context_processor
def payment_link() -> dict[str, bool]:
    """`shows_payments`: whether the navigation offers "Record a payment": by the roles the person works
    under, so a record custodian designated in the register (and holding no payment role) sees it too."""
    staff = g.get("staff")
    return {"shows_payments": staff is not None and may_record_payments(work_roles(staff))}


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
        values["amount"] = f"{found.status.amount_due:.2f}"
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
    amount, amount_error = _amount(typed["amount"])
    if amount_error:
        errors["amount"] = amount_error
    if typed["method"] not in dict(METHODS):
        errors["method"] = "Method: choose how the requester paid."
    found, problem = _find(tracking_number, roles) if tracking_number else (None, None)
    if errors or problem or found is None:
        return _page(typed, found=found, problem=problem, errors=errors, status=422)
    if not found.waiting_for_payment:
        return _page(typed, found=found, problem=_not_waiting(tracking_number), status=409)
    try:
        process_engine().deliver_message(MESSAGE, {"tracking_number": tracking_number},
                                         {"amount": f"{amount:.2f}", "method": typed["method"]},
                                         actor=staff.username)
    except MessageNotDeliverable:   # someone else's payment or a change of the request got there first
        return _page(typed, found=found, problem=_not_waiting(tracking_number), status=409)
    log.info("payment of %s recorded for %s by staff account %s", f"{amount:.2f}", tracking_number, staff.id)
    flash(f"Payment of {money(amount)} ({dict(METHODS)[typed['method']].lower()}) recorded for {tracking_number}.",
          "info")
    return redirect(url_for(".payment", tracking_number=tracking_number))


def _payment_roles() -> frozenset[str]:
    roles = work_roles(signed_in_staff())
    if not may_record_payments(roles):
        abort(403, description="Recording payments is for clerks, the City Clerk, finance, records custodians and "
                               "administrators. Ask an administrator if you need it.")
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
    if not _may_record_for(instance, roles):
        return None, unknown      # an office custodian learns nothing of another office's requests
    status = request_status(instance.instance_id, tracking_number)
    waiting = any(subscription.message_name == MESSAGE
                  for subscription in engine.subscriptions(instance_id=instance.instance_id))
    return FoundRequest(instance, status, waiting and instance.status in WORKING), None


def _may_record_for(instance: InstanceView, roles: frozenset[str]) -> bool:
    if PAYMENT_ROLES & roles:
        return True
    office_role = _latest(process_engine().audit_trail(instance.instance_id), "custodian_role")
    return office_role is not None and office_role in roles


def _latest(trail, name: str) -> Any:
    """The last value the request recorded for `name` (a parallel path may report None: skipped)."""
    return next((event.changes[name] for event in reversed(trail) if event.changes.get(name) is not None), None)


def _not_waiting(tracking_number: str) -> str:
    return (f"Request {tracking_number} is not waiting for a payment, so nothing was recorded. A prepayment can be "
            "recorded only after the requester was asked for one; a balance due at the end is recorded by the "
            "custodian in the task \"Collect the balance\".")


def _amount(text: str) -> tuple[Decimal | None, str | None]:
    cleaned = text.replace(",", "").removeprefix("$").strip()
    if not cleaned:
        return None, "Amount is needed."
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None, "Amount must be a sum of money, such as 30.00."
    if not amount.is_finite():
        return None, "Amount must be a sum of money, such as 30.00."
    if amount <= 0:
        return None, "Amount must be more than 0.00."
    if amount != amount.quantize(Decimal("0.01")):
        return None, "Amount can have at most two decimals (cents)."
    if amount > LARGEST_PAYMENT:
        return None, f"Amount must be at most {LARGEST_PAYMENT:,.2f}."
    return amount.quantize(Decimal("0.01")), None


def _tracking_number(text: str) -> str:
    return text.strip().upper()[:TRACKING_NUMBER_LENGTH]


def _page(values: dict[str, str], *, found: FoundRequest | None, problem: str | None,
          errors: dict[str, str] | None = None, status: int = 200):
    return render_template("inbox/payment.html", values=values, found=found, problem=problem, errors=errors or {},
                           methods=METHODS), status
