"""Moving a process to and from SpiffArena from the modeler (engine/spiffarena.py; docs/modeler.md).

Any member of staff who may open the modeler downloads a version as a SpiffArena process model zip; only
analysts and administrators (DEPLOYERS) upload one, which is deployed as the modeler's Deploy button
deploys, or refused with each problem listed and nothing deployed.
"""
from __future__ import annotations

from flask import Response, flash, redirect, request, url_for

from engine import DeployRefused, deploy_imported, export_version, source_from_zip
from web.access import DEPLOYERS
from web.auth import role_required, staff_only
from web.current import process_engine, signed_in_staff
from web.modeler.blueprint import bp
from web.modeler.renderable import form_problems

MAX_UPLOAD_BYTES = 10 * 1024 * 1024   # a process model zip; what it unpacks to is limited in engine/spiffarena.py


@bp.get("/<process_key>/<int:version>/spiffarena.zip")
@staff_only
def spiffarena_zip(process_key: str, version: int):
    file_name, data = export_version(process_engine(), process_key, version)
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"'})


@bp.post("/import")
@role_required(*DEPLOYERS)
def import_spiffarena():
    upload = request.files.get("process_model")
    if upload is None or not upload.filename:
        flash("Choose a SpiffArena process model zip to import.", "error")
        return redirect(url_for(".index") + "#import-heading")
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        flash(f"{upload.filename} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: nothing was imported.", "error")
        return redirect(url_for(".index") + "#import-heading")
    try:
        source = source_from_zip(data)
        problems = form_problems(source)
        if problems:
            raise DeployRefused("a form has a field the inbox cannot draw.", details=[p.message for p in problems])
        result = deploy_imported(process_engine(), source, actor=signed_in_staff().username)
    except DeployRefused as refused:
        flash(f"{upload.filename} was not imported: {refused.user_message}", "error")
        for line in refused.details:
            flash(line, "error")
        return redirect(url_for(".index") + "#import-heading")
    view = result.version
    flash(f"Imported {upload.filename} as version {view.version} of {view.process_key}." if result.created
          else f"{upload.filename} is the same as version {view.version} of {view.process_key}: no new version was made.",
          "success")
    return redirect(url_for(".diagram", process_key=view.process_key, version=view.version))
