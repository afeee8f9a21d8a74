"""A request granted in part is charged only for what is made available (003, Art. 6(b)(6), (c)(5); issue 15).

"No inspection fee will be assessed when a denial of a request is made": for a partial denial the custodian
records the part of the search time that served the records released, the final fees are worked out on it,
and the denial letter tells the requester so.
"""
from __future__ import annotations

from datetime import timedelta

from city.ledger import fee_audit_report
from scenario_data import WARM_AND_RESTORED
from test_records_request import (MONDAY_10AM, city, clock, complete, data_of, decide, engine,  # noqa: F401
                                  file_request, open_tasks, to_decision)

pytestmark = WARM_AND_RESTORED


def test_partial_denial_charges_only_for_what_was_made_available(engine, database):
    instance_id = file_request(engine)
    to_decision(engine, instance_id, hours=1)                            # 15.00 for the whole search
    decide(engine, instance_id, "partial", ["45-221(a)(4)"], "The personnel files are withheld.")
    letter = data_of(engine, instance_id)["denial_letter"]["text"]
    assert "You are charged only for what is made available" in letter

    apportion = open_tasks(engine, instance_id)["apportion_search_time"]
    assert apportion.candidate_role == "custodian:city_clerk"
    assert engine.task_data(apportion.task_id)["released_search_hours"] == [{"employee": "Jo Records", "hours": 1}]
    complete(engine, instance_id, "apportion_search_time", {
        "released_search_hours": [{"employee": "Jo Records", "hours": 0.4}],
        "apportion_note": "0.6 h went to the personnel files."})
    prepare = open_tasks(engine, instance_id)["prepare_records"]
    assert engine.task_data(prepare.task_id)["actual_search_hours"] == [{"employee": "Jo Records", "hours": 0.4}]
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection",
                                                      "actual_search_hours": [{"employee": "Jo Records", "hours": 0.4}]})

    data = data_of(engine, instance_id)
    assert (data["final_fees"]["inspection_fee"], data["final_fees"]["total"]) == ("6.00", "6.00")
    with database.read() as session:
        [row] = fee_audit_report(session.connection(), MONDAY_10AM - timedelta(days=1), MONDAY_10AM + timedelta(days=1))
    assert row["charged"] == "6.00"


def test_a_denial_in_whole_letter_does_not_speak_of_records_made_available(engine):
    instance_id = file_request(engine)
    to_decision(engine, instance_id, hours=1)
    decide(engine, instance_id, "deny", ["45-221(a)(4)"])
    assert "made available" not in data_of(engine, instance_id)["denial_letter"]["text"]
