"""What every page shares: the signed-in person, times and money in the city's one format (web/formatting.py),
safe headers."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, g, redirect, request, url_for

from engine import clock
from city.rules.business_calendar import CITY_TIME_ZONE
from web.auth import staff_only
from web.access import ADMINISTRATOR
from web.formatting import register_filters
from web.navigation import links_for

# No inline scripts or styles anywhere, so the policy can be strict.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "frame-ancestors 'none'; form-action 'self'")


def init_layout(app: Flask) -> None:
    app.add_url_rule("/", "home", home)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    register_filters(app)   # when, day, money: one way on every page (web/formatting.py)
    app.jinja_env.filters["city_input"] = city_input
    app.jinja_env.globals["ADMINISTRATOR"] = ADMINISTRATOR
    app.jinja_env.globals["nav_links"] = links_for
    app.context_processor(lambda: {"staff": g.get("staff"), "now": clock.now()})
    app.after_request(add_security_headers)


@staff_only
def home():
    return redirect(url_for("inbox.index"))


def city_input(moment: datetime | None) -> str:
    """The value of a datetime-local field showing `moment` in city time ("2026-11-25T23:59")."""
    return "" if moment is None else f"{clock.as_utc(moment).astimezone(CITY_TIME_ZONE):%Y-%m-%dT%H:%M}"


def from_city_input(text: str) -> datetime:
    """What a person typed in a datetime-local field, read in city time (an offset typed wins); ValueError
    when it is not a date and time."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CITY_TIME_ZONE)


def add_security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if g.get("staff") is not None and request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"   # the back button must not show work after signing out
    return response
