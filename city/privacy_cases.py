"""A privacy complaint about a records request not answered in time names the request, and the case links to it.

000, "Common violations": "Failure to respond to a public records request within required timeframes"; How-To:
"Gather documentation: records requests, logs, emails". The tracking number must be one the city gave (a
records request, R-2026-00042); `linked_records_request` (host operator, read in the step's transaction) keeps
the request's instance, title and state with the complaint, so the City Clerk sees it beside the complaint.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from city.ledger import host_operator
from city.reports import RECORDS_REQUEST
from city.rules.registry import OperatorArgumentError, Parameter
from engine.models import ProcessInstance

INSTANCE = ProcessInstance.__table__
TRACKING_NUMBER = re.compile(r"^R-\d{4}-\d{5}$")


def normalized_tracking_number(text: str | None) -> str:
    """The tracking number as the city writes it ("r-2026-00042 " -> "R-2026-00042")."""
    return (text or "").strip().upper()


def records_request_row(connection: Connection, tracking_number: str | None) -> Any | None:
    """The records request numbered `tracking_number`, or None when the city gave no such number."""
    number = normalized_tracking_number(tracking_number)
    if not TRACKING_NUMBER.match(number):
        return None
    return connection.execute(
        select(INSTANCE.c.id, INSTANCE.c.business_key, INSTANCE.c.title, INSTANCE.c.status, INSTANCE.c.started_at,
               INSTANCE.c.ended_at, INSTANCE.c.current_steps)
        .where(INSTANCE.c.process_key == RECORDS_REQUEST, INSTANCE.c.business_key == number)).first()


def unknown_records_request(connection: Connection, tracking_number: str | None) -> str:
    """Why the number cannot be linked ("" when it names a records request), in words for the person."""
    if not normalized_tracking_number(tracking_number):
        return ""
    if records_request_row(connection, tracking_number) is None:
        return (f'is not the tracking number of a records request ("{normalized_tracking_number(tracking_number)}"): '
                "copy it from the acknowledgement, such as R-2026-00042, or leave it empty.")
    return ""


@host_operator(
    "privacy.linked_records_request",
    "000: the records request a complaint names by its tracking number (instance, title, state, when started and "
    "ended), to link the complaint to it.",
    Parameter("tracking_number", "string", description="the records request's tracking number, R-2026-00042"),
)
def linked_records_request(connection: Connection, now: datetime, *, tracking_number: str) -> dict[str, Any]:
    row = records_request_row(connection, tracking_number)
    if row is None:
        raise OperatorArgumentError(f'no records request has the tracking number "{tracking_number}"',
                                    "tracking_number")
    return {"tracking_number": row.business_key, "instance_id": row.id, "title": row.title,
            "status": getattr(row.status, "value", row.status), "started_at": row.started_at,
            "ended_at": row.ended_at, "open_steps": row.current_steps}
