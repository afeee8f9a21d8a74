"""The health check a load balancer polls: the app answers and its database does too."""
from __future__ import annotations

import logging

from flask import Blueprint
from sqlalchemy import text

from web.current import process_engine
from web.auth import public

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        with process_engine().database.read() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: the database did not answer")
        return {"status": "unavailable"}, 503
    return {"status": "ok"}
