"""003, Art. 6: "the prepayment amount shall be an estimate of the inspection and/or copying charges"."""
from decimal import Decimal as D

import pytest

from city.rules.fees import prepayment_demand


@pytest.mark.parametrize(("estimate_total", "asked", "prepaid", "expected_asked", "expected_due"), [
    ("15.00", "40", "0", "15.00", "15.00"),       # more than the estimate: cut to it
    ("47.50", "10", "30", "10.00", "40.00"),      # within it: as asked, on top of what is prepaid
    ("47.50", "30", "30", "17.50", "47.50"),      # on top of what is prepaid, at most the rest of the estimate
    ("47.50", "0", "30", "17.50", "47.50"),       # nothing asked: the rest of the estimate
])
def test_a_prepayment_demand_never_exceeds_the_current_estimate(estimate_total, asked, prepaid, expected_asked,
                                                               expected_due):
    demand = prepayment_demand(D(estimate_total), required=False, custodian_demands=True, amount_asked=D(asked),
                               already_prepaid=D(prepaid))
    assert (demand.demanded, demand.asked, demand.due) == (True, D(expected_asked), D(expected_due))


@pytest.mark.parametrize(("estimate_total", "prepaid"), [("0.00", "0"), ("30.00", "30"), ("30.00", "35")])
def test_nothing_is_demanded_on_an_estimate_of_nothing_or_one_already_prepaid(estimate_total, prepaid):
    demand = prepayment_demand(D(estimate_total), required=True, custodian_demands=True, amount_asked=D("10"),
                               already_prepaid=D(prepaid))
    assert (demand.demanded, demand.asked, demand.due) == (False, D("0.00"), D(prepaid).quantize(D("0.01")))
