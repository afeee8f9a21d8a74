"""A denial pending the court is a denial (003, Art. 6(b)(4), (b)(6), (c)(5); K.S.A. 45-218(d); issue 15).

When a person whose privacy is at stake will seek a court order, the custodian "shall deny inspection
pending the outcome of litigation or an intervening court order". Like every denial it charges no fee,
cites the provision of law, goes to the City Attorney in copy, and offers the statement of grounds, which
the request then waits for; the court's decision replaces it.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from city.ledger import fee_audit_report
from engine.errors import NotAllowed
from test_records_request import (MONDAY_10AM, clock, city, complete, court_orders, data_of, decide,  # noqa: F401
                                  engine, estimate, fire_timers_at, file_request, open_tasks, review,
                                  tracking_number, waiting_for)
from scenario_data import WARM_AND_RESTORED

pytestmark = WARM_AND_RESTORED

PRIVACY = "K.S.A. 45-221(a)(30)"


def denied_pending_the_court(engine, clock, *, hours=1):
    """A request estimated at `hours` of search (15.00 an hour), whose privacy wait ends with someone
    saying they will seek a court order; returns its instance id."""
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=hours)
    complete(engine, instance_id, "check_personal_privacy",
             {"personal_information": True, "privacy_reason": "Home addresses of complainants"})
    complete(engine, instance_id, "contact_persons_concerned", {
        "contacts": [{"person": "B. Resident", "reached": True, "how": "letter", "will_seek_court_order": True}],
        "anyone_seeks_court_order": True})
    assert fire_timers_at(clock, engine, MONDAY_10AM + timedelta(hours=72)) == 1
    return instance_id


def fee_audit_row(database):
    with database.read() as session:
        [row] = fee_audit_report(session.connection(), MONDAY_10AM - timedelta(days=1),
                                 MONDAY_10AM + timedelta(days=30))
    return row


def ask_for_the_statement(engine, instance_id):
    return engine.deliver_message("statement_requested", {"tracking_number": tracking_number(engine, instance_id)},
                                  {}, actor="clerk")


def test_pending_litigation_denial_charges_no_fee(engine, clock, database):
    instance_id = denied_pending_the_court(engine, clock)

    assert data_of(engine, instance_id)["estimate"]["total"] == "15.00"
    row = fee_audit_row(database)
    assert (row["charged"], row["outstanding"], row["reassessed"]) == ("0.00", "0.00", 1)   # 15.00, then 0
    assert "No fee is charged" in data_of(engine, instance_id)["pending_litigation_letter"]["text"]


def test_pending_litigation_denial_is_cited_and_copied_to_the_city_attorney(engine, clock):
    instance_id = denied_pending_the_court(engine, clock)

    data = data_of(engine, instance_id)
    assert data["denial_citations"]["citations"] == [PRIVACY]
    letter = data["pending_litigation_letter"]
    assert letter["letter"] == "denial" and PRIVACY in letter["text"]
    assert "pending the outcome of litigation or an intervening court order" in letter["text"]
    assert letter["text"].rstrip().endswith("cc: City Attorney")
    copy = open_tasks(engine, instance_id)["receive_denial_copy"]
    assert (copy.lane, copy.candidate_role) == ("City Attorney", "city_attorney")
    assert {task.bpmn_id for task in engine.list_tasks(roles={"city_attorney"})} == {
        "receive_denial_copy", "follow_court_case"}


def test_pending_litigation_denial_offers_the_statement_of_grounds_and_waits_for_the_ask(engine, clock):
    instance_id = denied_pending_the_court(engine, clock)
    letter = data_of(engine, instance_id)["pending_litigation_letter"]["text"]
    assert "written statement of the grounds" in letter
    assert waiting_for(engine, instance_id) == {"court_order", "statement_requested"}

    clock.shift(timedelta(days=1))
    assert ask_for_the_statement(engine, instance_id) == [instance_id]
    assert {"write_statement_of_grounds", "follow_court_case"} <= set(open_tasks(engine, instance_id))
    clock.shift(timedelta(hours=2))
    complete(engine, instance_id, "write_statement_of_grounds", {"statement_note": "Petition filed on 6 March."})
    statement = data_of(engine, instance_id)["statement_letter"]["text"]
    assert PRIVACY in statement and "pending the outcome of litigation" in statement
    assert "Petition filed on 6 March." in statement


def test_the_courts_order_replaces_a_denial_pending_the_court_nobody_asked_about(engine, clock):
    instance_id = denied_pending_the_court(engine, clock)
    court_orders(engine, instance_id, "withhold")
    assert waiting_for(engine, instance_id) == set()                 # the interim offer is over
    complete(engine, instance_id, "state_denial_grounds",
             {"exemption_codes": ["45-221(a)(30)"], "grounds_text": "Withheld by order in case 2026-CV-17."})

    assert waiting_for(engine, instance_id) == {"statement_requested"}   # one offer: the final denial's
    clock.shift(timedelta(days=1))
    assert ask_for_the_statement(engine, instance_id) == [instance_id]
    assert [task.bpmn_id for task in engine.list_tasks(instance_id=instance_id)].count(
        "write_statement_of_grounds") == 1
    copies = [task for task in engine.list_tasks(roles={"city_attorney"}) if task.instance_id == instance_id]
    assert [task.bpmn_id for task in copies] == ["receive_denial_copy"] * 2    # each denial, in copy


def test_disclosure_after_a_denial_pending_the_court_charges_the_final_fees(engine, clock, database):
    instance_id = denied_pending_the_court(engine, clock)
    court_orders(engine, instance_id, "disclose")
    decide_task = open_tasks(engine, instance_id)["decide_request"]
    assert engine.task_data(decide_task.task_id)["decision"] is None        # no decision picked for them
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection"})

    assert fee_audit_row(database)["charged"] == "15.00"
    assert waiting_for(engine, instance_id) == set()


def test_only_the_request_itself_ends_a_denial_pending_the_court(engine, clock):
    instance_id = denied_pending_the_court(engine, clock)
    with pytest.raises(NotAllowed):
        engine.deliver_message("litigation_ended", {"tracking_number": tracking_number(engine, instance_id)}, {},
                               actor="clerk", roles={"clerk"})
    assert waiting_for(engine, instance_id) == {"court_order", "statement_requested"}
