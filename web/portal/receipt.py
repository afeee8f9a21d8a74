"""The confirmation after filing a request, shown again when the page is reloaded (issue 13).

The private status link is shown on the confirmation page because a requester without an e-mail address
has no other copy. It is kept in that browser's session (the signed, HttpOnly, SameSite cookie), never in an
address, so it reaches no access log and no referrer, for `RECEIPT_MINUTES` after filing
(`CLERKFLOW_PORTAL_RECEIPT_MINUTES` overrides): long enough for a reload, a lost connection or the back
button, short enough that the next person at a library computer does not find it. Filing another request
in the same browser replaces it.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, session

from engine import clock

RECEIPT_MINUTES = 60


def keep_receipt(key: str, token: str, instance_id: int) -> None:
    """Keep the new request's link under `key` in this browser's session until the receipt expires."""
    until = clock.now() + timedelta(minutes=receipt_minutes())
    session[key] = {"token": token, "instance_id": instance_id, "until": until.isoformat()}


def kept_receipt(key: str) -> dict | None:
    """The receipt kept under `key` while it is in force ({"token", "instance_id", "until"}); an expired one is
    dropped."""
    receipt = session.get(key)
    if not isinstance(receipt, dict) or not _in_force(receipt.get("until")):
        session.pop(key, None)
        return None
    return receipt


def receipt_minutes() -> int:
    return int(current_app.config.get("PORTAL_RECEIPT_MINUTES", RECEIPT_MINUTES))


def _in_force(until: object) -> bool:
    try:
        return isinstance(until, str) and clock.now() < datetime.fromisoformat(until)
    except ValueError:
        return False
