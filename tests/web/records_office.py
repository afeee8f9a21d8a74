"""The city's records office as the portal, mail and payment tests need it: the city data seeded and
the records request process deployed with its forms, and what a member of the public types."""
from __future__ import annotations

import re
from pathlib import Path

from city.citydata import seed_defaults
from city.office import city_data_of

REPO = Path(__file__).parents[2]
REQUEST = {"requester_name": "Pat Doe", "requester_address": "12 Elm Street, Springfield KS 66000",
           "records_description": "Council minutes of January 2026"}
STATUS_LINK = re.compile(r'href="https?://[^/"]+(/status/[A-Za-z0-9_-]+)"')
TRACKING = re.compile(r"R-\d{4}-\d{5}")


def open_records_office(engine):
    """Seed the city's data (at the clock's now) and deploy processes/records_request.bpmn; returns `engine`."""
    with engine.database.write() as session:
        seed_defaults(session, actor="setup")
    city_data_of(engine).invalidate()
    engine.deploy_file(REPO / "processes" / "records_request.bpmn", REPO / "forms", actor="analyst")
    return engine
