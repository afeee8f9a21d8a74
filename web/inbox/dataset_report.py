"""Staff report a published data set as inaccurate, misleading or containing protected data (002, Sacramento's
Open Data policy, Responsibility: "If the city is notified that data on this data portal is factually inaccurate or
misleading, or is protected data, the Records Manager shall as appropriate, promptly correct or remove such data";
issue 16: "Anyone (public or staff) reports"). A staff member who finds a problem, or takes one by mail or
telephone, chooses the data set and fills the same start form as the public page (web.catalog.report), which files
it through the same start path: the same checks, a DT- tracking number and the private status link to pass on.
"""
from __future__ import annotations

from flask import render_template, request, url_for

from city.open_data.catalog import published_dataset, published_datasets
from web.access import DATASET_REPORT_ROLES
from web.auth import role_required
# The module, not its names: web.catalog.report draws its form with web.inbox's fields, so whichever package is
# imported first finds the other half-made; the names are read when a page is asked for.
from web.catalog import report as catalog_report
from web.current import signed_in_staff
from web.inbox.blueprint import bp
from web.inbox.form_values import choice_label, prefilled_values
from web.models import db
from web.portal.filing import new_submission_id, public_link, submitted_id
from web.portal.public_case import deployed_start_form

NO_DATA_SET = "is not chosen: choose the published data set the report is about."


@bp.route("/data-sets/report", methods=["GET", "POST"])
@role_required(*DATASET_REPORT_ROLES)
def report_dataset():
    """Choose a published data set and report it; ?slug= chooses one (the open data catalog page links here)."""
    connection = db.session.connection()
    datasets = published_datasets(connection)
    form = deployed_start_form(catalog_report.DATASET_TAKEDOWN)
    chosen = (request.form if request.method == "POST" else request.args).get("slug", "")
    if request.method == "GET" or form.schema is None:
        return _page(datasets, form, chosen, prefilled_values(form.fields, {}), {})
    entry = published_dataset(connection, chosen)
    if entry is None:
        values = {field.name: request.form.get(field.name, "") for field in form.fields}
        return _page(datasets, form, "", values, {"slug": NO_DATA_SET}, status=422)
    filed, values, errors = catalog_report.file_report(form, entry, request.form, actor=signed_in_staff().username)
    if filed is None:
        return _page(datasets, form, chosen, values, errors, status=422)
    _instance_id, tracking_number, token = filed
    return render_template("inbox/dataset_report_done.html", tracking_number=tracking_number, entry=entry,
                           link=public_link(url_for("catalog.report_status", token=token)))


def _page(datasets, form, chosen: str, values, field_errors, *, status: int = 200):
    return render_template("inbox/dataset_report.html", datasets=datasets, chosen=chosen,
                           deployed=form.schema is not None, schema=form.schema or {}, fields=form.fields,
                           values=values, field_errors=field_errors, kept_files={}, choice_label=choice_label,
                           submission_id=submitted_id(request.form) or new_submission_id()), status
