"""The API's routes: parse the request, call the engine with the caller's roles, return JSON views."""
from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from flask import jsonify, request

from engine import INSTANCE_STATUSES, TASK_STATUSES, clock
from web.current import process_engine, signed_in_staff, work_roles
from web.inbox.assignment import visible_task
from web.api.blueprint import bp
from web.api import idempotency  # noqa: F401  (Idempotency-Key on every POST of the blueprint)
from web.api.errors import ApiError, refuse_a_body_too_deep
from web.api.openapi import document
from web.auth import public, role_required, staff_only
from web.inbox.assignment import (AssigneeRefused, claim_as_signed_in, eligible_assignee, hand_on, is_supervisor,
                                  unclaim_as_signed_in)
from web.access import ADMINISTRATOR, ANALYST

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# Who may read every instance, its audit trail, the timers and the incidents (the administration pages' data).
OVERSEERS = (ADMINISTRATOR, ANALYST)


# ----------------------------------------------------------------------------- the document

@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document())


# ----------------------------------------------------------------------------- processes and instances

@bp.get("/processes")
@staff_only
def processes():
    key = request.args.get("process") or None
    return jsonify(items=[as_json(version) for version in process_engine().versions(key)])


@bp.get("/instances")
@role_required(*OVERSEERS)
def instances():
    status = _choice("status", INSTANCE_STATUSES)
    limit, offset = _paging()
    listed = process_engine().list_instances(status=status, process_key=request.args.get("process") or None,
                                             business_key=request.args.get("business_key") or None,
                                             limit=limit, offset=offset)
    return jsonify(items=[as_json(instance) for instance in listed], limit=limit, offset=offset)


@bp.get("/instances/<int:instance_id>")
@role_required(*OVERSEERS)
def instance(instance_id: int):
    return jsonify(as_json(process_engine().get_instance(instance_id)))


@bp.get("/instances/<int:instance_id>/audit")
@role_required(*OVERSEERS)
def audit(instance_id: int):
    engine = process_engine()
    engine.get_instance(instance_id)          # 404 for an unknown instance, not an empty trail
    return jsonify(items=[as_json(event) for event in engine.audit_trail(instance_id)])


@bp.post("/instances/<int:instance_id>/suspend")
@role_required(ADMINISTRATOR)
def suspend_instance(instance_id: int):
    changed = process_engine().suspend_instance(instance_id, actor=signed_in_staff().username, reason=_reason())
    return jsonify(as_json(changed))


@bp.post("/instances/<int:instance_id>/resume")
@role_required(ADMINISTRATOR)
def resume_instance(instance_id: int):
    changed = process_engine().resume_instance(instance_id, actor=signed_in_staff().username, reason=_reason())
    return jsonify(as_json(changed))


@bp.post("/instances/<int:instance_id>/terminate")
@role_required(ADMINISTRATOR)
def terminate_instance(instance_id: int):
    reason = _reason()
    if not reason:
        raise ApiError("Give a reason for terminating the instance; it goes into the audit trail.", status=422,
                       fields={"reason": "A reason is required."})
    changed = process_engine().terminate_instance(instance_id, actor=signed_in_staff().username, reason=reason)
    return jsonify(as_json(changed))


# ----------------------------------------------------------------------------- tasks

@bp.get("/tasks")
@staff_only
def tasks():
    """Open (or other) tasks for the caller's roles; `mine=true` for the ones assigned to the caller."""
    staff = signed_in_staff()
    status = _choice("status", TASK_STATUSES) or "open"
    limit, offset = _paging()
    instance_id = _integer("instance_id")
    mine = _flag("mine")
    everyone = staff.has_role(ADMINISTRATOR) and not mine
    listed = process_engine().list_tasks(
        roles=None if everyone or mine else set(work_roles(staff)),
        assignee=staff.username if mine else None,
        instance_id=instance_id, status=status, limit=limit, offset=offset)
    return jsonify(items=[as_json(task) for task in listed], limit=limit, offset=offset)


@bp.get("/tasks/<int:task_id>")
@staff_only
def task(task_id: int):
    task = visible_task(task_id)
    engine = process_engine()
    return jsonify({**as_json(task), "form_schema": engine.form_schema(task_id),
                    "form_ui_schema": engine.form_ui_schema(task_id)})


@bp.post("/tasks/<int:task_id>/claim")
@staff_only
def claim_task(task_id: int):
    """Claim the task, by the inbox's rule (`claim_refused`): work for one of the caller's roles."""
    claim_as_signed_in(task_id)
    return _task_as_now(task_id)


@bp.post("/tasks/<int:task_id>/unclaim")
@staff_only
def unclaim_task(task_id: int):
    unclaim_as_signed_in(task_id)
    return _task_as_now(task_id)


