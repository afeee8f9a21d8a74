"""003, Art. 6: "The copy fee for an accident report shall be set by resolution": no amount is made up."""
from datetime import date
from decimal import Decimal as D

import pytest

from city.rules import OperatorArgumentError, call_operator
from city.rules.fees import DEFAULT_FEE_SCHEDULE, FeeSchedule, accident_report_rate

BY_RESOLUTION = FeeSchedule(effective_from=date(2026, 3, 1), accident_report_copy_fee=D("7.25"),
                            accident_report_resolution="Resolution 2026-14",
                            accident_report_resolution_date=date(2026, 2, 16))


def test_no_accident_report_fee_is_made_up_until_the_resolution_is_entered():
    assert DEFAULT_FEE_SCHEDULE.accident_report_copy_fee is None
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator("fees.copy_fee", {"pages": 0, "accident_reports": 1}, {"fee_schedules": (DEFAULT_FEE_SCHEDULE,)})
    assert refused.value.parameter == "accident_report_fee" and "set by resolution" in str(refused.value)
    assert accident_report_rate(DEFAULT_FEE_SCHEDULE, 0) == D("0.00")      # no copies: nothing to ask


def test_the_custodians_amount_serves_only_until_the_resolutions_is_entered():
    assert accident_report_rate(DEFAULT_FEE_SCHEDULE, 2, D("6.5")) == D("6.50")
    assert accident_report_rate(BY_RESOLUTION, 2, D("6.5")) == D("7.25")


def test_the_schedule_in_force_says_the_resolution():
    answer = call_operator("fees.accident_report_fee", {"assessed_on": date(2026, 3, 2)},
                           {"fee_schedules": (DEFAULT_FEE_SCHEDULE, BY_RESOLUTION)})
    assert answer == {"amount": "7.25", "resolution": "Resolution 2026-14", "resolution_date": "2026-02-16"}
