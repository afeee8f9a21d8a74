"""The fee ledgers: what each request was charged, what was collected, and its transmittal (003, Art. 6 fees).

"Each custodian shall transmit all record fee moneys collected to the city clerk whenever the
amount accumulated exceeds $5.00 but not less than monthly", and keeps a duplicate of every
request form "completed as to the amount of fee charged and collected" for the clerk-finance
officer and the treasurer to audit. The 24-hour rule (no inspection fee while the locating cost
of one person's requests within 24 hours stays under 1.00) needs the same person's other
assessments.

The cash float the City Clerk gives each office for making change "is tracked apart from fee
money and is not transmitted": it lives in `cash_float` (changed through `city.citydata`), and
no balance, transmittal or audit row here counts it. Only `office_cash`, for counting the drawer,
adds the two together.

These are host operators: the engine calls `function(connection, now, **arguments)` with the
step's connection, so what they write commits or rolls back with the step, and with the
arguments already checked and coerced per `parameters`. They return JSON-ready values
(money as text with two decimals). A refusal is an `OperatorArgumentError`: the step becomes
an incident whose message names the parameter to correct.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from city.citydata import DEFAULT_SCHEDULE_AMOUNTS, city_today
from city.models import CashFloat, FeeAssessment, FeeCollection, FeeScheduleRow, FeeTransmittal, Office
from city.rules.fees import ZERO, cents, money_text, settle_prepayment
from city.rules.registry import OperatorArgumentError, Parameter

ASSESSMENT = FeeAssessment.__table__
COLLECTION = FeeCollection.__table__
TRANSMITTAL = FeeTransmittal.__table__
SCHEDULE = FeeScheduleRow.__table__
OFFICE = Office.__table__
CASH_FLOAT = CashFloat.__table__
METHODS = ("paid", "billed")   # paid: money the custodian now holds; billed: to the requester's city account
REFUNDED = "refunded"          # money paid back to the requester out of what the custodian holds
# Fee money the custodian holds: what was paid to them, less what they refunded, until it is transmitted.
HELD = COLLECTION.c.method.in_(("paid", REFUNDED))
HELD_AMOUNT = case((COLLECTION.c.method == REFUNDED, -COLLECTION.c.amount), else_=COLLECTION.c.amount)
SAME_REQUESTER_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class HostOperator:
    name: str   # dotted, e.g. "ledger.record_collection"
    function: Callable[..., object]   # function(connection, now, **arguments)
    description: str   # one line, shown to the modeler
    parameters: tuple[Parameter, ...]


HOST_OPERATORS: dict[str, HostOperator] = {}


def host_operator(name: str, description: str,
                  *parameters: Parameter) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Register the decorated function as host operator `name`; the function is returned unchanged."""

    def register(function: Callable[..., object]) -> Callable[..., object]:
        if name in HOST_OPERATORS:
            raise ValueError(f'host operator "{name}" is registered twice')
        names = [parameter.name for parameter in parameters]
        if len(set(names)) != len(names):
            raise ValueError(f'host operator "{name}" declares a parameter twice')
        HOST_OPERATORS[name] = HostOperator(name, function, description, tuple(parameters))
        return function

    return register


def requester_key_of(text: str) -> str:
    """One spelling per person: case, spacing and surrounding blanks do not make a new requester."""
    key = " ".join(str(text).split()).casefold()
    if not key:
        raise OperatorArgumentError("requester_key is blank; pass the requester's name or account", "requester_key")
    return key[:200]


# -- assessments ---------------------------------------------------------------------------------

_TRACKING_NUMBER = Parameter("tracking_number", "string", description="the request")
_CUSTODIANS_OFFICE = Parameter("office_key", "string", description="the office whose custodian holds the money")
_REQUESTED_AT = Parameter("requested_at", "datetime", False, "when the request was made (received); default now")
_ON_BEHALF_OF = Parameter("on_behalf_of_key", "string", False,
                          "whom the request is made on behalf of (name and address), when not the requester")


