"""A small diagram whose names carry accents, to be written in any encoding its XML declaration names."""
from __future__ import annotations

ACCENTED = """<?xml version="1.0" encoding="{encoding}"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="by_hand_definitions"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_key}" name="Révision d'une requête" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="review" name="Vérifier la pièce jointe (Größe, Ærø)"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="to_review" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="to_end" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
PROCESS_NAME = "Révision d'une requête"
TASK_TITLE = "Vérifier la pièce jointe (Größe, Ærø)"
