"""The fee rules as operators that BPMN service tasks call (`fees.inspection_fee`, `fees.invoice`, ...).

The engine passes every schedule the city has kept as the "fee_schedules" setting; each adapter
here picks the one in force on the day the fee is assessed (`assessed_on`) and calls the rule in
`city.rules.fees` with it, so the rules keep the plain name `schedule`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from city.rules.fees import (
    FeeEstimate,
    FeeSchedule,
    copy_fee,
    fee_estimate,
    inspection_fee,
    invoice,
    prepayment_demand,
    schedule_in_force,
    settle_prepayment,
)
from city.rules.registry import OperatorArgumentError, OperatorError, Parameter, operator

_SCHEDULES = ("fee_schedules",)


def _schedule_for(fee_schedules: object, assessed_on: date | None) -> FeeSchedule:
    if isinstance(fee_schedules, FeeSchedule):
        fee_schedules = [fee_schedules]
    schedules = list(fee_schedules or ())  # type: ignore[call-overload]
    if not schedules or not all(isinstance(schedule, FeeSchedule) for schedule in schedules):
        raise OperatorError('the city setting "fee_schedules" must list at least one fee schedule')
    if assessed_on is None:
        # Only the adapters whose parameter is optional get here: the latest schedule kept.
        return max(schedules, key=lambda schedule: schedule.effective_from)
    try:
        return schedule_in_force(schedules, assessed_on)
    except ValueError as error:
        raise OperatorArgumentError(f"{error}; the earliest schedule kept is later", "assessed_on") from None


_ASSESSED_ON = Parameter(
    "assessed_on", "date", description="the day the fee is assessed: the schedule in force that day applies"
)
_ASSESSED_ON_OPTIONAL = Parameter(
    "assessed_on",
    "date",
    False,
    "the day the fee is assessed: the schedule in force that day applies (without it, the latest schedule)",
)
_STAFF_HOURS = Parameter("staff_hours", "decimal", description="hours of search, summed over every employee")
_PAGES = Parameter("pages", "integer", description="pages the city's copiers reproduce")
_INSPECTION_OPTIONS = (
    Parameter("readily_available", "boolean", False, "the record is readily available: no inspection fee"),
    Parameter("same_requester_24h_cost", "decimal", False, "locating cost of the same person's other requests in 24 h"),
)
_COPY_OPTIONS = (
    Parameter("accident_reports", "integer", False, "accident report copies, at the fee set by resolution"),
    Parameter("accident_report_fee", "decimal", False,
              "the accident report copy fee the custodian gives while the city has not entered the resolution's"),
    Parameter("free_distribution", "boolean", False, "copies prepared for free public distribution"),
    Parameter("handling_costs_more", "boolean", False, "handling the fee would cost more than the copy"),
    Parameter("actual_cost", "decimal", False, "actual cost of records the copiers cannot reproduce"),
)
_CHARGE_OPTIONS = (
    Parameter("mailing_fee", "decimal", False, "mailing and handling assessed by the custodian"),
    Parameter("denied", "boolean", False, "the request is denied: no fee of any kind"),
    Parameter("official_duty", "boolean", False, "a city officer or employee asking for official duties"),
)
_WAIVER = (
    Parameter("waived_amount", "decimal", False, "amount reduced or waived in the public interest"),
    Parameter("waiver_reason", "string", False, "why the fee is reduced or waived; required with waived_amount"),
)


@operator(
    "fees.inspection_fee",
    "Art. 6 inspection fee for the staff time spent searching for the records.",
    _STAFF_HOURS,
    *_INSPECTION_OPTIONS,
    _ASSESSED_ON_OPTIONAL,
    settings=_SCHEDULES,
)
def _inspection_fee_operator(
    staff_hours: Decimal, *, fee_schedules: object, assessed_on: date | None = None, **options: object
) -> Decimal:
    return inspection_fee(staff_hours, _schedule_for(fee_schedules, assessed_on), **options)  # type: ignore[arg-type]


@operator(
    "fees.copy_fee",
    "Art. 6 copy fee for the pages and accident reports copied.",
    _PAGES,
    *_COPY_OPTIONS,
    _ASSESSED_ON_OPTIONAL,
    settings=_SCHEDULES,
)
def _copy_fee_operator(
    pages: int, *, fee_schedules: object, assessed_on: date | None = None, **options: object
) -> Decimal:
    return copy_fee(pages, _schedule_for(fee_schedules, assessed_on), **options)  # type: ignore[arg-type]


@operator(
    "fees.fee_estimate",
    "Art. 6 estimate of all fees for a request, with the prepayment and notice it calls for.",
    _ASSESSED_ON,
    _STAFF_HOURS,
    _PAGES,
    *_INSPECTION_OPTIONS,
    *_COPY_OPTIONS,
    *_CHARGE_OPTIONS,
    Parameter("account_in_good_standing", "boolean", False, "excuses the mandatory prepayment"),
    *_WAIVER,
    settings=_SCHEDULES,
)
def _fee_estimate_operator(
    assessed_on: date, staff_hours: Decimal, pages: int, *, fee_schedules: object, **options: object
) -> FeeEstimate:
    schedule = _schedule_for(fee_schedules, assessed_on)
    return fee_estimate(staff_hours, pages, schedule, **options)  # type: ignore[arg-type]


@operator(
    "fees.invoice",
    "Art. 6 itemized invoice: search time by employee, copies, mailing, waiver and prepayment settled.",
    _ASSESSED_ON,
    Parameter("search_hours", "list", False, 'search time by employee: [{"employee": name, "hours": number}]'),
    Parameter("pages", "integer", False, "pages the city's copiers reproduce"),
    *_COPY_OPTIONS,
    *_INSPECTION_OPTIONS,
    *_CHARGE_OPTIONS,
    *_WAIVER,
    Parameter("prepaid", "decimal", False, "prepayment received"),
    settings=_SCHEDULES,
)
def _invoice_operator(
    assessed_on: date,
    *,
    fee_schedules: object,
    search_hours: Sequence[Mapping[str, object]] = (),
    pages: int = 0,
    **options: object,
) -> dict[str, object]:
    schedule = _schedule_for(fee_schedules, assessed_on)
    bill = invoice(search_hours, pages, schedule, **options)  # type: ignore[arg-type]
    return {
        # A quantity is hours or a count, not money: shown as entered, not rounded to the cent.
        "lines": [
            {"item": line.item, "quantity": _quantity_text(line.quantity), "rate": line.rate, "amount": line.amount}
            for line in bill.lines
        ],
        "total": bill.total,
        "prepaid": bill.prepaid,
        "balance_due": bill.balance_due,
        "refund_due": bill.refund_due,
        "schedule_effective_from": bill.schedule_effective_from,
        "waiver_reason": bill.waiver_reason,
    }


def _quantity_text(quantity: Decimal) -> str:
    return format(quantity.normalize(), "f")  # Decimal("1.50") -> "1.5", Decimal("20") -> "20"


@operator(
    "fees.accident_report_fee",
    'Art. 6: the accident report copy fee "set by resolution", as the schedule in force holds it: the amount with '
    "the resolution's number and date, or no amount while the city has not entered it.",
    _ASSESSED_ON,
    settings=_SCHEDULES,
)
def _accident_report_fee_operator(assessed_on: date, *, fee_schedules: object) -> dict[str, object]:
    schedule = _schedule_for(fee_schedules, assessed_on)
    return {"amount": schedule.accident_report_copy_fee, "resolution": schedule.accident_report_resolution,
            "resolution_date": schedule.accident_report_resolution_date}


operator(
    "fees.settle_prepayment",
    "Art. 6: the balance due or the refund owed against a prepayment, settled before inspection or delivery.",
    Parameter("total", "decimal", description="the fee finally charged"),
    Parameter("prepaid", "decimal", description="what the requester prepaid"),
)(settle_prepayment)


operator(
    "fees.prepayment_demand",
    "Art. 6: the prepayment demanded of the requester (the estimate's or the custodian's), and what must be prepaid in all.",
    Parameter("estimate_total", "decimal", description="the current fee estimate's total: what is due in all never exceeds it"),
    Parameter("required", "boolean", description="the estimate requires prepayment (above the threshold)"),
    Parameter("custodian_demands", "boolean", description="the custodian demands prepayment"),
    Parameter("amount_asked", "decimal", False, "part of the estimate asked for; nothing means the whole estimate"),
    Parameter("already_prepaid", "decimal", False, "what the requester has prepaid so far"),
)(prepayment_demand)
