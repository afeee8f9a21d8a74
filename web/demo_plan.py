"""The demo's departmental open data plans (`clerkflow setup`, so `make run` shows them): the demo liaison is the
Community Development liaison, whose plan has data waiting for a date, one entry late and one recommendation not to
publish with its justification; the City Clerk's plan has one entry met (the records office's performance data set)
and one agreed for later. Added only while no plan has an entry. The late entry's history is written as it would
have happened, weeks ago, so nothing in it bends the rules (a date is never proposed in the past).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from city.open_data.catalog import any_dataset
from city.open_data.liaison_plan import liaison_departments
from city.open_data.liaison_plan_edits import (PlanEditor, agree_date, link_publication, record_entry,
                                               set_liaison_departments)
from city.open_data.models_liaison_plan import OpenDataPlanEntry
from city.open_data.performance import PERFORMANCE_SLUG
from city.rules.business_calendar import city_day

COMMUNITY_DEVELOPMENT = "Community Development"
CITY_CLERK = "City Clerk"
DEMO_LIAISONS = {"liaison": (COMMUNITY_DEVELOPMENT,)}
OFFICER = PlanEditor("officer", officer=True)


def ensure_demo_plan(connection: Connection, *, now: datetime) -> int:
    """The demo liaison's department, and the demo plans when no plan has an entry; how many entries were added."""
    for username, departments in DEMO_LIAISONS.items():
        if not liaison_departments(connection, username):   # an administrator's change stays
            set_liaison_departments(connection, username, departments, actor="setup", now=now)
    if connection.execute(select(func.count()).select_from(OpenDataPlanEntry)).scalar():
        return 0
    today = city_day(now)
    dana = PlanEditor("liaison", frozenset({COMMUNITY_DEVELOPMENT}))
    weeks_ago = now - timedelta(weeks=8)
    late = record_entry(connection, dana, {
        "department": COMMUNITY_DEVELOPMENT, "kind": "can_publish", "title": "Code enforcement cases",
        "description": "Each code enforcement case: day opened, kind of violation, block (not the address), outcome.",
        "kept_in": "The code enforcement case system (CityWorks), since 2018.",
        "proposed_date": today - timedelta(weeks=2)}, today=city_day(weeks_ago), now=weeks_ago)
    agree_date(connection, OFFICER, late, today - timedelta(weeks=2), today=city_day(weeks_ago),
               now=weeks_ago + timedelta(days=2))
    record_entry(connection, dana, {
        "department": COMMUNITY_DEVELOPMENT, "kind": "can_publish", "title": "Rental property registrations",
        "kept_in": "The rental registration spreadsheet at the housing desk.",
        "proposed_date": today + timedelta(days=45)}, today=today, now=now)
    record_entry(connection, dana, {
        "department": COMMUNITY_DEVELOPMENT, "kind": "exclusion", "title": "Building plans of private buildings",
        "exclusion_reason": "security_risk",
        "justification": "The drawings filed with building permits show alarm, vault and exit layouts of banks, "
                         "clinics and homes; publishing them would put the occupants at risk, and the architects "
                         "hold the copyright in them."}, today=today, now=now)
    added = 3
    clerk = PlanEditor("setup", officer=True)
    if any_dataset(connection, PERFORMANCE_SLUG) is not None:
        met = record_entry(connection, clerk, {
            "department": CITY_CLERK, "kind": "can_publish", "title": "Records requests received and closed",
            "kept_in": "The records request cases in Clerkflow (aggregate figures only).",
            "proposed_date": today}, today=today, now=now)
        agree_date(connection, OFFICER, met, today, today=today, now=now)
        link_publication(connection, clerk, met, PERFORMANCE_SLUG, now=now)
        added += 1
    later = record_entry(connection, clerk, {
        "department": CITY_CLERK, "kind": "can_publish", "title": "Council meeting minutes since 2000",
        "kept_in": "Scanned minute books in the clerk's document archive.",
        "proposed_date": today + timedelta(days=120)}, today=today, now=now)
    agree_date(connection, OFFICER, later, today + timedelta(days=120), today=today, now=now)
    return added + 1
