"""Who may see what: staff sign in with a username and password, and roles open the pages.

Every page needs a signed-in, active staff account except the ones marked `@public` (sign-in,
health check) and static files: `refuse_strangers` enforces that for every request, so a view
that forgets its decorator is still closed. `@staff_only` and `@role_required(...)` say on each
view who it is for. A failed sign-in says the same thing whatever was wrong, takes the same
time, and is logged without the username or password. Failed sign-ins are counted and slow down whoever
is guessing, never the owner of the account at the addresses they sign in from (`web.throttle.sign_in_wait`):
a refused attempt gets a 429 page without the password being checked.

A session carries its account's `session_epoch` from sign-in; when the account's number moves on (sign-out,
a new password, deactivation) every session of it ends on its next request, a copied cookie included.
An address that no page has is a 404 page for anyone, signed in or not: a mistyped public link does
not send a member of the public to the staff sign-in (under /api, a stranger still gets the API's 401).

The REST API (`/api`, docs/api.md) also takes `Authorization: Bearer <token>`: a token of a staff
account (`web.models_api`) acts with that account's roles. A request that sends a bearer token is
judged by the token alone (never by the session cookie too), and a stranger to the API gets a
401 JSON body rather than the sign-in page.
"""
from __future__ import annotations

import logging
from functools import cache, wraps
from secrets import token_urlsafe
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, abort, current_app, flash, g, jsonify, redirect, render_template, request,
                   session, url_for)
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from web.errors import wants_json
from web.paths import is_api_request, is_connector_request
from web.models import StaffAccount, db, normalize_username, password_hasher
from web.throttle import count_sign_in_failure, remember_sign_in, sign_in_wait
from web.models_api import account_for_token

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

SESSION_KEY = "staff_account_id"
SESSION_EPOCH_KEY = "staff_session_epoch"
SIGN_IN_REFUSED = "That username and password do not match an active staff account."
TOO_MANY_FAILURES = ("Too many failed sign-ins for this username from this connection: wait {wait} and try again, "
                     "or ask an administrator to set a new password.")
BEARER = "bearer"
SPIFF_CONNECTOR_KEY_HEADER = "Spiff-Connector-Proxy-Api-Key"
CONNECTOR_TOKEN_NEEDED = ("Send the API token of a connector account (Authorization: Bearer <token>, or SpiffArena's "
                          f"{SPIFF_CONNECTOR_KEY_HEADER} header); docs/connector.md says how to make one.")
# Who a view is for, recorded on it by the decorators below (`view.clerkflow_roles`): ANY_STAFF, or the
# frozenset of roles `role_required` names. A view that narrows further inside (per office, per method)
# says so where it does; tests/web/test_access_matrix.py reads these and requests every route as every role.
ANY_STAFF = "any staff"


def public(view):
    """Open to anyone, signed in or not (sign-in page, health check)."""
    view.clerkflow_public = True
    return view


def staff_only(view):
    """Only for signed-in staff; anyone else is sent to the sign-in page."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("staff") is None:
            return to_sign_in()
        return view(*args, **kwargs)
    wrapped.__dict__.setdefault("clerkflow_roles", ANY_STAFF)    # role_required's narrower set, copied by wraps
    return wrapped


def role_required(*roles: str):
    """Only for staff holding at least one of `roles`; other staff get a 403 page."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not g.staff.role_set & set(roles):
                abort(403, description=f"This page is for the {' or '.join(roles)} role. Ask an administrator "
                                       "if you need it.")
            return view(*args, **kwargs)
        wrapped.clerkflow_roles = frozenset(roles)
        return staff_only(wrapped)
    return decorate


def init_auth(app: Flask) -> None:
    app.before_request(load_signed_in_staff)
    app.before_request(refuse_strangers)


def load_signed_in_staff() -> None:
    g.staff = None
    g.bearer_token_sent = False
    if is_api_request():
        raw_token = bearer_token()
        if raw_token is not None:
            g.bearer_token_sent = True
            g.staff = account_for_token(raw_token)
            return                       # a request with a token is judged by the token alone
    account_id = session.get(SESSION_KEY)
    if account_id is None or _is_static(request.endpoint):
        return
    account = db.session.get(StaffAccount, account_id)
    if account is None or not account.active or session.get(SESSION_EPOCH_KEY) != account.session_epoch:
        session.clear()     # removed, deactivated, signed out elsewhere or given a new password since signing in
        return
    g.staff = account


def keep_this_session(account: StaffAccount) -> None:
    """After `account` ended its sessions by its own hand (a new password), the browser that did it stays signed in."""
    if session.get(SESSION_KEY) == account.id:
        session[SESSION_EPOCH_KEY] = account.session_epoch