@host_operator(
    "ledger.requester_locating_cost_24h",
    "Locating cost of the other requests by or for the same person made in the 24 hours before this one (Art. 6).",
    Parameter("requester_key", "string", description="who the request is by (name and address, or account)"),
    Parameter("tracking_number", "string", description="this request, which is not counted"),
    _REQUESTED_AT,
    _ON_BEHALF_OF,
)
def requester_locating_cost_24h(connection: Connection, now: datetime, *, requester_key: str,
                                tracking_number: str, requested_at: datetime | None = None,
                                on_behalf_of_key: str = "") -> str:
    """Sum of the latest locating cost of each other request by or for the same person made in
    [requested_at - 24 h, requested_at].

    "Requests made over a 24 hour period" by or "on behalf of the same person": a request counts by
    when it was made, not when it was assessed, and for its requester and for whom it was made on
    behalf of alike. A request assessed before its making was kept counts at its first assessment."""
    made = requested_at or now
    persons = _persons(requester_key, on_behalf_of_key)
    numbers = set(connection.execute(
        select(ASSESSMENT.c.tracking_number)
        .where(or_(ASSESSMENT.c.requester_key.in_(persons), ASSESSMENT.c.on_behalf_of_key.in_(persons)),
               ASSESSMENT.c.tracking_number != tracking_number)).scalars())
    rows = connection.execute(
        select(ASSESSMENT.c.tracking_number, ASSESSMENT.c.locating_cost, ASSESSMENT.c.requested_at,
               ASSESSMENT.c.assessed_at)
        .where(ASSESSMENT.c.tracking_number.in_(numbers))
        .order_by(ASSESSMENT.c.assessed_at, ASSESSMENT.c.id)).all()
    latest: dict[str, Decimal] = {}
    made_at: dict[str, datetime] = {}
    for number, cost, row_requested_at, assessed_at in rows:
        latest[number] = cost              # a request estimated twice counts once, at its latest estimate
        made_at.setdefault(number, row_requested_at or assessed_at)
        if row_requested_at is not None:
            made_at[number] = row_requested_at
    return money_text(sum((cost for number, cost in latest.items()
                           if made - SAME_REQUESTER_WINDOW <= made_at[number] <= made), ZERO))


def _persons(requester_key: str, on_behalf_of_key: str) -> list[str]:
    """The person keys a request counts for: its requester's and, when made for someone else, theirs."""
    persons = [requester_key_of(requester_key)]
    if on_behalf_of_key.strip():
        persons.append(requester_key_of(on_behalf_of_key))
    return persons


