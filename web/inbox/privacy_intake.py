"""Entering a data privacy complaint or breach report received another way: by mail, telephone, e-mail or at the
counter (000, How-To: "Submit a formal complaint ... to the City Clerk and notify the department using the
official contact forms or email"). The same form and filing as the portal's (web.portal.privacy), with how it
came; the evidence brought on paper is scanned and attached here, and the complainant is given the tracking
number and the private status link to pass on.
"""
from __future__ import annotations

from flask import render_template, request, url_for

from web.access import PRIVACY_INTAKE_ROLES
from web.auth import role_required
from web.current import signed_in_staff
from web.inbox.blueprint import bp
from web.inbox.form_values import prefilled_values
from web.portal.filing import RECEIPT_CHANNELS, public_link
from web.portal.privacy import complaint_form, file_complaint, form_page

CHANNELS = dict(RECEIPT_CHANNELS)


@bp.route("/privacy/new", methods=["GET", "POST"])
@role_required(*PRIVACY_INTAKE_ROLES)
def privacy_intake():
    form = complaint_form()
    # A select offers only the ways a complaint reaches the city; anything else is taken as the counter.
    channel = request.form.get("received_via") if request.form.get("received_via") in CHANNELS else "counter"
    if request.method == "GET" or form.schema is None:
        return form_page("inbox/privacy_intake.html", form, prefilled_values(form.fields, {}), {},
                         channels=RECEIPT_CHANNELS, channel=channel)
    filed, values, field_errors = file_complaint(form, request.form, request.files, actor=signed_in_staff().username,
                                                 received_via=channel)
    if filed is None:
        return form_page("inbox/privacy_intake.html", form, values, field_errors, status=422,
                         channels=RECEIPT_CHANNELS, channel=channel)
    return render_template("inbox/privacy_intake_done.html", instance=filed.instance,
                           link=public_link(url_for("portal.privacy_status", token=filed.token)))
