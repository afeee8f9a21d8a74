"""Reporting a published data set as inaccurate, misleading or containing protected data, from its page (issue 16).

Sacramento's Open Data policy, Responsibility: "If the city is notified that data on this data portal is factually
inaccurate or misleading, or is protected data, the Records Manager shall as appropriate, promptly correct or remove
such data". The form is the start form of the deployed `dataset_takedown` (forms/dataset_takedown/report.schema.json),
drawn like a task's form; the page adds the data set's slug and title, which the city's start rules check against
the catalog. The page starts the process through the engine's start path, as the privacy complaint does
(web.portal.privacy), rather than by a message: the start path checks the form and numbers the case (DT-2026-00001),
and the form's submission id makes a double submit file one report. The reporter gets a private status link (and,
with an e-mail address, the link and then the outcome by mail, web.mail.dispatch). Nothing typed is logged.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for

from city.open_data.catalog import CatalogEntry, published_dataset
from city.open_data.settings import read_open_data_settings, role_title
from engine import FormInvalid
from web.auth import public
from web.catalog.blueprint import bp
from web.current import process_engine
from web.inbox.form_values import choice_label, prefilled_values, read_submission
from web.mail import messages as mail_messages
from web.models import db
from web.portal.filing import new_submission_id, private_link_token, public_link, submitted_id
from web.portal.public_case import StartForm, case_behind, deployed_start_form, give_private_link
from web.portal.receipt import keep_receipt, kept_receipt, receipt_minutes
from web.portal.views import SUBMISSIONS_PER_HOUR, private_page
from web.throttle import attempts_within, client_address, count_attempt

log = logging.getLogger(__name__)

DATASET_TAKEDOWN = "dataset_takedown"
TRACKING_PREFIX = "DT"
RECEIPT_KEY = "takedown_receipt"
THROTTLE_PURPOSE = "dataset_report"      # counted apart from requests and complaints, under the same hourly limit
ACTOR = "portal"
# The report's kind and the decision in a few words, for the status page (forms/dataset_takedown/).
KINDS = {"inaccurate": "Inaccurate", "misleading": "Misleading", "protected_data": "Contains protected data"}
OUTCOMES = {"correct": "Corrected", "remove": "Removed from the portal", "leave": "Left as it is"}


@dataclass(frozen=True)
class Report:
    """What the reporter sees of their report: never staff notes."""
    tracking_number: str
    dataset_title: str
    dataset_slug: str
    kind: str
    received_at: Any
    closed: bool
    outcome: str | None
    outcome_text: str | None
    decided_by: str          # "Records Manager" or "Open Data Officer": the role the case started with


def file_report(form: StartForm, entry: CatalogEntry, posted: Mapping[str, str], *, actor: str = ACTOR
                ) -> tuple[tuple[int, str, str] | None, dict[str, Any], dict[str, str]]:
    """Check and file the report as sent, by the public (`actor` "portal") or a staff member (their username, from
    web.inbox.dataset_report); ((instance id, tracking number, private link token) or None, the values to show
    again, errors by input)."""
    submission = read_submission(form.fields, posted, {})
    values = {form_field.name: submission.typed.get(form_field.name, "") for form_field in form.fields}
    data = {**submission.values, "dataset_slug": entry.slug, "dataset_title": entry.title}
    engine = process_engine()
    submission_id = submitted_id(posted)
    try:
        engine.check_start(DATASET_TAKEDOWN, data)
        if submission.errors:
            raise FormInvalid("The report was not sent yet.", {})
        start_key = hashlib.sha256(f"data set report {submission_id}".encode()).hexdigest() if submission_id else None
        instance = engine.start_instance(DATASET_TAKEDOWN, data, actor=actor, tracking_prefix=TRACKING_PREFIX,
                                         start_key=start_key)
    except FormInvalid as refused:
        return None, values, {**submission.input_errors(refused.field_errors), **submission.errors}
    token = private_link_token(submission_id)
    receipt = mail_messages.takedown_receipt_mail(instance.business_key or "", entry.title)
    if give_private_link(instance, token, str(submission.values.get("reporter_email") or ""), receipt,
                         "catalog.report_status"):
        log.info("data set report %s filed (instance %s)", instance.business_key, instance.instance_id)
    return (instance.instance_id, instance.business_key or "", token), values, {}


def _report_page(entry: CatalogEntry, form: StartForm, values: Mapping[str, Any], field_errors: Mapping[str, str],
                 *, status: int = 200):
    return render_template("catalog/report.html", entry=entry, deployed=form.schema is not None,
                           schema=form.schema or {}, fields=form.fields, values=values, field_errors=field_errors,
                           kept_files={}, choice_label=choice_label,
                           submission_id=submitted_id(request.form) or new_submission_id()), status


@bp.route("/data/<slug>/report", methods=["GET", "POST"])
@public
def report_dataset(slug: str):
    """Anyone reports the data set as inaccurate, misleading or containing protected data."""
    entry = published_dataset(db.session.connection(), slug)
    if entry is None:
        abort(404, description="There is no such data set in the catalog. It may have been removed; "
                               "see the list of every data set.")
    form = deployed_start_form(DATASET_TAKEDOWN)
    if request.method == "GET" or form.schema is None:
        return _report_page(entry, form, prefilled_values(form.fields, {}), {})
    limit = int(current_app.config.get("PORTAL_SUBMISSIONS_PER_HOUR", SUBMISSIONS_PER_HOUR))
    if attempts_within(THROTTLE_PURPOSE, client_address()) >= limit:
        abort(429, description=f"This connection has already sent {limit} reports in the last hour. Please wait an "
                               "hour and try again, or call or visit the City Clerk's office.")
    filed, values, errors = file_report(form, entry, request.form)
    if filed is None:
        return _report_page(entry, form, values, errors, status=422)
    instance_id, _tracking_number, token = filed
    count_attempt(THROTTLE_PURPOSE, client_address())      # only reports filed count
    keep_receipt(RECEIPT_KEY, token, instance_id)
    return redirect(url_for(".report_received"))


@bp.get("/data/reports/received")
@public
def report_received():
    receipt = kept_receipt(RECEIPT_KEY)
    if not receipt:
        return redirect(url_for(".index"))
    return private_page(render_template("catalog/report_received.html", report=_report(receipt["instance_id"]),
                                    link=public_link(url_for(".report_status", token=receipt["token"])),
                                    receipt_minutes=receipt_minutes()))


@bp.get("/data/reports/<token>")
@public
def report_status(token: str):
    """Where the report stands and, once decided, the outcome with the Records Manager's reasons."""
    instance = case_behind(token, DATASET_TAKEDOWN)
    if instance is None:
        abort(404, description="There is no report behind this link. Check that you copied the whole link from "
                               "your confirmation; if you have lost it, call or visit the City Clerk's office.")
    report = _report(instance.instance_id)
    still_shown = published_dataset(db.session.connection(), report.dataset_slug) is not None
    return private_page(render_template("catalog/report_status.html", report=report, still_shown=still_shown))


def _report(instance_id: int) -> Report:
    engine = process_engine()
    instance = engine.get_instance(instance_id)
    data: dict[str, Any] = {}
    for event in engine.audit_trail(instance_id):
        data.update(event.changes or {})
    return Report(instance.business_key or "", str(data.get("dataset_title") or ""),
                  str(data.get("dataset_slug") or ""), KINDS.get(data.get("report_kind"), "Reported"),
                  instance.started_at, not instance.running, OUTCOMES.get(data.get("takedown_choice")),
                  data.get("takedown_outcome_text"), role_title(data.get("approver_role")))


def current_approver() -> str:
    """Who decides a report made now (and approves a data set sent now), as the open data settings say:
    "Records Manager" or "Open Data Officer"."""
    return role_title(read_open_data_settings(db.session).approver_role)


@bp.app_context_processor
def open_data_words() -> dict[str, Any]:
    return {"open_data_approver": current_approver}     # called by the template only where it says it
