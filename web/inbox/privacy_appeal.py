"""Recording an appeal of a privacy decision received another way: by post, e-mail or at the counter (000;
docs/privacy.md). The complainant appeals from the status page themselves; an appeal that came to the office is
entered here by the City Clerk's office with when it was received, which is the time the case judges in time or
late, exactly as it judges one filed from the portal (web.portal.privacy.send_appeal)."""
from __future__ import annotations

import logging
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for

from city.message_rules import APPEAL_GROUNDS_MAX
from city.rules.business_calendar import CITY_TIME_ZONE
from city.rules.privacy import appeal_refusal
from engine import clock
from web.access import PRIVACY_INTAKE_ROLES
from web.auth import role_required
from web.current import process_engine, signed_in_staff
from web.inbox.blueprint import bp
from web.portal.privacy import PRIVACY_COMPLAINT, complaint_case, send_appeal

log = logging.getLogger(__name__)


@bp.route("/privacy/appeal", methods=["GET", "POST"])
@role_required(*PRIVACY_INTAKE_ROLES)
def privacy_appeal_received():
    now = clock.now().astimezone(CITY_TIME_ZONE).replace(second=0, microsecond=0, tzinfo=None)
    values = {"tracking_number": request.form.get("tracking_number", request.args.get("tracking_number", "")).strip(),
              "received_at": request.form.get("received_at", now.isoformat(timespec="minutes")).strip(),
              "appeal_grounds": request.form.get("appeal_grounds", "").strip()}
    if request.method == "GET":
        return _page(values, {})
    errors, received_at, case, instance_id = _checked(values)
    if not errors:
        error = send_appeal(case, instance_id, received_at, values["appeal_grounds"],
                            actor=signed_in_staff().username)
        if error:
            errors["tracking_number"] = error
    if errors:
        return _page(values, errors), 422
    log.info("appeal received by the office recorded on privacy complaint %s", case.tracking_number)
    flash(f"The appeal on {case.tracking_number} is recorded; the case judges it in time or late and goes on.")
    return redirect(url_for("inbox.index"))


def _checked(values: dict[str, str]):
    """The field errors of an appeal entered, and what it names: (errors, received_at, case, instance_id)."""
    errors: dict[str, str] = {}
    received_at = case = instance_id = None
    try:
        received_at = datetime.fromisoformat(values["received_at"]).replace(tzinfo=CITY_TIME_ZONE)
    except ValueError:
        errors["received_at"] = "Give the day and time the appeal reached the office, e.g. 2026-12-07T10:30."
    else:
        if received_at > clock.now():
            errors["received_at"] = "The appeal cannot have been received in the future: give when it reached the office."
    grounds = values["appeal_grounds"]
    if not grounds:
        errors["appeal_grounds"] = "Write what the person says is wrong with the decision (their appeal's grounds)."
    elif len(grounds) > APPEAL_GROUNDS_MAX:
        errors["appeal_grounds"] = f"At most {APPEAL_GROUNDS_MAX} characters; this has {len(grounds)}."
    number = values["tracking_number"].upper()
    values["tracking_number"] = number
    found = process_engine().list_instances(process_key=PRIVACY_COMPLAINT, business_key=number, limit=1) \
        if number else []
    if not found:
        errors["tracking_number"] = (f"No privacy complaint has the tracking number {number}." if number else
                                     "Give the complaint's tracking number (PC-YYYY-NNNNN).")
        return errors, received_at, case, instance_id
    instance_id = found[0].instance_id
    case = complaint_case(instance_id)
    if not case.appeal_open:
        late = appeal_refusal(received_at, datetime.fromisoformat(case.appeal_window_closes_at), case.rule_cited or "") \
            if received_at and case.appeal_window_closes_at else ""
        errors["tracking_number"] = late or (
            f"{number} has no decision open to appeal now" + (
                ": its appeal window closed and the case ended. An appeal received in time but entered after the "
                "window closed cannot be recorded on the case; tell the City Clerk." if case.appeal_window_closes_at
                else "."))
    return errors, received_at, case, instance_id


def _page(values: dict[str, str], errors: dict[str, str]):
    return render_template("inbox/privacy_appeal.html", values=values, errors=errors, limit=APPEAL_GROUNDS_MAX)
