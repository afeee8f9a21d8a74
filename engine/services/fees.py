"""Record inspection and copy fees, estimates and prepayment: 003, Art. 6 fees.

Every amount is a city setting (a `FeeSchedule` with its effective date) that the caller
passes in, so an old request is always explained by the schedule in force when it was
estimated. Amounts are `Decimal`, rounded to the cent half up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from engine.services.registry import OperatorArgumentError, Parameter, operator

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FeeSchedule:
    effective_from: date
    search_rate_per_hour: Decimal = Decimal("15.00")  # per employee engaged in the search
    minimum_search_fee: Decimal = Decimal("5.00")  # per request, once a fee is due
    free_below: Decimal = Decimal("1.00")  # locating cost under this (24 h, same requester): no fee
    copy_fee_per_page: Decimal = Decimal("0.25")
    prepayment_threshold: Decimal = Decimal("25.00")  # an estimate above it: notice and prepayment

    def __post_init__(self) -> None:
        for name in (
            "search_rate_per_hour",
            "minimum_search_fee",
            "free_below",
            "copy_fee_per_page",
            "prepayment_threshold",
        ):
            amount = getattr(self, name)
            if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
                raise ValueError(f"fee schedule {name} must be a Decimal of zero or more, not {amount!r}")


# The article's amounts as codified ("Code 2005"); an administrator's schedules supersede it.
DEFAULT_FEE_SCHEDULE = FeeSchedule(effective_from=date(2005, 1, 1))


@dataclass(frozen=True)
class FeeEstimate:
    inspection_fee: Decimal
    copy_fee: Decimal
    mailing_fee: Decimal
    total: Decimal  # inspection + copy + mailing - waived
    prepayment_required: bool  # the custodian must demand full or partial prepayment
    notice_required: bool  # the requester is told the estimate before the search starts
    waived: Decimal = ZERO
    waiver_reason: str = ""  # kept with the estimate: the article wants it on record
    schedule_effective_from: date | None = None


def schedule_in_force(schedules: Iterable[FeeSchedule], day: date) -> FeeSchedule:
    """The schedule whose effective date is the latest on or before `day`."""
    in_force = [schedule for schedule in schedules if schedule.effective_from <= day]
    if not in_force:
        raise ValueError(f"no fee schedule was in force on {day.isoformat()}")
    return max(in_force, key=lambda schedule: schedule.effective_from)


def inspection_fee(
    staff_hours: Decimal,
    schedule: FeeSchedule,
    *,
    readily_available: bool = False,
    same_requester_24h_cost: Decimal = Decimal(0),
) -> Decimal:
    """Art. 6 inspection fee: the search rate per hour per employee, with a per-request minimum.

    `staff_hours` is summed over every employee searching. `same_requester_24h_cost` is the
    locating cost of the other requests by or for the same person in the last 24 hours
    (zero for a lone request): no fee while the sum stays under `free_below`.
    """
    _not_negative("staff_hours", staff_hours)
    _not_negative("same_requester_24h_cost", same_requester_24h_cost)
    if readily_available:
        return ZERO
    locating_cost = staff_hours * schedule.search_rate_per_hour
    # Summed, so a search split into small requests within 24 hours is not free for it.
    if locating_cost + same_requester_24h_cost < schedule.free_below:
        return ZERO
    return _cents(max(locating_cost, schedule.minimum_search_fee))


def copy_fee(
    pages: int,
    schedule: FeeSchedule,
    *,
    free_distribution: bool = False,
    handling_costs_more: bool = False,
    actual_cost: Decimal | None = None,
) -> Decimal:
    """Art. 6 copy fee: `pages` copier pages at the page rate, plus `actual_cost` for the rest.

    `actual_cost` is what reproducing records the city's copiers cannot copy costs the
    city, staff time included. No fee for copies prepared for free public distribution,
    or when charging and handling the fee would cost more than the copy.
    """
    _not_negative("pages", pages)
    if actual_cost is not None:
        _not_negative("actual_cost", actual_cost)
    if free_distribution or handling_costs_more:
        return ZERO
    return _cents(pages * schedule.copy_fee_per_page + (actual_cost or 0))


def fee_estimate(
    staff_hours: Decimal,
    pages: int,
    schedule: FeeSchedule,
    *,
    readily_available: bool = False,
    same_requester_24h_cost: Decimal = Decimal(0),
    free_distribution: bool = False,
    handling_costs_more: bool = False,
    actual_cost: Decimal | None = None,
    mailing_fee: Decimal = Decimal(0),
    denied: bool = False,
    official_duty: bool = False,
    account_in_good_standing: bool = False,
    waived_amount: Decimal = Decimal(0),
    waiver_reason: str = "",
) -> FeeEstimate:
    """Art. 6 estimate of every fee for one request, and whether prepayment must be demanded.

    `mailing_fee` is the mailing and handling charge the custodian assessed for a request
    answered by mail. `official_duty` marks a city officer or employee asking for their
    official duties. A waiver or reduction in the public interest needs `waiver_reason`.
    """
    _not_negative("mailing_fee", mailing_fee)
    _not_negative("waived_amount", waived_amount)
    if waived_amount > 0 and not waiver_reason.strip():
        raise OperatorArgumentError(
            "a fee is reduced or waived only in the public interest; record the reason in waiver_reason",
            "waiver_reason",
        )
    inspection = inspection_fee(
        staff_hours,
        schedule,
        readily_available=readily_available,
        same_requester_24h_cost=same_requester_24h_cost,
    )
    copies = copy_fee(
        pages,
        schedule,
        free_distribution=free_distribution,
        handling_costs_more=handling_costs_more,
        actual_cost=actual_cost,
    )
    if denied or official_duty:
        # No fee of any kind on a denial, nor to city staff acting for the city.
        return FeeEstimate(ZERO, ZERO, ZERO, ZERO, False, False, schedule_effective_from=schedule.effective_from)
    mailing = _cents(mailing_fee)
    subtotal = inspection + copies + mailing
    waived = min(_cents(waived_amount), subtotal)
    total = subtotal - waived
    over_threshold = total > schedule.prepayment_threshold
    return FeeEstimate(
        inspection_fee=inspection,
        copy_fee=copies,
        mailing_fee=mailing,
        total=total,
        # "May or may not be required" of an account in good standing: we excuse it.
        prepayment_required=over_threshold and not account_in_good_standing,
        notice_required=over_threshold,
        waived=waived,
        waiver_reason=waiver_reason.strip() if waived else "",
        schedule_effective_from=schedule.effective_from,
    )


def _cents(amount: Decimal | int) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def _not_negative(name: str, amount: Decimal | int) -> None:
    if amount < 0:
        raise OperatorArgumentError(f"{name} cannot be negative ({amount})", name)


# The engine passes the schedule in force as the "fee_schedule" setting; these adapters
# only rename it so the rules above keep the plain name `schedule`.

_SCHEDULE = ("fee_schedule",)
_STAFF_HOURS = Parameter("staff_hours", "decimal", description="hours of search, summed over every employee")
_PAGES = Parameter("pages", "integer", description="pages the city's copiers reproduce")
_INSPECTION_OPTIONS = (
    Parameter("readily_available", "boolean", False, "the record is readily available: no inspection fee"),
    Parameter("same_requester_24h_cost", "decimal", False, "locating cost of the same person's other requests in 24 h"),
)
_COPY_OPTIONS = (
    Parameter("free_distribution", "boolean", False, "copies prepared for free public distribution"),
    Parameter("handling_costs_more", "boolean", False, "handling the fee would cost more than the copy"),
    Parameter("actual_cost", "decimal", False, "actual cost of records the copiers cannot reproduce"),
)


@operator(
    "fees.inspection_fee",
    "Art. 6 inspection fee for the staff time spent searching for the records.",
    _STAFF_HOURS,
    *_INSPECTION_OPTIONS,
    settings=_SCHEDULE,
)
def _inspection_fee_operator(staff_hours: Decimal, *, fee_schedule: FeeSchedule, **options: object) -> Decimal:
    return inspection_fee(staff_hours, fee_schedule, **options)  # type: ignore[arg-type]


@operator("fees.copy_fee", "Art. 6 copy fee for the pages copied.", _PAGES, *_COPY_OPTIONS, settings=_SCHEDULE)
def _copy_fee_operator(pages: int, *, fee_schedule: FeeSchedule, **options: object) -> Decimal:
    return copy_fee(pages, fee_schedule, **options)  # type: ignore[arg-type]


@operator(
    "fees.fee_estimate",
    "Art. 6 estimate of all fees for a request, with the prepayment and notice it calls for.",
    _STAFF_HOURS,
    _PAGES,
    *_INSPECTION_OPTIONS,
    *_COPY_OPTIONS,
    Parameter("mailing_fee", "decimal", False, "mailing and handling assessed by the custodian"),
    Parameter("denied", "boolean", False, "the request is denied: no fee of any kind"),
    Parameter("official_duty", "boolean", False, "a city officer or employee asking for official duties"),
    Parameter("account_in_good_standing", "boolean", False, "excuses the mandatory prepayment"),
    Parameter("waived_amount", "decimal", False, "amount reduced or waived in the public interest"),
    Parameter("waiver_reason", "string", False, "why the fee is reduced or waived; required with waived_amount"),
    settings=_SCHEDULE,
)
def _fee_estimate_operator(
    staff_hours: Decimal, pages: int, *, fee_schedule: FeeSchedule, **options: object
) -> FeeEstimate:
    return fee_estimate(staff_hours, pages, fee_schedule, **options)  # type: ignore[arg-type]
