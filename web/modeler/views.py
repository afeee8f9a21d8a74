"""Modeler pages and their JSON endpoints.

Every signed-in member of staff may look: the processes and their versions, a version in the
modeler, its BPMN, a comparison of two versions, the operators and forms, a form with its preview,
and the deploy validation of a diagram. Only analysts and administrators deploy a new version or
save a form (a draft in the database: the web app never writes into forms/) or discard its draft. The modeler page's script (web/assets/modeler, bundled into web/static/vendor/modeler)
posts JSON with the session's CSRF token in the X-CSRF-Token header.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from itertools import groupby
from pathlib import PurePath

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for

from engine import as_utf8, describe_helpers, source_with_forms
from engine import DeployRefused
from web.current import process_engine, signed_in_staff
from web.access import DEPLOYERS
from web.auth import role_required, staff_only
from web.csrf import csrf_token
from web.filestore import human_size
from web.inbox.form_values import choice_label, prefilled_values
from web.inbox.forms import fields_of
from web.modeler.blueprint import bp
from web.modeler.compare import compare_diagrams
from web.modeler.renderable import form_problems
from web.modeler.form_files import (FormRefused, current_form, drafts_for_source, form_catalogue, forms_dir, parse_form,
                                    read_form, read_installed, save_form)
from web.models_forms import discard_draft, draft_changes

# bpmn-js and its properties panel set style attributes as they draw: only the modeler's pages allow them.
MODELER_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; "
                  "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


@dataclass(frozen=True)
class PreviewTask:
    """The task a form preview stands for: none. The task page's partials name the task (a table's
    "Add a row" button posts to the task it belongs to); the preview is inert, so nothing posts."""

    task_id: int = 0


def may_deploy() -> bool:
    return bool(signed_in_staff().role_set & set(DEPLOYERS))


@bp.get("")
@staff_only
def index():
    versions = process_engine().versions()
    processes = [(key, list(group)[::-1]) for key, group in groupby(versions, key=lambda view: view.process_key)]
    return render_template("modeler/index.html", processes=processes, forms=form_catalogue(), may_deploy=may_deploy())


@bp.get("/<process_key>/<int:version>")
@staff_only
def diagram(process_key: str, version: int):
    view, _ = process_engine().version_diagram(process_key, version)
    others = [other for other in process_engine().versions(process_key) if other.version != version]
    return modeler_page(url_for(".bpmn", process_key=process_key, version=version), view.file_name,
                        version=view, others=others,
                        decisions=sorted(process_engine().version_decisions(process_key, version)))


def modeler_page(bpmn_url: str, file_name: str, **context) -> Response:
    """The modeler on the diagram at `bpmn_url`: the page, the URLs its script uses, the CSP bpmn-js needs."""
    settings = {
        "bpmn_url": bpmn_url, "operators_url": url_for(".operators"), "forms_url": url_for(".forms"),
        "processes_url": url_for(".processes"),
        "forms_page_url": url_for(".index") + "/forms",
        "validate_url": url_for(".validate"), "deploy_url": url_for(".deploy"),
        "csrf_token": csrf_token(), "file_name": file_name,
    }
    response = Response(render_template("modeler/diagram.html", may_deploy=may_deploy(), settings=settings,
                                        **context))
    response.headers["Content-Security-Policy"] = MODELER_POLICY
    return response


@bp.get("/<process_key>/<int:version>/bpmn")
@staff_only
def bpmn(process_key: str, version: int):
    view, xml = process_engine().version_diagram(process_key, version)
    download = f"{PurePath(view.file_name).stem}-v{view.version}.bpmn"
    return Response(xml, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{download}"'})


@bp.get("/<process_key>/compare")
@staff_only
def compare(process_key: str):
    engine = process_engine()
    versions = engine.versions(process_key)
    if not versions:
        abort(404, description=f'No process "{process_key}" is deployed.')
    numbers = [view.version for view in versions]
    old = request.args.get("from", type=int) or (numbers[-2] if len(numbers) > 1 else numbers[-1])
    new = request.args.get("to", type=int) or numbers[-1]
    (old_view, old_xml), (new_view, new_xml) = engine.version_diagram(process_key, old), \
        engine.version_diagram(process_key, new)
    comparison = compare_diagrams(old_xml, new_xml)
    if _wants_json():
        return jsonify({"process_key": process_key, "from": old, "to": new, **asdict(comparison)})
    return render_template("modeler/compare.html", process_key=process_key, old=old_view, new=new_view,
                           numbers=numbers, comparison=comparison)


@bp.get("/operators.json")
@staff_only
def operators():
    return jsonify(process_engine().operators.describe())


@bp.get("/helpers.json")
@staff_only
def helpers():
    """The helpers scripts and expressions may call, each with its signature and description."""
    return jsonify(describe_helpers(process_engine().helpers))


@bp.get("/processes.json")
@staff_only
def processes():
    """The deployed processes a call activity may call (its calledElement), each with its newest version."""
    latest = {}
    for version in process_engine().versions():
        if version.version > latest.get(version.process_key, (0,))[0]:
            latest[version.process_key] = (version.version, version.display_name)
    return jsonify([{"process_key": key, "display_name": name, "version": number}
                    for key, (number, name) in sorted(latest.items())])


@bp.get("/forms.json")
@staff_only
def forms():
    return jsonify(form_catalogue())


@bp.post("/validate")
@staff_only
def validate():
    source, taken = _posted_source()
    problems = process_engine().check_source(source) + form_problems(source)
    message = (f"{len(problems)} problem(s) to fix before deploying." if problems
               else "No problems found: this diagram can be deployed.") + _drafts_said(taken)
    return jsonify({"ok": not problems, "message": message, "problems": [asdict(problem) for problem in problems]})


@bp.post("/deploy")
@role_required(*DEPLOYERS)
def deploy():
    source, taken = _posted_source()
    try:
        if form_problems(source):
            raise DeployRefused("A form has a field the inbox cannot draw.")
        result = process_engine().deploy_source(source, actor=signed_in_staff().username)
    except DeployRefused:
        problems = process_engine().check_source(source) + form_problems(source)
        return jsonify({"ok": False, "message": f"Not deployed: {len(problems)} problem(s) to fix.",
                        "problems": [asdict(problem) for problem in problems]}), 422
    view = result.version
    message = (f"Deployed as version {view.version} of {view.process_key}." if result.created
               else f"Nothing changed since version {view.version}: no new version was made.") + _drafts_said(taken)
    return jsonify({"ok": True, "created": result.created, "message": message, "version": view.version,
                    "process_key": view.process_key, "problems": [],
                    "version_url": url_for(".diagram", process_key=view.process_key, version=view.version)})


@bp.route("/forms/<process>/<file_name>", methods=["GET", "POST"])
@staff_only
def form(process: str, file_name: str):
    found = current_form(process, file_name)
    text = found.text if found is not None else None
    error = None
    status = 200
    if request.method == "POST":
        if not may_deploy():
            abort(403, description="Only analysts and administrators may change a form.")
        text = request.form.get("schema", "")
        try:
            save_form(process, file_name, text, actor=signed_in_staff().username)
        except FormRefused as refusal:
            error, status = refusal.user_message, refusal.status
        else:
            flash(f"Saved forms/{process}/{file_name} as a draft (in the database: no file is written). Validate "
                  "and deploy in the modeler take it; deploy the diagram again for new instances to use it.", "success")
            return redirect(url_for(".form", process=process, file_name=file_name))
    new_file = text is None
    if new_file:
        text = '{\n  "type": "object",\n  "properties": {}\n}\n' if file_name.endswith(".schema.json") else "{}\n"
    return render_template("modeler/form.html", process=process, file_name=file_name, text=text, error=error,
                           new_file=new_file, found=found, installed=read_installed(process, file_name) is not None,
                           changes=draft_changes(process, file_name), may_deploy=may_deploy(),
                           preview=_preview(process, file_name, text), ui_file=_ui_partner(process, file_name)), status


@bp.post("/forms/<process>/<file_name>/discard")
@role_required(*DEPLOYERS)
def form_discard(process: str, file_name: str):
    read_installed(process, file_name)       # refuses a name outside forms/
    if discard_draft(process, file_name, actor=signed_in_staff().username):
        flash(f"Discarded the draft of {process}/{file_name}.", "success")
    return redirect(url_for(".form", process=process, file_name=file_name))


@bp.post("/forms/<process>/<file_name>/preview")
@staff_only
def form_preview(process: str, file_name: str):
    read_installed(process, file_name)       # refuses a name outside forms/
    return _preview(process, file_name, request.form.get("schema", ""))


def _preview(process: str, file_name: str, text: str) -> str:
    """The form as a task page shows it, or why it cannot be shown."""
    try:
        form = parse_form(file_name, text)
    except FormRefused as refusal:
        return render_template("modeler/_preview.html", problem=refusal.user_message, fields=[])
    if file_name.endswith(".ui.json"):
        return render_template("modeler/_preview.html", problem="", fields=[], ui_only=True)
    ui = None
    partner = _ui_partner(process, file_name)
    ui_text = read_form(process, partner) if partner else None
    if ui_text:
        try:
            ui = json.loads(ui_text)
        except ValueError:
            ui = None
    fields = fields_of(form, ui)
    return render_template("modeler/_preview.html", problem="", fields=fields, values=prefilled_values(fields, {}),
                           field_errors={}, kept_files={}, choice_label=choice_label, human_size=human_size,
                           task=PreviewTask())


def _ui_partner(process: str, file_name: str) -> str | None:
    if not file_name.endswith(".schema.json"):
        return None
    partner = file_name.removesuffix(".schema.json") + ".ui.json"
    return partner if read_form(process, partner) is not None else None


def _posted_source():
    """The posted diagram with its forms (the drafts of its process over forms/) and the DMN files posted
    beside it (a decision it calls that is not posted is the one its process's newest version kept), and
    the names of the forms taken from drafts."""
    body = request.get_json(silent=True) or {}
    xml = body.get("bpmn") if isinstance(body.get("bpmn"), str) else request.form.get("bpmn", "")
    file_name = PurePath(str(body.get("file_name") or request.form.get("file_name") or "diagram.bpmn")).name
    if not file_name.endswith(".bpmn"):
        file_name += ".bpmn"
    drafts = drafts_for_source()
    source = source_with_forms(file_name, as_utf8(xml or ""), forms_dir(), process_engine().database,
                               extra_forms=drafts, decisions=_posted_decisions(body.get("decisions")))
    taken = sorted(name for name, content in source.forms.items()
                   if content is not None and any(key.endswith("/" + name) and draft == content
                                                  for key, draft in drafts.items()))
    return source, taken


def _posted_decisions(posted) -> dict[str, bytes]:
    """The DMN files posted as {file name: XML}; a name is kept as a bare file name ending in .dmn."""
    if not isinstance(posted, dict):
        return {}
    decisions = {}
    for name, xml in posted.items():
        if isinstance(name, str) and isinstance(xml, str):
            bare = PurePath(name).name or "decision.dmn"
            decisions[bare if bare.endswith(".dmn") else bare + ".dmn"] = xml.encode("utf-8")
    return decisions


def _drafts_said(taken: list[str]) -> str:
    return f" Forms taken from drafts saved in the forms editor: {', '.join(taken)}." if taken else ""


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.args.get("format") == "json"
