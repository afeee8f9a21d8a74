"""Who may deliver which of the city's messages from outside, and what a message's payload must be.

The engine asks these rules (`engine.message_rules.MessageRules`) for every message delivered from outside,
whoever delivers it: the payments page, the API (POST /api/messages) and the command line (`clerkflow
message`, a trusted operator on the server: no roles asked, the payload still checked). This is the one
place that says it; the payments page asks here too, to decide what it shows.

`payment_received` (a payment for a records request waiting at "Payment received"):
- who: clerks, the City Clerk, finance, records custodians of any office (`custodian`) and the software's
  administrators, for every request; a custodian of one office (`custodian:police`, designated ones
  included) for that office's requests only (fees are paid to the custodian of the records);
- amount: required, text such as "30.00" (a JSON number is read as Python writes it): more than 0.00,
  digits with at most two decimals (no "1e3", "NaN", sign or thousands separator), at most
  `LARGEST_PAYMENT`; it travels as "30.00";
- method: optional, one of `PAYMENT_METHODS` (the diagram records "paid" when none is given).

`privacy_appeal` (a complainant's appeal of a privacy decision, to a case waiting at "Appeal, or the window
closes", correlated on its `tracking_number`): sent by the portal for the complainant (a trusted sender), or by
the City Clerk, clerks and administrators for an appeal received another way;
- appeal_filed_at: required, an ISO 8601 date-time with its time zone (when the appeal was filed);
- appeal_grounds: required, what is wrong with the decision, at most `APPEAL_GROUNDS_MAX` characters.

Messages not named here are open to any staff account, as the diagrams' other messages always were.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from city.rules.fees import cents, in_cents, money_text
from city.rules.roles import (ADMINISTRATOR, CITY_ATTORNEY, CITY_CLERK, CLERK, CUSTODIAN, FINANCE,
                              office_of_custodian_role)
from engine import FormInvalid, Sender

PAYMENT_RECEIVED = "payment_received"
PAYMENT_ROLES = frozenset({CLERK, CITY_CLERK, FINANCE, CUSTODIAN, ADMINISTRATOR})
# The largest payment recorded at once (docs/inbox.md "Recording a payment", docs/api.md): more is a typing slip.
LARGEST_PAYMENT = Decimal("100000.00")
PAYMENT_METHODS = {"cash": "Cash", "check": "Check", "card": "Card", "money_order": "Money order",
                   "paid": "Paid (how is not said)"}
PLAIN_AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")
NOT_MONEY = "Amount must be a sum of money, such as 30.00."
PRIVACY_APPEAL = "privacy_appeal"
APPEAL_RECORDERS = frozenset({CITY_CLERK, CLERK, ADMINISTRATOR})
APPEAL_GROUNDS_MAX = 8000


def may_record_payments(roles: Iterable[str]) -> bool:
    """Whether someone holding `roles` records payments for at least some requests (every office, or their own)."""
    roles = frozenset(roles)
    return bool(PAYMENT_ROLES & roles) or any(office_of_custodian_role(role) for role in roles)


def may_record_payment_for(roles: Iterable[str], receiver: Mapping[str, Any]) -> bool:
    """Whether someone holding `roles` records payments for the request whose data is `receiver`."""
    roles = frozenset(roles)
    office_role = receiver.get("custodian_role")
    return bool(PAYMENT_ROLES & roles) or (isinstance(office_role, str) and office_role in roles)


def _recorder_refusal(message_name: str, roles: frozenset[str], receiver: Mapping[str, Any] | None) -> str | None:
    """Refusal of a message recording something that happened outside (a court order, a written ask)."""
    if RECORDERS[message_name] & roles:
        return None
    office_role = (receiver or {}).get("custodian_role")
    if receiver is None and any(office_of_custodian_role(role) for role in roles):
        return None
    if receiver is not None and isinstance(office_role, str) and office_role in roles:
        return None
    return (f'"{message_name}" is recorded by the request\'s custodian, a clerk or the City Clerk'
            f'{", or the City Attorney" if CITY_ATTORNEY in RECORDERS[message_name] else ""}. Ask one of them.')


def payment_amount(value: Any) -> Decimal:
    """The amount of a payment as Decimal with cents; raises ValueError saying what is wrong with it."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('Amount must be a sum of money written as text, such as "30.00".')
    text = str(value).strip()    # a JSON number as Python writes it: 12.5 is "12.5", 1e20 is "1e+20" (refused)
    if not text:
        raise ValueError("Amount is needed.")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(NOT_MONEY) from None
    if not amount.is_finite():
        raise ValueError(NOT_MONEY)
    if amount <= 0:
        raise ValueError("Amount must be more than 0.00.")
    if not PLAIN_AMOUNT.fullmatch(text):
        raise ValueError(NOT_MONEY + " Write it in digits, with a point before the cents.")
    if not in_cents(amount):
        raise ValueError("Amount can have at most two decimals (cents).")
    if amount > LARGEST_PAYMENT:
        raise ValueError(f"Amount must be at most {LARGEST_PAYMENT:,.2f}.")
    return cents(amount)


