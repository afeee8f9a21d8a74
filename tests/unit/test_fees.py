"""003, Art. 6 fees: inspection, copies, estimate, prepayment, denial, official duty, waiver."""

from datetime import date
from decimal import Decimal

import pytest

from engine.services import OperatorArgumentError
from engine.services.fees import (
    DEFAULT_FEE_SCHEDULE,
    FeeEstimate,
    FeeSchedule,
    copy_fee,
    fee_estimate,
    inspection_fee,
    schedule_in_force,
)

SCHEDULE = DEFAULT_FEE_SCHEDULE


def D(amount: str) -> Decimal:
    return Decimal(amount)


@pytest.mark.parametrize(
    ("staff_hours", "fee"),
    [
        ("0", "0.00"),
        ("0.05", "0.00"),  # 0.75 to locate: under 1.00, free
        ("0.0666", "0.00"),  # 0.999 to locate: still under 1.00
        ("0.0667", "5.00"),  # 1.0005 to locate: the minimum applies
        ("0.25", "5.00"),  # 3.75 to locate: the minimum applies
        ("0.5", "7.50"),
        ("1", "15.00"),
        ("2.5", "37.50"),  # two employees for 1.25 hours each, summed
        ("0.3333", "5.00"),
        ("0.7777", "11.67"),  # 11.6655 rounds half up to the cent
    ],
)
def test_inspection_fee_is_15_per_hour_with_5_minimum(staff_hours, fee):
    assert inspection_fee(D(staff_hours), SCHEDULE) == D(fee)


def test_readily_available_record_has_no_inspection_fee():
    assert inspection_fee(D("3"), SCHEDULE, readily_available=True) == D("0.00")


@pytest.mark.parametrize(
    ("staff_hours", "earlier_24h_cost", "fee"),
    [
        ("0.02", "0.60", "0.00"),  # 0.30 + 0.60 = 0.90: the whole day is free
        ("0.02", "0.69", "0.00"),  # 0.99
        ("0.02", "0.70", "5.00"),  # 1.00: no longer under 1.00
        ("0.05", "0.50", "5.00"),  # 1.25: splitting the search does not make it free
    ],
)
def test_locating_cost_under_one_dollar_is_free_across_24_hours(staff_hours, earlier_24h_cost, fee):
    fee_charged = inspection_fee(D(staff_hours), SCHEDULE, same_requester_24h_cost=D(earlier_24h_cost))
    assert fee_charged == D(fee)


@pytest.mark.parametrize(
    ("pages", "actual_cost", "fee"),
    [
        (0, None, "0.00"),
        (1, None, "0.25"),
        (10, None, "2.50"),
        (101, None, "25.25"),
        (0, D("12.345"), "12.35"),  # records the copiers cannot reproduce: actual cost
        (4, D("3.00"), "4.00"),
    ],
)
def test_copy_fee_is_25_cents_a_page_plus_actual_cost(pages, actual_cost, fee):
    assert copy_fee(pages, SCHEDULE, actual_cost=actual_cost) == D(fee)


def test_copies_prepared_for_free_public_distribution_are_free():
    assert copy_fee(40, SCHEDULE, free_distribution=True) == D("0.00")


def test_no_copy_fee_when_handling_the_fee_costs_more():
    assert copy_fee(2, SCHEDULE, handling_costs_more=True) == D("0.00")


def test_estimate_adds_inspection_copies_and_mailing():
    estimate = fee_estimate(D("1"), 20, SCHEDULE, mailing_fee=D("1.5"))
    assert estimate == FeeEstimate(
        inspection_fee=D("15.00"),
        copy_fee=D("5.00"),
        mailing_fee=D("1.50"),
        total=D("21.50"),
        prepayment_required=False,
        notice_required=False,
        schedule_effective_from=SCHEDULE.effective_from,
    )


@pytest.mark.parametrize(
    ("staff_hours", "pages", "total", "over_25"),
    [
        ("1", 40, "25.00", False),  # exactly 25.00 does not exceed it
        ("1", 41, "25.25", True),
        ("2", 6, "31.50", True),
        ("0", 100, "25.00", False),
        ("0", 101, "25.25", True),
    ],
)
def test_estimate_over_25_requires_prepayment(staff_hours, pages, total, over_25):
    estimate = fee_estimate(D(staff_hours), pages, SCHEDULE)
    assert estimate.total == D(total)
    assert estimate.prepayment_required is over_25
    assert estimate.notice_required is over_25


