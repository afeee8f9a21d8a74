"""Which part of the site a request is for: the REST API lives under one prefix, and both sign-in and the
error pages answer it differently (JSON, never a page or the sign-in form)."""
from __future__ import annotations

from flask import request

API_PREFIX = "/api"


def is_api_request() -> bool:
    """True for every address under /api (a route of the API blueprint or not)."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")
