"""Versions of one small process for the migration and modify tests: a review, a wait, an inspection to book.

`inspection_hold(timer=...)` varies the wait's timer (a broken one is the bad deploy to repair), `after_wait=` the
user tasks after the wait. SpiffWorkflow's diff matches a renamed task by its place between matched elements, so a
renamed task alone still moves; two tasks replaced by one leave the first with nothing to match it by, and a
migration must be told where it goes (mapped)."""
from __future__ import annotations

from engine import DiagramSource

TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  id="hold_definitions" targetNamespace="http://clerkflow.example/bpmn">
  <bpmn:process id="inspection_hold" name="Inspection hold" isExecutable="true">
    <bpmn:startEvent id="hold_requested"><bpmn:outgoing>to_review</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review_request" name="Review the request">
      <bpmn:incoming>to_review</bpmn:incoming><bpmn:outgoing>to_note</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="note_review" name="Note the review">
      <bpmn:incoming>to_note</bpmn:incoming><bpmn:outgoing>to_wait</bpmn:outgoing>
      <bpmn:script>reviewed = True
wait_days = 3</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:intermediateCatchEvent id="wait_for_inspection" name="Wait before the inspection">
      <bpmn:incoming>to_wait</bpmn:incoming><bpmn:outgoing>to_{first}</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_timer"><bpmn:timeDuration>{timer}</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
{bookings}    <bpmn:endEvent id="inspection_booked"><bpmn:incoming>to_inspection_booked</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="to_review" sourceRef="hold_requested" targetRef="review_request" />
    <bpmn:sequenceFlow id="to_note" sourceRef="review_request" targetRef="note_review" />
    <bpmn:sequenceFlow id="to_wait" sourceRef="note_review" targetRef="wait_for_inspection" />
{flows}  </bpmn:process>
  <bpmndi:BPMNDiagram id="hold_diagram">
    <bpmndi:BPMNPlane id="hold_plane" bpmnElement="inspection_hold">
{shapes}    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""

BROKEN_TIMER = "wait_days"                       # 3, not ISO 8601: the instance stops at the wait (an incident)
FIXED_TIMER = '"P" + str(wait_days) + "D"'       # P3D
OLD_BOOKING = ("schedule_inspection", "confirm_booking")   # two steps after the wait, where the default has one


USER_TASK = """    <bpmn:userTask id="{bpmn_id}" name="{name}">
      <bpmn:incoming>to_{bpmn_id}</bpmn:incoming><bpmn:outgoing>to_{after}</bpmn:outgoing>
    </bpmn:userTask>
"""
FLOW = """    <bpmn:sequenceFlow id="to_{target}" sourceRef="{source}" targetRef="{target}" />
"""


def inspection_hold(*, timer: str = FIXED_TIMER, after_wait: tuple[str, ...] = ("book_inspection",)) -> str:
    """The process with `after_wait` the user tasks between the wait and the end, in order."""
    chain = ["wait_for_inspection", *after_wait, "inspection_booked"]
    tasks = "".join(USER_TASK.format(bpmn_id=bpmn_id, name=bpmn_id.replace("_", " ").capitalize(), after=after)
                    for bpmn_id, after in zip(after_wait, chain[2:]))
    flows = "".join(FLOW.format(source=source, target=target) for source, target in zip(chain, chain[1:]))
    return TEMPLATE.format(timer=timer, first=chain[1], bookings=tasks, flows=flows, shapes=_layout(chain))


def _layout(chain: list[str]) -> str:
    """Diagram shapes in one row, so bpmn-js draws the process (the instance page, the modeler)."""
    nodes = ["hold_requested", "review_request", "note_review", *chain]
    events = {"hold_requested", "wait_for_inspection", "inspection_booked"}
    boxes = {}
    for index, bpmn_id in enumerate(nodes):
        width, height = (36, 36) if bpmn_id in events else (100, 80)
        center = 120 + index * 160
        boxes[bpmn_id] = (center - width // 2, 200 - height // 2, width, height)
    shapes = [f'      <bpmndi:BPMNShape id="{bpmn_id}_di" bpmnElement="{bpmn_id}"><dc:Bounds x="{x}" y="{y}" '
              f'width="{width}" height="{height}" /></bpmndi:BPMNShape>\n' for bpmn_id, (x, y, width, height) in boxes.items()]
    flow_ids = {"review_request": "to_review", "note_review": "to_note", "wait_for_inspection": "to_wait"}
    for source, target in zip(nodes, nodes[1:]):
        start, end = boxes[source], boxes[target]
        shapes.append(f'      <bpmndi:BPMNEdge id="{flow_ids.get(target, "to_" + target)}_di" '
                      f'bpmnElement="{flow_ids.get(target, "to_" + target)}"><di:waypoint x="{start[0] + start[2]}" y="200" />'
                      f'<di:waypoint x="{end[0]}" y="200" /></bpmndi:BPMNEdge>\n')
    return "".join(shapes)


def inspection_hold_source(**kwargs) -> DiagramSource:
    return DiagramSource("inspection_hold.bpmn", inspection_hold(**kwargs).encode(), {})
