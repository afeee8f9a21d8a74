"""Monitoring (issue 6, what Camunda's Cockpit gives): the instance list with its filters and counts, an
instance's page (diagram, tasks, data, audit trail, waits) and its repairs, and the process overview.

Administrators see everything and act; analysts see the same pages read-only, with personal data masked
(`PERSONAL_DATA_KEYS`). Every action is one engine call, which writes its own audit event.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from functools import wraps
from typing import Any

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for

from engine import INSTANCE_STATUSES, ClerkflowError, json_too_deep
from city.rules.business_calendar import city_midnight
from web.current import process_engine, signed_in_staff, work_roles
from web.admin.blueprint import bp
from web.admin.instance_data import readable
from web.admin.repair import repair_choices
from web.access import MONITORING_ROLES
from web.auth import role_required, staff_only
from web.formatting import when
from web.models_correspondence import withdrawn_among
from web.layout import CONTENT_SECURITY_POLICY, from_city_input
from web.inbox.assignment import SHARED_INBOX, AssigneeRefused, eligible_assignee, eligible_staff, hand_on
from city.rules.roles import CITY_CLERK, RECORDS_MANAGER
from web.access import ADMINISTRATOR

# The statuses a person filters by, in reading order. "Waiting on timer / message" are running
# instances with a pending timer / message subscription row (so they are also counted as running).
STATUSES = (("active", "running"), ("waiting_timer", "waiting on timer"), ("waiting_message", "waiting on message"),
            ("incident", "incident"), ("suspended", "suspended"), ("completed", "completed"),
            ("terminated", "terminated"))
STATUS_VALUES = tuple(value for value, _label in STATUSES)
PAGE_SIZE = 50

# Personal data (K.S.A. 45-221(a)(30), the city's privacy policy): data keys whose values only the roles in
# SEES_PERSONAL_DATA are shown on the monitoring pages; everyone else sees MASK. A key is personal when it is
# in PERSONAL_DATA_KEYS or ends with one of PERSONAL_DATA_ENDINGS, at any depth of the data. The list is
# documented in docs/administration.md ("Personal data on the monitoring pages"); add keys there and here.
PERSONAL_DATA_KEYS = frozenset({
    "requester_name", "requester_address", "requester_email", "requester_phone", "requester_key", "requester",
    "email", "phone", "address", "name", "identification", "identification_number", "identification_note",
    "date_of_birth", "contacts", "contact_persons_concerned", "complainant_name", "complainant_address"})
PERSONAL_DATA_ENDINGS = ("_email", "_phone", "_address", "_identification", "_id_number", "_date_of_birth")
SEES_PERSONAL_DATA = frozenset({ADMINISTRATOR, CITY_CLERK, RECORDS_MANAGER})
MASK = "*** personal data, masked ***"


def is_personal(key: str) -> bool:
    lowered = str(key).lower()
    return lowered in PERSONAL_DATA_KEYS or lowered.endswith(PERSONAL_DATA_ENDINGS)


def mask_personal_data(value: Any) -> Any:
    """`value` with every personal data value replaced by MASK (dicts and lists at any depth)."""
    if isinstance(value, dict):
        return {key: MASK if is_personal(key) and item not in (None, "") else mask_personal_data(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [mask_personal_data(item) for item in value]
    return value


def sees_personal_data() -> bool:
    return bool(signed_in_staff().role_set & SEES_PERSONAL_DATA)


def shown(value: Any) -> Any:
    """The data as the signed-in person may see it."""
    return value if sees_personal_data() else mask_personal_data(value)


def monitoring(view):
    """Administrators, and analysts read-only; others get a 403 page."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not g.staff.role_set & MONITORING_ROLES:
            abort(403, description="This page is for the administrator role (analysts may look without acting). "
                                   "Ask an administrator if you need it.")
        return view(*args, **kwargs)
    return staff_only(wrapped)


def may_act() -> bool:
    return ADMINISTRATOR in signed_in_staff().role_set


# ----------------------------------------------------------------------------- the instance list

def _day(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, description=f'"{raw[:20]}" is not a date; give it as year-month-day, for example 2026-11-23.')


def instance_filters() -> dict[str, Any]:
    """The list's filters from the query string (`args`: to build links; `engine`: for the engine call)."""
    status = request.args.get("status") or None
    if status is not None and status not in STATUS_VALUES:
        abort(400, description=f'There is no instance status "{status[:40]}"; choose one of: '
                               f'{", ".join(STATUS_VALUES)}.')
    version_text = (request.args.get("version") or "").strip()
    if version_text and not version_text.isdigit():
        abort(400, description=f'"{version_text[:20]}" is not a version number; give a whole number such as 2.')
    started_from, started_to = _day("started_from"), _day("started_to")
    args = {"status": status, "process": request.args.get("process") or None, "version": version_text or None,
            "key": (request.args.get("key") or "").strip() or None,
            "started_from": started_from.isoformat() if started_from else None,
            "started_to": started_to.isoformat() if started_to else None,
            "overdue": "1" if request.args.get("overdue") else None}
    engine = {"process_key": args["process"], "version": int(version_text) if version_text else None,
              "key_text": args["key"], "overdue": bool(args["overdue"]),
              "started_from": city_midnight(started_from) if started_from else None,
              "started_before": city_midnight(started_to + timedelta(days=1)) if started_to else None}
    return {"args": {key: value for key, value in args.items() if value is not None}, "engine": engine,
            "status": status}


