"""Versions of one small process for the migration and modify tests: a review, a wait, an inspection to book.

`inspection_hold(timer=...)` varies the wait's timer (a broken one is the bad deploy to repair), `after_wait=` the
user tasks after the wait. SpiffWorkflow's diff matches a renamed task by its place between matched elements, so a
renamed task alone still moves; two tasks replaced by one leave the first with nothing to match it by, and a
migration must be told where it goes (mapped)."""
from __future__ import annotations

from engine import DiagramSource

TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="hold_definitions"
                  targetNamespace="http://clerkflow.example/bpmn">
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
    return TEMPLATE.format(timer=timer, first=chain[1], bookings=tasks, flows=flows)


def inspection_hold_source(**kwargs) -> DiagramSource:
    return DiagramSource("inspection_hold.bpmn", inspection_hold(**kwargs).encode(), {})
