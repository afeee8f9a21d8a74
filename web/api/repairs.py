"""The API's repairs (issue 18), as the instance page and the process overview do them: migrate an instance, or
every running instance of a version, to another version (`dry_run: true` answers the check and changes nothing),
skip the step an instance waits at, move it back to a completed step. Administrators only (`REPAIR_ROLES`)."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from web.access import REPAIR_ROLES
from web.api.blueprint import bp
from web.api.errors import ApiError
from web.api.views import _json_object, as_json
from web.auth import role_required
from web.current import process_engine, signed_in_staff
from web.id_bounds import MAX_ROW_ID


def _migration_body() -> tuple[int, dict[str, str], str, bool]:
    body = _json_object()
    to_version = body.get("to_version")
    if not isinstance(to_version, int) or isinstance(to_version, bool) or not 1 <= to_version <= MAX_ROW_ID:
        raise ApiError("Say which version to move to: {\"to_version\": 2}.", status=422,
                       fields={"to_version": "A version number, 1 or more."})
    mapping = body.get("mapping") or {}
    if not isinstance(mapping, dict) or not all(isinstance(key, str) and isinstance(value, str)
                                                for key, value in mapping.items()):
        raise ApiError("The mapping must be an object of step ids: {\"old_step\": \"step_in_the_target\"}.",
                       status=422, fields={"mapping": "An object of strings."})
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise ApiError("dry_run must be true or false.", status=422, fields={"dry_run": "true or false."})
    return to_version, mapping, _text(body, "reason"), dry_run


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise ApiError(f"The {name} must be a string.", status=422, fields={name: "Must be a string."})
    return value.strip()


@bp.post("/instances/<int:instance_id>/migrate")
@role_required(*REPAIR_ROLES)
def migrate_instance(instance_id: int):
    to_version, mapping, reason, dry_run = _migration_body()
    engine = process_engine()
    if dry_run:
        return jsonify(check_as_json(engine.check_migration(instance_id, to_version, mapping)))
    moved = engine.migrate_instance(instance_id, to_version, actor=signed_in_staff().username, mapping=mapping,
                                    reason=reason)
    return jsonify(as_json(moved))


@bp.post("/processes/<process_key>/versions/<int:version>/migrate")
@role_required(*REPAIR_ROLES)
def migrate_version(process_key: str, version: int):
    to_version, mapping, reason, dry_run = _migration_body()
    engine = process_engine()
    if dry_run:
        checks = engine.check_version_migration(process_key, version, to_version, mapping)
        return jsonify(items=[check_as_json(check) for check in checks])
    outcomes = engine.migrate_version(process_key, version, to_version, actor=signed_in_staff().username,
                                      mapping=mapping, reason=reason)
    return jsonify(items=[as_json(outcome) for outcome in outcomes])


@bp.post("/instances/<int:instance_id>/skip", defaults={"action": "skip"})
@bp.post("/instances/<int:instance_id>/move_back", defaults={"action": "move_back"})
@role_required(*REPAIR_ROLES)
def modify_instance(instance_id: int, action: str):
    body = _json_object()
    bpmn_id, reason = _text(body, "bpmn_id"), _text(body, "reason")
    if not bpmn_id or not reason:
        raise ApiError("Name the step and give a reason: {\"bpmn_id\": \"...\", \"reason\": \"...\"}.", status=422,
                       fields={name: "Required." for name, value in (("bpmn_id", bpmn_id), ("reason", reason))
                               if not value})
    engine = process_engine()
    change = engine.skip_step if action == "skip" else engine.move_back
    return jsonify(as_json(change(instance_id, bpmn_id, actor=signed_in_staff().username, reason=reason)))


def check_as_json(check) -> dict[str, Any]:
    return {**as_json(check), "movable": check.movable}
