"""Starting something new in the modeler: a new process (a blank diagram with a start event, opened
in the modeler and deployed as version 1 of its key) and a new form file for the forms editor.

Only analysts and administrators (who may deploy) start a new process or form; nothing is stored
until the diagram is deployed or the form saved.
"""
from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from flask import Response, redirect, render_template, request, url_for

from web.current import process_engine
from web.auth import role_required
from web.modeler.blueprint import bp
from web.modeler.form_files import FORM_FILE_NAME, PROCESS_NAME
from web.access import DEPLOYERS
from web.modeler.views import modeler_page

# A process key is the BPMN process id: it names the process in URLs, the inbox and the audit trail.
PROCESS_KEY = re.compile(r"^[a-z][a-z0-9_]{2,62}$")
MAX_NAME = 120

BLANK_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{key}" name={name} isExecutable="true">
    <bpmn:startEvent id="start" name="{start}" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_{key}">
    <bpmndi:BPMNPlane id="Plane_{key}" bpmnElement="{key}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def blank_diagram(process_key: str, name: str) -> str:
    """A deployable start: one process named `name`, with a start event and nothing else."""
    return BLANK_DIAGRAM.format(key=process_key, name=quoteattr(name), start=escape("Started"))


def new_process_problems(process_key: str, name: str) -> dict[str, str]:
    """What is wrong with the key and name asked for, by field ({} when a new process may be drawn)."""
    problems = {}
    if not PROCESS_KEY.match(process_key):
        problems["process_key"] = ("A process key is 3 to 63 lower-case letters, digits and underscores, starting "
                                   "with a letter, such as certified_copy.")
    elif process_engine().versions(process_key):
        problems["process_key"] = f'A process "{process_key}" is deployed already: open it and deploy a new version.'
    if not name.strip():
        problems["name"] = "Give the process a name, such as Certified copy request."
    elif len(name) > MAX_NAME:
        problems["name"] = f"A process name is at most {MAX_NAME} characters."
    return problems


def _asked() -> tuple[str, str]:
    """The process key and name in the query string, the name's spacing tidied."""
    return request.args.get("process_key", "").strip(), " ".join(request.args.get("name", "").split())


@bp.get("/new")
@role_required(*DEPLOYERS)
def new_process():
    process_key, name = _asked()
    if "process_key" not in request.args and "name" not in request.args:
        return render_template("modeler/new.html", what="process", process_key="", name="", problems={})
    problems = new_process_problems(process_key, name)
    if problems:
        return render_template("modeler/new.html", what="process", process_key=process_key, name=name,
                               problems=problems), 422
    return modeler_page(url_for(".new_process_bpmn", process_key=process_key, name=name), f"{process_key}.bpmn",
                        version=None, new_process={"key": process_key, "name": name}, others=[])


@bp.get("/new.bpmn")
@role_required(*DEPLOYERS)
def new_process_bpmn():
    process_key, name = _asked()
    problems = new_process_problems(process_key, name)
    if problems:
        return Response(" ".join(problems.values()), status=422, mimetype="text/plain")
    return Response(blank_diagram(process_key, name), mimetype="application/xml")


@bp.get("/forms/new")
@role_required(*DEPLOYERS)
def new_form():
    """Where the "New form" box on the processes page goes: the forms editor on a file not made yet."""
    process = request.args.get("process", "").strip()
    file_name = request.args.get("file_name", "").strip()
    if file_name and not file_name.endswith((".schema.json", ".ui.json")):
        file_name = file_name.removesuffix(".json") + ".schema.json"
    problems = {}
    if not PROCESS_NAME.match(process):
        problems["process"] = ("Name the process folder the form belongs to: its process key, such as "
                               "records_request.")
    if not FORM_FILE_NAME.match(file_name) or ".." in file_name:
        problems["file_name"] = ("A form file name is letters, digits, dots, dashes and underscores, such as "
                                 "record_copy.schema.json.")
    if problems:
        return render_template("modeler/new.html", what="form", process=process, file_name=file_name,
                               problems=problems), 422
    return redirect(url_for(".form", process=process, file_name=file_name))
