"""A data privacy complaint or breach report from the public (seed 000, How-To: "Submit a formal complaint ... to
the City Clerk"), and the staff who enter one received another way (web/inbox/privacy_intake.py).

The form is the start form of the deployed `privacy_complaint` (forms/privacy_complaint/complaint.schema.json),
drawn like a task's form; the evidence files go to the file store and are listed among the case's attachments,
which only the staff who may open one of its tasks can download. The complainant gets a tracking number
(PC-2026-00001) and a private status link, made as a records request's are (web.portal.filing): the form's
submission id makes a double submit file one complaint with one link. Nothing typed and no file name is logged.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for

from datetime import datetime

from city.message_rules import APPEAL_GROUNDS_MAX, PRIVACY_APPEAL
from city.rules.business_calendar import CITY_TIME_ZONE
from city.rules.privacy import appeal_refusal
from engine import Conflict, FormInvalid, InstanceView, MessageNotDeliverable, clock
from web.current import process_engine
from web.auth import public
from web.filestore import file_store, human_size
from web.inbox.form_files import attach_form_files, kept_files_of, read_uploads
from web.inbox.form_values import choice_label, prefilled_values, read_submission
from web.mail import messages as mail_messages
from web.portal.blueprint import bp
from web.portal.filing import new_submission_id, private_link_token, public_link, submitted_id
from web.portal.public_case import StartForm, case_behind, deployed_start_form, give_private_link
from web.portal.receipt import keep_receipt, kept_receipt, receipt_minutes
from web.portal.views import SUBMISSIONS_PER_HOUR, private_page
from web.throttle import attempts_within, client_address, count_attempt

log = logging.getLogger(__name__)

PRIVACY_COMPLAINT = "privacy_complaint"
TRACKING_PREFIX = "PC"
START_PAGE = 0          # kept-file tokens of a start form are signed for "task" 0: no task has that id
RECEIPT_KEY = "privacy_receipt"
THROTTLE_PURPOSE = "privacy_complaint"     # counted apart from records requests, under the same hourly limit
ACTOR = "portal"
REPORT_KINDS = {"complaint": "Complaint", "breach_report": "Breach report"}
APPEAL_TASK = "record_appeal_no_time_limit"     # no time limit published: the appeal is recorded on this task
APPEAL_MESSAGE = PRIVACY_APPEAL                   # with a time limit: the case waits for this message or the window
APPEAL_OUTCOMES = {"upheld": "The decision stands", "varied": "The decision is varied",
                   "set_aside": "The decision is set aside"}


@dataclass(frozen=True)
class FiledComplaint:
    instance: InstanceView
    token: str


def complaint_form() -> StartForm:
    """The start form of the deployed privacy complaint (schema None: not deployed)."""
    return deployed_start_form(PRIVACY_COMPLAINT)


def file_complaint(form: StartForm, posted: Mapping[str, str], files, *, actor: str,
                   received_via: str) -> tuple[FiledComplaint | None, dict[str, Any], dict[str, str]]:
    """Check and file the complaint as sent; (filed or None, the values to show again, errors by input)."""
    submission = read_submission(form.fields, posted, {})
    read_uploads(form.fields, files, posted, START_PAGE, file_store(), submission)
    values = {form_field.name: submission.typed.get(form_field.name, "") for form_field in form.fields}
    engine = process_engine()
    submission_id = submitted_id(posted)
    try:
        engine.check_start(PRIVACY_COMPLAINT, submission.values)
        if submission.errors:
            raise FormInvalid("The complaint was not sent yet.", {})
        start_key = hashlib.sha256(f"privacy complaint {submission_id}".encode()).hexdigest() if submission_id else None
        instance = engine.start_instance(PRIVACY_COMPLAINT, {**submission.values, "received_via": received_via},
                                         actor=actor, tracking_prefix=TRACKING_PREFIX, start_key=start_key)
    except FormInvalid as refused:
        return None, values, {**submission.input_errors(refused.field_errors), **submission.errors}
    attach_form_files(instance.instance_id, form.fields, submission.values, actor)
    token = private_link_token(submission_id)
    receipt = mail_messages.privacy_receipt_mail(instance.business_key or "")
    if give_private_link(instance, token, str(submission.values.get("complainant_email") or ""), receipt,
                         "portal.privacy_status"):
        log.info("privacy complaint %s filed (instance %s, %s)", instance.business_key, instance.instance_id,
                 received_via)
    return FiledComplaint(instance, token), values, {}


def form_page(template: str, form: StartForm, values: Mapping[str, Any], field_errors: Mapping[str, str], *,
              status: int = 200, **context: Any):
    return render_template(template, deployed=form.schema is not None, schema=form.schema or {}, fields=form.fields,
                           values=values, field_errors=field_errors,
                           kept_files=kept_files_of(form.fields, values, START_PAGE), choice_label=choice_label,
                           human_size=human_size, submission_id=submitted_id(request.form) or new_submission_id(),
                           **context), status


@bp.route("/privacy/complaint", methods=["GET", "POST"])
@public
def privacy_complaint():
    form = complaint_form()
    if request.method == "GET" or form.schema is None:
        return form_page("portal/privacy_complaint.html", form, prefilled_values(form.fields, {}), {})
    limit = int(current_app.config.get("PORTAL_SUBMISSIONS_PER_HOUR", SUBMISSIONS_PER_HOUR))
    if attempts_within(THROTTLE_PURPOSE, client_address()) >= limit:
        abort(429, description=f"This connection has already filed {limit} complaints in the last hour. Please wait "
                               "an hour and try again, or call or visit the City Clerk's office.")
    filed, values, errors = file_complaint(form, request.form, request.files, actor=ACTOR, received_via="online")
    if filed is None:
        return form_page("portal/privacy_complaint.html", form, values, errors, status=422)
    count_attempt(THROTTLE_PURPOSE, client_address())      # only complaints filed count, as requests do
    keep_receipt(RECEIPT_KEY, filed.token, filed.instance.instance_id)
    return redirect(url_for(".privacy_received"))


@bp.get("/privacy/complaint/received")
@public
def privacy_received():
    receipt = kept_receipt(RECEIPT_KEY)
    if not receipt:
        return redirect(url_for(".privacy_complaint"))
    case = complaint_case(receipt["instance_id"])
    return private_page(render_template("portal/privacy_received.html", case=case,
                                    link=public_link(url_for(".privacy_status", token=receipt["token"])),
                                    receipt_minutes=receipt_minutes()))


@bp.get("/privacy/status/<token>")
@public
def privacy_status(token: str):
    instance = case_behind(token, PRIVACY_COMPLAINT)
    if instance is None:
        abort(404, description="There is no complaint behind this link. Check that you copied the whole link from "
                               "your confirmation; if you have lost it, call or visit the City Clerk's office.")
    return private_page(render_template("portal/privacy_status.html", case=complaint_case(instance.instance_id), token=token,
                                    grounds="", appeal_error=None, limit=APPEAL_GROUNDS_MAX))


@bp.post("/privacy/status/<token>/appeal")
@public
def privacy_appeal(token: str):
    """The complainant appeals the decision, filed now: the portal sends the privacy_appeal message to the case
    waiting for it (or, where no time limit is published, records it on "Record an appeal"); the process judges it
    in time or late (privacy.appeal_refusal) and the page shows which. Once the window has closed and the case
    closed by itself, nothing waits for an appeal: it is refused as late here, with the same rule's reason."""
    instance = case_behind(token, PRIVACY_COMPLAINT)
    case = complaint_case(instance.instance_id) if instance else None
    if case is None:
        abort(404, description="There is no complaint behind this link.")
    late = _late_appeal_reason(case)
    if not case.appeal_open and not late:
        abort(409, description="This complaint has no decision open to appeal.")
    grounds = request.form.get("appeal_grounds", "").strip()
    error = None if grounds else "Say what is wrong with the decision; your appeal was not sent."
    if grounds and len(grounds) > APPEAL_GROUNDS_MAX:
        error = f"An appeal may be at most {APPEAL_GROUNDS_MAX} characters; this one has {len(grounds)}."
    if error is None and not case.appeal_open:
        error = late
    elif error is None:
        error = send_appeal(case, instance.instance_id, clock.now(), grounds, actor=ACTOR)
    if error is not None:
        return private_page(render_template("portal/privacy_status.html", case=case, token=token, grounds=grounds,
                                        appeal_error=error, limit=APPEAL_GROUNDS_MAX)), 422
    log.info("appeal filed on privacy complaint %s", case.tracking_number)
    return redirect(url_for(".privacy_status", token=token))


