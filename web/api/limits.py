"""How often one caller may use the REST API (and SpiffArena's connector, `web.connector`): `API_RATE_LIMIT` (default 600 per minute) for each
staff account (by its token or its session), else for each address. Past it, the API answers 429
in its usual JSON shape with `Retry-After`, and nothing runs.

Flask-Limiter does the counting (fixed windows, standard headers). Its default storage is each web
worker's memory, so with several workers each counts its own share; `CLERKFLOW_RATELIMIT_STORAGE_URI`
(e.g. `redis://localhost:6379`) makes them count together (docs/api.md). The pages are not limited
here: sign-in and the portal count their own attempts (`web.throttle`).

Flask-Limiter writes `Retry-After` on every answer it counts; a client reading it on a 200 would
wait for nothing, so it stays only on 429 (and on the 503 of a database out of reach, with the
seconds `web.errors` chose).
"""
from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter

from web.api.blueprint import bp
from web.connector.blueprint import bp as connector_bp

DEFAULT_API_RATE = "600 per minute"
RETRY_STATUSES = (429, 503)
LIMITER_EXTENSION = "clerkflow_api_limiter"


def api_caller() -> str:
    """Whom a call is counted against: the staff account acting, else the address it came from."""
    staff = g.get("staff")
    return f"staff:{staff.id}" if staff is not None else f"address:{request.remote_addr or 'unknown'}"


def api_rate() -> str:
    return str(current_app.config.get("API_RATE_LIMIT") or DEFAULT_API_RATE)


def init_limits(app: Flask) -> None:
    """After sign-in is set up, so the account is known when a call is counted."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.after_request(retry_after_only_when_refused)   # before the limiter's: after_request runs last first
    limiter = Limiter(key_func=api_caller, app=app, default_limits=[])
    limiter.limit(api_rate, key_func=api_caller)(bp)
    limiter.limit(api_rate, key_func=api_caller)(connector_bp)   # SpiffArena's calls count alike (web.connector)
    app.extensions[LIMITER_EXTENSION] = limiter


def retry_after_only_when_refused(response: Response) -> Response:
    """`Retry-After` on a 429 (the limiter's) and a 503 (the one its handler set); on nothing else."""
    if response.status_code == 503 and g.get("retry_after") is not None:
        response.headers["Retry-After"] = str(g.retry_after)
    elif response.status_code not in RETRY_STATUSES:
        response.headers.pop("Retry-After", None)
    return response
