"""Entering a records request received another way: by mail, telephone, e-mail, fax or at the counter.

A request need not come through the portal (003, Art. 6 "Intake": on the custodian's form, handed in at
any office). Staff type in what the requester gave, on the portal's form with the portal's checks
(web.portal.filing), and say how and when it came: the K.S.A. 45-218(d) deadline counts from the day
it was received, not the day it is entered, so a letter opened three days late has three days fewer.
Who took it is the signed-in person. The request is then filed exactly as the portal files one.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import FormInvalid, clock
from web.access import INTAKE_ROLES, may_enter_requests
from web.auth import staff_only
from web.current import city_data, process_engine, signed_in_staff, work_roles
from web.inbox.blueprint import bp
from web.formatting import when
from web.layout import city_input, from_city_input
from web.models import db
from web.models_portal import RequesterAccess
from web.portal.filing import (CHANNEL_LABELS, RECEIPT_CHANNELS, file_request, new_submission_id, offices_of,
                               read_request, request_form, status_link, submitted_id)
from web.portal.receipt import keep_receipt, kept_receipt, receipt_minutes
from web.portal.views import request_status

RECEIPT_KEY = "intake_receipt"             # session: the new request's link, for a while
CHANNEL_FIELD, RECEIVED_AT_FIELD = "received_via", "received_at"
# A receipt older than this is more likely a mistyped year than a letter found in a drawer.
OLDEST_RECEIPT = timedelta(days=366)


@bp.route("/intake", methods=["GET", "POST"])
@staff_only
def intake():
    staff = intake_staff()
    form = request_form()
    offices = offices_of(city_data()())
    if form is None:
        return _page(None, offices, {}, {})
    if request.method == "GET":
        return _page(form, offices, {RECEIVED_AT_FIELD: city_input(clock.now())}, {})
    read = read_request(form, offices, request.form)
    channel = request.form.get(CHANNEL_FIELD, "")
    typed = {**read.typed, CHANNEL_FIELD: channel, RECEIVED_AT_FIELD: request.form.get(RECEIVED_AT_FIELD, "").strip()}
    field_errors = dict(read.field_errors)
    if channel not in dict(RECEIPT_CHANNELS):
        field_errors[CHANNEL_FIELD] = "Choose how the request reached the office."
    received_at, problem = _received_at(typed[RECEIVED_AT_FIELD], clock.now())
    if problem:
        field_errors[RECEIVED_AT_FIELD] = problem
    if field_errors:
        return _page(form, offices, typed, field_errors, status=422)
    try:
        filed = file_request(read, received_at=received_at, received_via=channel, actor=staff.username,
                             received_by=staff.username, submission_id=submitted_id(request.form))
    except FormInvalid as refused:     # text no database stores (engine.require_plain_data): beside its field
        return _page(form, offices, typed, refused.field_errors, status=422)
    keep_receipt(RECEIPT_KEY, filed.token, filed.instance.instance_id)
    return redirect(url_for(".intake_received"))


@bp.get("/intake/received")
@staff_only
def intake_received():
    """The request just entered: its tracking number and the private link to give the requester, shown
    again on a reload for as long as the portal's confirmation is (`web.portal.receipt`)."""
    intake_staff()
    receipt = kept_receipt(RECEIPT_KEY)
    if not receipt:
        return redirect(url_for(".intake"))
    access = db.session.scalars(select(RequesterAccess).where(
        RequesterAccess.instance_id == receipt["instance_id"])).one()
    status = request_status(access.instance_id, access.tracking_number)
    acknowledgement = next((letter for letter in status.letters if letter.variable == "acknowledgement_letter"),
                           None)
    started = next(event for event in process_engine().audit_trail(access.instance_id) if event.action == "start")
    return render_template("inbox/intake_received.html", status=status, link=status_link(receipt["token"]),
                           email=access.email, acknowledgement=acknowledgement,
                           channel=CHANNEL_LABELS.get(started.changes.get(CHANNEL_FIELD), ""),
                           taken_by=signed_in_staff().display_name, receipt_minutes=receipt_minutes())


def intake_staff():
    """The signed-in person, if their roles take requests (`web.access.INTAKE_ROLES`, or an office's custodian)."""
    staff = signed_in_staff()
    if not may_enter_requests(work_roles(staff)):
        abort(403, description=f"Entering a request is for the {', '.join(INTAKE_ROLES)} roles and the offices' "
                               "records custodians. Ask an administrator if you need it.")
    return staff


def _received_at(typed: str, now: datetime) -> tuple[datetime | None, str | None]:
    """When the request reached the office, as typed in city time; or a plain-words problem."""
    if not typed:
        return None, "Enter the day and time the request reached the office."
    try:
        moment = from_city_input(typed)
    except ValueError:
        return None, "Enter the day and time received as a date and time, like 2026-11-20 09:30."
    if moment > now:
        return None, (f"The day and time received cannot be in the future: it is now "
                      f"{when(now)} in the city. Enter when the request "
                      "reached the office.")
    if moment < now - OLDEST_RECEIPT:
        return None, "The day received is more than a year ago: check the year."
    return moment, None


def _page(form, offices, values, field_errors, *, status: int = 200):
    return render_template("inbox/intake.html", form=form, offices=offices, values=values,
                           field_errors=field_errors, channels=RECEIPT_CHANNELS,
                           submission_id=submitted_id(request.form) or new_submission_id(),
                           taken_by=signed_in_staff().display_name, receipt_minutes=receipt_minutes()), status
