"""Served over HTTPS, the site says so: the session cookie is Secure and answers carry Strict-Transport-Security
(issue 14). HTTPS is the request's own scheme, or the X-Forwarded-Proto of a trusted proxy (CLERKFLOW_TRUSTED_PROXIES,
read by ProxyFix in web/__init__.py); plain HTTP on localhost (`make run`) keeps a cookie it can send back.
CLERKFLOW_SESSION_COOKIE_SECURE=true or false forces the cookie's flag either way (docs/operations.md).
"""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

WORDS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}


def init_https(app: Flask) -> None:
    on_off_or_auto(app.config.get("SESSION_COOKIE_SECURE"))     # a mistyped setting stops the app starting
    app.session_interface = HttpsAwareSessionInterface()
    app.after_request(add_strict_transport_security)


def on_off_or_auto(value) -> bool | None:
    """A setting read as on (True), off (False) or "when HTTPS" (None, "" or "auto")."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("", "auto"):
        return None
    if text not in WORDS:
        raise ValueError(f"{value!r} is not a setting Clerkflow knows: use true, false or auto.")
    return WORDS[text]


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, Secure when the request is HTTPS unless the setting forces it."""

    def get_cookie_secure(self, app: Flask) -> bool:
        forced = on_off_or_auto(app.config.get("SESSION_COOKIE_SECURE"))
        if forced is not None:
            return forced
        return has_request_context() and request.is_secure


def add_strict_transport_security(response):
    """HSTS on HTTPS answers only (a browser ignores it over HTTP, and localhost must stay reachable)."""
    max_age = int(current_app.config.get("HSTS_MAX_AGE") or 0)
    if request.is_secure and max_age > 0:
        value = f"max-age={max_age}"
        if on_off_or_auto(current_app.config.get("HSTS_INCLUDE_SUBDOMAINS")):
            value += "; includeSubDomains"
        response.headers.setdefault("Strict-Transport-Security", value)
    return response
