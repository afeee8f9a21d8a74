"""Administrator pages: watch instances, retry incidents, suspend, resume or terminate with a reason."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from web import process_engine, signed_in_staff
from web.admin import bp
from web.auth import role_required
from web.models import ADMINISTRATOR

# The instance statuses the engine keeps (engine.models.InstanceStatus), in the order a person reads them.
STATUSES = ("active", "incident", "suspended", "completed", "terminated")
PAGE_SIZE = 50


@bp.get("")
@role_required(ADMINISTRATOR)
def index():
    return redirect(url_for(".instances"))


@bp.get("/instances")
@role_required(ADMINISTRATOR)
def instances():
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(400, description=f'There is no instance status "{status}"; choose one of: {", ".join(STATUSES)}.')
    page = max(1, request.args.get("page", 1, type=int) or 1)
    engine = process_engine()
    listed = engine.list_instances(status=status, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template("admin/instances.html", instances=listed[:PAGE_SIZE], has_more=len(listed) > PAGE_SIZE,
                           page=page, status=status, statuses=STATUSES, counts=engine.count_instances())


@bp.get("/instances/<int:instance_id>")
@role_required(ADMINISTRATOR)
def instance(instance_id: int):
    engine = process_engine()
    return render_template("admin/instance.html", instance=engine.get_instance(instance_id),
                           audit_trail=engine.audit_trail(instance_id),
                           timers=engine.pending_timers(instance_id=instance_id))


@bp.post("/instances/<int:instance_id>/<any(suspend, resume, terminate):action>")
@role_required(ADMINISTRATOR)
def change_status(instance_id: int, action: str):
    reason = request.form.get("reason", "").strip()
    if action == "terminate" and not reason:
        flash("Give a reason for terminating the instance; it goes into the audit trail.", "error")
        return redirect(url_for(".instance", instance_id=instance_id))
    engine = process_engine()
    change = {"suspend": engine.suspend_instance, "resume": engine.resume_instance,
              "terminate": engine.terminate_instance}[action]
    changed = change(instance_id, actor=signed_in_staff().username, reason=reason)
    flash(f"Instance {instance_id} is {changed.status} now.", "info")
    return redirect(url_for(".instance", instance_id=instance_id))


@bp.post("/incidents/<int:incident_id>/retry")
@role_required(ADMINISTRATOR)
def retry(incident_id: int):
    instance = process_engine().retry_incident(incident_id, actor=signed_in_staff().username)
    if instance.status == "incident":
        flash(f"Incident {incident_id} was retried and the instance stopped again; see the newest incident.", "error")
    else:
        flash(f"Incident {incident_id} was retried; the instance is {instance.status} now.", "info")
    return redirect(url_for(".instance", instance_id=instance.instance_id))
