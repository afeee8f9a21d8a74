"""The demo's open data catalog (`clerkflow setup`, so `make run` shows a catalog): the records office's own
performance and three data sets drawn from the city data the office already keeps (its offices and hours,
its fee schedules, its closure days). Added only while the catalog is empty; each is published without an
approval case and vetted by "setup", as the policy lets an officer vet a data set (docs/open-data.md).
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from city.models import CityClosure, FeeScheduleRow, Office
from city.open_data.catalog import publish_dataset, vet_dataset
from city.open_data.models_catalog import Dataset
from city.open_data.performance import PERFORMANCE_METADATA, as_csv, performance_files
from engine.filestore import FileStore

VETTED_BY = "setup"
DEMO_CONTACT = {"contact_name": "City Clerk's office, records", "contact_email": "records@springfield.example",
                "publisher": "City of Springfield (demo)"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CITY_DATA_SETS: tuple[dict[str, Any], ...] = (
    {"slug": "offices-and-hours", "title": "Offices that keep public records, and their hours",
     "description": "Each city office that keeps public records, its official custodian, and the hours it takes "
                    "records requests, one row per opening span.",
     "topic": "Government", "keywords": ["offices", "hours", "custodians", "open records"],
     "source": "The City Clerk's register of offices and custodians in the records system (Art. 6).",
     "quality": "As the administrator keeps it; changes take effect the day they are made. Hours are city time.",
     "update_frequency": "irregular"},
    {"slug": "records-fee-schedules", "title": "Open records fee schedules",
     "description": "Every fee schedule for open records requests since the records system started, with the "
                    "date each took effect: search rate per hour, minimum search fee, copy fee per page, "
                    "prepayment threshold and accident report copy fee.",
     "topic": "Finance", "keywords": ["fees", "open records", "KORA"],
     "source": "The fee schedules the administrator records in the records system; none is ever changed, a new "
               "one supersedes it from its effective date.",
     "quality": "Complete since the records system started. Amounts in US dollars.",
     "update_frequency": "irregular"},
    {"slug": "city-closure-days", "title": "Days the city is closed",
     "description": "The holidays the city declares besides the legal holidays: days that are not business days "
                    "for the three-business-day deadline of open records requests (K.S.A. 45-217).",
     "topic": "Government", "keywords": ["holidays", "business days", "calendar"],
     "source": "The closure days the administrator records in the records system.",
     "quality": "Complete for the days recorded; legal holidays are not listed here.",
     "update_frequency": "yearly"},
)


def ensure_demo_catalog(connection: Connection, store: FileStore, *, now: datetime,
                        city_closures: Collection[date] = ()) -> int:
    """Publish and vet the demo data sets when the catalog is empty; how many were published."""
    if connection.execute(select(func.count()).select_from(Dataset)).scalar():
        return 0
    publications = [({**PERFORMANCE_METADATA, **DEMO_CONTACT},
                     performance_files(connection, store, now=now, city_closures=city_closures))]
    tables = {"offices-and-hours": _offices(connection), "records-fee-schedules": _fee_schedules(connection),
              "city-closure-days": _closures(connection)}
    for metadata in CITY_DATA_SETS:
        rows, columns = tables[metadata["slug"]]
        if not rows:   # a city with no closure days recorded yet publishes no empty table
            continue
        stored = store.store(as_csv(rows, columns), f"{metadata['slug']}.csv")
        publications.append(({**metadata, "department": "City Clerk", **DEMO_CONTACT},
                             [{"sha256": stored.sha256, "filename": stored.filename, "kind": "raw",
                               "content_type": stored.content_type, "size": stored.size}]))
    for metadata, files in publications:
        slug = publish_dataset(connection, metadata=metadata, files=files, approved_in=None, now=now, actor=VETTED_BY)
        vet_dataset(connection, slug, actor=VETTED_BY, now=now)
    return len(publications)


def _offices(connection: Connection) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    rows = []
    for office in connection.execute(select(Office).where(Office.active).order_by(Office.name)):
        for weekday in WEEKDAYS:
            for opens, closes in (office.hours or {}).get(weekday, ()):
                rows.append({"office_key": office.office_key, "office": office.name,
                             "official_custodian": office.official_custodian, "day": weekday,
                             "opens": opens, "closes": closes})
    return rows, ("office_key", "office", "official_custodian", "day", "opens", "closes")


def _fee_schedules(connection: Connection) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    columns = ("effective_from", "search_rate_per_hour", "minimum_search_fee", "free_below", "copy_fee_per_page",
               "prepayment_threshold", "accident_report_copy_fee")
    rows = [{name: getattr(row, name) for name in columns}
            for row in connection.execute(select(FeeScheduleRow).order_by(FeeScheduleRow.effective_from))]
    return rows, columns


def _closures(connection: Connection) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    rows = [{"day": row.day, "reason": row.reason}
            for row in connection.execute(select(CityClosure).order_by(CityClosure.day))]
    return rows, ("day", "reason")
