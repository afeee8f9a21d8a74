"""Records handed out free: the counter's short path for records reproduced for free public distribution
(brochures, agendas, published reports). Art. 6, procedure (a)(6): "no form shall be required for requests
made for records which have been reproduced for free public distribution"; (c)(4): no copy fee.

Staff who take requests at the counter (`web.access.may_enter_requests`) record what they handed out, how
many copies and for which office; the person who took the copies gives nothing. Each entry starts the
process `free_distribution` (its start form, checked by the engine like every start), which records no fee
and ends at once; the dashboard's weekly table counts the copies (city.reports.hand_outs).
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for

from city.reports import FREE_DISTRIBUTION, hand_outs
from city.rules.business_calendar import city_day, city_midnight
from city.rules.roles import CITY_CLERK_OFFICE, office_of_custodian_role
from engine import FormInvalid, clock
from web.auth import staff_only
from web.current import city_data, process_engine, work_roles
from web.inbox.blueprint import bp
from web.inbox.form_values import coerce_submission
from web.inbox.forms import fields_of
from web.inbox.intake import intake_staff
from web.portal.filing import OFFICE_FIELD, new_submission_id, offices_of, submitted_id

HANDED_OUT_BY = "handed_out_by"


@bp.route("/handed-out", methods=["GET", "POST"])
@staff_only
def handed_out():
    staff = intake_staff()
    engine = process_engine()
    needs = engine.start_needs(FREE_DISTRIBUTION) if engine.versions(FREE_DISTRIBUTION) else None
    schema = engine.latest_form(FREE_DISTRIBUTION, needs.form_file) if needs and needs.form_file else None
    fields = fields_of(schema, None) if schema else []
    offices = offices_of(city_data()())
    values = {OFFICE_FIELD: _own_office(work_roles(staff))}
    field_errors: dict[str, str] = {}
    if request.method == "POST" and schema:
        values = {**{field.name: request.form.get(field.name, "") for field in fields},
                  OFFICE_FIELD: request.form.get(OFFICE_FIELD, "")}
        submission, field_errors = coerce_submission(fields, request.form)
        if values[OFFICE_FIELD] not in {office.key for office in offices}:
            field_errors[OFFICE_FIELD] = "Choose the office whose records were handed out."
        data = {**submission, OFFICE_FIELD: values[OFFICE_FIELD], HANDED_OUT_BY: staff.username}
        try:
            engine.check_start(FREE_DISTRIBUTION, data)
            if not field_errors:
                # The same form sent twice (a double click) records one hand-out.
                submission_id = submitted_id(request.form)
                start_key = hashlib.sha256(f"handed out {submission_id}".encode()).hexdigest() if submission_id else None
                engine.start_instance(FREE_DISTRIBUTION, data, actor=staff.username, start_key=start_key)
        except FormInvalid as refused:
            field_errors = {**refused.field_errors, **field_errors}
        if not field_errors:
            flash(f'Recorded: {submission["copies"]} {"copy" if submission["copies"] == 1 else "copies"} of '
                  f'"{submission["record_title"]}" handed out, no fee.', "success")
            return redirect(url_for(".handed_out"))
    today = city_midnight(city_day(clock.now()))
    with engine.database.read() as session:
        recorded_today = hand_outs(session.connection(), today, today + timedelta(days=1))
    return render_template("inbox/handed_out.html", deployed=schema is not None, schema=schema, fields=fields,
                           offices=offices, office_names={office.key: office.name for office in offices},
                           values=values, field_errors=field_errors, recorded_today=recorded_today,
                           submission_id=submitted_id(request.form) or new_submission_id()), \
        422 if field_errors else 200


def _own_office(roles: frozenset[str]) -> str:
    """The office whose counter a person works: their custodian office, else the City Clerk's."""
    return next((office for office in map(office_of_custodian_role, sorted(roles)) if office), CITY_CLERK_OFFICE)
