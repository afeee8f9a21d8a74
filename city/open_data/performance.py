"""The records office's own performance, published as an open data set that refreshes itself (issue 16,
"The two processes feed each other").

Per month (city time): requests received and closed, the share answered within the statutory deadline
(K.S.A. 45-218(d), three business days, or the later date a delay letter gave), the median business days to
the first action, and the fees charged and waived. Aggregate figures only: no tracking number, name,
address or request text ever leaves `city.reports`' facts for this table. The raw file has one row per
month and office; the processed file one row per month for the whole city.

The figures come from `city.reports` (the dashboard's own reading of the audit trail and the fee
ledgers); the waived fees from each request's latest assessment, as `fees_per_month` reads the charges.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from city.models import FeeAssessment
from city.open_data.catalog import add_version, any_dataset, files_of
from city.reports import (RequestFacts, ZERO, fees_per_month, months_in, next_month, request_facts,
                          response_times)
from city.rules.business_calendar import city_day, city_midnight
from city.rules.fees import cents
from engine.filestore import FileStore

PERFORMANCE_SLUG = "records-requests-performance"
MONTHS = 12
COLUMNS = ("month", "requests_received", "requests_closed", "share_answered_within_deadline",
           "median_business_days_to_first_action", "fees_charged", "fees_waived")
PERFORMANCE_METADATA: dict[str, Any] = {
    "slug": PERFORMANCE_SLUG,
    "title": "Records requests: the records office's performance by month",
    "description": ("How the city answers open records requests, month by month: requests received and closed, "
                    "the share answered within the statutory deadline (three business days, K.S.A. 45-218(d), "
                    "or the later date a delay letter gave), the median business days to the first action on a "
                    "request, and the fees charged and waived. Aggregate figures only; no requester is named."),
    "department": "City Clerk",
    "topic": "Government",
    "keywords": ["open records", "KORA", "records requests", "performance", "fees"],
    "source": ("Counted by the records system from the records requests it runs: when each was received, acted "
               "on and closed (its audit trail) and the fees assessed on it (the fee ledger). Raw: one row per "
               "month and office; processed: one row per month for the whole city."),
    "quality": ("Complete for every request entered in the records system, on the portal or by staff. The current "
                "month is counted so far, again every day, and changes until it ends. A share or median is blank "
                "in a month with no request to count. Fees are each request's latest assessment, in the month it "
                "was made."),
    "update_frequency": "daily",     # counted again every day (processes/open_data_performance_refresh.bpmn)
    "license": "https://opendatacommons.org/licenses/pddl/1-0/",
}


def performance_tables(connection: Connection, *, now: datetime, city_closures: Collection[date] = (),
                       months: int = MONTHS) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(raw rows per month and office, processed rows per month) for the `months` months up to `now`, from the
    first month a request was received in."""
    first = city_day(now).replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    until = city_midnight(next_month(city_day(now).replace(day=1)))   # the current month, counted so far
    facts = request_facts(connection, since=city_midnight(first))
    # From the first month with a request: a new office's table does not open on months of zeros.
    earliest = min((fact.received_at for fact in facts), default=now)
    since = city_midnight(max(first, city_day(earliest).replace(day=1)))
    charged: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
    for row in fees_per_month(connection, since, until):
        charged[(row.month, row.office_key)] += row.charged
    waived = _waived_per_month(connection, since, until)
    offices = sorted({fact.office_key for fact in facts} | {office for _, office in charged}
                     | {office for _, office in waived})
    raw, processed = [], []
    for month in months_in(since, until):
        start, end = city_midnight(month), city_midnight(next_month(month))
        for office in offices:
            row = _row(month, [fact for fact in facts if fact.office_key == office], start, end, now, city_closures,
                       charged[(month, office)], waived.get((month, office), ZERO))
            if any(row[name] not in (0, "", "0.00") for name in COLUMNS[1:]):
                raw.append({"month": row["month"], "office": office, **{name: row[name] for name in COLUMNS[1:]}})
        processed.append(_row(month, facts, start, end, now, city_closures,
                              sum((charged[(month, office)] for office in offices), ZERO),
                              sum((waived.get((month, office), ZERO) for office in offices), ZERO)))
    return raw, processed


def _row(month: date, facts: list[RequestFacts], start: datetime, end: datetime, now: datetime,
         city_closures: Collection[date], charged: Decimal, waived: Decimal) -> dict[str, Any]:
    received = sum(1 for fact in facts if start <= fact.received_at < end)
    closed = sum(1 for fact in facts if fact.closed_at is not None and start <= fact.closed_at < end)
    times = response_times(facts, start, end, now, city_closures)
    everyone = times[-1] if times else None
    share = everyone.share_within_deadline if everyone else None
    median = everyone.median_days_to_first_step if everyone else None
    return {"month": f"{month:%Y-%m}", "requests_received": received, "requests_closed": closed,
            "share_answered_within_deadline": "" if share is None else f"{share:.3f}",
            "median_business_days_to_first_action": "" if median is None else f"{median:g}",
            "fees_charged": f"{cents(charged):.2f}", "fees_waived": f"{cents(waived):.2f}"}


def _waived_per_month(connection: Connection, since: datetime, until: datetime) -> dict[tuple[date, str], Decimal]:
    """Waived fees of each request's latest assessment made in [since, until), by month (city time) and office."""
    ranked = select(FeeAssessment.office_key, FeeAssessment.assessed_at, FeeAssessment.waived_amount,
                    func.row_number().over(partition_by=FeeAssessment.tracking_number,
                                           order_by=(FeeAssessment.assessed_at.desc(), FeeAssessment.id.desc()))
                    .label("newest")).where(FeeAssessment.assessed_at >= since,
                                            FeeAssessment.assessed_at < until).subquery()
    sums: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
    for office, assessed_at, amount in connection.execute(
            select(ranked.c.office_key, ranked.c.assessed_at, ranked.c.waived_amount).where(ranked.c.newest == 1)):
        sums[(city_day(assessed_at).replace(day=1), office)] += cents(amount)
    return dict(sums)


def as_csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def performance_files(connection: Connection, store: FileStore, *, now: datetime,
                      city_closures: Collection[date] = ()) -> list[dict[str, Any]]:
    """The raw and processed CSV files of the figures up to `now`, kept in `store`, as catalog file references."""
    raw, processed = performance_tables(connection, now=now, city_closures=city_closures)
    references = []
    for rows, columns, filename, kind in (
            (raw, ("month", "office", *COLUMNS[1:]), "requests-by-month-and-office.csv", "raw"),
            (processed, COLUMNS, "requests-by-month.csv", "processed")):
        stored = store.store(as_csv(rows, columns), filename)
        references.append({"sha256": stored.sha256, "filename": stored.filename, "content_type": stored.content_type,
                           "size": stored.size, "kind": kind})
    return references


def refresh_performance_dataset(connection: Connection, store: FileStore, *, now: datetime,
                                city_closures: Collection[date] = ()) -> int | None:
    """Add a version of the performance data set when its figures changed; the new version, else None.

    Only a data set already in the catalog is refreshed (it entered through the data set approval, or was
    vetted), and never one the Records Manager removed."""
    entry = any_dataset(connection, PERFORMANCE_SLUG)
    if entry is None or entry.status == "removed":
        return None
    references = performance_files(connection, store, now=now, city_closures=city_closures)
    files = files_of(connection, entry.dataset_id)
    newest = max((file.version for file in files), default=0)
    if {file.sha256 for file in files if file.version == newest} == {reference["sha256"] for reference in references}:
        return None
    return add_version(connection, PERFORMANCE_SLUG, references, now=now, actor="performance refresh")