def send_appeal(case: "Case", instance_id: int, filed_at: datetime, grounds: str, *, actor: str) -> str | None:
    """File an appeal of the decision on `case`, received at `filed_at`: the privacy_appeal message to the case
    waiting at "Appeal, or the window closes", or, where no time limit is published, "Record an appeal" completed.
    The case judges it in time or late. Why it could not be filed, in words, or None."""
    filed = filed_at.astimezone(CITY_TIME_ZONE).isoformat()
    try:
        if case.appeal_task_id is not None:
            process_engine().complete_task(case.appeal_task_id, {
                "appeal_filed": True, "appeal_filed_at": filed, "appeal_grounds": grounds}, actor=actor)
        else:
            process_engine().deliver_message(APPEAL_MESSAGE, {"tracking_number": case.tracking_number},
                                             {"appeal_filed_at": filed, "appeal_grounds": grounds}, actor=actor)
    except MessageNotDeliverable:      # the window closed by itself a moment ago
        return _late_appeal_reason(complaint_case(instance_id)) or "This complaint has no decision open to appeal any more."
    except (FormInvalid, Conflict) as refused:
        return refused.user_message if isinstance(refused, Conflict) else \
            " ".join(refused.field_errors.values()) or refused.user_message
    return None


@dataclass(frozen=True)
class Case:
    """What the complainant sees of their case: never the evidence itself, nor staff notes."""
    tracking_number: str
    process_key: str
    kind: str
    received_at: Any
    open_steps: tuple[str, ...]
    closed: bool
    evidence_count: int
    decision_text: str | None
    appeal_refused_reason: str | None
    appeal_outcome: str | None
    appeal_task_id: int | None          # the open "Record an appeal (no time limit published)" to file on
    appeal_open: bool                   # an appeal is received now: on that task, or by the waiting case
    appeal_window_closes_at: str | None
    rule_cited: str | None


