"""Sending a data set for review: the Open Data Review and Approval Form, filled in the staff inbox by a
department's open data coordinator or liaison with the data set's sample (002, Sacramento's procedure:
"Complete the Open Data Review and Approval Form; attach a digital Data Set sampling").

The form is the start form of `dataset_approval` (forms/dataset_approval/submission.schema.json), drawn
like a task's form; the sample goes to the file store and is listed among the case's attachments. The
engine checks the form and the city's start rules (an image is no sample, GIS data aside) like every
start, and the case takes a tracking number (OD-2026-00001). Then the sample is scanned and the Records
Manager reviews it from their inbox.
"""
from __future__ import annotations

import hashlib

from flask import flash, redirect, render_template, request, url_for

from engine import FormInvalid
from city.open_data.settings import read_open_data_settings, role_title
from web.access import DATASET_SUBMIT_ROLES
from web.auth import role_required
from web.current import process_engine, signed_in_staff
from web.filestore import file_store, human_size
from web.inbox.blueprint import bp
from web.inbox.form_files import attach_form_files, kept_files_of, read_uploads
from web.inbox.form_values import choice_label, prefilled_values, read_submission
from web.inbox.forms import fields_of
from web.inbox.open_data_plan import with_plan_entry_choices
from web.models import db
from web.portal.filing import new_submission_id, submitted_id

DATASET_APPROVAL = "dataset_approval"
TRACKING_PREFIX = "OD"
START_PAGE = 0          # the kept-file tokens of this page are signed for "task" 0: no task has that id


@bp.route("/open-data/submit", methods=["GET", "POST"])
@role_required(*DATASET_SUBMIT_ROLES)
def submit_dataset():
    staff = signed_in_staff()
    engine = process_engine()
    needs = engine.start_needs(DATASET_APPROVAL) if engine.versions(DATASET_APPROVAL) else None
    schema = engine.latest_form(DATASET_APPROVAL, needs.form_file) if needs and needs.form_file else None
    schema = with_plan_entry_choices(schema)
    fields = fields_of(schema, None) if schema else []
    if request.method == "GET" or schema is None:
        return _page(schema, fields, prefilled_values(fields, {}), {})
    submission = read_submission(fields, request.form, {})
    read_uploads(fields, request.files, request.form, START_PAGE, file_store(), submission)
    values = {form_field.name: submission.typed.get(form_field.name, "") for form_field in fields}
    try:
        engine.check_start(DATASET_APPROVAL, submission.values)
        if submission.errors:
            raise FormInvalid("The form was not sent yet.", {})
        # The same form sent twice (a double click, the back button) starts one review.
        submission_id = submitted_id(request.form)
        start_key = hashlib.sha256(f"dataset approval {submission_id}".encode()).hexdigest() if submission_id else None
        instance = engine.start_instance(DATASET_APPROVAL, submission.values, actor=staff.username,
                                         tracking_prefix=TRACKING_PREFIX, start_key=start_key)
    except FormInvalid as refused:
        return _page(schema, fields, values, {**submission.input_errors(refused.field_errors), **submission.errors},
                     status=422)
    attach_form_files(instance.instance_id, fields, submission.values, staff.username)
    flash(f'Sent for review: "{submission.values.get("dataset_title", "")}", {instance.business_key}. The sample '
          f"is scanned for protected data and the {role_title(read_open_data_settings(db.session).approver_role)} "
          "reviews it.", "success")
    return redirect(url_for(".index"))


def _page(schema, fields, values, field_errors, *, status: int = 200):
    return render_template("inbox/open_data_submit.html", deployed=schema is not None, schema=schema or {},
                           fields=fields, values=values, field_errors=field_errors,
                           kept_files=kept_files_of(fields, values, START_PAGE), choice_label=choice_label,
                           human_size=human_size, submission_id=submitted_id(request.form) or new_submission_id()), \
        status

