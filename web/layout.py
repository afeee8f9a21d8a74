"""What every page shares: the signed-in person, dates in the clerk's format, safe headers."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, g, redirect, request, url_for

from engine import clock
from web.auth import staff_only
from web.models import ADMINISTRATOR
from web.navigation import links_for

# No inline scripts or styles anywhere, so the policy can be strict.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "frame-ancestors 'none'; form-action 'self'")


def init_layout(app: Flask) -> None:
    app.add_url_rule("/", "home", home)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["day"] = day
    app.jinja_env.globals["ADMINISTRATOR"] = ADMINISTRATOR
    app.jinja_env.globals["nav_links"] = links_for
    app.context_processor(lambda: {"staff": g.get("staff"), "now": clock.now()})
    app.after_request(add_security_headers)


@staff_only
def home():
    return redirect(url_for("inbox.index"))


def when(moment: datetime | None) -> str:
    """A date and time in UTC, minute precision ("2026-11-25 17:00 UTC")."""
    return "" if moment is None else f"{clock.as_utc(moment):%Y-%m-%d %H:%M} UTC"


def day(moment: datetime | None) -> str:
    return "" if moment is None else f"{clock.as_utc(moment):%Y-%m-%d}"


def add_security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if g.get("staff") is not None and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"   # the back button must not show work after signing out
    return response