def _late_appeal_reason(case: Case) -> str:
    """Why an appeal sent now is refused as late (privacy.appeal_refusal), or "" (not late, or no time limit)."""
    if case.appeal_window_closes_at is None or case.appeal_outcome or case.appeal_refused_reason:
        return ""
    return appeal_refusal(clock.now(), datetime.fromisoformat(case.appeal_window_closes_at), case.rule_cited or "")


def complaint_case(instance_id: int) -> Case:
    """What the complainant (and the office recording an appeal) sees of the complaint `instance_id`."""
    engine = process_engine()
    instance = engine.get_instance(instance_id)
    data: dict[str, Any] = {}
    for event in engine.audit_trail(instance_id):
        data.update(event.changes)
    appeal_task = next((task for task in engine.list_tasks(instance_id=instance_id) if task.bpmn_id == APPEAL_TASK),
                       None)
    waiting = any(subscription.message_name == APPEAL_MESSAGE
                  for subscription in engine.subscriptions(instance_id=instance_id))
    return Case(instance.business_key or "", instance.process_key,
                REPORT_KINDS.get(data.get("report_kind"), "Complaint"),
                instance.started_at, instance.current_steps, not instance.running, len(data.get("evidence") or []),
                data.get("decision_text"), data.get("appeal_refused_reason") or None,
                APPEAL_OUTCOMES.get(data.get("appeal_outcome")), appeal_task.task_id if appeal_task else None,
                waiting or appeal_task is not None, data.get("appeal_window_closes_at") or None,
                data.get("rule_cited") or None)

