"""Deploy works a timer start event's expression out bounded and outside the database's write lock, and reads a
diagram in the encoding its XML declaration names."""
from __future__ import annotations

import threading
import time

import pytest

from engine import DeployRefused, DiagramSource
from engine.sandbox import RestrictedEnvironment
from accented_diagram import ACCENTED, PROCESS_NAME, TASK_TITLE
from support import open_task

SCHEDULED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="scheduled_definitions"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="monthly_count" isExecutable="true">
    <bpmn:startEvent id="first_of_the_month">
      <bpmn:timerEventDefinition id="monthly"><bpmn:timeCycle>{expression}</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:userTask id="count_requests" name="Count the requests"/>
    <bpmn:sequenceFlow id="to_count" sourceRef="first_of_the_month" targetRef="count_requests"/>
  </bpmn:process>
</bpmn:definitions>
"""


MONTHLY = '"R/2026-12-01T09:00:00-06:00/P1M"'
# Runs until the sandbox's time limit stops it: a billion steps.
HANGING = "[1 for a in range(999) for b in range(999) for c in range(999)]"


def by_hand(process_key: str, encoding: str = "UTF-8") -> DiagramSource:
    xml = ACCENTED.format(encoding=encoding, process_key=process_key)
    return DiagramSource(f"{process_key}.bpmn", xml.encode(encoding), {})


@pytest.fixture
def writes_while_evaluating(engine, monkeypatch):
    """Each time a start timer's expression is evaluated, another thread starts an instance meanwhile; the
    time each start took. A write lock held around the evaluation would keep that start waiting (and failing
    after the database's 30-second busy timeout)."""
    engine.deploy_source(by_hand("other_work"), actor="analyst")
    took: list[float] = []
    evaluate = RestrictedEnvironment.evaluate

    def evaluate_beside_a_write(self, expression, context, external_context=None):
        if expression.strip() not in (HANGING, MONTHLY):
            return evaluate(self, expression, context, external_context)
        began = time.monotonic()
        writer = threading.Thread(target=engine.start_instance, args=("other_work", {}), kwargs={"actor": "clerk"})
        writer.start()
        writer.join(timeout=20)
        assert not writer.is_alive(), "another write waited while the start timer was worked out"
        took.append(time.monotonic() - began)
        return evaluate(self, expression, context, external_context)

    monkeypatch.setattr(RestrictedEnvironment, "evaluate", evaluate_beside_a_write)
    return took


def test_a_start_timer_is_worked_out_while_other_writes_go_through(engine, writes_while_evaluating):
    result = engine.deploy_source(DiagramSource("monthly_count.bpmn", SCHEDULED.format(expression=MONTHLY).encode(), {}), actor="analyst")
    assert result.created
    assert len(writes_while_evaluating) >= 2     # deploy's check, and the first occurrence it schedules
    assert len(engine.list_instances(process_key="other_work")) == len(writes_while_evaluating)
    [timer] = [timer for timer in engine.pending_timers() if timer.bpmn_id == "first_of_the_month"]
    assert timer.kind == "cycle"


def test_a_hanging_start_timer_is_refused_in_bounded_time_holding_no_lock(engine, writes_while_evaluating):
    began = time.monotonic()
    with pytest.raises(DeployRefused) as refused:
        engine.deploy_source(DiagramSource("monthly_count.bpmn", SCHEDULED.format(expression=HANGING).encode(), {}),
                             actor="analyst")
    assert time.monotonic() - began < 30
    [problem] = refused.value.details
    assert "element 'first_of_the_month'" in problem
    assert "the script ran longer than 1 seconds and was stopped" in problem
    assert writes_while_evaluating and engine.list_instances(process_key="other_work")
    assert engine.versions("monthly_count") == []


def test_a_start_timer_building_a_huge_number_is_refused_at_once(engine):
    with pytest.raises(DeployRefused) as refused:
        engine.deploy_source(DiagramSource("monthly_count.bpmn", SCHEDULED.format(expression="str(9**9**9)").encode(),
                                           {}), actor="analyst")
    [problem] = refused.value.details
    assert "element 'first_of_the_month'" in problem and "a whole number of more than 4300 digits" in problem


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252", "UTF-16", "UTF-8"])
def test_a_diagram_in_its_declared_encoding_deploys_and_its_names_read_right(engine, encoding):
    key = "revision_" + encoding.lower().replace("-", "_")
    result = engine.deploy_source(by_hand(key, encoding), actor="analyst")
    assert result.created and result.version.display_name == PROCESS_NAME
    started = engine.start_instance(key, {}, actor="clerk")
    assert open_task(engine, started.instance_id, "review").title == TASK_TITLE
    _version, stored = engine.version_diagram(key, 1)
    assert stored.startswith('<?xml version="1.0" encoding="UTF-8"?>') and "Größe, Ærø" in stored
    assert not engine.deploy_source(by_hand(key, encoding), actor="analyst").created   # the same diagram again


def test_a_diagram_whose_bytes_are_not_its_declared_encoding_is_refused_with_the_line(engine):
    xml = ACCENTED.format(encoding="UTF-8", process_key="mislabelled").encode("latin-1")
    with pytest.raises(DeployRefused, match=r"mislabelled.bpmn, line \d+: the file is not well-formed XML"):
        engine.deploy_source(DiagramSource("mislabelled.bpmn", xml, {}), actor="analyst")
