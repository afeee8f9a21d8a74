"""Cross-site request forgery protection: every POST carries the session's token.

The token lives in the signed session cookie and in a hidden `csrf_token` field of every
form (or the `X-CSRF-Token` header). A state-changing request whose token is missing or
different is refused with a 400 page before any view runs, signed in or not.

One exemption: a request to a route of the REST API (`web/api`) that carries an
`Authorization: Bearer ...` header is authenticated by that token alone and never by the session
cookie (`web.auth.load_signed_in_staff`), so there is no ambient credential to forge. A browser
cannot add that header to a cross-site form, and a signed-in browser calling the API without a
token still needs the session's token in `X-CSRF-Token`. SpiffArena's connector (`web/connector`) is
exempt whatever a call carries: it answers only calls that carry a token, never a session.
"""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session

from engine import ClerkflowError
from web.auth import bearer_token

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
API_BLUEPRINT = "api"
CONNECTOR_BLUEPRINT = "connector"


class CsrfRefused(ClerkflowError):
    """The form did not carry this session's token (expired session, or sent from another site)."""

    status = 400


def csrf_token() -> str:
    """This session's token, made on first use (templates call it as `csrf_token()`)."""
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def check_csrf_token() -> None:
    if request.method in SAFE_METHODS or is_bearer_api_call():
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FORM_FIELD) or request.headers.get(HEADER)
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused("This form has expired or was not sent from a Clerkflow page, so nothing was "
                          "changed. Go back, reload the page and submit it again.")


def is_bearer_api_call() -> bool:
    """A call to a route of the API blueprint authenticated by a bearer token (not by the session), or any
    call to the SpiffArena connector, which never acts on a session (`web.connector.views.tokens_only`)."""
    if request.blueprint == CONNECTOR_BLUEPRINT:
        return True
    return request.blueprint == API_BLUEPRINT and bearer_token() is not None


def init_csrf(app: Flask) -> None:
    app.before_request(check_csrf_token)
    app.jinja_env.globals["csrf_token"] = csrf_token
