"""Who may open which staff pages: one table, read by the pages' own checks and by the top bar alike,
so a person is never offered a link that answers "not allowed".

Pages that any staff member may open (the inbox, My notifications) need no entry; the payments page
decides per office (`web.inbox.payments`).
"""
from __future__ import annotations

from collections.abc import Iterable

from city.rules.roles import (ADMINISTRATOR, ANALYST, CITY_CLERK, CITY_MANAGER, CITY_ROLE_DESCRIPTIONS, CLERK,
                              CUSTODIAN, FINANCE, IT_OPEN_DATA_COORDINATOR, OPEN_DATA_LIAISON, OPEN_DATA_OFFICER,
                              RECORDS_MANAGER, office_of_custodian_role)

# The account of a SpiffArena server calling the city's rules through /connector (web/connector, docs/connector.md):
# only the connector's endpoints accept it, and they accept no other role, so its token opens nothing else.
CONNECTOR = "connector"
ROLES = (*CITY_ROLE_DESCRIPTIONS, ANALYST, ADMINISTRATOR, CONNECTOR)
# What each role is for, as the administrator's user pages show it (issue 5, "Sign-in and roles").
ROLE_DESCRIPTIONS = {
    **CITY_ROLE_DESCRIPTIONS,
    ANALYST: "Analyst: reports and statistics",
    ADMINISTRATOR: "Administrator: staff accounts, roles and process instances",
    CONNECTOR: "SpiffArena connector: a machine account whose API token lets a SpiffArena server call the "
               "city's read-only rules (calendar, fees, custodians)",
}

# Monitoring: every instance, its data (masked for analysts), the process overview.
MONITORING_ROLES = frozenset({ADMINISTRATOR, ANALYST})
# Who watches the office's performance and its fee money; nothing on the dashboard names a requester.
DASHBOARD_ROLES = (ADMINISTRATOR, ANALYST, CITY_CLERK, RECORDS_MANAGER, FINANCE)
# Repairing running instances (issue 18): migrate them to another version, skip a step, move back to a completed one.
# Administrators only: analysts monitor read-only (MONITORING_ROLES), and a repair changes what an instance does.
REPAIR_ROLES = (ADMINISTRATOR,)
# The modeler: edit, validate and deploy diagrams and forms.
DEPLOYERS = (ANALYST, ADMINISTRATOR)
# The City Clerk issues the offices' cash floats (003, Art. 6); administrators keep every setting.
CASH_FLOAT_ROLES = (ADMINISTRATOR, CITY_CLERK)
SETTINGS_ROLES = (ADMINISTRATOR,)
# SpiffArena's connector proxy protocol (web/connector): the connector role alone.
CONNECTOR_ROLES = (CONNECTOR,)
# Entering a request received by mail, telephone, e-mail, fax or at the counter (web/inbox/intake.py), and
# recording records handed out free at the counter (web/inbox/handouts.py): the clerk's office takes requests
# for every office, and each office's custodians (`custodian:<office>`, designated ones included) take those
# handed in at their office (003, Art. 6).
INTAKE_ROLES = (CLERK, CITY_CLERK, CUSTODIAN, ADMINISTRATOR)
# Sending a data set for review with the Open Data Review and Approval Form (web/inbox/open_data.py): the
# requestor is a department's open data coordinator or liaison (002, Sacramento's procedure).
DATASET_SUBMIT_ROLES = (OPEN_DATA_LIAISON, ADMINISTRATOR)
# Entering a data privacy complaint received by mail, telephone, e-mail or at the counter (web/inbox/privacy_intake.py):
# complaints go to the City Clerk (000), whose office enters them.
PRIVACY_INTAKE_ROLES = (CLERK, CITY_CLERK, ADMINISTRATOR)
# The catalog's staff page (web/admin/open_data_catalog.py): vet a data set that appeared without approval, withdraw
# one; the Open Data Officer oversees the portal (KCMO Sec. 2-2134), administrators keep everything.
CATALOG_ROLES = (OPEN_DATA_OFFICER, ADMINISTRATOR)
# The departments' open data plans (KCMO Sec. 2-2135; web/inbox/open_data_plan.py): a liaison keeps their own
# department's entries; the Open Data Officer, who "coordinate[s] the publication of public data from City
# departments" (Sec. 2-2134), and administrators see and change every department's (web/admin/open_data_plan.py)
# and alone agree dates and answer exclusions.
PLAN_ROLES = (OPEN_DATA_LIAISON, OPEN_DATA_OFFICER, ADMINISTRATOR)
PLAN_OVERSIGHT_ROLES = (OPEN_DATA_OFFICER, ADMINISTRATOR)
# The yearly Open Data Compliance Reports and their PDFs (web/inbox/compliance_reports.py): the roles that work them
# (the Records Manager prepares and submits, the Advisory Group's liaisons and IT coordinator comment, the City
# Manager receives), the Open Data Officer who oversees the portal and the liaisons, and administrators.
COMPLIANCE_REPORT_ROLES = (RECORDS_MANAGER, OPEN_DATA_LIAISON, IT_OPEN_DATA_COORDINATOR, CITY_MANAGER, OPEN_DATA_OFFICER,
                           ADMINISTRATOR)
# Reporting a published data set as inaccurate, misleading or protected from the inbox (web/inbox/dataset_report.py):
# "anyone (public or staff)" reports (issue 16), so every staff role may, for themselves or for someone who wrote or
# telephoned; the public reports from the data set's page.
DATASET_REPORT_ROLES = ROLES


def oversees_open_data_plans(roles: Iterable[str]) -> bool:
    """Whether someone with `roles` sees every department's open data plan and agrees its dates."""
    return bool(set(roles) & set(PLAN_OVERSIGHT_ROLES))


def may_enter_requests(roles: Iterable[str]) -> bool:
    """Whether someone working under `roles` (web.current.work_roles) may enter a request received another way."""
    roles = set(roles)
    return bool(roles & set(INTAKE_ROLES)) or any(office_of_custodian_role(role) for role in roles)
