"""Which department(s) an open data liaison speaks for, set on the administrator's staff account page (KCMO
Sec. 2-2135: "The head of each City department ... shall designate from within the department ... one or more open
data liaisons"). A liaison sees and changes only those departments' open data plans (web/inbox/open_data_plan.py).
The departments are typed one a line, as the catalog names them; the names the catalog and the plans already use
are offered. The change goes into the settings change log with the account's other changes.
"""
from __future__ import annotations

from sqlalchemy import select

from city.change_log import record_change
from city.open_data.liaison_plan import liaison_departments, plan_departments
from city.open_data.liaison_plan_edits import MAX_DEPARTMENT, set_liaison_departments
from city.open_data.models_catalog import Dataset
from engine import clock
from web.admin.account_changes import STAFF_ACCOUNT
from web.current import signed_in_staff
from web.models import StaffAccount, db

MAX_DEPARTMENTS = 20


def liaison_form(account: StaffAccount, *, typed: str | None = None, error: str = "") -> dict:
    """What the page's "Open data liaison" card shows: the departments (as typed, or as kept), the names known."""
    connection = db.session.connection()
    kept = liaison_departments(connection, account.username)
    known = set(plan_departments(connection)) | set(connection.execute(select(Dataset.department).distinct()).scalars())
    return {"text": "\n".join(kept) if typed is None else typed, "kept": kept, "error": error,
            "known": sorted(known, key=str.casefold)}


def save_liaison_departments(account: StaffAccount, typed: str) -> str:
    """Keep the departments typed one a line; "" when saved, else what to correct (nothing saved)."""
    names = [" ".join(line.split()) for line in typed.splitlines() if line.strip()]
    if len(names) > MAX_DEPARTMENTS:
        return f"List at most {MAX_DEPARTMENTS} departments."
    too_long = [name for name in names if len(name) > MAX_DEPARTMENT]
    if too_long:
        return f"A department's name is at most {MAX_DEPARTMENT} characters."
    connection = db.session.connection()
    before = liaison_departments(connection, account.username)
    after = set_liaison_departments(connection, account.username, names, actor=signed_in_staff().username)
    if tuple(before) != tuple(after):
        record_change(db.session, at=clock.now(), actor=signed_in_staff().username, kind=STAFF_ACCOUNT,
                      subject_key=account.username, action="liaison_departments",
                      before={"liaison_departments": list(before)}, after={"liaison_departments": list(after)})
    return ""
