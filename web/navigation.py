"""The top bar's links: each page a signed-in person may use, by the roles on their account, read from
the same table the pages check (`web.access`)."""
from __future__ import annotations

from dataclasses import dataclass

from web.access import (CASH_FLOAT_ROLES, CATALOG_ROLES, COMPLIANCE_REPORT_ROLES, DASHBOARD_ROLES,
                        DATASET_SUBMIT_ROLES, DEPLOYERS, MONITORING_ROLES, PLAN_OVERSIGHT_ROLES, PLAN_ROLES,
                        PRIVACY_INTAKE_ROLES, SETTINGS_ROLES, may_enter_requests)
from web.current import work_roles
from web.models import StaffAccount


@dataclass(frozen=True)
class Link:
    endpoint: str
    label: str


def links_for(staff: StaffAccount | None, *, shows_payments: bool = False) -> list[Link]:
    if staff is None:
        return []
    roles = staff.role_set
    links = [Link("inbox.index", "Inbox")]
    if may_enter_requests(work_roles(staff)):      # a custodian designated in the register takes requests too
        links.append(Link("inbox.intake", "Enter a request"))
        links.append(Link("inbox.handed_out", "Handed out free"))
    if roles & set(PRIVACY_INTAKE_ROLES):
        links.append(Link("inbox.privacy_intake", "Enter a privacy complaint"))
    if roles & set(DATASET_SUBMIT_ROLES):
        links.append(Link("inbox.submit_dataset", "Send a data set for review"))
    if roles & set(PLAN_OVERSIGHT_ROLES):          # every department's plan, with the dates to agree
        links.append(Link("admin.open_data_plan", "Open data plans"))
    elif roles & set(PLAN_ROLES):                   # a liaison: their own department's plan
        links.append(Link("inbox.open_data_plan", "Open data plan"))
    if roles & set(CATALOG_ROLES):
        links.append(Link("admin.open_data_catalog", "Open data catalog"))
    if roles & set(COMPLIANCE_REPORT_ROLES):
        links.append(Link("inbox.compliance_reports", "Compliance reports"))
    if shows_payments:
        links.append(Link("inbox.payment", "Record a payment"))
    if roles & set(DASHBOARD_ROLES):
        links.append(Link("admin.dashboard", "Dashboard"))
    if roles & set(MONITORING_ROLES):
        links += [Link("admin.instances", "Instances"), Link("admin.processes", "Processes")]
    if roles & set(DEPLOYERS):
        links.append(Link("modeler.index", "Modeler"))
    if roles & set(SETTINGS_ROLES):
        links += [Link("admin.settings", "Settings"), Link("admin.users", "Staff")]
    elif roles & set(CASH_FLOAT_ROLES):      # the City Clerk issues the offices' cash floats (003, Art. 6)
        links.append(Link("admin.settings_cash_floats", "Cash floats"))
    links.append(Link("account.notifications", "My notifications"))
    return links


