"""The helpers scripts may call are declared once (engine/helpers.py), offered by the sandbox exactly as
declared, and documented for analysts in docs/scripting.md from those declarations (issue 18)."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.helpers import HELPERS, Helper, markdown_table
from engine.sandbox import RestrictedEnvironment, known_names

SCRIPTING = Path(__file__).resolve().parents[2] / "docs" / "scripting.md"


def test_every_declared_helper_is_documented_for_analysts():
    documented = SCRIPTING.read_text()
    assert markdown_table() in documented, (
        "docs/scripting.md's helpers table differs from engine/helpers.py: paste in the output of "
        "python -c 'from engine.helpers import markdown_table; print(markdown_table(), end=\"\")'")
    for helper in HELPERS:
        assert f"`{helper.signature}` | {helper.description} |" in documented


def test_every_helper_has_a_signature_naming_it_and_a_one_line_description():
    assert len({helper.name for helper in HELPERS}) == len(HELPERS)
    for helper in HELPERS:
        assert helper.signature.startswith(helper.name), helper
        assert helper.description and "\n" not in helper.description, helper
        assert (helper.value is None) != (helper.for_step is None), helper


@pytest.mark.parametrize("helper", [helper for helper in HELPERS if helper.for_step is None], ids=lambda h: h.name)
def test_scripts_get_each_declared_helper(helper):
    assert RestrictedEnvironment().evaluate(helper.name, {}) is helper.value
    assert helper.name in known_names()


def test_value_of_reads_the_steps_data_or_the_default():
    environment = RestrictedEnvironment()
    assert environment.evaluate('value_of("pages", 0) + value_of("copies", 1)', {"pages": 3}) == 4
    assert "value_of" in known_names()


def test_an_example_of_each_helper_runs_in_the_sandbox():
    data = {"pages": 8, "due": "2026-11-25T15:00:00+00:00", "received_at": "2026-11-20T15:00:00"}
    environment = RestrictedEnvironment()
    for helper in HELPERS:
        example = helper.example.split(" = ", 1)[-1]   # an assignment's value
        environment.evaluate(example, data)


def test_a_host_adds_a_declared_helper_beside_the_engines():
    double = Helper("double", "double(number)", "twice the number", "double(pages)", value=lambda number: 2 * number)
    environment = RestrictedEnvironment((double,))
    assert environment.evaluate("double(pages) + len(isoformat(date(2026, 1, 2)))", {"pages": 4}) == 18
    assert [helper.name for helper in environment.helpers][-1] == "double"