@bp.get("")
@monitoring
def index():
    return redirect(url_for(".instances"))


@bp.get("/instances")
@monitoring
def instances():
    chosen = instance_filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    engine = process_engine()
    listed = engine.list_instances(status=chosen["status"], limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
                                   **chosen["engine"])
    counts = engine.count_instances(**chosen["engine"])
    total = sum(counts[value] for value in INSTANCE_STATUSES)
    shown_total = counts[chosen["status"]] if chosen["status"] else total
    return render_template("admin/instances.html", instances=listed[:PAGE_SIZE], has_more=len(listed) > PAGE_SIZE,
                           withdrawn=withdrawn_among([instance.instance_id for instance in listed[:PAGE_SIZE]]),
                           page=page, pages=max(1, -(-shown_total // PAGE_SIZE)), chosen=chosen, statuses=STATUSES,
                           counts=counts, total=total,
                           process_keys=sorted({version.process_key for version in engine.versions()}))


# ----------------------------------------------------------------------------- one instance

@bp.get("/instances/<int:instance_id>")
@monitoring
def instance(instance_id: int):
    engine = process_engine()
    found = engine.get_instance(instance_id)
    diagram = engine.instance_diagram(instance_id)
    tasks = engine.instance_tasks(instance_id)
    people = {task.task_id: [(account.username, account.display_name) for account in eligible_staff(task)
                             if account.username != task.assignee]
              for task in tasks if task.status == "open"} if may_act() else {}
    markers = {"completed": list(diagram.completed), "active": list(diagram.active), "failed": list(diagram.failed),
               "timers": [{"bpmn_id": bpmn_id, "label": f"due {when(due)}"}
                          for bpmn_id, due in diagram.timers],
               "messages": [{"bpmn_id": bpmn_id, "label": f"waits for {name}"} for bpmn_id, name in diagram.messages]}
    data = shown(diagram.data)
    response = render_template(
        "admin/instance.html", instance=found, diagram=diagram, markers=markers, tasks=tasks, people=people,
        data=data, readable_data=readable(data), called=engine.called_versions(instance_id),
        incidents=[(incident, shown(incident.data_seen)) for incident in found.incidents],
        audit_trail=[(event, shown(event.changes)) for event in engine.audit_trail(instance_id)],
        timers=engine.pending_timers(instance_id=instance_id), subscriptions=engine.subscriptions(instance_id=instance_id),
        may_act=may_act(), masked=not sees_personal_data(), SHARED_INBOX=SHARED_INBOX,
        withdrawn=withdrawn_among([instance_id]),
        repairs=repair_choices(found) if may_act() and found.status in ("active", "incident") else None)
    return _with_diagram_styles(response)


def _with_diagram_styles(html: str):
    """bpmn-js sets style attributes on the SVG and overlays it draws: only pages with a diagram allow them."""
    response = make_response(html)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "default-src 'self';", "default-src 'self'; style-src 'self' 'unsafe-inline';")
    return response


def _back(instance_id: int):
    return redirect(url_for(".instance", instance_id=instance_id))


@bp.post("/instances/<int:instance_id>/<any(suspend, resume, terminate):action>")
@role_required(ADMINISTRATOR)
def change_status(instance_id: int, action: str):
    reason = request.form.get("reason", "").strip()
    if action == "terminate" and not reason:
        flash("Give a reason for terminating the instance; it goes into the audit trail.", "error")
        return _back(instance_id)
    engine = process_engine()
    change = {"suspend": engine.suspend_instance, "resume": engine.resume_instance,
              "terminate": engine.terminate_instance}[action]
    try:
        changed = change(instance_id, actor=signed_in_staff().username, reason=reason)
    except ClerkflowError as refused:
        flash(str(refused), "error")
        return _back(instance_id)
    flash(f"Instance {instance_id} is {changed.status} now.", "info")
    return _back(instance_id)


def _json_object(field: str, label: str, *, required: bool = False) -> tuple[dict | None, str | None]:
    """A form field holding a JSON object: (the object, None) or (None, what is wrong with it)."""
    raw = request.form.get(field, "").strip()
    if not raw:
        return ({} if not required else None), (f"{label} is empty; give a JSON object." if required else None)
    if too_deep := json_too_deep(raw, label):
        return None, too_deep
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as err:
        return None, f"{label} is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}."
    if not isinstance(value, dict):
        return None, f'{label} must be a JSON object such as {{"tracking_number": "R-2026-00042"}}.'
    return value, None


@bp.post("/incidents/<int:incident_id>/retry")
@role_required(ADMINISTRATOR)
def retry(incident_id: int):
    engine = process_engine()
    data_patch, problem = _json_object("data_patch", "The corrected data")
    instance_id = request.form.get("instance_id", type=int)
    if problem:
        flash(f"Incident {incident_id} was not retried. {problem}", "error")
        return _back(instance_id) if instance_id else redirect(url_for(".instances"))
    try:
        instance = engine.retry_incident(incident_id, actor=signed_in_staff().username, data_patch=data_patch or None)
    except ClerkflowError as refused:
        flash(str(refused), "error")
        return _back(instance_id) if instance_id else redirect(url_for(".instances"))
    if instance.status == "incident":
        flash(f"Incident {incident_id} was retried and the instance stopped again; see the newest incident.", "error")
    else:
        flash(f"Incident {incident_id} was retried; the instance is {instance.status} now.", "info")
    return _back(instance.instance_id)


@bp.post("/tasks/<int:task_id>/reassign")
@role_required(ADMINISTRATOR)
def reassign(task_id: int):
    task = process_engine().get_task(task_id)
    username = request.form.get("assignee", "").strip()
    if not username:
        flash("Choose who should work the task, or the shared inbox.", "error")
        return _back(task.instance_id)
    try:
        account = None if username == SHARED_INBOX else eligible_assignee(task, username)
        changed = hand_on(task, account)
    except (AssigneeRefused, ClerkflowError) as refused:
        flash(str(refused), "error")
        return _back(task.instance_id)
    flash(f'"{changed.title}" is now {"in the shared inbox" if account is None else account.username + chr(39) + "s"}.',
          "info")
    return _back(task.instance_id)


@bp.post("/timers/<int:timer_id>/move")
@role_required(ADMINISTRATOR)
def move_timer(timer_id: int):
    instance_id = request.form.get("instance_id", type=int)
    back = _back(instance_id) if instance_id else redirect(url_for(".instances"))
    raw = request.form.get("due_at", "").strip()
    reason = request.form.get("reason", "").strip()
    try:
        due_at = from_city_input(raw)
    except ValueError:
        flash(f'"{raw[:30]}" is not a date and time; give it as 2026-11-30T17:00 (city time).' if raw
              else "Give the new due time (city time).", "error")
        return back
    if not reason:
        flash("Give a reason for moving the timer; it goes into the audit trail.", "error")
        return back
    try:
        moved = process_engine().move_timer(timer_id, due_at, actor=signed_in_staff().username, reason=reason)
    except ClerkflowError as refused:
        flash(str(refused), "error")
        return back
    flash(f'The timer "{moved.bpmn_id}" is due {when(moved.due_at)} now.', "info")
    return back


@bp.post("/messages")
@role_required(ADMINISTRATOR)
def deliver_message():
    instance_id = request.form.get("instance_id", type=int)
    back = _back(instance_id) if instance_id else redirect(url_for(".instances"))
    name = request.form.get("message_name", "").strip()
    if not name:
        flash("Give the name of the message to deliver.", "error")
        return back
    correlation, problem = _json_object("correlation", "The correlation")
    payload, payload_problem = _json_object("payload", "The payload")
    if problem or payload_problem:
        flash(f"The message was not delivered. {problem or payload_problem}", "error")
        return back
    try:
        staff = signed_in_staff()
        receivers = process_engine().deliver_message(name, correlation, payload, actor=staff.username,
                                                     roles=set(work_roles(staff)))
    except ClerkflowError as refused:
        flash(str(refused), "error")
        return back
    flash(f'"{name}" was delivered to instance{"s" if len(receivers) != 1 else ""} '
          f'{", ".join(map(str, receivers))}.', "info")
    return back


# ----------------------------------------------------------------------------- process overview

@bp.get("/processes")
@monitoring
def processes():
    engine = process_engine()
    counts = engine.version_counts()
    versions = sorted(engine.versions(), key=lambda version: (version.process_key, -version.version))
    return render_template("admin/processes.html", versions=versions, counts=counts,
                           statuses=[value for value, _label in STATUSES if not value.startswith("waiting_")])


@bp.get("/processes/<process_key>/<int:version>")
@monitoring
def process_version(process_key: str, version: int):
    engine = process_engine()
    found, bpmn_xml = engine.version_diagram(process_key, version)
    waiting = engine.waiting_by_element(found.version_id)
    heat = [{"bpmn_id": counts.bpmn_id, "tasks": counts.tasks, "timers": counts.timers,
             "messages": counts.messages, "incidents": counts.incidents} for counts in waiting]
    return _with_diagram_styles(render_template(
        "admin/process_version.html", version=found, bpmn_xml=bpmn_xml, waiting=waiting, heat=heat,
        counts=engine.version_counts().get(found.version_id, {}), may_act=may_act(),
        other_versions=sorted((v.version for v in engine.versions(process_key) if v.version != version), reverse=True)))
