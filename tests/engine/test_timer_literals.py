"""Timers as analysts type them (issue 13): a bare ISO 8601 date, duration or cycle (P45D, as Camunda
takes it) is that text, quoted in the stored diagram so that SpiffWorkflow (here or in SpiffArena) reads
it; any other timer expression is checked at deploy, and a timer that could not run is refused with the
element and the problem named."""
from __future__ import annotations

from datetime import timedelta
from xml.sax.saxutils import escape

import pytest
from scenario_data import FRIDAY_9AM, WARM_AND_RESTORED
from support import assert_derived_rows_match_state, open_task_ids

from engine import DeployRefused, DiagramSource

ELEMENTS = {"date": "timeDate", "duration": "timeDuration", "cycle": "timeCycle"}

# A statement is asked for; the request waits for it, then the clerk follows up.
STATEMENT_WAIT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="statement_wait_definitions" targetNamespace="http://clerkflow.example/bpmn">
  <bpmn:process id="statement_wait" name="Wait for the statement" isExecutable="true">
    <bpmn:startEvent id="statement_asked" name="Statement asked">
      <bpmn:outgoing>to_note</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:scriptTask id="note_statement_due" name="Note when the statement is due">
      <bpmn:incoming>to_note</bpmn:incoming>
      <bpmn:outgoing>to_wait</bpmn:outgoing>
      <bpmn:script>statement_due_at = isoformat(now() + timedelta(days=30))
statement_wait = "P30D"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:intermediateCatchEvent id="wait_for_statement" name="Wait for the statement">
      <bpmn:incoming>to_wait</bpmn:incoming>
      <bpmn:outgoing>to_follow_up</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_for_statement_timer">
        <bpmn:{element} xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{expression}</bpmn:{element}>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="follow_up_statement" name="Follow up the statement">
      <bpmn:incoming>to_follow_up</bpmn:incoming>
      <bpmn:outgoing>to_end</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="statement_followed_up" name="Followed up">
      <bpmn:incoming>to_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="to_note" sourceRef="statement_asked" targetRef="note_statement_due" />
    <bpmn:sequenceFlow id="to_wait" sourceRef="note_statement_due" targetRef="wait_for_statement" />
    <bpmn:sequenceFlow id="to_follow_up" sourceRef="wait_for_statement" targetRef="follow_up_statement" />
    <bpmn:sequenceFlow id="to_end" sourceRef="follow_up_statement" targetRef="statement_followed_up" />
  </bpmn:process>
</bpmn:definitions>
"""

# A process started by its own timer: nothing but the timer's text is known when it is scheduled.
MONTHLY_START = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="monthly_count_definitions" targetNamespace="http://clerkflow.example/bpmn">
  <bpmn:process id="monthly_count" name="Monthly count" isExecutable="true">
    <bpmn:startEvent id="first_of_the_month" name="First of the month">
      <bpmn:outgoing>to_count</bpmn:outgoing>
      <bpmn:timerEventDefinition id="first_of_the_month_timer">
        <bpmn:timeCycle>{expression}</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:userTask id="count_requests" name="Count the requests">
      <bpmn:incoming>to_count</bpmn:incoming>
      <bpmn:outgoing>to_end</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="counted" name="Counted">
      <bpmn:incoming>to_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="to_count" sourceRef="first_of_the_month" targetRef="count_requests" />
    <bpmn:sequenceFlow id="to_end" sourceRef="count_requests" targetRef="counted" />
  </bpmn:process>
</bpmn:definitions>
"""


def statement_wait(kind: str, expression: str) -> DiagramSource:
    xml = STATEMENT_WAIT.format(element=ELEMENTS[kind], expression=escape(expression))
    return DiagramSource("statement_wait.bpmn", xml.encode(), {})


def refusal_of(engine, source: DiagramSource) -> list[str]:
    with pytest.raises(DeployRefused) as refused:
        engine.deploy_source(source, actor="analyst")
    return refused.value.details


@WARM_AND_RESTORED
def test_a_bare_duration_waits_that_long(engine, friday_9am):
    engine.deploy_source(statement_wait("duration", "P45D"), actor="analyst")
    started = engine.start_instance("statement_wait", {}, actor="clerk")
    assert started.status != "incident"
    [timer] = engine.pending_timers(instance_id=started.instance_id)
    assert (timer.bpmn_id, timer.kind, timer.due_at) == ("wait_for_statement", "duration",
                                                         FRIDAY_9AM + timedelta(days=45))

    friday_9am.shift(timedelta(days=45))       # exactly due: SpiffWorkflow fires only strictly after
    assert engine.fire_due_timers() == 0
    friday_9am.shift(timedelta(seconds=1))
    assert engine.fire_due_timers() == 1
    assert open_task_ids(engine, started.instance_id) == ["follow_up_statement"]
    assert_derived_rows_match_state(engine, started.instance_id)


