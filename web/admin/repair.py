"""Repairs from the monitoring pages (issue 18): migrate an instance, or every running instance of a version, to
another version of its process (checked first: a dry run lists what would move and what cannot), skip the step
an instance waits at, move it back to a step it completed. Administrators only (`REPAIR_ROLES`); each change is
one engine call per instance, which audits it.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from engine import ClerkflowError
from web.access import REPAIR_ROLES
from web.admin.blueprint import bp
from web.auth import role_required
from web.current import process_engine, signed_in_staff

MAPPING_PREFIX = "map."


def _to_version() -> int | None:
    raw = (request.values.get("to_version") or "").strip()
    return int(raw) if raw.isdigit() else None


def _mapping(unmapped: set[str]) -> dict[str, str]:
    """The administrator's choice for each wait the target lacks (fields `map.<bpmn id>`)."""
    chosen = {key[len(MAPPING_PREFIX):]: value.strip() for key, value in request.values.items()
              if key.startswith(MAPPING_PREFIX) and value.strip()}
    return {bpmn_id: target for bpmn_id, target in chosen.items() if bpmn_id in unmapped}


def repair_choices(instance) -> dict:
    """What the instance page offers an administrator: the versions to move to, the steps to skip or go back to."""
    engine = process_engine()
    waits, completed = engine.steps_to_modify(instance.instance_id)
    versions = sorted((v.version for v in engine.versions(instance.process_key) if v.version != instance.version),
                      reverse=True)
    return {"other_versions": versions, "waits": waits, "completed": completed}


def _back(instance_id: int):
    return redirect(url_for(".instance", instance_id=instance_id))


# ----------------------------------------------------------------------------- one instance

@bp.route("/instances/<int:instance_id>/migrate", methods=["GET", "POST"])
@role_required(*REPAIR_ROLES)
def migrate_instance(instance_id: int):
    engine = process_engine()
    instance = engine.get_instance(instance_id)
    to_version = _to_version()
    if to_version is None:
        flash("Choose the version to move the instance to.", "error")
        return _back(instance_id)
    try:
        first = engine.check_migration(instance_id, to_version)
        unmapped = {wait.bpmn_id for wait in first.waits if wait.target_bpmn_id is None}
        mapping = _mapping(unmapped)
        check = engine.check_migration(instance_id, to_version, mapping) if mapping else first
        if request.method == "POST":
            moved = engine.migrate_instance(instance_id, to_version, actor=signed_in_staff().username,
                                            mapping=mapping, reason=request.form.get("reason", ""))
            flash(f"Instance {instance_id} is on version {moved.version} now ({moved.status}).", "info")
            return _back(instance_id)
        elements = engine.version_elements(instance.process_key, to_version)
    except ClerkflowError as refused:
        flash(str(refused), "error")
        if request.method == "POST":
            return redirect(url_for(".migrate_instance", instance_id=instance_id, to_version=to_version,
                                    **{f"{MAPPING_PREFIX}{key}": value for key, value in request.form.items()
                                       if key.startswith(MAPPING_PREFIX)}))
        return _back(instance_id)
    return render_template("admin/migrate_instance.html", instance=instance, check=check, unmapped=unmapped,
                           mapping=mapping, elements=elements, to_version=to_version, prefix=MAPPING_PREFIX)


@bp.post("/instances/<int:instance_id>/skip", defaults={"action": "skip"})
@bp.post("/instances/<int:instance_id>/move_back", defaults={"action": "move_back"})
@role_required(*REPAIR_ROLES)
def modify_instance(instance_id: int, action: str):
    bpmn_id = request.form.get("bpmn_id", "").strip()
    reason = request.form.get("reason", "").strip()
    what = "skip" if action == "skip" else "move back"
    if not bpmn_id:
        flash(f"Choose the step to {what}.", "error")
        return _back(instance_id)
    if not reason:
        flash(f"Give a reason to {what} a step; it goes into the audit trail.", "error")
        return _back(instance_id)
    engine = process_engine()
    change = engine.skip_step if action == "skip" else engine.move_back
    try:
        changed = change(instance_id, bpmn_id, actor=signed_in_staff().username, reason=reason)
    except ClerkflowError as refused:
        flash(str(refused), "error")
        return _back(instance_id)
    done = "skipped" if action == "skip" else "moved back to"
    flash(f'Instance {instance_id}: {done} "{bpmn_id}"; it is {changed.status} now'
          f'{" at " + ", ".join(changed.current_steps) if changed.current_steps else ""}.', "info")
    return _back(instance_id)


# ----------------------------------------------------------------------------- every instance of a version

@bp.route("/processes/<process_key>/<int:version>/migrate", methods=["GET", "POST"])
@role_required(*REPAIR_ROLES)
def migrate_version(process_key: str, version: int):
    engine = process_engine()
    back = redirect(url_for(".process_version", process_key=process_key, version=version))
    to_version = _to_version()
    if to_version is None:
        flash("Choose the version to move the instances to.", "error")
        return back
    try:
        first = engine.check_version_migration(process_key, version, to_version)
        unmapped = {wait.bpmn_id for check in first for wait in check.waits if wait.target_bpmn_id is None}
        mapping = _mapping(unmapped)
        if request.method == "POST":
            outcomes = engine.migrate_version(process_key, version, to_version, actor=signed_in_staff().username,
                                              mapping=mapping, reason=request.form.get("reason", ""))
            moved = [o for o in outcomes if o.moved]
            stayed = [o for o in outcomes if not o.moved]
            flash(f"Moved {len(moved)} of {len(outcomes)} instance(s) to version {to_version}."
                  + (" Not moved: " + " ".join(o.message for o in stayed) if stayed else ""),
                  "error" if stayed else "info")
            return back
        checks = engine.check_version_migration(process_key, version, to_version, mapping) if mapping else first
        elements = engine.version_elements(process_key, to_version)
    except ClerkflowError as refused:
        flash(str(refused), "error")
        return back
    return render_template("admin/migrate_version.html", process_key=process_key, version=version,
                           to_version=to_version, checks=checks, unmapped=sorted(unmapped), mapping=mapping,
                           elements=elements, prefix=MAPPING_PREFIX)
