"""Record inspection and copy fees, estimates, invoices and prepayment: 003, Art. 6 fees.

Every amount is a city setting (a `FeeSchedule` with its effective date) that the caller
passes in, so an old request is always explained by the schedule in force when it was
estimated. Amounts are `Decimal`.

Money is rounded by one rule, `cents`: half up to the cent, once, on the exact amount. The
estimate, the invoice, the ledger, the reports, the letters and the pages all round through it,
so they agree to the cent: 2 employees x 0.333 h at 15.00 is 9.99 everywhere (9.99 exact is
rounded once), never 5.00 + 5.00 (each employee's 4.995 rounded on its own). Where a sum is
shown line by line, `cents_by_line` gives each line its share of the rounded sum.

The operators that BPMN service tasks call (`fees.fee_estimate`, `fees.invoice`, ...) are in
`city.rules.fee_operators`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from city.rules.registry import OperatorArgumentError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(amount: Decimal | float | str) -> Decimal:
    """The one rounding rule for money (Art. 6 fees): half up to the cent, once, on the exact amount.

    A float (SQLite hands back sums as floats) or text is read through str(), so 0.3 stays 0.3.
    """
    exact = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def money_text(amount: Decimal | float | str) -> str:
    """Money as operators, the ledger and task data keep it: text with two decimals, "9.99"."""
    return str(cents(amount))


def dollars(amount: Decimal) -> str:
    """Money as a letter or a page writes it: "$9.99", "$1,250.00", "-$3.00"."""
    rounded = cents(amount)
    return f"{'-' if rounded < 0 else ''}${abs(rounded):,.2f}"


def in_cents(amount: Decimal) -> bool:
    """Whether an amount someone typed is whole cents ("9.99", not "9.995"): money is never rounded on entry."""
    return amount.is_finite() and amount == cents(amount)


def cents_by_line(exact_amounts: Iterable[Decimal]) -> list[Decimal]:
    """Each line's share of the rounded sum: the running total rounded, less the running total before it.

    The shares add up to `cents(sum(exact_amounts))`, so an itemized bill totals what the
    estimate says: 4.995 + 4.995 is shown as 5.00 + 4.99 = 9.99.
    """
    shares: list[Decimal] = []
    running, before = Decimal(0), ZERO
    for amount in exact_amounts:
        running += amount
        shares.append(cents(running) - before)
        before = cents(running)
    return shares


@dataclass(frozen=True)
class FeeAmount:
    """One amount of the fee schedule (Art. 6), as the settings page, the command line and the change log
    say it. `name` is the FeeSchedule field and the column; `in_words` has "{}" where the amount goes."""

    name: str
    label: str        # "Inspection fee per hour per employee searching"
    heading: str      # a table column: "search/hour"
    in_words: str     # "inspection {} an hour per employee searching"
    set_by_resolution: bool = False   # no amount until the city enters the resolution's (with its number and date)


# The seven amounts, declared once: every list of them (forms, columns, options, the change log) is read from here.
FEE_AMOUNTS = (
    FeeAmount("search_rate_per_hour", "Inspection fee per hour per employee searching", "search/hour",
              "inspection {} an hour per employee searching"),
    FeeAmount("minimum_search_fee", "Minimum inspection fee per request, once one is due", "min search",
              "minimum inspection fee {}"),
    FeeAmount("free_below", "No inspection fee while the locating cost is below", "free below",
              "no inspection fee below {}"),
    FeeAmount("copy_fee_per_page", "Photocopies, per page", "copy/page", "copies {} a page"),
    FeeAmount("prepayment_threshold", "Estimates above this are told first, and prepayment demanded", "prepay above",
              "prepayment demanded above {}"),
    FeeAmount("accident_report_copy_fee", "Accident report copy (set by resolution)", "accident copy",
              "accident report copy {}", set_by_resolution=True),
    FeeAmount("transmit_above", "A custodian holding more fee money than this transmits it to the City Clerk",
              "transmit above", "fee money transmitted above {}"),
)
FEE_AMOUNT_NAMES = tuple(amount.name for amount in FEE_AMOUNTS)
# "The copy fee for an accident report shall be set by resolution" (Art. 6): the amount comes with the resolution's
# number and date, and until the city enters them there is no amount (the custodian gives it for each request).
RESOLUTION_FIELDS = ("accident_report_resolution", "accident_report_resolution_date")


@dataclass(frozen=True)
class FeeSchedule:
    effective_from: date
    search_rate_per_hour: Decimal = Decimal("15.00")  # per employee engaged in the search
    minimum_search_fee: Decimal = Decimal("5.00")  # per request, once a fee is due
    free_below: Decimal = Decimal("1.00")  # locating cost under this (24 h, same requester): no fee
    copy_fee_per_page: Decimal = Decimal("0.25")
    prepayment_threshold: Decimal = Decimal("25.00")  # an estimate above it: notice and prepayment
    accident_report_copy_fee: Decimal | None = None  # "set by resolution": none until the city enters it
    transmit_above: Decimal = Decimal("5.00")  # a custodian holding more sends it to the City Clerk
    accident_report_resolution: str = ""  # the resolution setting the accident report copy fee, "Resolution 2026-14"
    accident_report_resolution_date: date | None = None  # the day it was adopted

    def __post_init__(self) -> None:
        if not isinstance(self.effective_from, date) or isinstance(self.effective_from, datetime):
            raise ValueError(f"fee schedule effective_from must be a date, not {self.effective_from!r}")
        for fee in FEE_AMOUNTS:
            amount = getattr(self, fee.name)
            if amount is None and fee.set_by_resolution:
                continue
            if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
                raise ValueError(f"fee schedule {fee.name} must be a Decimal of zero or more, not {amount!r}")


# The article's amounts as codified ("Code 2005"); an administrator's schedules supersede it.
DEFAULT_FEE_SCHEDULE = FeeSchedule(effective_from=date(2005, 1, 1))
# The "fee_schedules" setting when the city has entered none of its own.
DEFAULT_FEE_SCHEDULES = (DEFAULT_FEE_SCHEDULE,)


@dataclass(frozen=True)
class FeeEstimate:
    inspection_fee: Decimal
    copy_fee: Decimal  # pages, accident reports and records the copiers cannot reproduce
    mailing_fee: Decimal
    total: Decimal  # inspection + copy + mailing - waived
    prepayment_required: bool  # the custodian must demand full or partial prepayment
    notice_required: bool  # the requester is told the estimate before the search starts
    waived: Decimal = ZERO
    waiver_reason: str = ""  # kept with the estimate: the article wants it on record
    schedule_effective_from: date | None = None
    # What locating the records costs the city (hours x rate), charged or not: it counts
    # toward the same requester's 24-hour total for the next request.
    locating_cost: Decimal = ZERO


@dataclass(frozen=True)
class InvoiceLine:
    item: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal  # quantity x rate, to the cent; negative for a reduction


@dataclass(frozen=True)
class Invoice:
    lines: tuple[InvoiceLine, ...]
    total: Decimal  # the sum of the lines
    prepaid: Decimal
    balance_due: Decimal  # still owed before inspection or delivery
    refund_due: Decimal  # owed back to the requester before inspection or delivery
    schedule_effective_from: date
    waiver_reason: str = ""


@dataclass(frozen=True)
class Settlement:
    balance_due: Decimal
    refund_due: Decimal


@dataclass(frozen=True)
class PrepaymentDemand:
    demanded: bool
    asked: Decimal  # what this demand asks the requester to pay now
    due: Decimal  # what must have been prepaid in all before the request goes on


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
    return cents(max(locating_cost, schedule.minimum_search_fee))


def accident_report_rate(schedule: FeeSchedule, accident_reports: int, given: Decimal | None = None) -> Decimal:
    """The accident report copy fee: the resolution's, as the schedule holds it, or else the one the custodian gives.

    Art. 6 leaves the amount to a resolution; while the city has not entered it, no amount is made up: copies
    of accident reports need `given` (the custodian's amount, from the resolution in hand).
    """
    if schedule.accident_report_copy_fee is not None:
        return schedule.accident_report_copy_fee
    if given is not None:
        _not_negative("accident_report_fee", given)
        return cents(given)
    if accident_reports:
        raise OperatorArgumentError(
            "the accident report copy fee is set by resolution and the city has not entered the resolution's "
            "amount: give the amount (accident_report_fee)", "accident_report_fee")
    return ZERO


def copy_fee(
    pages: int,
    schedule: FeeSchedule,
    *,
    accident_reports: int = 0,
    accident_report_fee: Decimal | None = None,
    free_distribution: bool = False,
    handling_costs_more: bool = False,
    actual_cost: Decimal | None = None,
) -> Decimal:
    """Art. 6 copy fee: copier pages at the page rate, accident reports at their rate, plus `actual_cost`.

    `actual_cost` is what reproducing records the city's copiers cannot copy costs the
    city, staff time included. `accident_reports` counts accident report copies, charged
    at the fee set by resolution (`accident_report_rate`). No fee for copies prepared for free public distribution,
    or when charging and handling the fee would cost more than the copy.
    """
    _not_negative("pages", pages)
    _not_negative("accident_reports", accident_reports)
    if actual_cost is not None:
        _not_negative("actual_cost", actual_cost)
    if free_distribution or handling_costs_more:
        return ZERO
    return cents(
        pages * schedule.copy_fee_per_page
        + accident_reports * accident_report_rate(schedule, accident_reports, accident_report_fee)
        + (actual_cost or 0)
    )


def fee_estimate(
    staff_hours: Decimal,
    pages: int,
    schedule: FeeSchedule,
    *,
    accident_reports: int = 0,
    accident_report_fee: Decimal | None = None,
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
    _check_waiver(waived_amount, waiver_reason)
    inspection = inspection_fee(
        staff_hours,
        schedule,
        readily_available=readily_available,
        same_requester_24h_cost=same_requester_24h_cost,
    )
    copies = copy_fee(
        pages,
        schedule,
        accident_reports=accident_reports,
        accident_report_fee=accident_report_fee,
        free_distribution=free_distribution,
        handling_costs_more=handling_costs_more,
        actual_cost=actual_cost,
    )
    locating_cost = cents(staff_hours * schedule.search_rate_per_hour)
    if denied or official_duty:
        # No fee of any kind on a denial, nor to city staff acting for the city.
        return FeeEstimate(
            ZERO,
            ZERO,
            ZERO,
            ZERO,
            False,
            False,
            schedule_effective_from=schedule.effective_from,
            locating_cost=locating_cost,
        )
    mailing = cents(mailing_fee)
    subtotal = inspection + copies + mailing
    waived = min(cents(waived_amount), subtotal)
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
        locating_cost=locating_cost,
    )


def settle_prepayment(total: Decimal, prepaid: Decimal) -> Settlement:
    """Art. 6: any overage or underage against the prepayment is settled before inspection or delivery.

    `total` is the fee finally charged, `prepaid` what the requester paid in advance: the
    requester pays the balance due, or the custodian refunds the overage.
    """
    _not_negative("total", total)
    _not_negative("prepaid", prepaid)
    difference = cents(total) - cents(prepaid)
    return Settlement(balance_due=max(difference, ZERO), refund_due=max(-difference, ZERO))


def prepayment_demand(
    estimate_total: Decimal,
    *,
    required: bool,
    custodian_demands: bool,
    amount_asked: Decimal = ZERO,
    already_prepaid: Decimal = ZERO,
) -> PrepaymentDemand:
    """Art. 6: the prepayment asked of the requester, on top of anything already prepaid.

    Prepayment is demanded when the estimate requires it (`FeeEstimate.prepayment_required`)
    or when the custodian demands it, which the article allows at any time in the city's
    interest. The custodian may ask for part of the estimate (`amount_asked`); asking nothing
    means the whole estimate (less what is prepaid). "The prepayment amount shall be an
    estimate of the inspection and/or copying charges": what is due in all never exceeds
    `estimate_total` (the current estimate), so an amount asked beyond it is cut to it, and
    nothing is demanded on an estimate already prepaid or of 0.00. A demand of nothing is no demand.
    """
    _not_negative("estimate_total", estimate_total)
    _not_negative("amount_asked", amount_asked)
    _not_negative("already_prepaid", already_prepaid)
    prepaid = cents(already_prepaid)
    room = max(cents(estimate_total) - prepaid, ZERO)
    asked = min(cents(amount_asked), room) if amount_asked > 0 else room
    if not (required or custodian_demands) or asked <= 0:
        return PrepaymentDemand(demanded=False, asked=ZERO, due=prepaid)
    return PrepaymentDemand(demanded=True, asked=asked, due=prepaid + asked)


def prepayment_outstanding(due: Decimal, prepaid: Decimal) -> Decimal:
    """What the requester still has to prepay before the request goes on (never below nothing)."""
    return max(cents(due) - cents(prepaid), ZERO)


def transmittal_due(amount_held: Decimal, schedule: FeeSchedule) -> bool:
    """Art. 6: a custodian transmits fee money to the City Clerk whenever it exceeds `transmit_above`.

    The change float the City Clerk provides is not fee money and is not counted here.
    """
    return cents(amount_held) > schedule.transmit_above


def invoice(
    search_hours: Sequence[Mapping[str, object]],
    pages: int,
    schedule: FeeSchedule,
    *,
    accident_reports: int = 0,
    accident_report_fee: Decimal | None = None,
    actual_cost: Decimal | None = None,
    mailing_fee: Decimal = Decimal(0),
    readily_available: bool = False,
    same_requester_24h_cost: Decimal = Decimal(0),
    free_distribution: bool = False,
    handling_costs_more: bool = False,
    denied: bool = False,
    official_duty: bool = False,
    waived_amount: Decimal = Decimal(0),
    waiver_reason: str = "",
    prepaid: Decimal = Decimal(0),
) -> Invoice:
    """Art. 6 itemized invoice: search time by employee, copies, mailing, waiver, prepayment settled.

    `search_hours` lists {"employee": name, "hours": number}, one entry per employee (or
    several, added together). The rules are those of `fee_estimate`: nothing on a denial
    or to city staff on official duty; no inspection fee for a record readily available,
    nor while the same requester's locating cost over 24 hours stays under `free_below`;
    otherwise the minimum search fee per request. Each line's amount is its quantity times
    its rate, to the cent; the search lines share out the search time's charge rounded once
    (`cents_by_line`), so the total, the sum of the lines, is the estimate's to the cent.
    """
    searches = _search_entries(search_hours)
    _not_negative("pages", pages)
    _not_negative("accident_reports", accident_reports)
    _not_negative("mailing_fee", mailing_fee)
    _not_negative("same_requester_24h_cost", same_requester_24h_cost)
    _not_negative("prepaid", prepaid)
    if actual_cost is not None:
        _not_negative("actual_cost", actual_cost)
    _check_waiver(waived_amount, waiver_reason)

    if denied or official_duty:
        why = "the request was denied" if denied else "requested for a city officer's or employee's official duties"
        lines = [InvoiceLine(f"No fee: {why}", Decimal(1), ZERO, ZERO)]
        return _invoice(lines, prepaid, schedule, "")

    lines = _search_lines(searches, schedule, readily_available, same_requester_24h_cost)

    no_copy_fee = (
        ": no fee, copies prepared for free public distribution"
        if free_distribution
        else ": no fee, handling the fee would cost more than the copy"
        if handling_costs_more
        else ""
    )
    copies = [
        ("Photocopies (per page)", Decimal(pages), schedule.copy_fee_per_page),
        ("Accident report copies", Decimal(accident_reports),
         ZERO if no_copy_fee else accident_report_rate(schedule, accident_reports, accident_report_fee)),
    ]
    if actual_cost:
        copies.append(
            ("Records the city's copiers cannot reproduce (actual cost, staff time included)", Decimal(1), actual_cost)
        )
    for item, quantity, rate in copies:
        if quantity:
            lines.append(_line(item + no_copy_fee, quantity, ZERO if no_copy_fee else rate))

    if mailing_fee:
        lines.append(_line("Mailing and handling", Decimal(1), mailing_fee))

    subtotal = sum((line.amount for line in lines), ZERO)
    waived = min(cents(waived_amount), subtotal)
    reason = waiver_reason.strip() if waived else ""
    if waived:
        lines.append(InvoiceLine(f"Reduced in the public interest: {reason}", Decimal(1), -waived, -waived))
    return _invoice(lines, prepaid, schedule, reason)


def _invoice(lines: list[InvoiceLine], prepaid: Decimal, schedule: FeeSchedule, reason: str) -> Invoice:
    total = sum((line.amount for line in lines), ZERO)
    settlement = settle_prepayment(total, prepaid)
    return Invoice(
        lines=tuple(lines),
        total=total,
        prepaid=cents(prepaid),
        balance_due=settlement.balance_due,
        refund_due=settlement.refund_due,
        schedule_effective_from=schedule.effective_from,
        waiver_reason=reason,
    )


def _search_lines(
    searches: list[tuple[str, Decimal]],
    schedule: FeeSchedule,
    readily_available: bool,
    same_requester_24h_cost: Decimal,
) -> list[InvoiceLine]:
    hours = sum((entry_hours for _, entry_hours in searches), Decimal(0))
    if readily_available:
        return [InvoiceLine("Record search: readily available to the custodian, no fee", hours, ZERO, ZERO)]
    if hours * schedule.search_rate_per_hour + same_requester_24h_cost < schedule.free_below:
        if not searches:
            return []
        item = f"Record search: locating cost under {schedule.free_below} within 24 hours, no fee"
        return [InvoiceLine(item, hours, ZERO, ZERO)]
    rate = schedule.search_rate_per_hour
    # Rounded once over all the search time, as the estimate rounds it, then shared out by line.
    shares = cents_by_line(entry_hours * rate for _, entry_hours in searches)
    lines = [InvoiceLine(f"Record search: {name}", entry_hours, cents(rate), share)
             for (name, entry_hours), share in zip(searches, shares)]
    charged = sum(shares, ZERO)
    if charged < schedule.minimum_search_fee:
        shortfall = schedule.minimum_search_fee - charged
        item = f"Minimum search fee ({schedule.minimum_search_fee} a request)"
        lines.append(InvoiceLine(item, Decimal(1), shortfall, shortfall))
    return lines


def _search_entries(entries: Sequence[Mapping[str, object]]) -> list[tuple[str, Decimal]]:
    """[(employee, hours)] in first-seen order, an employee's entries added together."""
    if isinstance(entries, (str, Mapping)) or not isinstance(entries, Iterable):
        raise OperatorArgumentError(
            'search_hours must be a list of {"employee": name, "hours": number}', "search_hours"
        )
    totals: dict[str, Decimal] = {}
    for position, entry in enumerate(entries, start=1):
        employee = entry.get("employee") if isinstance(entry, Mapping) else None
        hours = _hours(entry.get("hours") if isinstance(entry, Mapping) else None)
        if not isinstance(employee, str) or not employee.strip() or hours is None:
            raise OperatorArgumentError(
                f'search_hours entry {position} must be {{"employee": name, "hours": a number of zero or more}}, '
                f"not {entry!r}",
                "search_hours",
            )
        totals[employee.strip()] = totals.get(employee.strip(), Decimal(0)) + hours
    return list(totals.items())


def _hours(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        return None
    try:
        hours = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return hours if hours.is_finite() and hours >= 0 else None


def _line(item: str, quantity: Decimal, rate: Decimal) -> InvoiceLine:
    return InvoiceLine(item, quantity, cents(rate), cents(quantity * rate))


def _check_waiver(waived_amount: Decimal, waiver_reason: str) -> None:
    _not_negative("waived_amount", waived_amount)
    if waived_amount > 0 and not waiver_reason.strip():
        raise OperatorArgumentError(
            "a fee is reduced or waived only in the public interest; record the reason in waiver_reason",
            "waiver_reason",
        )




def _not_negative(name: str, amount: Decimal | int) -> None:
    if amount < 0:
        raise OperatorArgumentError(f"{name} cannot be negative ({amount})", name)
