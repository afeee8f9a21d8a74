"""Counting attempts to slow down abuse: requests filed and new links asked for on the portal, failed
staff sign-ins (the rule is `sign_in_wait`). Each attempt is a row keyed by an HMAC of what is counted (a client's address, a
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
from web.models import StaffAccount, StaffSignInAddress, db
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


def latest_attempt(purpose: str, counted: str, window: timedelta = LONGEST_WINDOW):
    """When the latest attempt within `window` was counted (None: there was none)."""
    since = clock.now() - min(window, LONGEST_WINDOW)
    return db.session.scalar(select(func.max(PortalSubmission.submitted_at)).where(
        PortalSubmission.client_key == counted_key(purpose, counted), PortalSubmission.submitted_at > since))


def count_attempt(purpose: str, counted: str) -> None:
    now = clock.now()
    db.session.execute(delete(PortalSubmission).where(PortalSubmission.submitted_at <= now - LONGEST_WINDOW))
    db.session.add(PortalSubmission(client_key=counted_key(purpose, counted), submitted_at=now))
    db.session.commit()


# Staff sign-in (docs/operations.md, "Sign-in"). Failures are counted three ways: for the username from this address,
# for the username from anywhere, and from this address for any username.
FAILED_FOR, FAILED_FOR_FROM, FAILED_FROM = "failed_sign_in", "failed_sign_in_pair", "failed_sign_in_from"
SIGNED_IN_FROM = "signed_in_from"


def sign_in_wait(username: str, config) -> timedelta | None:
    """How long this address must wait before trying `username` again (None: go ahead and check the password).

    1. Past SIGN_IN_FAILURES_PER_ACCOUNT failures for the username from this address: refused from this address
       until the oldest leaves the window. Only whoever is guessing from here is held up.
    2. Past SIGN_IN_FAILURES_PER_ACCOUNT failures for the username from anywhere within the last hour: an address
       that has not signed in to it (within SIGN_IN_KNOWN_ADDRESS_DAYS) waits after the latest failure: the window
       shared by the limit (15 min / 10 = 90 s), then twice that at each further failure, at most the window.
       Counted over the hour, so a guesser spread over many addresses gets fewer guesses an hour than the window's
       limit would give, and an owner signing in from a new place waits at most the window. The addresses the
       owner signs in from are not slowed.
    3. Past SIGN_IN_FAILURES_PER_ADDRESS failures from this address: refused for every username that failed from
       here in the window. A username with no failure from here (someone typing their own password) goes ahead.
    """
    window = timedelta(minutes=int(config["SIGN_IN_WINDOW_MINUTES"]))
    per_account = int(config["SIGN_IN_FAILURES_PER_ACCOUNT"])
    address = client_address()
    pair = f"{username}\0{address}"
    failed_here = attempts_within(FAILED_FOR_FROM, pair, window)
    if failed_here >= per_account:
        return window
    if failed_here and attempts_within(FAILED_FROM, address, window) >= int(config["SIGN_IN_FAILURES_PER_ADDRESS"]):
        return window
    failed = attempts_within(FAILED_FOR, username)
    if failed >= per_account and not _signed_in_from_here(username, address, config):
        delay = min(window / per_account * 2 ** min(failed - per_account, 30), window)
        wait = latest_attempt(FAILED_FOR, username) + delay - clock.now()
        if wait > timedelta(0):
            return wait
    return None


def count_sign_in_failure(username: str) -> None:
    address = client_address()
    count_attempt(FAILED_FOR, username)
    count_attempt(FAILED_FOR_FROM, f"{username}\0{address}")
    count_attempt(FAILED_FROM, address)


def remember_sign_in(account: StaffAccount, config) -> None:
    """Note that `account` signed in from this address (kept SIGN_IN_KNOWN_ADDRESS_DAYS after the last time)."""
    now = clock.now()
    key = counted_key(SIGNED_IN_FROM, f"{account.username}\0{client_address()}")
    db.session.execute(delete(StaffSignInAddress).where(
        StaffSignInAddress.staff_account_id == account.id,
        StaffSignInAddress.last_signed_in_at <= now - _known_for(config)))
    known = db.session.scalars(select(StaffSignInAddress).where(
        StaffSignInAddress.staff_account_id == account.id, StaffSignInAddress.address_key == key)).first()
    if known is None:
        db.session.add(StaffSignInAddress(staff_account_id=account.id, address_key=key, last_signed_in_at=now))
    else:
        known.last_signed_in_at = now
    db.session.commit()


def _signed_in_from_here(username: str, address: str, config) -> bool:
    key = counted_key(SIGNED_IN_FROM, f"{username}\0{address}")
    return db.session.scalar(select(func.count()).select_from(StaffSignInAddress).join(
        StaffAccount, StaffAccount.id == StaffSignInAddress.staff_account_id).where(
        StaffAccount.username == username, StaffSignInAddress.address_key == key,
        StaffSignInAddress.last_signed_in_at > clock.now() - _known_for(config))) > 0


def _known_for(config) -> timedelta:
    return timedelta(days=int(config["SIGN_IN_KNOWN_ADDRESS_DAYS"]))
