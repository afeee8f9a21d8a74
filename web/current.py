"""What the running app holds for a request: its engine, the city data, and who is signed in.

Every blueprint reaches them here (never through `web/__init__`, which builds the app and imports the
blueprints: importing it from a blueprint would make a cycle).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g

from city.citydata import CityData
from city.rules.custodians import designated_roles
from city.rules.roles import CITY_CLERK, CITY_CLERK_OFFICE, office_roles
from engine import ProcessEngine

if TYPE_CHECKING:
    from web.models import StaffAccount

ENGINE_EXTENSION = "clerkflow_engine"
CITY_DATA_EXTENSION = "clerkflow_city_data"


def process_engine() -> ProcessEngine:
    """The running app's engine (one per app, made by `create_app`)."""
    return current_app.extensions[ENGINE_EXTENSION]


def city_data() -> CityData:
    """The running app's city data: call it for the settings in force, `apply` a change through it."""
    return current_app.extensions[CITY_DATA_EXTENSION]


def work_roles(staff: StaffAccount) -> frozenset[str]:
    """The roles a person works under: their account's, plus `custodian:<office>` for every office
    whose register names them a designated record custodian today (003, Art. 6).

    The City Clerk (`city_clerk`) is the official custodian of the City Clerk's office, so she works all
    of that office's work (`office_roles`: its custodian's tasks and the Clerk lane's) without being
    designated in the register. Who may see, claim, be given and be told of a task all read this."""
    register = city_data()().get("custodian_register", {})
    roles = staff.role_set | frozenset(designated_roles(staff.username, register))
    if CITY_CLERK in roles:
        roles |= frozenset(office_roles(CITY_CLERK_OFFICE))
    return roles


def signed_in_staff() -> StaffAccount:
    """The `StaffAccount` of this request (views behind `@staff_only` always have one)."""
    return g.staff
