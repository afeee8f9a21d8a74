"""The records office's performance data set (city/open_data/performance.py, issue 16): monthly aggregate
figures from requests driven through processes/records_request.bpmn, never a requester's data, refreshed
as a new catalog version only when the figures change."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from city.ledger import record_assessment
from city.open_data.catalog import files_of, publish_dataset, published_dataset, vet_dataset
from city.open_data.performance import (PERFORMANCE_METADATA, PERFORMANCE_SLUG, performance_files,
                                        performance_tables, refresh_performance_dataset)
from engine.filestore import FileStore
import test_records_request as scenario
from test_records_request import MONDAY_10AM, file_request
from test_reports import granted_and_provided

clock, city, engine = scenario.clock, scenario.city, scenario.engine   # Monday 2 March 2026, 10:00 in Kansas
DAY = timedelta(days=1)


def test_each_month_counts_requests_the_deadline_share_first_action_and_fees_charged_and_waived(engine, clock):
    on_time = file_request(engine, office_key="police", name="Pat Doe")
    file_request(engine, office_key="fire", name="Sam Roe")
    clock.move_to(MONDAY_10AM + 2 * DAY)
    granted_and_provided(engine, on_time)
    with engine.database.write_connection() as connection:
        record_assessment(connection, MONDAY_10AM + 2 * DAY, tracking_number="R-2026-9", requester_key="x",
                          office_key="police", locating_cost=Decimal("10.00"), inspection_fee=Decimal("10.00"),
                          copy_fee=Decimal("0.00"), total=Decimal("6.00"), waived_amount=Decimal("4.00"),
                          waiver_reason="public interest")
    with engine.database.read() as session:
        raw, processed = performance_tables(session.connection(), now=MONDAY_10AM + 2 * DAY, months=2)
    assert [row["month"] for row in processed] == ["2026-03"]            # not February: no request then yet
    march = processed[-1]
    assert march["requests_received"] == 2 and march["requests_closed"] == 1
    assert march["share_answered_within_deadline"] == "1.000"          # the one due so far was answered in time
    assert march["median_business_days_to_first_action"] == "2"        # Wednesday, both the same day
    assert (march["fees_charged"], march["fees_waived"]) == ("6.00", "4.00")
    assert {row["office"] for row in raw} == {"police", "fire"}
    text = repr((raw, processed))
    assert "Pat Doe" not in text and "Sam Roe" not in text and "R-2026" not in text


def test_the_performance_data_set_gets_a_new_version_only_when_its_figures_change(engine, clock, tmp_path):
    store = FileStore(tmp_path / "files")
    file_request(engine, office_key="police")
    with engine.database.write_connection() as connection:
        publish_dataset(connection, metadata={**PERFORMANCE_METADATA, "contact_email": "records@city.example"},
                        files=performance_files(connection, store, now=MONDAY_10AM), approved_in=None)
        assert published_dataset(connection, PERFORMANCE_SLUG) is None       # not approved: withdrawn until vetted
        vet_dataset(connection, PERFORMANCE_SLUG, actor="open_data_officer")
        assert refresh_performance_dataset(connection, store, now=MONDAY_10AM) is None
    file_request(engine, office_key="fire")
    with engine.database.write_connection() as connection:
        assert refresh_performance_dataset(connection, store, now=MONDAY_10AM + DAY) == 2
        entry = published_dataset(connection, PERFORMANCE_SLUG)
        assert entry is not None                                             # a refresh keeps it vetted
        newest = [file for file in files_of(connection, entry.dataset_id) if file.version == 2]
    processed = next(file for file in newest if file.kind == "processed")
    with store.open(processed.sha256) as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read().decode())))
    assert rows[-1]["requests_received"] == "2"
