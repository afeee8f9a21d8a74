"""The requester's side of a request beyond the letters (issue 13): the records released online and their
downloads, the office's questions and the requester's answers, and withdrawing the request.

Released records are the files "Provide the records" names in `released_records` (references into the
file store, web/inbox/form_files.py); only the holder of the request's status link downloads them,
and each download is recorded (`records_download`) without anything about the person.

Questions and answers are correspondence kept beside the request (web/models_correspondence.py), not
steps of the diagram: nothing in Art. 6 or K.S.A. 45-218(d) makes the request wait for an answer or
stops its deadline, so the diagram does not wait either, and the deadline keeps running.

Withdrawing ends the request where it stands: the engine terminates the instance (every open task is
closed, every timer and wait dropped) with the reason "Withdrawn by the requester", and a prepayment
already paid becomes the custodian's task "Refund the prepayment" (processes/withdrawal_refund.bpmn).
An interrupting event subprocess in records_request.bpmn would say this in the diagram itself, but
the engine cannot yet deliver a message to one (no subscription is derived for an event subprocess's
message start, and SpiffWorkflow 3.2 would start it with the request's start data only).
Nothing here logs what a requester typed or a file's name. The pages are in web/portal/requester.py.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort

from city.rules.fees import money_text
from engine import ClerkflowError, clock
from web.current import process_engine
from web.filestore import StoredFile
from web.inbox.form_files import parse_file_reference
from web.models_correspondence import (ANSWERED, ASKED, MESSAGE_MAX_CHARACTERS, REQUESTER, WITHDRAWN,
                                       RequesterMessage, add_message, messages_on)

log = logging.getLogger(__name__)

RELEASED_VARIABLE = "released_records"
WITHDRAWN_REASON = "Withdrawn by the requester"
REFUND_PROCESS = "withdrawal_refund"
# Once the final fees are worked out the records are on their way: a withdrawal would leave fees collected
# and records half handed over, so the page no longer offers it (the requester may still call the office).
SETTLED_VARIABLES = ("final_fees", "provided_on", "denial_letter")
# What no database stores (as engine.errors.require_plain_data refuses): control characters but tab and line breaks.
NOT_PLAIN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class Released:
    number: int            # 1, 2, ... in the order released: the download's address
    stored: StoredFile
    released_at: datetime
    released_by: str


def released_records(trail) -> list[Released]:
    """Every file released online to the requester, from the request's audit trail (the latest release wins)."""
    found: list[Released] = []
    for event in trail:
        references = event.changes.get(RELEASED_VARIABLE)
        if event.action != "complete" or not isinstance(references, list):
            continue
        found = [Released(number, stored, event.at, event.actor)
                 for number, stored in enumerate((parse_file_reference(each) for each in references), start=1)
                 if stored is not None]
    return found


def may_withdraw(instance, data: dict[str, Any]) -> bool:
    """Whether the requester may still withdraw: the request is open and not yet settled, provided or denied."""
    return instance.running and not any(data.get(name) for name in SETTLED_VARIABLES)


def message_problem(text: str) -> str | None:
    if not text.strip():
        return "Write your answer first."
    if len(text) > MESSAGE_MAX_CHARACTERS:
        return f"Your message is {len(text)} characters long; it may be at most {MESSAGE_MAX_CHARACTERS}."
    if NOT_PLAIN_TEXT.search(text):
        return "Your message holds a character we cannot keep (a control character); type it again."
    return None


def withdraw_request(instance_id: int, tracking_number: str) -> None:
    """End the request as withdrawn by its requester; a prepayment paid goes to the custodian to refund."""
    engine = process_engine()
    data = request_data(engine, instance_id)
    try:
        engine.terminate_instance(instance_id, actor=REQUESTER, reason=WITHDRAWN_REASON)
    except ClerkflowError:
        abort(409, description="This request has ended already; it can no longer be withdrawn.")
    add_message(instance_id, WITHDRAWN, REQUESTER, WITHDRAWN_REASON)
    refund_due = _money(data.get("prepaid"))
    if refund_due and refund_due > 0:
        engine.start_instance(REFUND_PROCESS, {
            "tracking_number": tracking_number, "office_key": data.get("office_key"),
            "custodian_role": data.get("custodian_role"), "refund_due": money_text(refund_due),
            "withdrawn_at": clock.now().isoformat()}, actor=REQUESTER, business_key=tracking_number)
    log.info("portal: %s withdrawn by its requester (prepayment to refund: %s)", tracking_number,
             "yes" if refund_due and refund_due > 0 else "no")


def request_data(engine, instance_id: int) -> dict[str, Any]:
    """The latest value of each variable the request's steps set, read from its audit trail."""
    data: dict[str, Any] = {}
    for event in engine.audit_trail(instance_id):
        # A step that runs beside another path reports the other path's values as removed: keep the last real one.
        data.update({name: value for name, value in event.changes.items() if value is not None or name not in data})
    return data


def withdrawn_message(instance_id: int) -> RequesterMessage | None:
    return next((message for message in messages_on(instance_id) if message.kind == WITHDRAWN), None)


def requester_words(message: RequesterMessage) -> str:
    """One line of the status page's timeline for a message."""
    return {ASKED: "The office asked you a question", ANSWERED: "You answered the office's question",
            WITHDRAWN: "You withdrew your request"}.get(message.kind, message.kind)


def staff_words(message: RequesterMessage) -> str:
    """One line of the staff history for a message."""
    return {ASKED: f"Asked the requester (by {message.author})", ANSWERED: "The requester answered",
            WITHDRAWN: "Withdrawn by the requester"}.get(message.kind, message.kind)


def _money(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None
    return amount if amount is not None and amount.is_finite() else None


