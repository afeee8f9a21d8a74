"""The engine's check of a submitted form: amounts in cents are accepted as typed (engine/forms.py)."""
from __future__ import annotations

import pytest

from engine.errors import FormInvalid
from engine.forms import form_validator, validate_submission

FEE_FORM = {"type": "object", "properties": {
    "mailing_fee": {"type": "number", "minimum": 0, "multipleOf": 0.01},
    "pages": {"type": "integer", "multipleOf": 2}}}


@pytest.mark.parametrize("amount", [19.99, 0.07, 1234.56, 31.5, 4, 0])
def test_amounts_in_whole_cents_are_accepted(amount):
    assert validate_submission(form_validator(FEE_FORM), {"mailing_fee": amount}, "Estimate") == {"mailing_fee": amount}


@pytest.mark.parametrize("amount", [19.999, 0.005, 1e-9])
def test_fractions_of_a_cent_are_refused_beside_the_field(amount):
    with pytest.raises(FormInvalid) as refused:
        validate_submission(form_validator(FEE_FORM), {"mailing_fee": amount}, "Estimate")
    assert refused.value.field_errors == {"mailing_fee": "must be a multiple of 0.01"}


def test_whole_number_multiples_still_apply():
    with pytest.raises(FormInvalid) as refused:
        validate_submission(form_validator(FEE_FORM), {"pages": 3}, "Estimate")
    assert refused.value.field_errors == {"pages": "must be a multiple of 2"}