@host_operator(
    "ledger.record_assessment",
    "Keep the fees charged on a request, with the schedule that explains them (the duplicate of the form).",
    _TRACKING_NUMBER,
    Parameter("requester_key", "string", description="who the request is by or for (name or account)"),
    Parameter("office_key", "string", description="the custodian's office"),
    Parameter("locating_cost", "decimal", description="actual cost of locating the records (hours x rate)"),
    Parameter("inspection_fee", "decimal"),
    Parameter("copy_fee", "decimal"),
    Parameter("total", "decimal", description="inspection + copies + mailing - waived"),
    Parameter("mailing_fee", "decimal", False),
    Parameter("waived_amount", "decimal", False, "reduced or waived in the public interest"),
    Parameter("waiver_reason", "string", False, "required with waived_amount"),
    Parameter("schedule_effective_from", "date", False, "the fee schedule the estimate used"),
    Parameter("instance_id", "integer", False, "the process instance, when known"),
    _REQUESTED_AT,
    _ON_BEHALF_OF,
)
def record_assessment(connection: Connection, now: datetime, *, tracking_number: str, requester_key: str,
                      office_key: str, locating_cost: Decimal, inspection_fee: Decimal, copy_fee: Decimal,
                      total: Decimal, mailing_fee: Decimal = ZERO, waived_amount: Decimal = ZERO,
                      waiver_reason: str = "", schedule_effective_from: date | None = None,
                      instance_id: int | None = None, requested_at: datetime | None = None,
                      on_behalf_of_key: str = "") -> dict[str, Any]:
    """Insert one assessment; refuses amounts that do not add up. `requested_at` and `on_behalf_of_key`,
    given once per request (at its estimate), say when and for whom it counts in the 24-hour rule."""
    amounts = {name: _amount(name, value) for name, value in (
        ("locating_cost", locating_cost), ("inspection_fee", inspection_fee), ("copy_fee", copy_fee),
        ("mailing_fee", mailing_fee), ("waived_amount", waived_amount), ("total", total))}
    if amounts["waived_amount"] > 0 and not waiver_reason.strip():
        raise OperatorArgumentError("a fee is reduced or waived only in the public interest; record the reason "
                                    "in waiver_reason", "waiver_reason")
    expected = amounts["inspection_fee"] + amounts["copy_fee"] + amounts["mailing_fee"] - amounts["waived_amount"]
    if amounts["total"] != expected:
        raise OperatorArgumentError(
            f"total {money_text(amounts['total'])} does not equal inspection "
            f"{money_text(amounts['inspection_fee'])} + copies {money_text(amounts['copy_fee'])} + mailing "
            f"{money_text(amounts['mailing_fee'])} - waived {money_text(amounts['waived_amount'])} = "
            f"{money_text(expected)}", "total")
    _known_office(connection, office_key)
    assessment_id = connection.execute(insert(ASSESSMENT).returning(ASSESSMENT.c.id), {
        "tracking_number": _tracking(tracking_number), "instance_id": instance_id,
        "requester_key": requester_key_of(requester_key), "office_key": office_key, "assessed_at": now,
        "waiver_reason": waiver_reason.strip(), "schedule_effective_from": schedule_effective_from,
        "requested_at": requested_at,
        "on_behalf_of_key": requester_key_of(on_behalf_of_key) if on_behalf_of_key.strip() else None,
        **amounts}).scalar_one()
    return {"assessment_id": assessment_id}


# -- collections and balances ------------------------------------------------------------------

@host_operator(
    "ledger.record_collection",
    "Record a fee paid to the custodian (or billed to the requester's account); says when a transmittal is due.",
    _TRACKING_NUMBER,
    _CUSTODIANS_OFFICE,
    Parameter("amount", "decimal", description="more than zero"),
    Parameter("method", "string", description='"paid" (money held by the custodian) or "billed"'),
    Parameter("collected_by", "string", False, "who received the payment"),
)
def record_collection(connection: Connection, now: datetime, *, tracking_number: str, office_key: str,
                      amount: Decimal, method: str, collected_by: str = "") -> dict[str, Any]:
    """Insert one collection; returns the office's balance and whether it must now be transmitted.

    `transmittal_due` is true while the balance exceeds the schedule's `transmit_above` (5.00);
    `newly_due` only for the collection that pushed it over, which is when a diagram should
    throw `transmittal_due`."""
    amount = _amount("amount", amount)
    if amount <= 0:
        raise OperatorArgumentError(f"amount must be more than zero, not {money_text(amount)}", "amount")
    if method not in METHODS:
        raise OperatorArgumentError(f'method must be "paid" or "billed", not "{method}"', "method")
    _known_office(connection, office_key)
    collection_id = connection.execute(insert(COLLECTION).returning(COLLECTION.c.id), {
        "tracking_number": _tracking(tracking_number), "office_key": office_key, "amount": amount,
        "method": method, "collected_at": now, "collected_by": collected_by.strip()[:100],
        "transmittal_id": None}).scalar_one()
    balance = office_balance(connection, office_key)
    threshold = transmit_above(connection, now)
    before = balance - amount if method == "paid" else balance
    return {"collection_id": collection_id, "office_balance": money_text(balance),
            "transmittal_due": balance > threshold, "newly_due": before <= threshold < balance}


