"""Every department's open data plan for the Open Data Officer (KCMO Sec. 2-2134, 2-2135(4); docs/open-data.md).

The officer "shall coordinate the publication of public data from City departments" (Sec. 2-2134) and
"establish[es] timelines" with each liaison (Sec. 2-2135(4)): here they see the whole list across departments with
its proposed and agreed dates, late entries first and counted at the top, filtered by department and state; agree
a proposed date or set another (with a note for the department); and accept or question a recommendation not to
publish. Administrators may do the same. A refused form shows the list again with the message beside the entry
and what was typed kept.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from city.open_data.liaison_plan import STATES, plan_departments, plan_entries, plan_entry
from city.open_data.liaison_plan_edits import PlanInputError, agree_date, review_exclusion
from web.access import PLAN_OVERSIGHT_ROLES
from web.admin.blueprint import bp
from web.auth import role_required
from web.inbox.open_data_plan import city_today, plan_editor
from web.models import db


@bp.get("/open-data/plan")
@role_required(*PLAN_OVERSIGHT_ROLES)
def open_data_plan():
    return _list_page()


@bp.post("/open-data/plan/<int:entry_id>/agree")
@role_required(*PLAN_OVERSIGHT_ROLES)
def agree_plan_date(entry_id: int):
    entry = _entry_or_404(entry_id)
    typed = {"agreed_date": request.form.get("agreed_date", "").strip(), "note": request.form.get("note", "")}
    try:
        agree_date(db.session.connection(), plan_editor(), entry_id, typed["agreed_date"], today=city_today(),
                   note=typed["note"])
    except PlanInputError as refused:
        return _refused(entry, refused, typed)
    db.session.commit()
    flash(f'The publishing date of "{entry.title}" ({entry.department}) is agreed: {typed["agreed_date"]}.', "success")
    return redirect(_back_to_list(entry_id))


@bp.post("/open-data/plan/<int:entry_id>/review")
@role_required(*PLAN_OVERSIGHT_ROLES)
def review_plan_exclusion(entry_id: int):
    entry = _entry_or_404(entry_id)
    typed = {"review": request.form.get("review", ""), "note": request.form.get("note", "")}
    try:
        review_exclusion(db.session.connection(), plan_editor(), entry_id, typed["review"], typed["note"])
    except PlanInputError as refused:
        return _refused(entry, refused, typed)
    db.session.commit()
    answer = "accepted" if typed["review"] == "accepted" else "questioned; the liaison sees your note"
    flash(f'The recommendation not to publish "{entry.title}" ({entry.department}) is {answer}.', "success")
    return redirect(_back_to_list(entry_id))


def _list_page(*, errors=None, typed=None, status: int = 200):
    connection = db.session.connection()
    today = city_today()
    departments = plan_departments(connection)
    department = request.values.get("department", "")
    department = department if department in departments else ""
    state = request.values.get("state", "")
    state = state if state in STATES else ""
    entries = plan_entries(connection, today=today, departments=[department] if department else None, state=state)
    every_late = [entry for entry in plan_entries(connection, today=today, state="late")
                  if not department or entry.department == department]
    return render_template("admin/open_data_plan.html", entries=entries, departments=departments, states=STATES,
                           chosen={"department": department, "state": state}, late_count=len(every_late),
                           errors=errors or {}, typed=typed or {}, today=today), status


def _refused(entry, refused: PlanInputError, typed: dict[str, str]):
    db.session.rollback()
    flash(f'Nothing was saved for "{entry.title}": {refused}', "error")
    return _list_page(errors={entry.entry_id: {refused.field: str(refused)}}, typed={entry.entry_id: typed},
                      status=400)


def _back_to_list(entry_id: int) -> str:
    filters = {name: request.form.get(name) for name in ("department", "state") if request.form.get(name)}
    return url_for(".open_data_plan", **filters) + f"#entry-{entry_id}"


def _entry_or_404(entry_id: int):
    entry = plan_entry(db.session.connection(), entry_id, today=city_today())
    if entry is None:
        abort(404, description="There is no such entry in the open data plans.")
    return entry