@pytest.mark.parametrize("kind, typed", [
    ("duration", "P45D"), ("duration", "PT72H"), ("duration", "  P1Y2M10DT2H30M \n"),
    ("date", "2026-12-21T09:00:00-06:00"), ("date", "2026-12-21T15:00:00Z"), ("date", "2026-12-21"),
    ("cycle", "R3/PT24H"), ("cycle", "R/2026-12-01T09:00:00-06:00/P1M"),
])
def test_a_bare_iso_literal_is_stored_quoted(engine, friday_9am, kind, typed):
    result = engine.deploy_source(statement_wait(kind, typed), actor="analyst")
    _, stored = engine.version_diagram("statement_wait", result.version.version)
    quoted = typed.replace(typed.strip(), f'"{typed.strip()}"')      # around the text, the spacing kept
    assert f">{quoted}</bpmn:{ELEMENTS[kind]}>" in stored
    assert "statement_due_at = isoformat" in stored      # the rest of the file as it was
    started = engine.start_instance("statement_wait", {}, actor="clerk")
    assert started.status != "incident"
    assert [timer.bpmn_id for timer in engine.pending_timers(instance_id=started.instance_id)] == ["wait_for_statement"]


def test_redeploying_the_diagram_as_typed_makes_no_new_version(engine):
    assert engine.deploy_source(statement_wait("duration", "P45D"), actor="analyst").created
    again = engine.deploy_source(statement_wait("duration", "P45D"), actor="analyst")
    assert (again.created, again.version.version) == (False, 1)
    assert not engine.deploy_source(statement_wait("duration", '"P45D"'), actor="analyst").created


@pytest.mark.parametrize("kind, expression", [
    ("date", "statement_due_at"),                          # set by the script task before it
    ("duration", "statement_wait"),
    ("duration", '"P" + "30D"'),
    ("date", "isoformat(now() + timedelta(days=3))"),
    ("duration", 'statement_wait if statement_due_at else "P1D"'),
])
def test_timer_expressions_that_can_run_are_deployed(engine, kind, expression):
    assert engine.deploy_source(statement_wait(kind, expression), actor="analyst").created


@pytest.mark.parametrize("kind, expression, problem", [
    ("duration", "P45X", "'P45X' is not an ISO 8601 duration (such as P45D or PT72H)"),
    ("duration", '"P" + "45"', "'P45' is not an ISO 8601 duration"),
    ("date", "2026-13-01", "'2026-13-01' is not an ISO 8601 date-time"),
    ("date", "P45D", "'P45D' is not an ISO 8601 date-time (such as 2026-12-01T09:00:00-06:00): choose the "
                     "timer type that fits it"),
    ("duration", "2026-12-21", "'2026-12-21' is not an ISO 8601 duration"),
    ("cycle", "R3/PT0S", "a cycle's period must be longer than nothing"),
    ("duration", "45", "gives int 45, where the timer needs the text of an ISO 8601 duration"),
    ("date", "now() + timedelta(days=3)", "gives datetime"),
    ("duration", "days_to_wait", 'uses "days_to_wait", which nothing in the diagram or its forms sets'),
    ("date", "statement_due", 'uses "statement_due", which nothing in the diagram or its forms sets (a form '
                              "field, a script, an operator's result variable or a message variable); "
                              'did you mean "statement_due_at"?'),
    ("duration", "statement_wait +", "timer expression: line 1: invalid syntax"),
    ("duration", "__import__('os')", "import is not allowed in scripts"),
    ("duration", '"P%dD" % (1 / 0)', "cannot be worked out: ZeroDivisionError"),
])
def test_a_timer_that_cannot_run_is_refused_with_its_element(engine, kind, expression, problem):
    [message] = refusal_of(engine, statement_wait(kind, expression))
    assert message.startswith("statement_wait.bpmn, line 14, element 'wait_for_statement' (Wait for the statement): ")
    assert problem in message
    assert engine.versions("statement_wait") == []


def test_a_start_timer_reads_no_instance_data(engine):
    source = DiagramSource("monthly_count.bpmn", MONTHLY_START.format(expression="first_of_the_month_at").encode(), {})
    [message] = refusal_of(engine, source)
    assert "element 'first_of_the_month'" in message
    assert 'start timer uses "first_of_the_month_at", but a start timer is worked out before the instance' in message


def test_a_start_cycle_typed_bare_is_scheduled(engine, friday_9am):
    source = DiagramSource("monthly_count.bpmn",
                           MONTHLY_START.format(expression="R/2026-12-01T15:00:00+00:00/P1M").encode(), {})
    engine.deploy_source(source, actor="analyst")
    [timer] = engine.pending_timers()
    assert (timer.instance_id, timer.kind, timer.due_at.isoformat()) == (None, "cycle", "2026-12-01T15:00:00+00:00")


def test_a_start_cycle_the_scheduler_cannot_follow_is_refused_before_deploy(engine, friday_9am):
    source = DiagramSource("monthly_count.bpmn",
                           MONTHLY_START.format(expression="R3/2026-12-01/2027-03-01").encode(), {})
    assert engine.check_source(source)[0].bpmn_id == "first_of_the_month"
    [message] = refusal_of(engine, source)
    assert "unsupported timer cycle 'R3/2026-12-01/2027-03-01'; use R/<start>/<period>" in message
