"""Demo sign-ins for trying Clerkflow out: one account per kind of staff.

Accounts are created when missing and never changed afterwards, so a password or role an
administrator changed stays changed. The password comes from `CLERKFLOW_DEMO_PASSWORD`.
"""
from __future__ import annotations

import os

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from city.rules.roles import (CITY_ATTORNEY, CITY_CLERK, CITY_MANAGER, CLERK, CUSTODIAN, INFORMATION_TECHNOLOGY,
                              IT_OPEN_DATA_COORDINATOR, OPEN_DATA_LIAISON, OPEN_DATA_OFFICER,
                              PROCUREMENT, RECORDS_MANAGER, custodian_role)
from city.defaults import DEFAULT_OFFICE_KEYS
from engine import FormInvalid
from engine.filestore import file_reference
from web.access import ADMINISTRATOR, ANALYST
from web.filestore import file_store
from web.models import StaffAccount, db
from web.models_notes import add_attachments

DEFAULT_DEMO_PASSWORD = "clerkflow-demo"

DEMO_ACCOUNTS = (
    ("clerk", "Casey Clerk", (CLERK, CITY_CLERK)),
    # One demo custodian for every office, so a demo request is visible whichever office holds it.
    ("custodian", "Morgan Custodian", (CUSTODIAN, *(custodian_role(office) for office in DEFAULT_OFFICE_KEYS))),
    ("attorney", "Avery Attorney", (CITY_ATTORNEY,)),
    # The open data review (002): a department's liaison sends, the Records Manager reviews, IT publishes.
    ("records", "Riley Records Manager", (RECORDS_MANAGER,)),
    ("liaison", "Dana Liaison", (OPEN_DATA_LIAISON,)),
    ("itdata", "Ivan IT Open Data", (IT_OPEN_DATA_COORDINATOR,)),
    # The Open Data Officer (KCMO Sec. 2-2134) agrees the liaisons' publishing dates (web/admin/open_data_plan.py).
    ("officer", "Olive Open Data Officer", (OPEN_DATA_OFFICER,)),
    # Data privacy complaints (000): the City Manager's office, IT and procurement work their parts.
    ("manager", "Cameron City Manager", (CITY_MANAGER,)),
    ("it", "Ira Information Technology", (INFORMATION_TECHNOLOGY,)),
    ("procurement", "Parker Procurement", (PROCUREMENT,)),
    ("analyst", "Robin Analyst", (ANALYST,)),
    ("admin", "Alex Administrator", (ADMINISTRATOR,)),
)


