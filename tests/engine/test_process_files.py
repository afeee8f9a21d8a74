"""Every diagram in processes/ deploys, and carries the layout a modeler needs to show it.

bpmn-js and SpiffArena's modeler draw only what has diagram interchange (DI): a shape for
every flow node, lane and pool, an edge for every sequence flow. Shapes of flow nodes must
not overlap, or an analyst cannot read the diagram.
"""
from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from scenario_data import REPO

PROCESSES = sorted((REPO / "processes").glob("*.bpmn"))
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC"}
FLOW_NODES = ("startEvent", "endEvent", "task", "userTask", "serviceTask", "scriptTask", "manualTask",
              "sendTask", "receiveTask", "businessRuleTask", "callActivity", "subProcess", "exclusiveGateway",
              "parallelGateway", "inclusiveGateway", "eventBasedGateway", "intermediateCatchEvent",
              "intermediateThrowEvent", "boundaryEvent")


@pytest.mark.parametrize("path", PROCESSES, ids=lambda path: path.name)
def test_diagram_deploys_with_its_forms(engine, path):
    assert engine.deploy_file(path, REPO / "forms", actor="analyst").created


@pytest.mark.parametrize("path", PROCESSES, ids=lambda path: path.name)
def test_every_element_is_drawn(path):
    tree = etree.parse(str(path))
    drawn = {element.get("bpmnElement") for element in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    drawn |= {element.get("bpmnElement") for element in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    wanted = [element.get("id") for name in (*FLOW_NODES, "sequenceFlow", "lane", "participant")
              for element in tree.iterfind(f".//bpmn:{name}", NS)]
    missing = [bpmn_id for bpmn_id in wanted if bpmn_id not in drawn]
    assert not missing, f"{path.name}: no shape or edge for {missing}"


@pytest.mark.parametrize("path", PROCESSES, ids=lambda path: path.name)
def test_flow_node_shapes_do_not_overlap(path):
    tree = etree.parse(str(path))
    # Boundary events sit on their task's border and a subprocess contains its steps: both overlap by design.
    nodes = {element.get("id") for name in FLOW_NODES if name not in ("boundaryEvent", "subProcess")
             for element in tree.iterfind(f".//bpmn:{name}", NS)}
    boxes = {}
    for shape in tree.iterfind(".//bpmndi:BPMNShape", NS):
        if shape.get("bpmnElement") in nodes:
            bounds = shape.find("dc:Bounds", NS)
            x, y, width, height = (float(bounds.get(key)) for key in ("x", "y", "width", "height"))
            boxes[shape.get("bpmnElement")] = (x, y, x + width, y + height)
    overlapping = [(a, b) for a, b in itertools.combinations(sorted(boxes), 2)
                   if boxes[a][0] < boxes[b][2] and boxes[b][0] < boxes[a][2]
                   and boxes[a][1] < boxes[b][3] and boxes[b][1] < boxes[a][3]]
    assert not overlapping, f"{path.name}: shapes overlap: {overlapping}"


NODE_MODULES = REPO / "node_modules" / "bpmn-moddle"


@pytest.mark.skipif(shutil.which("node") is None or not NODE_MODULES.is_dir(),
                    reason="needs Node.js and bpmn-moddle from `npm install` (make test installs both)")
def test_every_diagram_opens_in_bpmn_js_without_warnings():
    result = subprocess.run(["node", str(Path(__file__).with_name("bpmn_moddle_import.cjs")),
                             *map(str, PROCESSES)], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    problems = {Path(path).name: found for path, found in report.items()
                if found.get("error") or found.get("warnings") or found.get("diagrams") != 1}
    assert not problems, problems
