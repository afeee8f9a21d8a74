"""The DMN decision tables deployed with a version, in the modeler: open one in dmn-js beside the diagram,
edit its cells, validate and deploy it with the diagram as a new version (issue 18).

Every signed-in member of staff may look; validating and deploying go through the modeler's own
endpoints (`/modeler/validate`, `/modeler/deploy`: analysts and administrators deploy, with the session's
CSRF token), which take the edited DMN files beside the diagram's BPMN.
"""
from __future__ import annotations

from pathlib import PurePath

from flask import Response, abort, render_template, url_for

from web.auth import staff_only
from web.csrf import csrf_token
from web.current import process_engine
from web.modeler.blueprint import bp
from web.modeler.views import MODELER_POLICY, may_deploy


def _decision_xml(process_key: str, version: int, file_name: str) -> str:
    found = process_engine().version_decisions(process_key, version).get(file_name)
    if found is None:
        abort(404, description=f'Version {version} of "{process_key}" was not deployed with a decision file '
                               f'named "{file_name}".')
    return found


@bp.get("/<process_key>/<int:version>/decisions/<file_name>")
@staff_only
def decision(process_key: str, version: int, file_name: str):
    view, _ = process_engine().version_diagram(process_key, version)
    _decision_xml(process_key, version, file_name)
    settings = {
        "dmn_url": url_for(".decision_dmn", process_key=process_key, version=version, file_name=file_name),
        "bpmn_url": url_for(".bpmn", process_key=process_key, version=version),
        "validate_url": url_for(".validate"), "deploy_url": url_for(".deploy"),
        "csrf_token": csrf_token(), "file_name": view.file_name, "decision_file": file_name,
    }
    response = Response(render_template("modeler/decision.html", version=view, decision_file=file_name,
                                        may_deploy=may_deploy(), settings=settings))
    response.headers["Content-Security-Policy"] = MODELER_POLICY
    return response


@bp.get("/<process_key>/<int:version>/decisions/<file_name>/dmn")
@staff_only
def decision_dmn(process_key: str, version: int, file_name: str):
    xml = _decision_xml(process_key, version, file_name)
    download = f"{PurePath(file_name).stem}-v{version}.dmn"
    return Response(xml, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{download}"'})
