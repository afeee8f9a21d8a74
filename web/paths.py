"""Which part of the site a request is for: the REST API lives under one prefix, SpiffArena's connector
(`web.connector`) under another, and both sign-in and the error pages answer them differently (JSON, never a
page or the sign-in form)."""
from __future__ import annotations

from flask import request

API_PREFIX = "/api"
CONNECTOR_PREFIX = "/connector"


def is_api_request() -> bool:
    """True for every address under /api or /connector (a route of their blueprints or not): callers are
    machines holding an API token."""
    return any(request.path == prefix or request.path.startswith(prefix + "/")
               for prefix in (API_PREFIX, CONNECTOR_PREFIX))


def is_connector_request() -> bool:
    return request.path == CONNECTOR_PREFIX or request.path.startswith(CONNECTOR_PREFIX + "/")
