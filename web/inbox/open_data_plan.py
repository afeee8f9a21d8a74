"""A department's open data plan, kept by its liaison in the staff inbox (KCMO Sec. 2-2135; docs/open-data.md).

The liaison lists the public data that can be published and is not, with where it is kept and a proposed
publishing date (Sec. 2-2135(1), (4)), and the data recommended not to be published, with the reason and the
written justification (2), (3); links an entry to its data set once published (5). A liaison sees and changes
only the departments an administrator set on their account (web/admin/liaison_departments.py); the Open Data
Officer and administrators reach every department's entries here too, and agree dates on their own list
(web/admin/open_data_plan.py). The rules and the history are `city.open_data.liaison_plan*`.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from city.open_data.liaison_plan import (CAN_PUBLISH, EXCLUSION_REASONS, KINDS, entry_history, liaison_departments,
                                         plan_departments, plan_entries, plan_entry)
from city.open_data.liaison_plan_edits import (NotYourDepartment, PlanEditor, PlanInputError, edit_entry,
                                               link_publication, propose_date, record_entry, withdraw_entry)
from city.rules.business_calendar import city_day
from engine import clock
from web.access import PLAN_ROLES, oversees_open_data_plans
from web.auth import role_required
from web.current import signed_in_staff
from web.inbox.blueprint import bp
from web.models import db

ENTRY_FIELDS = ("department", "kind", "title", "description", "kept_in", "proposed_date", "exclusion_reason",
                "justification")
LABELS = {"department": "Department", "kind": "Kind of entry", "title": "What the data is",
          "description": "Description", "kept_in": "Where it is kept", "proposed_date": "Proposed publishing date",
          "exclusion_reason": "Reason not to publish", "justification": "Written justification", "slug": "Data set",
          "note": "Note"}


def plan_editor() -> PlanEditor:
    """The signed-in person as an editor of the plans: which departments they may change."""
    staff = signed_in_staff()
    departments = liaison_departments(db.session.connection(), staff.username)
    return PlanEditor(staff.username, frozenset(departments), officer=oversees_open_data_plans(staff.role_set))


def city_today():
    return city_day(clock.now())


@bp.get("/open-data/plan")
@role_required(*PLAN_ROLES)
def open_data_plan():
    """The liaison's department(s): every entry, late first."""
    editor = plan_editor()
    connection = db.session.connection()
    departments = None if editor.officer else sorted(editor.departments)
    return render_template("inbox/open_data_plan.html", editor=editor, departments=departments,
                           entries=plan_entries(connection, today=city_today(), departments=departments))


