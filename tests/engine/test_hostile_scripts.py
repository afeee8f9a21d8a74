"""A script that would run for ever in one step, eat the memory or nest data too deep stops with an incident.

Each hostile script runs in a small diagram driven through the engine: the instance gets an incident naming
the script task and saying what was too big, and the database stays usable: another instance runs to its end.
"""
from __future__ import annotations

import time
from xml.sax.saxutils import escape

import pytest

from engine import DiagramSource
from engine.script_limits import MAX_INT_DIGITS, MAX_LENGTH
from support import open_task

TOO_MANY_DIGITS = f"a whole number of more than {MAX_INT_DIGITS} digits"
TOO_LONG = f"at most {MAX_LENGTH:,} are allowed"
# Built step by step: the memory limit stops it, or the time limit when the machine is slow to allocate.
STOPPED_GROWING = ("MB of memory and was stopped", "ran longer than 2 seconds and was stopped")

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="hostile_definitions"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_key}" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:scriptTask id="compute" name="Compute the fee"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="review" name="Review the fee"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="to_compute" sourceRef="start" targetRef="compute"/>
    <bpmn:sequenceFlow id="to_review" sourceRef="compute" targetRef="review"/>
    <bpmn:sequenceFlow id="to_end" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

HOSTILE_SCRIPTS = {
    "power tower": ("fee = 9**9**9", TOO_MANY_DIGITS),
    "pow()": ("fee = pow(10, 10**9)", TOO_MANY_DIGITS),
    "augmented power": ("fee = 10\nfee **= 10**9", TOO_MANY_DIGITS),
    "left shift": ("fee = 1 << 10**10", TOO_MANY_DIGITS),
    "text repetition": ("letter = 'ab' * 10**10", TOO_LONG),
    "list repetition": ("pages = [0] * 10**10", TOO_LONG),
    "bytes repetition": ("scan = 'a'.encode() * 10**10", TOO_LONG),
    "doubling text": ("letter = 'a'\nwhile True:\n    letter = letter + letter", STOPPED_GROWING),
    "doubling text in place": ("letter = 'a'\nwhile True:\n    letter += letter", TOO_LONG),
    "doubling list": ("pages = [1]\nwhile True:\n    pages.extend(pages)", TOO_LONG),
    "huge range": ("pages = list(range(10**9))", "we only allow 1000 elements in a range"),
    "sum of lists": ("pages = sum([[1] * 1000] * 10**5, [])", TOO_LONG),
    "f-string width": ("letter = f'{1:>1000000000}'", TOO_LONG),
    "f-string width from data": ("width = 10**9\nletter = f'{1:>{width}}'", TOO_LONG),
    "percent width": ("letter = '%*d' % (10**9, 1)", TOO_LONG),
    "padding method": ("letter = 'a'.ljust(10**10)", TOO_LONG),
    "replace": ("letter = ('a' * 1000).replace('', 'b' * 100000)", TOO_LONG),
    "join": ("part = 'a' * 10**6\nletter = ','.join([part] * 10**4)", TOO_LONG),
    "text of a shared list": ("part = 'a' * 10**6\nletter = str([part] * 10**4)", TOO_LONG),
    "int of a huge text": ("fee = int('9' * 10**6)", "Exceeds the limit (4300 digits)"),
    "int of a huge Decimal": ("fee = int(Decimal('1e999999'))", TOO_MANY_DIGITS),
    "memory step by step": ("pages = []\nwhile True:\n    pages.append([0] * 10**6)", STOPPED_GROWING),
    "data nested deep": ("tree = []\nfor level in range(500):\n    tree = [tree]",
                         'the variable "tree" the script made is nested more than 100 levels deep'),
}


def diagram(process_key: str, script: str) -> DiagramSource:
    return DiagramSource(f"{process_key}.bpmn", DIAGRAM.format(process_key=process_key, script=escape(script)).encode(),
                         {})


def assert_the_database_is_usable(engine) -> None:
    """Another instance starts, waits at its task and runs to its end."""
    engine.deploy_source(diagram("ordinary_fee", "fee = 2 * 3"), actor="analyst")
    started = engine.start_instance("ordinary_fee", {}, actor="clerk")
    review = open_task(engine, started.instance_id, "review")
    assert engine.task_data(review.task_id)["fee"] == 6
    done = engine.complete_task(review.task_id, {}, actor="clerk")
    assert done.status == "completed"


@pytest.mark.parametrize("script, message", HOSTILE_SCRIPTS.values(), ids=HOSTILE_SCRIPTS.keys())
def test_a_hostile_script_stops_with_an_incident_and_the_database_stays_usable(engine, script, message):
    engine.deploy_source(diagram("hostile_fee", script), actor="analyst")
    began = time.monotonic()
    started = engine.start_instance("hostile_fee", {}, actor="clerk")
    assert time.monotonic() - began < 30          # bounded: the time limit is 2 seconds
    assert started.status == "incident"
    [incident] = started.incidents
    assert (incident.bpmn_id, incident.task_title) == ("compute", "Compute the fee")
    assert any(expected in incident.error_message for expected in ([message] if isinstance(message, str) else message))
    assert incident.data_seen == {}
    assert_the_database_is_usable(engine)


def test_ordinary_arithmetic_and_text_still_work(engine):
    script = ("fee = 2 ** 100 % 97 + (3 << 4) + int(Decimal('12.7'))\n"
              "letter = f'{fee:>8}|{\"x\"!r}|' + 'ab' * 3 + '%05.1f' % 2.25 + 'z'.ljust(3, '.') + str([1, 2])\n"
              "pages = [0] * 3 + [1]\npages.extend([2])\ncount = sum([[1], [2]], [])\n"
              "check = isinstance(fee, int) and isinstance(letter, str) and str(5) == '5' and int('7') == 7")
    engine.deploy_source(diagram("ordinary_script", script), actor="analyst")
    started = engine.start_instance("ordinary_script", {}, actor="clerk")
    assert started.status == "active", started.incidents
    data = engine.task_data(open_task(engine, started.instance_id, "review").task_id)
    expected_fee = 2 ** 100 % 97 + 48 + 12
    assert data["fee"] == expected_fee
    assert data["letter"] == f"{expected_fee:>8}|'x'|ababab002.2z..[1, 2]"
    assert (data["pages"], data["count"], data["check"]) == ([0, 0, 0, 1, 2], [1, 2], True)
