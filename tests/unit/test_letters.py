"""Letters to requesters from the city's templates: plain placeholders only, values as a requester reads them."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from city.rules import OperatorArgumentError, OperatorError, call_operator
from city.rules.business_calendar import CITY_TIME_ZONE
from city.rules.letters import format_value, placeholders, render

TEMPLATES = {
    "acknowledgement": {
        "subject": "Your request {tracking_number}",
        "body": "Dear {requester_name}, we will answer by {response_due_at}. Estimate: {estimate_total}.",
    },
    "denial": {"subject": "Request {tracking_number} denied", "body": "Grounds:\n{grounds}"},
}


def test_letter_fills_its_placeholders_from_the_values():
    assert render("Dear {name}, see {{braces}}.", {"name": "Pat Doe"}) == "Dear Pat Doe, see {braces}."


@pytest.mark.parametrize(
    "template",
    ["{x.__class__}", "{x.__class__.__mro__}", "{values[0]}", "{0}", "{}", "{x!r}", "{x:>10}", "{x:{y}}"],
)
def test_letter_placeholder_cannot_reach_attributes(template):
    with pytest.raises(OperatorArgumentError, match="plain name") as refused:
        render(template, {"x": "secret", "values": ["a"], "y": 3})
    assert refused.value.parameter == "template"


@pytest.mark.parametrize("template", ["{unclosed", "stray }", "{"])
def test_malformed_template_is_refused(template):
    with pytest.raises(OperatorArgumentError, match="malformed"):
        render(template, {})


def test_missing_value_stays_visible_in_the_letter():
    assert render("Dear {requester_name}, by {due}.", {"due": None}) == (
        "Dear [missing: requester_name], by [missing: due]."
    )


def test_placeholders_are_listed_in_order():
    assert placeholders("{a} and {b}, again {a}") == ["a", "b", "a"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-11-26T05:59:59+00:00", "Wednesday 25 November 2026, 11:59 PM"),  # a K.S.A. 45-218(d) deadline
        ("2026-03-09T08:00:00-05:00", "Monday 9 March 2026, 8:00 AM"),
        ("2026-03-09T12:30:00-05:00", "Monday 9 March 2026, 12:30 PM"),
        ("2026-03-09T00:05:00-05:00", "Monday 9 March 2026, 12:05 AM"),
        (datetime(2026, 11, 25, 23, 59, 59, tzinfo=CITY_TIME_ZONE), "Wednesday 25 November 2026, 11:59 PM"),
        ("2026-11-25", "Wednesday 25 November 2026"),
        (date(2026, 7, 1), "Wednesday 1 July 2026"),
        (Decimal("31.5"), "$31.50"),
        (Decimal("1234.565"), "$1,234.57"),
        (Decimal("-8.5"), "-$8.50"),
        ("31.50", "$31.50"),  # operators return money as text with two decimals
        ("R-2026-00042", "R-2026-00042"),
        ("2026-13-45", "2026-13-45"),  # not a day: left as written
        (True, "yes"),
        (False, "no"),
        (3, "3"),
        (["K.S.A. 45-221(a)(4)", "K.S.A. 45-218(e)"], "K.S.A. 45-221(a)(4), K.S.A. 45-218(e)"),
    ],
)
def test_values_are_formatted_for_a_requester(value, shown):
    assert format_value(value) == shown


def test_render_operator_returns_subject_and_text():
    letter = call_operator(
        "letters.render",
        {
            "letter": "acknowledgement",
            "values": {
                "tracking_number": "R-2026-00042",
                "requester_name": "Pat Doe",
                "response_due_at": "2026-11-26T05:59:59+00:00",
                "estimate_total": "31.50",
            },
        },
        {"letter_templates": TEMPLATES},
    )
    assert letter == {
        "letter": "acknowledgement",
        "subject": "Your request R-2026-00042",
        "text": "Dear Pat Doe, we will answer by Wednesday 25 November 2026, 11:59 PM. Estimate: $31.50.",
    }


def test_render_operator_without_values_shows_every_gap():
    letter = call_operator("letters.render", {"letter": "denial"}, {"letter_templates": TEMPLATES})
    assert letter["subject"] == "Request [missing: tracking_number] denied"


def test_unknown_letter_lists_the_known_ones():
    with pytest.raises(OperatorArgumentError, match='"acknowledgement", "denial"') as refused:
        call_operator("letters.render", {"letter": "apology", "values": {}}, {"letter_templates": TEMPLATES})
    assert refused.value.parameter == "letter"


def test_template_without_a_body_is_an_operator_error():
    with pytest.raises(OperatorError, match="body"):
        call_operator("letters.render", {"letter": "short"}, {"letter_templates": {"short": {"subject": "Hi"}}})


def test_letter_values_must_be_an_object():
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator("letters.render", {"letter": "denial", "values": ["a"]}, {"letter_templates": TEMPLATES})
    assert refused.value.parameter == "values"