@bp.post("/tasks/<int:task_id>/assign")
@staff_only
def assign_task(task_id: int):
    """Delegate (the claimant) or reassign (a supervisor) the task; `"assignee": null` is the shared inbox."""
    task = visible_task(task_id)
    body = _json_object()
    if "assignee" not in body:
        raise ApiError("Say who should work the task: {\"assignee\": \"username\"} (null: the shared inbox).",
                       status=422, fields={"assignee": "Required: a username, or null."})
    username = body["assignee"]
    if username is not None and (not isinstance(username, str) or not username.strip()):
        raise ApiError("The assignee must be a username or null.", status=422,
                       fields={"assignee": "A username, or null."})
    account = None
    if username is not None:
        try:
            account = eligible_assignee(task, username)
        except AssigneeRefused as refused:
            raise ApiError(str(refused), status=422, fields={"assignee": str(refused)}) from None
    elif not is_supervisor(signed_in_staff()):
        raise ApiError("Only a supervisor can put a task back in the shared inbox; use unclaim for your own.",
                       status=403, code="forbidden")
    hand_on(task, account)
    return _task_as_now(task_id)


@bp.post("/tasks/<int:task_id>/complete")
@staff_only
def complete_task(task_id: int):
    """The JSON body is the form's data; the engine validates it against the form's JSON Schema (422)."""
    staff = signed_in_staff()
    visible_task(task_id)
    submission = _json_object()
    instance = process_engine().complete_task(task_id, submission, actor=staff.username, roles=set(work_roles(staff)))
    return jsonify(as_json(instance))


# ----------------------------------------------------------------------------- messages, timers, incidents

@bp.post("/messages")
@staff_only
def deliver_message():
    body = _json_object()
    name = body.get("name")
    problems = {}
    if not isinstance(name, str) or not name.strip():
        problems["name"] = "The message name is required (a string)."
    for key in ("correlation", "payload"):
        if body.get(key) is not None and not isinstance(body[key], dict):
            problems[key] = "Must be a JSON object."
    if problems:
        raise ApiError("The message could not be delivered as sent.", status=422, fields=problems)
    staff = signed_in_staff()
    # Who may send it and what its payload must be: the engine's message rules (the city's, city.message_rules).
    receivers = process_engine().deliver_message(name.strip(), body.get("correlation") or {}, body.get("payload") or {},
                                                 actor=staff.username, roles=set(work_roles(staff)))
    return jsonify(instance_ids=list(receivers))


@bp.get("/timers")
@role_required(*OVERSEERS)
def timers():
    limit, _offset = _paging()
    return jsonify(items=[as_json(timer) for timer in
                          process_engine().pending_timers(instance_id=_integer("instance_id"), limit=limit)])


@bp.get("/incidents")
@role_required(*OVERSEERS)
def incidents():
    status = _choice("status", ("open", "resolved", "all")) or "open"
    limit, _offset = _paging()
    return jsonify(items=[as_json(incident) for incident in process_engine().list_incidents(
        status=status, instance_id=_integer("instance_id"), limit=limit)])


@bp.post("/incidents/<int:incident_id>/retry")
@role_required(ADMINISTRATOR)
def retry_incident(incident_id: int):
    body = _json_object(required=False)
    patch = body.get("data_patch")
    if patch is not None and not isinstance(patch, dict):
        raise ApiError("The retry could not be done as sent.", status=422, fields={"data_patch": "Must be a JSON object."})
    instance = process_engine().retry_incident(incident_id, actor=signed_in_staff().username, data_patch=patch)
    return jsonify(as_json(instance))


# ----------------------------------------------------------------------------- helpers

def _task_as_now(task_id: int):
    """The task as GET /api/tasks lists it (with its business key and instance title), after a change."""
    return jsonify(as_json(process_engine().get_task(task_id)))


def as_json(value: Any) -> Any:
    """A frozen engine view (or anything inside one) as JSON-ready data: date-times in ISO 8601, UTC."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: as_json(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return clock.as_utc(value).isoformat()
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(item) for item in value]
    return value


def _json_object(*, required: bool = True) -> dict[str, Any]:
    if not request.get_data():
        if required:
            raise ApiError("Send a JSON object as the request body (Content-Type: application/json).")
        return {}
    refuse_a_body_too_deep()
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise ApiError("The request body must be a JSON object (Content-Type: application/json).")
    return body


def _reason() -> str:
    reason = _json_object(required=False).get("reason", "")
    if not isinstance(reason, str):
        raise ApiError("The reason must be a string.", status=422, fields={"reason": "Must be a string."})
    return reason.strip()


def _paging() -> tuple[int, int]:
    limit = _integer("limit")
    offset = _integer("offset")
    limit = DEFAULT_LIMIT if limit is None else limit
    offset = 0 if offset is None else offset
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(f"limit must be between 1 and {MAX_LIMIT}.", fields={"limit": f"1 to {MAX_LIMIT}."})
    if offset < 0:
        raise ApiError("offset must not be negative.", fields={"offset": "0 or more."})
    return limit, offset


def _integer(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(f'{name} must be a whole number, not "{raw}".', fields={name: "A whole number."}) from None


def _flag(name: str) -> bool:
    raw = (request.args.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise ApiError(f'{name} must be true or false, not "{raw}".', fields={name: "true or false."})


def _choice(name: str, allowed) -> str | None:
    raw = request.args.get(name) or None
    if raw is not None and raw not in allowed:
        raise ApiError(f'There is no {name} "{raw}"; use one of: {", ".join(allowed)}.',
                       fields={name: f"One of: {', '.join(allowed)}."})
    return raw