def office_balance(connection: Connection, office_key: str) -> Decimal:
    """Fee money the office's custodian holds: paid to them (a prepayment from when it was received), less
    refunded, and not yet transmitted."""
    total = connection.execute(select(func.sum(HELD_AMOUNT)).where(
        COLLECTION.c.office_key == office_key, HELD, COLLECTION.c.transmittal_id.is_(None))).scalar()
    return cents(total or ZERO)


@host_operator(
    "ledger.settle_prepayment",
    "Art. 6: settle the fee against the prepayment held; an overage to refund leaves the office's fee money.",
    _TRACKING_NUMBER,
    _CUSTODIANS_OFFICE,
    Parameter("total", "decimal", description="the fee finally charged (0.00 on a denial)"),
    Parameter("prepaid", "decimal", description="what the requester prepaid"),
)
def settle_prepayment_held(connection: Connection, now: datetime, *, tracking_number: str, office_key: str,
                           total: Decimal, prepaid: Decimal) -> dict[str, str]:
    """`fees.settle_prepayment`, recording the refund due (paid back before inspection or delivery) as money
    that leaves the custodian's balance: {balance_due, refund_due}."""
    settlement = settle_prepayment(total, prepaid)
    if settlement.refund_due > 0:
        _known_office(connection, office_key)
        connection.execute(insert(COLLECTION), {
            "tracking_number": _tracking(tracking_number), "office_key": office_key,
            "amount": settlement.refund_due, "method": REFUNDED, "collected_at": now,
            "collected_by": "refund of the prepayment", "transmittal_id": None})
    return {"balance_due": money_text(settlement.balance_due), "refund_due": money_text(settlement.refund_due)}


def office_cash(connection: Connection, office_key: str) -> dict[str, str]:
    """What the custodian's drawer should hold: {"float", "fees_held", "total_on_hand"} (money as text).

    `float` is the cash float in force ("0.00" when none), `fees_held` is `office_balance` (paid
    fees not yet transmitted; billed fees are not cash). Only the fees are ever transmitted: the
    float stays in the drawer until the City Clerk takes it back."""
    _known_office(connection, office_key)
    change_money = cents(connection.execute(select(CASH_FLOAT.c.amount).where(
        CASH_FLOAT.c.office_key == office_key, CASH_FLOAT.c.returned_at.is_(None))).scalar() or ZERO)
    fees_held = office_balance(connection, office_key)
    return {"float": money_text(change_money), "fees_held": money_text(fees_held),
            "total_on_hand": money_text(change_money + fees_held)}


def transmit_above(connection: Connection, now: datetime) -> Decimal:
    """The schedule in force today (city time) says above what amount a custodian transmits."""
    amount = connection.execute(select(SCHEDULE.c.transmit_above)
                                .where(SCHEDULE.c.effective_from <= city_today(now))
                                .order_by(SCHEDULE.c.effective_from.desc()).limit(1)).scalar()
    return cents(amount if amount is not None else DEFAULT_SCHEDULE_AMOUNTS["transmit_above"])


@host_operator("ledger.office_balances",
               "Every office holding fee money not yet transmitted, with its balance (for the monthly transmittal).")
def office_balances(connection: Connection, now: datetime) -> list[dict[str, Any]]:
    """[{office_key, balance, transmittal_due, held_since}] for each office whose balance is above zero."""
    threshold = transmit_above(connection, now)
    rows = connection.execute(
        select(COLLECTION.c.office_key, func.sum(HELD_AMOUNT), func.min(COLLECTION.c.collected_at))
        .where(HELD, COLLECTION.c.transmittal_id.is_(None))
        .group_by(COLLECTION.c.office_key).order_by(COLLECTION.c.office_key)).all()
    return [{"office_key": office_key, "balance": money_text(balance), "transmittal_due": cents(balance) > threshold,
             "held_since": _instant(held_since)}
            for office_key, balance, held_since in rows if balance and cents(balance) > 0]


# -- transmittals ------------------------------------------------------------------------------