def test_account_in_good_standing_excuses_prepayment_but_not_notice():
    estimate = fee_estimate(D("2"), 6, SCHEDULE, account_in_good_standing=True)
    assert estimate.total == D("31.50")
    assert estimate.prepayment_required is False
    assert estimate.notice_required is True


def test_denied_request_is_never_charged():
    estimate = fee_estimate(D("4"), 300, SCHEDULE, mailing_fee=D("6.00"), denied=True)
    assert (estimate.inspection_fee, estimate.copy_fee, estimate.mailing_fee, estimate.total) == (
        D("0.00"),
        D("0.00"),
        D("0.00"),
        D("0.00"),
    )
    assert not estimate.prepayment_required
    assert not estimate.notice_required


def test_city_officer_on_official_duty_is_never_charged():
    estimate = fee_estimate(D("4"), 300, SCHEDULE, mailing_fee=D("6.00"), official_duty=True)
    assert estimate.total == D("0.00")
    assert not estimate.prepayment_required


@pytest.mark.parametrize(
    ("waived_amount", "waived", "total"),
    [
        ("10", "10.00", "21.50"),
        ("31.50", "31.50", "0.00"),
        ("100", "31.50", "0.00"),  # a waiver never makes the city owe the requester
    ],
)
def test_fee_reduced_in_the_public_interest_keeps_its_reason(waived_amount, waived, total):
    estimate = fee_estimate(
        D("2"), 6, SCHEDULE, waived_amount=D(waived_amount), waiver_reason=" news reporting on a public hazard "
    )
    assert estimate.waived == D(waived)
    assert estimate.total == D(total)
    assert estimate.waiver_reason == "news reporting on a public hazard"


def test_waiver_below_the_threshold_lifts_the_prepayment():
    estimate = fee_estimate(D("2"), 6, SCHEDULE, waived_amount=D("10"), waiver_reason="public interest")
    assert estimate.prepayment_required is False


@pytest.mark.parametrize("reason", ["", "   "])
def test_waiver_without_a_reason_is_refused(reason):
    with pytest.raises(OperatorArgumentError) as refused:
        fee_estimate(D("2"), 6, SCHEDULE, waived_amount=D("5"), waiver_reason=reason)
    assert refused.value.parameter == "waiver_reason"


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: inspection_fee(D("-1"), SCHEDULE), "staff_hours"),
        (lambda: copy_fee(-1, SCHEDULE), "pages"),
        (lambda: copy_fee(1, SCHEDULE, actual_cost=D("-2")), "actual_cost"),
        (lambda: fee_estimate(D("1"), 1, SCHEDULE, mailing_fee=D("-1")), "mailing_fee"),
        (lambda: fee_estimate(D("1"), 1, SCHEDULE, waived_amount=D("-1"), waiver_reason="x"), "waived_amount"),
    ],
)
def test_negative_quantities_are_refused(call, parameter):
    with pytest.raises(OperatorArgumentError) as refused:
        call()
    assert refused.value.parameter == parameter


def test_schedule_set_by_the_city_replaces_the_defaults():
    resolution = FeeSchedule(
        effective_from=date(2026, 7, 1), search_rate_per_hour=D("20.00"), copy_fee_per_page=D("0.10")
    )
    assert inspection_fee(D("1"), resolution) == D("20.00")
    assert copy_fee(10, resolution) == D("1.00")


def test_schedule_in_force_is_the_latest_effective_on_the_day():
    later = FeeSchedule(effective_from=date(2026, 7, 1), search_rate_per_hour=D("20.00"))
    schedules = [later, SCHEDULE]
    assert schedule_in_force(schedules, date(2026, 6, 30)) is SCHEDULE
    assert schedule_in_force(schedules, date(2026, 7, 1)) is later
    with pytest.raises(ValueError, match="no fee schedule"):
        schedule_in_force(schedules, date(2004, 12, 31))


def test_fee_schedule_refuses_a_negative_amount():
    with pytest.raises(ValueError, match="copy_fee_per_page"):
        FeeSchedule(effective_from=date(2026, 1, 1), copy_fee_per_page=D("-0.25"))