@bp.route("/open-data/plan/new", methods=["GET", "POST"])
@role_required(*PLAN_ROLES)
def new_plan_entry():
    editor = plan_editor()
    choices = _department_choices(editor)
    values = {"kind": request.args.get("kind", "can_publish"), "department": choices[0] if len(choices) == 1 else ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _typed()
        try:
            entry_id = record_entry(db.session.connection(), editor, values, today=city_today())
        except PlanInputError as refused:
            errors[refused.field] = str(refused)
        except NotYourDepartment:
            errors["department"] = "You are not the open data liaison of that department: choose one of yours."
        else:
            db.session.commit()
            flash(f'"{values["title"]}" is on the {values["department"]} open data plan.', "success")
            return redirect(url_for(".plan_entry_page", entry_id=entry_id))
    return render_template("inbox/open_data_plan_entry_form.html", entry=None, values=values, errors=errors,
                           departments=choices, kinds=KINDS, reasons=EXCLUSION_REASONS, labels=LABELS,
                           today=city_today()), 400 if errors else 200


@bp.route("/open-data/plan/<int:entry_id>/edit", methods=["GET", "POST"])
@role_required(*PLAN_ROLES)
def edit_plan_entry(entry_id: int):
    editor = plan_editor()
    entry = _entry_or_abort(editor, entry_id)
    values = {name: getattr(entry, name) or "" for name in ("title", "description", "kept_in", "exclusion_reason",
                                                            "justification")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _typed()
        try:
            edit_entry(db.session.connection(), editor, entry_id, values)
        except PlanInputError as refused:
            errors[refused.field] = str(refused)
        else:
            db.session.commit()
            flash(f'"{values["title"]}" is saved; the history keeps what it said before.', "success")
            return redirect(url_for(".plan_entry_page", entry_id=entry_id))
    return render_template("inbox/open_data_plan_entry_form.html", entry=entry, values=values, errors=errors,
                           departments=[entry.department], kinds=KINDS, reasons=EXCLUSION_REASONS, labels=LABELS,
                           today=city_today()), 400 if errors else 200


@bp.get("/open-data/plan/<int:entry_id>")
@role_required(*PLAN_ROLES)
def plan_entry_page(entry_id: int):
    editor = plan_editor()
    return _entry_page(editor, _entry_or_abort(editor, entry_id))


@bp.post("/open-data/plan/<int:entry_id>/propose")
@role_required(*PLAN_ROLES)
def propose_plan_date(entry_id: int):
    editor = plan_editor()
    entry = _entry_or_abort(editor, entry_id)
    typed = {"proposed_date": request.form.get("proposed_date", "").strip(), "note": request.form.get("note", "")}
    return _act(editor, entry, typed, lambda connection: propose_date(
        connection, editor, entry_id, typed["proposed_date"], today=city_today(), note=typed["note"]),
        "The date is proposed: the Open Data Officer agrees it or sets another.")


@bp.post("/open-data/plan/<int:entry_id>/link")
@role_required(*PLAN_ROLES)
def link_plan_publication(entry_id: int):
    editor = plan_editor()
    entry = _entry_or_abort(editor, entry_id)
    typed = {"slug": request.form.get("slug", "").strip()}
    return _act(editor, entry, typed, lambda connection: link_publication(connection, editor, entry_id, typed["slug"]),
                "The entry is met: its data set is published.")


@bp.post("/open-data/plan/<int:entry_id>/withdraw")
@role_required(*PLAN_ROLES)
def withdraw_plan_entry(entry_id: int):
    editor = plan_editor()
    entry = _entry_or_abort(editor, entry_id)
    typed = {"withdraw_note": request.form.get("note", "")}
    return _act(editor, entry, typed, lambda connection: withdraw_entry(connection, editor, entry_id,
                                                                        typed["withdraw_note"]),
                "The entry is withdrawn from the plan; it stays on record.", note_field="withdraw_note")


def _act(editor, entry, typed, change, done: str, *, note_field: str = "note"):
    """Make `change`; on bad input show the entry's page again with the message and what was typed."""
    try:
        change(db.session.connection())
    except PlanInputError as refused:
        db.session.rollback()
        field = note_field if refused.field == "note" else refused.field
        return _entry_page(editor, entry, errors={field: str(refused)}, typed=typed, status=400)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".plan_entry_page", entry_id=entry.entry_id))


def _entry_page(editor, entry, *, errors=None, typed=None, status: int = 200):
    connection = db.session.connection()
    return render_template("inbox/open_data_plan_entry.html", editor=editor, entry=entry,
                           history=entry_history(connection, entry.entry_id), errors=errors or {},
                           typed=typed or {}, labels=LABELS, today=city_today()), status


def _entry_or_abort(editor: PlanEditor, entry_id: int):
    entry = plan_entry(db.session.connection(), entry_id, today=city_today())
    if entry is None:
        abort(404, description="There is no such entry in the open data plans.")
    if not editor.may_touch(entry.department):
        abort(403, description=f"This entry belongs to the {entry.department} plan; you are not its open data "
                               "liaison. Ask an administrator if you should be.")
    return entry


def with_plan_entry_choices(schema: dict | None) -> dict | None:
    """The review form's "plan_entry" as a choice of the entries the signed-in person may name (their
    departments' data waiting to be published); left out when there is none. The choice is only offered: the
    publishing step checks the entry is the data set's department's (`mark_published_by_case`)."""
    if not schema or "plan_entry" not in schema.get("properties", {}):
        return schema
    editor = plan_editor()
    departments = None if editor.officer else editor.departments
    waiting = [entry for entry in plan_entries(db.session.connection(), today=city_today(), departments=departments)
               if entry.kind == CAN_PUBLISH and not entry.published_slug]
    properties = dict(schema["properties"])
    if waiting:
        properties["plan_entry"] = {**properties["plan_entry"], "oneOf": [
            {"const": str(entry.entry_id), "title": f"{entry.department}: {entry.title}"
             + (f" (agreed for {entry.agreed_date})" if entry.agreed_date else "")} for entry in waiting]}
    else:
        del properties["plan_entry"]
    return {**schema, "properties": properties}


def _department_choices(editor: PlanEditor) -> list[str]:
    if editor.officer:
        return plan_departments(db.session.connection())
    return sorted(editor.departments, key=str.casefold)


def _typed() -> dict[str, str]:
    return {name: request.form.get(name, "") for name in ENTRY_FIELDS}