@host_operator(
    "ledger.record_transmittal",
    "The custodian hands the office's fee money to the City Clerk: one transmittal for every collection held.",
    Parameter("office_key", "string"),
    Parameter("transmitted_by", "string", description="the custodian handing over the money"),
)
def record_transmittal(connection: Connection, now: datetime, *, office_key: str,
                       transmitted_by: str) -> dict[str, Any]:
    """Mark the office's untransmitted paid collections and refunds; {transmittal_id: None, amount: "0.00"} when
    they come to nothing (or less: refunds paid out of the drawer are made good by later fees)."""
    if not transmitted_by.strip():
        raise OperatorArgumentError("say who transmits the money (transmitted_by)", "transmitted_by")
    _known_office(connection, office_key)
    transmittal_id = connection.execute(insert(TRANSMITTAL).returning(TRANSMITTAL.c.id), {
        "office_key": office_key, "amount": ZERO, "transmitted_at": now, "transmitted_by": transmitted_by.strip(),
        "received_at": None, "received_by": None}).scalar_one()
    # One UPDATE claims the rows: a concurrent transmittal for the same office cannot take them twice.
    connection.execute(update(COLLECTION).where(
        COLLECTION.c.office_key == office_key, HELD, COLLECTION.c.transmittal_id.is_(None))
        .values(transmittal_id=transmittal_id))
    amount = cents(connection.execute(select(func.sum(HELD_AMOUNT))
                                       .where(COLLECTION.c.transmittal_id == transmittal_id)).scalar() or ZERO)
    if amount <= 0:
        connection.execute(update(COLLECTION).where(COLLECTION.c.transmittal_id == transmittal_id)
                           .values(transmittal_id=None))
        connection.execute(delete(TRANSMITTAL).where(TRANSMITTAL.c.id == transmittal_id))
        return {"transmittal_id": None, "amount": money_text(ZERO)}
    connection.execute(update(TRANSMITTAL).where(TRANSMITTAL.c.id == transmittal_id).values(amount=amount))
    return {"transmittal_id": transmittal_id, "amount": money_text(amount)}


@host_operator(
    "ledger.confirm_transmittal",
    "The City Clerk confirms receiving a transmittal.",
    Parameter("transmittal_id", "integer"),
    Parameter("received_by", "string", description="who at the City Clerk's office received it"),
)
def confirm_transmittal(connection: Connection, now: datetime, *, transmittal_id: int,
                        received_by: str) -> dict[str, Any]:
    """Record the receipt once; a second confirmation is refused with who confirmed it and when."""
    if not received_by.strip():
        raise OperatorArgumentError("say who received the money (received_by)", "received_by")
    done = connection.execute(update(TRANSMITTAL).where(TRANSMITTAL.c.id == transmittal_id,
                                                        TRANSMITTAL.c.received_at.is_(None))
                              .values(received_at=now, received_by=received_by.strip())).rowcount
    if done != 1:
        row = connection.execute(select(TRANSMITTAL.c.received_at, TRANSMITTAL.c.received_by)
                                 .where(TRANSMITTAL.c.id == transmittal_id)).first()
        if row is None:
            raise OperatorArgumentError(f"there is no transmittal {transmittal_id}", "transmittal_id")
        raise OperatorArgumentError(f"transmittal {transmittal_id} was already received by {row.received_by} "
                                    f"at {_instant(row.received_at)}", "transmittal_id")
    return {"transmittal_id": transmittal_id, "received_at": _instant(now)}


# -- the audit -----------------------------------------------------------------------------------

