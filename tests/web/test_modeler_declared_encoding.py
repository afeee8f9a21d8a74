"""A diagram declaring ISO-8859-1 deploys from the modeler with its accented names read right (the modeler sends
the diagram as text: the declaration no longer says how the bytes are written, so deploy writes it as UTF-8)."""
from __future__ import annotations

from test_modeler import post_json

LATIN_DIAGRAM = """<?xml version="1.0" encoding="ISO-8859-1"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="revision_definitions"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="revision" name="Révision d'une requête" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="review" name="Vérifier la pièce jointe (Größe, Ærø)"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="to_review" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="to_end" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_diagram_declaring_iso_8859_1_deploys_from_the_modeler_with_its_names(login_as, client, csrf_token,
                                                                                 process_engine):
    login_as("analyst")
    answer = post_json(client, "/modeler/deploy", {"bpmn": LATIN_DIAGRAM, "file_name": "revision.bpmn"},
                       csrf_token(client, "/inbox"))
    assert answer.status_code == 200, answer.get_json()
    [version] = process_engine.versions("revision")
    assert version.display_name == "Révision d'une requête"
    started = process_engine.start_instance("revision", {}, actor="clerk")
    assert [task.title for task in started.open_tasks] == ["Vérifier la pièce jointe (Größe, Ærø)"]
