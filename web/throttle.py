"""Counting attempts to slow down abuse: requests filed and new links asked for on the portal, failed
staff sign-ins. Each attempt is a row keyed by an HMAC of what is counted (a client's address, a
username) with the app's secret: enough to count, not enough to tell who it was. Rows older than the
longest window (an hour) are dropped as new ones are counted. The rows live in the database, so
every web worker counts the same attempts.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import delete, func, select

from engine import clock
from web.models import db
from web.models_portal import PortalSubmission

LONGEST_WINDOW = timedelta(hours=1)


def counted_key(purpose: str, counted: str) -> str:
    """The HMAC-SHA256 of "purpose:counted" with the app's secret."""
    secret = current_app.config["SECRET_KEY"]
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(key, (f"{purpose}:" if purpose else "").encode() + counted.encode(), hashlib.sha256).hexdigest()


def client_address() -> str:
    return request.remote_addr or "unknown"


def attempts_within(purpose: str, counted: str, window: timedelta = LONGEST_WINDOW) -> int:
    since = clock.now() - min(window, LONGEST_WINDOW)
    return db.session.scalar(select(func.count()).select_from(PortalSubmission).where(
        PortalSubmission.client_key == counted_key(purpose, counted), PortalSubmission.submitted_at > since)) or 0


def count_attempt(purpose: str, counted: str) -> None:
    now = clock.now()
    db.session.execute(delete(PortalSubmission).where(PortalSubmission.submitted_at <= now - LONGEST_WINDOW))
    db.session.add(PortalSubmission(client_key=counted_key(purpose, counted), submitted_at=now))
    db.session.commit()