def fee_audit_report(connection: Connection, since: datetime, until: datetime,
                     office_key: str | None = None) -> list[dict[str, Any]]:
    """One row per request assessed or collected on in [since, until): fees charged and collected.

    The custodian's duplicate of the request form "completed as to the amount of fee charged and
    collected", for the clerk-finance officer and the treasurer. `charged` is the request's latest
    assessment before `until` (`reassessed` counts the earlier ones); `collections` lists every
    payment or billing before `until`; `outstanding` is charged less paid and billed. A collection
    without any assessment shows `charged` None: worth a look."""
    for name, moment in (("since", since), ("until", until)):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} needs a time zone")
    numbers: set[str] = set()
    for table, column in ((ASSESSMENT, ASSESSMENT.c.assessed_at), (COLLECTION, COLLECTION.c.collected_at)):
        query = select(table.c.tracking_number).where(column >= since, column < until)
        if office_key is not None:
            query = query.where(table.c.office_key == office_key)
        numbers.update(connection.execute(query).scalars())
    if not numbers:
        return []
    assessments: dict[str, list[Any]] = {}
    for row in connection.execute(select(ASSESSMENT).where(ASSESSMENT.c.tracking_number.in_(numbers),
                                                           ASSESSMENT.c.assessed_at < until)
                                  .order_by(ASSESSMENT.c.assessed_at, ASSESSMENT.c.id)):
        assessments.setdefault(row.tracking_number, []).append(row)
    collections: dict[str, list[Any]] = {}
    for row in connection.execute(select(COLLECTION).where(COLLECTION.c.tracking_number.in_(numbers),
                                                           COLLECTION.c.collected_at < until)
                                  .order_by(COLLECTION.c.collected_at, COLLECTION.c.id)):
        collections.setdefault(row.tracking_number, []).append(row)
    return [_audit_row(number, assessments.get(number, []), collections.get(number, [])) for number in sorted(numbers)]


def _audit_row(tracking_number: str, assessed: list[Any], collected: list[Any]) -> dict[str, Any]:
    latest = assessed[-1] if assessed else None
    paid = sum((cents(row.amount) for row in collected if row.method == "paid"), ZERO)
    refunded = sum((cents(row.amount) for row in collected if row.method == REFUNDED), ZERO)
    billed = sum((cents(row.amount) for row in collected if row.method == "billed"), ZERO)
    fees = ("locating_cost", "inspection_fee", "copy_fee", "mailing_fee", "waived_amount")
    return {
        "tracking_number": tracking_number,
        "office_key": latest.office_key if latest else collected[0].office_key,
        "requester_key": latest.requester_key if latest else None,
        "assessment_id": latest.id if latest else None,
        "assessed_at": _instant(latest.assessed_at) if latest else None,
        "schedule_effective_from": latest.schedule_effective_from.isoformat()
        if latest and latest.schedule_effective_from else None,
        **{name: money_text(getattr(latest, name)) if latest else None for name in fees},
        "waiver_reason": latest.waiver_reason if latest else "",
        "reassessed": max(len(assessed) - 1, 0),
        "charged": money_text(latest.total) if latest else None,
        "collections": [{"collection_id": row.id, "collected_at": _instant(row.collected_at),
                         "amount": money_text(row.amount), "method": row.method, "collected_by": row.collected_by,
                         "office_key": row.office_key, "transmittal_id": row.transmittal_id} for row in collected],
        "paid": money_text(paid),
        "refunded": money_text(refunded),
        "billed": money_text(billed),
        "outstanding": money_text(cents(latest.total) - paid + refunded - billed) if latest else None,
    }


# -- small helpers -------------------------------------------------------------------------------

def _known_office(connection: Connection, office_key: str) -> None:
    if connection.execute(select(OFFICE.c.office_key).where(OFFICE.c.office_key == office_key)).first() is None:
        raise OperatorArgumentError(f'there is no office "{office_key}" in the city data', "office_key")


def _tracking(tracking_number: str) -> str:
    number = tracking_number.strip()
    if not number or len(number) > 20:
        raise OperatorArgumentError(f'"{tracking_number}" is not a tracking number', "tracking_number")
    return number


def _amount(name: str, value: Decimal) -> Decimal:
    amount = cents(value)
    if amount < 0:
        raise OperatorArgumentError(f"{name} cannot be negative ({money_text(amount)})", name)
    return amount


def _instant(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