# Messages the city's diagrams send each other: a person sends one only to repair an instance.
PROCESS_MESSAGES = frozenset({"access_delayed", "deadline_watch_ended", "litigation_ended", "request_acted_on",
                              "request_rerouted", "transmittal_due"})
# What happened outside, recorded for a request by the staff who learn of it (besides the request's own
# custodian): a court's order on a record (K.S.A. 45-222), the requester's written ask for the grounds of a
# denial (K.S.A. 45-218(d)).
RECORDERS = {
    "court_order": frozenset({CITY_ATTORNEY, CITY_CLERK, CLERK, CUSTODIAN, ADMINISTRATOR}),
    "statement_requested": frozenset({CITY_CLERK, CLERK, CUSTODIAN, ADMINISTRATOR}),
}


class CityMessageRules:
    """The city's `engine.message_rules.MessageRules`."""

    def refusal(self, message_name: str, sender: Sender, receiver: Mapping[str, Any] | None) -> str | None:
        if sender.roles is None:
            return None
        if message_name in PROCESS_MESSAGES and ADMINISTRATOR not in sender.roles:
            return (f'"{message_name}" is sent by the process itself; only an administrator sends it by hand, '
                    "to repair an instance.")
        if message_name in RECORDERS:
            return _recorder_refusal(message_name, sender.roles, receiver)
        if message_name == PRIVACY_APPEAL:
            return None if APPEAL_RECORDERS & sender.roles else \
                "An appeal received another way is recorded by the City Clerk's office (a clerk or the City Clerk)."
        if message_name != PAYMENT_RECEIVED:
            return None
        if receiver is None and not may_record_payments(sender.roles):
            return ("Recording payments is for clerks, the City Clerk, finance, records custodians and "
                    "administrators. Ask an administrator if you need it.")
        if receiver is not None and not may_record_payment_for(sender.roles, receiver):
            return ("You record payments only for your office's requests: this request is another office's. "
                    "Its custodian, a clerk or finance records its payments.")
        return None

    def clean_payload(self, message_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        if message_name == PRIVACY_APPEAL:
            return _clean_appeal(payload)
        if message_name != PAYMENT_RECEIVED:
            return dict(payload)
        cleaned, problems = dict(payload), {}
        try:
            cleaned["amount"] = money_text(payment_amount(payload.get('amount', '')))
        except ValueError as wrong:
            problems["amount"] = str(wrong)
        method = payload.get("method", "paid")
        if not isinstance(method, str) or method not in PAYMENT_METHODS:
            problems["method"] = f"Method must be one of: {', '.join(PAYMENT_METHODS)}."
        if problems:
            raise FormInvalid("The payment was not recorded: " + " ".join(problems.values()), problems)
        return cleaned


def _clean_appeal(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A privacy appeal's payload, or FormInvalid naming each field wrong (the case would otherwise fail on it)."""
    cleaned, problems = dict(payload), {}
    filed_at = payload.get("appeal_filed_at")
    try:
        if not isinstance(filed_at, str) or datetime.fromisoformat(filed_at).tzinfo is None:
            raise ValueError
    except ValueError:
        problems["appeal_filed_at"] = ("Filed on must be a date and time with its time zone, such as "
                                       "2026-12-30T10:00:00-06:00.")
    grounds = payload.get("appeal_grounds")
    if not isinstance(grounds, str) or not grounds.strip():
        problems["appeal_grounds"] = "Say what is wrong with the decision."
    elif len(grounds) > APPEAL_GROUNDS_MAX:
        problems["appeal_grounds"] = f"An appeal may be at most {APPEAL_GROUNDS_MAX} characters."
    else:
        cleaned["appeal_grounds"] = grounds.strip()
    if problems:
        raise FormInvalid("The appeal was not recorded: " + " ".join(problems.values()), problems)
    return cleaned
