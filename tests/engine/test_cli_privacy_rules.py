"""`clerkflow privacy-rules` and `clerkflow privacy-rule set`: the rules a privacy decision may cite, whose appeal
limits and fines read "not set" until the city publishes them (000)."""
from __future__ import annotations

import json

from engine.cli import EXIT_REFUSED


def test_with_no_rule_entered_every_figure_is_not_set(clerkflow):
    status, out, _ = clerkflow("privacy-rules")
    assert status == 0 and "no rule entered: every appeal limit and fine is not set" in out


def test_a_rule_entered_on_the_command_line_keeps_the_figures_not_given_not_set(clerkflow):
    status, out, _ = clerkflow("privacy-rule", "set", "Code Sec. 2-1234", "--title", "Personal data held by the city",
                               "--appeal-limit-days", "30", "--fine-first", "500")
    assert status == 0
    assert out.strip() == ("Code Sec. 2-1234: appeal limit 30; fine, first: 500.00; fine, repeat: not set; "
                           "fine, continuing: not set")
    status, out, _ = clerkflow("privacy-rules", "--json")
    [rule] = json.loads(out)
    assert rule["appeal_limit_days"] == 30 and rule["fine_first"] == "500.00" and rule["fine_repeat"] is None


def test_a_fine_that_is_not_an_amount_is_refused_saying_what_to_give(clerkflow):
    status, _, err = clerkflow("privacy-rule", "set", "AR 1-05", "--title", "IT data handling", "--fine-repeat", "a lot")
    assert status == EXIT_REFUSED and 'is an amount such as "500.00"' in err
