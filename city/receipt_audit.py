"""The periodic audit of the custodians' duplicates (003, Art. 6 fees).

"Each custodian shall maintain duplicates of all records and copy request forms, completed as to the
amount of fee charged and collected, which amounts shall be periodically audited by the clerk-finance
officer and treasurer of the city." processes/receipt_audit.bpmn runs the audit each period; its host
operator `ledger.receipt_audit` lists each office's fees charged, received, refunded, billed and
transmitted in the period from the fee ledgers (city.ledger), and says in words what does not add up:
a transmittal the City Clerk has not confirmed receiving, a collection on a request never charged, a
request paid more than it was charged and not refunded, fee money still held above the transmittal
threshold at the period's end.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from city.ledger import (COLLECTION, OFFICE, REFUNDED, TRANSMITTAL, fee_audit_report, host_operator, office_balance,
                         transmit_above)
from city.rules.business_calendar import city_day
from city.rules.fees import ZERO, cents, money_text
from city.rules.registry import OperatorArgumentError, Parameter

AMOUNTS = ("charged", "received", "refunded", "billed", "transmitted", "held")


@host_operator(
    "ledger.receipt_audit",
    "Each office's fees charged, received, refunded, billed and transmitted in a period, and what does not add up "
    "(Art. 6: the duplicates audited by the clerk-finance officer and treasurer).",
    Parameter("since", "datetime", description="the period's first moment"),
    Parameter("until", "datetime", description="the period's end, not included"),
)
def receipt_audit(connection: Connection, now: datetime, *, since: datetime, until: datetime) -> dict[str, Any]:
    """{since, until, offices: [{office_key, office, requests, charged, received, refunded, billed, transmitted,
    held}], listing (the same in words, one office a line), differences (sentences), difference_found}."""
    if until <= since:
        raise OperatorArgumentError("the period must end after it starts", "until")
    names = dict(connection.execute(select(OFFICE.c.office_key, OFFICE.c.name)).all())
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(AMOUNTS, ZERO))
    requests: dict[str, int] = defaultdict(int)
    differences: list[str] = []
    for row in fee_audit_report(connection, since, until):
        office = row["office_key"]
        requests[office] += 1
        if row["charged"] is None:
            differences.append(f"{row['tracking_number']} ({names.get(office, office)}): money was taken but no fee "
                               "was ever charged.")
            continue
        sums[office]["charged"] += cents(row["charged"])
        if cents(row["outstanding"]) < 0:
            differences.append(f"{row['tracking_number']} ({names.get(office, office)}): charged {row['charged']}, "
                               f"paid {row['paid']}, refunded {row['refunded']}: {money_text(-cents(row['outstanding']))} "
                               "more was taken than charged and not refunded.")
    column = {"paid": "received", REFUNDED: "refunded", "billed": "billed"}
    for office, method, amount in connection.execute(
            select(COLLECTION.c.office_key, COLLECTION.c.method, COLLECTION.c.amount)
            .where(COLLECTION.c.collected_at >= since, COLLECTION.c.collected_at < until)):
        sums[office][column[method]] += cents(amount)
    for transmittal in connection.execute(select(TRANSMITTAL).where(TRANSMITTAL.c.transmitted_at >= since,
                                                                    TRANSMITTAL.c.transmitted_at < until)
                                          .order_by(TRANSMITTAL.c.id)):
        sums[transmittal.office_key]["transmitted"] += cents(transmittal.amount)
        if transmittal.received_at is None:
            differences.append(f"Transmittal {transmittal.id} of {names.get(transmittal.office_key)} "
                               f"({money_text(transmittal.amount)}, {city_day(transmittal.transmitted_at).isoformat()}) "
                               "is not confirmed received by the City Clerk.")
    threshold = transmit_above(connection, until)
    for office in names:
        held = office_balance(connection, office)
        if held:
            sums[office]["held"] = held
        if held > threshold:
            differences.append(f"{names[office]} still holds {money_text(held)} of fee money, more than "
                               f"{money_text(threshold)}, not transmitted to the City Clerk.")
    offices = [{"office_key": office, "office": names.get(office, office), "requests": requests[office],
                **{name: money_text(amount) for name, amount in sums[office].items()}}
               for office in sorted(sums, key=lambda key: names.get(key, key))]
    listing = "\n".join(f"{office['office']}: {office['requests']} request(s); charged {office['charged']}, "
                        f"received {office['received']}, refunded {office['refunded']}, billed {office['billed']}, "
                        f"transmitted {office['transmitted']}, held now {office['held']}" for office in offices)
    return {"since": since.isoformat(), "until": until.isoformat(), "offices": offices,
            "listing": listing or "No fees were charged, collected or transmitted in the period.",
            "differences": differences, "difference_found": bool(differences)}
