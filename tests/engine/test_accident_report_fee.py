"""Accident report copies are charged the fee "set by resolution" (003, Art. 6; issue 15).

"The copy fee for an accident report shall be set by resolution": no default is made up. Until an
administrator enters the resolution's amount (with its number and date) in the fee schedule, the custodian
is asked for the amount, told why; once it is entered, the schedule's amount applies and nobody is asked.
"""
from __future__ import annotations

from datetime import date

import pytest

from city.citydata import CityDataRefused, add_fee_schedule
from scenario_data import WARM_AND_RESTORED
from test_records_request import (MONDAY_10AM, city, clock, complete, data_of, decide, engine,  # noqa: F401
                                  estimate, file_request, no_privacy_concern, open_tasks, review)

pytestmark = WARM_AND_RESTORED


def test_accident_report_fee_is_asked_of_the_custodian_until_the_resolution_is_entered(engine):
    instance_id = file_request(engine, office_key="police")
    review(engine, instance_id)
    estimate(engine, instance_id, accident_reports=2)

    ask = open_tasks(engine, instance_id)["give_accident_report_fee"]
    assert ask.candidate_role == "custodian:police"
    assert "set by resolution" in engine.form_schema(ask.task_id)["description"]
    assert data_of(engine, instance_id)["accident_report_fee_in_force"]["amount"] is None
    complete(engine, instance_id, "give_accident_report_fee",
             {"accident_report_fee": 6.5, "accident_report_fee_source": "Resolution 2019-3 of 4 March 2019"})

    data = data_of(engine, instance_id)
    assert (data["estimate"]["copy_fee"], data["estimate"]["total"]) == ("13.00", "13.00")
    assert ("Accident report copies", "2", "6.50", "13.00") in [
        (line["item"], line["quantity"], line["rate"], line["amount"]) for line in data["estimate_invoice"]["lines"]]
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy"}


def test_accident_report_fee_follows_the_resolution_once_entered(engine, database, city, clock):
    with database.write() as session:
        add_fee_schedule(session, effective_from=MONDAY_10AM.date(), created_by="admin",
                         accident_report_copy_fee="7.25", accident_report_resolution="Resolution 2026-14",
                         accident_report_resolution_date=date(2026, 2, 16))
    city.invalidate()
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, accident_reports=2)

    data = data_of(engine, instance_id)
    assert data["accident_report_fee_in_force"] == {"amount": "7.25", "resolution": "Resolution 2026-14",
                                                    "resolution_date": "2026-02-16"}
    assert data["estimate"]["copy_fee"] == "14.50"
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy"}    # nobody is asked


def test_accident_reports_first_copied_at_fulfilment_ask_for_the_fee_then(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, pages=4)
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "copies", "actual_pages": 4,
                                                      "actual_accident_reports": 1})
    assert set(open_tasks(engine, instance_id)) == {"give_accident_report_fee_now"}
    complete(engine, instance_id, "give_accident_report_fee_now",
             {"accident_report_fee": 6.5, "accident_report_fee_source": "Resolution 2019-3"})
    assert data_of(engine, instance_id)["final_fees"]["copy_fee"] == "7.50"        # 4 pages and one report


def test_a_request_without_accident_reports_is_never_asked_for_their_fee(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, pages=4)
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy"}


def test_a_resolution_amount_needs_its_number_and_date(database, city, clock):
    with database.write() as session:
        with pytest.raises(CityDataRefused, match="accident_report_resolution"):
            add_fee_schedule(session, effective_from=MONDAY_10AM.date(), created_by="admin",
                             accident_report_copy_fee="7.25")
        with pytest.raises(CityDataRefused, match="accident_report_resolution_date"):
            add_fee_schedule(session, effective_from=MONDAY_10AM.date(), created_by="admin",
                             accident_report_copy_fee="7.25", accident_report_resolution="Resolution 2026-14")
