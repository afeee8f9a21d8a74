"""000: a privacy decision's appeal terms and fine come from the settings of the rule it cites, never a default.

"specific appeal periods are not specified on the cited page and must be confirmed in the controlling ordinance
or rule"; "Monetary fines: not specified on the cited page"; "if not specified, request appeal instructions in
writing".
"""
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from city.rules.privacy import PrivacyRule, appeal_refusal, decision_terms, setting_text

# Tuesday 1 December 2026, 10:00 in Kansas City (CST, UTC-6).
DECIDED = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
RULES = {"Code Sec. 2-1234": PrivacyRule("Code Sec. 2-1234", "Personal data held by the city", 30,
                                         {"first": Decimal("500.00"), "repeat": None, "continuing": None}),
         "AR 1-05": PrivacyRule("AR 1-05", "IT data handling", None, {})}


def test_a_rule_with_a_published_appeal_limit_gives_the_last_day_to_appeal():
    terms = decision_terms("code  sec. 2-1234", DECIDED, [], None, RULES)
    assert terms.rule_known and terms.appeal_limit_days == 30
    # 30 days from 1 December: the period ends at midnight closing Thursday 31 December, city time.
    assert terms.appeal_window_closes_at == datetime(2027, 1, 1, 6, 0, tzinfo=timezone.utc)
    assert not terms.appeal_instructions_requested_in_writing
    assert "within 30 days" in terms.appeal_terms and "Thursday 31 December 2026" in terms.appeal_terms


@pytest.mark.parametrize("cited", ["AR 1-05", "Code Sec. 9-99 (not entered by the city)"])
def test_no_published_appeal_limit_means_instructions_were_requested_in_writing(cited):
    terms = decision_terms(cited, DECIDED, ["corrective_actions"], None, RULES)
    assert terms.appeal_limit_days is None and terms.appeal_window_closes_at is None
    assert terms.appeal_instructions_requested_in_writing
    assert "requested the appeal instructions in writing" in terms.appeal_terms


def test_a_decision_cannot_rely_on_no_rule():
    with pytest.raises(ValueError, match="ordinance section or administrative rule"):
        decision_terms("   ", DECIDED, [], None, RULES)


def test_a_fine_is_the_amount_the_rule_sets_for_the_offence():
    assert decision_terms("Code Sec. 2-1234", DECIDED, ["fine"], "first", RULES).fine_amount == Decimal("500.00")


@pytest.mark.parametrize("cited, offence", [("Code Sec. 2-1234", "repeat"), ("AR 1-05", "first")])
def test_a_fine_the_rule_does_not_set_is_refused_saying_not_set(cited, offence):
    terms = decision_terms(cited, DECIDED, ["fine"], offence, RULES)
    assert terms.fine_amount is None
    assert f"No fine is set for a {offence} offence under {cited}" in terms.fine_refused
    assert '"not set"' in terms.fine_refused


def test_an_appeal_is_late_only_after_the_period_ends():
    closes = datetime(2027, 1, 1, 6, 0, tzinfo=timezone.utc)
    assert appeal_refusal(datetime(2027, 1, 1, 5, 59, tzinfo=timezone.utc), closes, "Code Sec. 2-1234") == ""
    refusal = appeal_refusal(closes, closes, "Code Sec. 2-1234")
    assert "after the appeal period under Code Sec. 2-1234 ended on 2026-12-31" in refusal
    assert appeal_refusal(datetime(2030, 1, 1, tzinfo=timezone.utc), None, "AR 1-05") == ""


def test_an_empty_setting_reads_not_set():
    assert setting_text(None) == "not set" and setting_text(Decimal("25.00")) == "25.00"