def refuse_strangers():
    if g.staff is not None or _is_static(request.endpoint):
        return None
    if isinstance(request.routing_exception, NotFound) and not is_api_request():
        # No page has this address: a 404 for anyone, so a mistyped public link is not a staff sign-in.
        # (The API keeps answering a stranger 401 at any address under /api: it has no public pages.)
        raise request.routing_exception
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "clerkflow_public", False):
        return None
    return to_sign_in()


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    next_page = request.values.get("next", "")
    if g.staff is not None and request.method == "GET":
        return redirect(_safe_next(next_page))
    username = ""
    if request.method == "POST":
        username = normalize_username(request.form.get("username", ""))
        wait = sign_in_wait(username, current_app.config) if username else None
        if wait is not None:
            log.info("sign-in refused: too many failures")
            flash(TOO_MANY_FAILURES.format(wait=_in_words(wait)), "error")
            return render_template("auth/login.html", username=username, next_page=next_page), 429
        account = _account_if_password_matches(username, request.form.get("password", ""))
        if account is not None:
            remember_sign_in(account, current_app.config)
            session.clear()                 # a fresh session (and CSRF token) for the signed-in person
            session[SESSION_KEY] = account.id
            session[SESSION_EPOCH_KEY] = account.session_epoch
            session.permanent = True
            log.info("staff account %s signed in", account.id)
            return redirect(_safe_next(next_page))
        log.info("sign-in refused")
        count_sign_in_failure(username)
        flash(SIGN_IN_REFUSED, "error")
    return render_template("auth/login.html", username=username, next_page=next_page)


@bp.post("/logout")
@staff_only
def logout():
    g.staff.end_sessions()          # a copy of this cookie, and the account's other sessions, end too
    db.session.commit()
    log.info("staff account %s signed out", g.staff.id)
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


def _in_words(wait) -> str:
    seconds = max(1, -int(-wait.total_seconds() // 1))
    if seconds < 60:
        return "a second" if seconds == 1 else f"{seconds} seconds"
    minutes = -(-seconds // 60)
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def _account_if_password_matches(username: str, password: str) -> StaffAccount | None:
    account = db.session.scalars(select(StaffAccount).where(StaffAccount.username == username)).first() \
        if username else None
    if account is None:
        _spend_as_much_as_a_real_check(password)   # same work as for a real account: no user enumeration
        return None
    if not account.check_password(password) or not account.active:
        return None
    return account


@cache
def _stand_in_hash() -> str:
    return password_hasher.hash(token_urlsafe(16))


def _spend_as_much_as_a_real_check(password: str) -> None:
    try:
        password_hasher.verify(_stand_in_hash(), password)
    except Exception:   # argon2 says "mismatch" by raising; that is the expected outcome here
        pass


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header ("" for a malformed one), else None.

    Under /connector, SpiffArena's own header (`Spiff-Connector-Proxy-Api-Key`, which its backend sends when
    SPIFFWORKFLOW_BACKEND_CONNECTOR_PROXY_API_KEY is set) carries the same token (docs/connector.md)."""
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != BEARER:
        spiff_key = request.headers.get(SPIFF_CONNECTOR_KEY_HEADER) if is_connector_request() else None
        return spiff_key.strip() if spiff_key is not None else None
    return credentials.strip()


def _api_unauthorized():
    if g.get("bearer_token_sent"):
        message = "That API token is not valid: it is unknown, revoked, or its account is no longer active."
    elif is_connector_request():
        message = CONNECTOR_TOKEN_NEEDED
    else:
        message = "Send an API token (Authorization: Bearer <token>) or sign in to use the Clerkflow API."
    body = {"error": {"code": "unauthorized", "message": message, "fields": {}}}
    if is_connector_request():
        # SpiffArena reads a connector proxy's failure as {"command_response": {}, "error": {"error_code", "message"}}.
        body = {"command_response": {}, "error": {**body["error"], "error_code": "Unauthorized"}}
    response = jsonify(body)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="clerkflow"'
    return response


def to_sign_in():
    if is_api_request():
        return _api_unauthorized()
    if wants_json():
        response = jsonify(error="sign_in_required", message="Sign in to use Clerkflow.")
        response.status_code = 401
        return response
    next_page = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=next_page))


def is_safe_local_path(target: str | None) -> bool:
    """True for a path on this site ("/inbox?x=1"); false for "//evil.example", "https://..." and the like."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _safe_next(target: str | None) -> str:
    return target if is_safe_local_path(target) else url_for("inbox.index")


def _is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))