def ensure_demo_accounts(session: Session) -> list[tuple[str, tuple[str, ...]]]:
    """Add the missing demo accounts to `session` (the caller commits); returns every (username, roles)."""
    password = os.environ.get("CLERKFLOW_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
    existing = {account.username: account for account in session.scalars(
        select(StaffAccount).where(StaffAccount.username.in_([username for username, _, _ in DEMO_ACCOUNTS])))}
    listed = []
    for username, display_name, roles in DEMO_ACCOUNTS:
        account = existing.get(username)
        if account is None:
            account = StaffAccount(username=username, display_name=display_name, active=True)
            account.set_roles(roles)
            account.set_password(password)
            session.add(account)
        listed.append((username, tuple(sorted(account.role_set))))
    session.flush()
    return listed


DEMO_DATASET_REVIEW = {
    "dataset_title": "Building permits issued", "department": "Community Development",
    "dataset_description": "Every building permit the city issued: permit number, day issued, kind of work, "
                           "valuation, and the applicant's telephone number (to be reviewed).",
    "source": "The permit register kept at the permits counter.", "quality": "Complete since 2019; checked monthly.",
    "update_frequency": "monthly", "license": "https://opendatacommons.org/licenses/pddl/1-0/",
    "contact_name": "Dana Liaison", "contact_email": "dana.liaison@springfield.example",
    **{criterion: True for criterion in ("in_retention_schedule", "appropriate_for_release", "often_requested",
                                         "increases_accountability", "improves_public_knowledge", "furthers_mission",
                                         "creates_economic_opportunity", "not_protected_data")},
}
# The demo's sample keeps the applicants' telephone numbers in, so the Records Manager sees what the scan finds.
DEMO_DATASET_SAMPLE = ("building_permits_sample.csv",
                       b"permit_number,issued_on,work,valuation,applicant_phone\n"
                       b"BP-2026-0101,2026-10-01,Roof repair,12000,(417) 555-0143\n"
                       b"BP-2026-0102,2026-10-02,New garage,38000,417-555-0199\n"
                       b"BP-2026-0103,2026-10-05,Deck,7400,(417) 555-0127\n")


def ensure_demo_dataset_review(engine) -> int:
    """One data set sent by the demo liaison and waiting for the Records Manager's review, only when the data set
    approval is deployed and has no case yet; its sample goes to the app's file store and the case's attachments,
    as 'Send a data set for review' puts it (needs an app context)."""
    if "dataset_approval" not in {version.process_key for version in engine.versions()}:
        return 0
    if engine.list_instances(process_key="dataset_approval", limit=1):
        return 0
    filename, content = DEMO_DATASET_SAMPLE
    stored = file_store().store(content, filename)
    case = engine.start_instance("dataset_approval", {**DEMO_DATASET_REVIEW, "sample": file_reference(stored)},
                                 actor="liaison", tracking_prefix="OD")
    add_attachments(case.instance_id, [stored], "liaison", form_field="sample")
    return 1


COMPLIANCE_REPORT = "open_data_compliance_report"


def ensure_demo_compliance_report(engine) -> int:
    """The yearly Open Data Compliance Report waiting for the demo Records Manager (`records`), started now as its
    timer would start it (the timer's own day is 15 January), only when the process is deployed and has no case
    yet; started after the demo catalog and review, so its table counts them where they fall in the year reported."""
    if COMPLIANCE_REPORT not in {version.process_key for version in engine.versions()}:
        return 0
    if engine.list_instances(process_key=COMPLIANCE_REPORT, limit=1):
        return 0
    # The year so far, not last year's: the demo's catalog and plans are this year's, so a new user sees figures.
    engine.start_scheduled_instance(COMPLIANCE_REPORT, actor="setup", data={"report_year_so_far": True})
    return 1


# A resident's report on one of the demo catalog's data sets (web.catalog.demo), waiting for the Records Manager.
DEMO_DATASET_REPORT = {
    "dataset_slug": "offices-and-hours", "dataset_title": "Offices that keep public records, and their hours",
    "report_kind": "inaccurate", "reporter_name": "Pat Resident",
    "report_details": "The City Clerk's office is listed as open at lunchtime, but the counter was closed from noon "
                      "to one when I went on Tuesday.",
}


def ensure_demo_dataset_report(engine) -> int:
    """One report on a published data set waiting for the Records Manager's decision, only when the report process
    is deployed and has no case yet and the demo catalog shows the data set (web.catalog.demo publishes it first)."""
    if "dataset_takedown" not in {version.process_key for version in engine.versions()}:
        return 0
    if engine.list_instances(process_key="dataset_takedown", limit=1):
        return 0
    try:
        engine.check_start("dataset_takedown", DEMO_DATASET_REPORT)
    except FormInvalid:          # the data set is not on the catalog (an administrator took it off)
        return 0
    engine.start_instance("dataset_takedown", DEMO_DATASET_REPORT, actor="portal", tracking_prefix="DT")
    return 1


def register_demo_command(app: Flask) -> None:
    @app.cli.command("demo-accounts")
    def demo_accounts():
        """Create the demo staff accounts that are missing (the database must be migrated)."""
        listed = ensure_demo_accounts(db.session)
        db.session.commit()
        password_source = "CLERKFLOW_DEMO_PASSWORD" if os.environ.get("CLERKFLOW_DEMO_PASSWORD") \
            else f'the default "{DEFAULT_DEMO_PASSWORD}"'
        for username, roles in listed:
            click.echo(f"{username:<10} {', '.join(roles)}")
        click.echo(f"Password for new accounts: {password_source}.")
