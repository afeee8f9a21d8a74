"""003, Art. 6 fees: inspection, copies, accident reports, estimate, invoice, prepayment, denial, waiver."""

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from city.rules import OperatorArgumentError, OperatorError, call_operator
from city.rules.fees import (
    DEFAULT_FEE_SCHEDULE,
    FeeEstimate,
    FeeSchedule,
    Settlement,
    cents,
    cents_by_line,
    copy_fee,
    fee_estimate,
    inspection_fee,
    invoice,
    prepayment_demand,
    prepayment_outstanding,
    schedule_in_force,
    settle_prepayment,
    transmittal_due,
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
        locating_cost=D("15.00"),
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


# Schedules kept with their effective dates, and the day an estimate is assessed.

RESOLUTION_2026 = FeeSchedule(
    effective_from=date(2026, 7, 1),
    search_rate_per_hour=D("20.00"),
    copy_fee_per_page=D("0.10"),
    accident_report_copy_fee=D("7.50"),
    accident_report_resolution="Resolution 2026-14",
    accident_report_resolution_date=date(2026, 6, 8),
)
SCHEDULES = (SCHEDULE, RESOLUTION_2026)
SETTINGS = {"fee_schedules": SCHEDULES}


@pytest.mark.parametrize(
    ("assessed_on", "total", "effective_from"),
    [
        ("2026-06-30", "31.50", "2005-01-01"),  # 2 h at 15.00 + 6 pages at 0.25
        ("2026-07-01", "40.60", "2026-07-01"),  # 2 h at 20.00 + 6 pages at 0.10
        ("2027-01-15", "40.60", "2026-07-01"),
    ],
)
def test_estimate_uses_the_schedule_in_force_on_the_day_assessed(assessed_on, total, effective_from):
    estimate = call_operator(
        "fees.fee_estimate", {"assessed_on": assessed_on, "staff_hours": "2", "pages": 6}, SETTINGS
    )
    assert estimate["total"] == total
    assert estimate["schedule_effective_from"] == effective_from


def test_estimate_is_always_explained_by_a_day_assessed():
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator("fees.fee_estimate", {"staff_hours": "2", "pages": 6}, SETTINGS)
    assert refused.value.parameter == "assessed_on"


def test_estimate_assessed_before_any_schedule_is_refused():
    with pytest.raises(OperatorArgumentError, match="no fee schedule was in force on 2004-12-31") as refused:
        call_operator("fees.fee_estimate", {"assessed_on": "2004-12-31", "staff_hours": 1, "pages": 0}, SETTINGS)
    assert refused.value.parameter == "assessed_on"


def test_schedules_setting_may_come_in_any_order():
    settings = {"fee_schedules": [RESOLUTION_2026, SCHEDULE]}
    assert call_operator("fees.copy_fee", {"pages": 10, "assessed_on": "2026-06-30"}, settings) == "2.50"


def test_quick_fee_without_a_day_uses_the_latest_schedule():
    assert call_operator("fees.copy_fee", {"pages": 10}, SETTINGS) == "1.00"
    assert call_operator("fees.inspection_fee", {"staff_hours": 1}, SETTINGS) == "20.00"
    assert call_operator("fees.inspection_fee", {"staff_hours": 1, "assessed_on": "2026-01-02"}, SETTINGS) == "15.00"


def test_empty_schedules_setting_is_an_operator_error():
    with pytest.raises(OperatorError, match="fee_schedules"):
        call_operator("fees.copy_fee", {"pages": 1}, {"fee_schedules": []})


# Accident reports: the copy fee "set by resolution".


def test_accident_report_copies_are_charged_at_the_fee_set_by_resolution():
    assert SCHEDULE.accident_report_copy_fee is None                 # no amount until the city enters one
    assert copy_fee(0, SCHEDULE, accident_reports=2, accident_report_fee=D("5.00")) == D("10.00")
    assert copy_fee(4, RESOLUTION_2026, accident_reports=1) == D("7.90")


def test_estimate_counts_accident_reports_with_the_copies():
    estimate = fee_estimate(D("0"), 4, SCHEDULE, accident_reports=3, accident_report_fee=D("5.00"),
                            mailing_fee=D("1.25"))
    assert (estimate.copy_fee, estimate.mailing_fee, estimate.total) == (D("16.00"), D("1.25"), D("17.25"))


def test_accident_reports_prepared_for_free_distribution_are_free():
    assert copy_fee(0, SCHEDULE, accident_reports=2, free_distribution=True) == D("0.00")


def test_negative_accident_report_count_is_refused():
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator("fees.copy_fee", {"pages": 0, "accident_reports": -1}, SETTINGS)
    assert refused.value.parameter == "accident_reports"


@pytest.mark.parametrize("field", ["accident_report_copy_fee", "transmit_above"])
def test_fee_schedule_refuses_a_negative_resolution_amount(field):
    with pytest.raises(ValueError, match=field):
        FeeSchedule(effective_from=date(2026, 1, 1), **{field: D("-1")})


def test_fee_schedule_takes_effect_on_a_day_not_a_moment():
    with pytest.raises(ValueError, match="effective_from"):
        FeeSchedule(effective_from=datetime(2026, 1, 1, 9, 0))


def test_estimate_records_the_locating_cost_even_when_nothing_is_charged():
    # The next request by the same person counts it toward the 24-hour total.
    assert fee_estimate(D("0.05"), 0, SCHEDULE).locating_cost == D("0.75")
    assert fee_estimate(D("2"), 0, SCHEDULE, denied=True).locating_cost == D("30.00")


# Prepayment: settled before inspection or delivery.


def test_overpaid_prepayment_is_refunded_before_delivery():
    assert settle_prepayment(D("21.50"), D("30")) == Settlement(balance_due=D("0.00"), refund_due=D("8.50"))


def test_underpaid_prepayment_leaves_a_balance_due_before_inspection():
    assert settle_prepayment(D("31.50"), D("25.00")) == Settlement(balance_due=D("6.50"), refund_due=D("0.00"))


def test_exact_prepayment_settles_to_nothing_either_way():
    assert settle_prepayment(D("25.00"), D("25")) == Settlement(D("0.00"), D("0.00"))


def test_settle_prepayment_operator_returns_both_amounts():
    settled = call_operator("fees.settle_prepayment", {"total": "12.345", "prepaid": 20}, {})
    assert settled == {"balance_due": "0.00", "refund_due": "7.65"}


@pytest.mark.parametrize(("total", "prepaid", "parameter"), [("-1", "0", "total"), ("1", "-0.01", "prepaid")])
def test_negative_prepayment_amounts_are_refused(total, prepaid, parameter):
    with pytest.raises(OperatorArgumentError) as refused:
        settle_prepayment(D(total), D(prepaid))
    assert refused.value.parameter == parameter


@pytest.mark.parametrize(("held", "due"), [("5.00", False), ("5.004", False), ("5.01", True), ("40", True)])
def test_custodian_transmits_fee_money_once_it_exceeds_five_dollars(held, due):
    assert transmittal_due(D(held), SCHEDULE) is due


# The itemized invoice.


def lines_of(bill):
    return [(line.item, line.quantity, line.rate, line.amount) for line in bill.lines]


def test_invoice_itemizes_search_time_by_employee():
    bill = invoice(
        [{"employee": "A. Clerk", "hours": "1.5"}, {"employee": "B. Deputy", "hours": 0.5}],
        20,
        SCHEDULE,
        accident_reports=1,
        accident_report_fee=D("5.00"),
        actual_cost=D("3.10"),
        mailing_fee=D("2.00"),
    )
    assert lines_of(bill) == [
        ("Record search: A. Clerk", D("1.5"), D("15.00"), D("22.50")),
        ("Record search: B. Deputy", D("0.5"), D("15.00"), D("7.50")),
        ("Photocopies (per page)", D(20), D("0.25"), D("5.00")),
        ("Accident report copies", D(1), D("5.00"), D("5.00")),
        ("Records the city's copiers cannot reproduce (actual cost, staff time included)", D(1), D("3.10"), D("3.10")),
        ("Mailing and handling", D(1), D("2.00"), D("2.00")),
    ]
    assert bill.total == D("45.10")
    assert (bill.prepaid, bill.balance_due, bill.refund_due) == (D("0.00"), D("45.10"), D("0.00"))
    assert bill.schedule_effective_from == SCHEDULE.effective_from


def test_invoice_adds_an_employees_entries_together():
    bill = invoice([{"employee": "A. Clerk", "hours": 1}, {"employee": " A. Clerk ", "hours": "0.25"}], 0, SCHEDULE)
    assert lines_of(bill) == [("Record search: A. Clerk", D("1.25"), D("15.00"), D("18.75"))]


def test_invoice_charges_the_minimum_search_fee_as_its_own_line():
    bill = invoice([{"employee": "A. Clerk", "hours": "0.1"}, {"employee": "B. Deputy", "hours": "0.1"}], 0, SCHEDULE)
    assert lines_of(bill)[-1] == ("Minimum search fee (5.00 a request)", D(1), D("2.00"), D("2.00"))
    assert bill.total == D("5.00")


def test_invoice_for_a_readily_available_record_has_no_search_charge():
    bill = invoice([{"employee": "A. Clerk", "hours": 2}], 4, SCHEDULE, readily_available=True)
    assert lines_of(bill)[0] == ("Record search: readily available to the custodian, no fee", D(2), D(0), D(0))
    assert bill.total == D("1.00")


@pytest.mark.parametrize(("earlier_24h_cost", "total"), [("0.20", "0.00"), ("0.25", "5.00")])
def test_invoice_search_under_one_dollar_in_24_hours_is_free(earlier_24h_cost, total):
    search = [{"employee": "A. Clerk", "hours": "0.05"}]
    bill = invoice(search, 0, SCHEDULE, same_requester_24h_cost=D(earlier_24h_cost))
    assert bill.total == D(total)
    assert len(bill.lines) == (1 if total == "0.00" else 2)


def test_invoice_for_a_denied_request_refunds_any_prepayment():
    search = [{"employee": "A. Clerk", "hours": 3}]
    bill = invoice(search, 100, SCHEDULE, mailing_fee=D("4"), denied=True, prepaid=D("30"))
    assert lines_of(bill) == [("No fee: the request was denied", D(1), D(0), D(0))]
    assert (bill.total, bill.balance_due, bill.refund_due) == (D("0.00"), D("0.00"), D("30.00"))


def test_invoice_for_a_city_officer_on_official_duty_is_zero():
    bill = invoice([{"employee": "A. Clerk", "hours": 3}], 100, SCHEDULE, official_duty=True)
    assert bill.total == D("0.00")
    assert "official duties" in bill.lines[0].item


def test_invoice_copies_for_free_distribution_show_no_charge():
    bill = invoice([], 30, SCHEDULE, free_distribution=True)
    assert lines_of(bill) == [
        ("Photocopies (per page): no fee, copies prepared for free public distribution", D(30), D(0), D(0))
    ]


def test_invoice_waiver_is_a_line_with_its_reason():
    bill = invoice(
        [{"employee": "A. Clerk", "hours": 2}],
        6,
        SCHEDULE,
        waived_amount=D("100"),
        waiver_reason=" news reporting on a public hazard ",
        prepaid=D("31.50"),
    )
    assert lines_of(bill)[-1] == (
        "Reduced in the public interest: news reporting on a public hazard",
        D(1),
        D("-31.50"),
        D("-31.50"),
    )
    assert (bill.total, bill.refund_due) == (D("0.00"), D("31.50"))
    assert bill.waiver_reason == "news reporting on a public hazard"


def test_invoice_waiver_without_a_reason_is_refused():
    with pytest.raises(OperatorArgumentError) as refused:
        invoice([], 6, SCHEDULE, waived_amount=D("1"))
    assert refused.value.parameter == "waiver_reason"


@pytest.mark.parametrize(
    ("staff_hours", "pages", "options"),
    [
        ("2", 6, {}),
        ("0.25", 0, {}),
        ("0.05", 3, {"same_requester_24h_cost": D("0.10")}),
        ("1", 41, {"accident_reports": 2, "accident_report_fee": D("5.00"), "mailing_fee": D("3.20"),
                   "actual_cost": D("1.99")}),
        ("3", 10, {"readily_available": True, "waived_amount": D("1"), "waiver_reason": "public interest"}),
        ("4", 300, {"denied": True}),
    ],
)
def test_invoice_total_agrees_with_the_estimate(staff_hours, pages, options):
    estimate = fee_estimate(D(staff_hours), pages, SCHEDULE, **options)
    bill = invoice([{"employee": "A. Clerk", "hours": staff_hours}], pages, SCHEDULE, **options)
    assert bill.total == estimate.total


@pytest.mark.parametrize(
    "hours",
    [["0.333", "0.333"], ["0.333", "0.333", "0.333"], ["0.0333", "0.0333", "0.7"], ["1.001", "0.667", "0.0011"]],
)
def test_invoice_of_several_employees_totals_the_estimate_to_the_cent(hours):
    # One rounding rule: the search time is charged rounded once, as the estimate rounds it, and the
    # employees' lines share that amount out, so they add up to it.
    bill = invoice([{"employee": f"Employee {n}", "hours": h} for n, h in enumerate(hours)], 0, SCHEDULE)
    estimate = fee_estimate(sum(map(D, hours), D("0")), 0, SCHEDULE)
    assert bill.total == estimate.total == sum((line.amount for line in bill.lines), D("0"))


def test_two_employees_a_third_of_an_hour_each_cost_9_99_not_10():
    bill = invoice([{"employee": "A. Clerk", "hours": "0.333"}, {"employee": "B. Deputy", "hours": "0.333"}], 0,
                   SCHEDULE)
    assert [line.amount for line in bill.lines] == [D("5.00"), D("4.99")]
    assert bill.total == fee_estimate(D("0.666"), 0, SCHEDULE).total == D("9.99")


@pytest.mark.parametrize(("exact", "shares"), [
    (["4.995", "4.995"], ["5.00", "4.99"]),
    (["0.004", "0.004", "0.004"], ["0.00", "0.01", "0.00"]),
    (["1.10", "2.20"], ["1.10", "2.20"]),
])
def test_lines_share_out_the_sum_rounded_once(exact, shares):
    assert cents_by_line(map(D, exact)) == list(map(D, shares))
    assert sum(map(D, shares), D("0")) == cents(sum(map(D, exact), D("0")))


@pytest.mark.parametrize(
    "search_hours",
    [
        [{"employee": "A. Clerk"}],
        [{"hours": 1}],
        [{"employee": "", "hours": 1}],
        [{"employee": "A. Clerk", "hours": "-1"}],
        [{"employee": "A. Clerk", "hours": "two"}],
        [{"employee": "A. Clerk", "hours": True}],
        ["A. Clerk"],
        {"employee": "A. Clerk", "hours": 1},
    ],
)
def test_invoice_refuses_search_time_without_employee_and_hours(search_hours):
    with pytest.raises(OperatorArgumentError) as refused:
        invoice(search_hours, 0, SCHEDULE)
    assert refused.value.parameter == "search_hours"


def test_invoice_operator_returns_the_itemized_json():
    bill = call_operator(
        "fees.invoice",
        {
            "assessed_on": "2026-07-01",
            "search_hours": [{"employee": "A. Clerk", "hours": "1.50"}, {"employee": "B. Deputy", "hours": "0.3333"}],
            "pages": 6,
            "prepaid": "40",
        },
        SETTINGS,
    )
    assert bill == {
        "lines": [
            {"item": "Record search: A. Clerk", "quantity": "1.5", "rate": "20.00", "amount": "30.00"},
            {"item": "Record search: B. Deputy", "quantity": "0.3333", "rate": "20.00", "amount": "6.67"},
            {"item": "Photocopies (per page)", "quantity": "6", "rate": "0.10", "amount": "0.60"},
        ],
        "total": "37.27",
        "prepaid": "40.00",
        "balance_due": "0.00",
        "refund_due": "2.73",
        "schedule_effective_from": "2026-07-01",
        "waiver_reason": "",
    }
    assert json.loads(json.dumps(bill)) == bill


def test_invoice_operator_needs_the_day_assessed():
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator("fees.invoice", {"pages": 1}, SETTINGS)
    assert refused.value.parameter == "assessed_on"


def test_prepayment_over_the_threshold_is_the_whole_estimate_unless_the_custodian_asks_for_part():
    whole = prepayment_demand(D("47.50"), required=True, custodian_demands=False)
    part = prepayment_demand(D("47.50"), required=True, custodian_demands=False, amount_asked=D("20"))
    assert (whole.demanded, whole.asked, whole.due) == (True, D("47.50"), D("47.50"))
    assert (part.asked, part.due) == (D("20.00"), D("20.00"))


def test_no_prepayment_is_demanded_within_the_threshold_unless_the_custodian_demands_it():
    assert prepayment_demand(D("15.00"), required=False, custodian_demands=False).demanded is False
    assert prepayment_demand(D("15.00"), required=False, custodian_demands=True, amount_asked=D("5")).due == D("5.00")


def test_a_demand_of_nothing_on_a_free_request_is_no_demand():
    demand = prepayment_demand(D("0.00"), required=False, custodian_demands=True)
    assert (demand.demanded, demand.due) == (False, D("0.00"))


def test_a_prepayment_demanded_later_comes_on_top_of_what_is_already_prepaid():
    demand = prepayment_demand(
        D("47.50"), required=False, custodian_demands=True, amount_asked=D("10"), already_prepaid=D("30")
    )
    assert (demand.asked, demand.due) == (D("10.00"), D("40.00"))


def test_the_prepayment_still_owed_never_goes_below_nothing():
    assert prepayment_outstanding(D("40.00"), D("25.50")) == D("14.50")
    assert prepayment_outstanding(D("40.00"), D("45.00")) == D("0.00")


def test_prepayment_demand_operator_answers_the_process_in_json():
    answer = call_operator(
        "fees.prepayment_demand",
        {"estimate_total": D("47.50"), "required": True, "custodian_demands": False},
        {},
    )
    assert json.loads(json.dumps(answer)) == {"demanded": True, "asked": "47.50", "due": "47.50"}
