"""The requester's side of processes/records_request.bpmn (issue 13): records released online, and a
request withdrawn by its requester.

Released records are the files "Provide the records" names in `released_records`. A withdrawal ends
the request through the engine's surface (terminate_instance: open tasks closed, timers and waits
dropped; web/portal/correspondence.py), and a prepayment already paid becomes the custodian's
"Refund the prepayment" in processes/withdrawal_refund.bpmn. Clarifications asked of the requester
are correspondence beside the request: they change no path and stop no clock (K.S.A. 45-218(d)
states no pause), so no scenario here needs them; the deadline test below shows the clock running.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from city.office import open_engine
from engine.errors import InvalidState, MessageNotDeliverable
import test_records_request as scenario
from test_records_request import (END_OF_THURSDAY, REPO, complete, data_of, decide, estimate, file_request,
                                  no_privacy_concern, open_tasks, pay, provide, review, tracking_number)
from scenario_data import WARM_AND_RESTORED
from support import assert_derived_rows_match_state

pytestmark = WARM_AND_RESTORED

# The records request scenario's fixtures: its clock (Monday 2 March 2026, 10:00 in Kansas), city data and engine.
clock, city = scenario.clock, scenario.city

RELEASED = ["sha256:" + "a" * 64 + ";size=12;type=application/pdf;name=minutes-january.pdf",
            "sha256:" + "b" * 64 + ";size=30;type=text/csv;name=votes.csv"]


@pytest.fixture
def engine(database, city, warm_cache_size):
    """The records request scenario's engine, with the refund of a withdrawn request deployed too."""
    engine = open_engine(database, city_settings=city, warm_cache_size=warm_cache_size)
    engine.deploy_file(REPO / "processes" / "records_request.bpmn", REPO / "forms", actor="analyst")
    engine.deploy_file(REPO / "processes" / "withdrawal_refund.bpmn", REPO / "forms", actor="analyst")
    return engine


def withdraw(engine, instance_id):
    """What the status page does (web.portal.correspondence.withdraw_request), on the engine."""
    data = data_of(engine, instance_id)
    engine.terminate_instance(instance_id, actor="requester", reason="Withdrawn by the requester")
    if float(data.get("prepaid") or 0) > 0:
        number = tracking_number(engine, instance_id)
        return engine.start_instance("withdrawal_refund", {
            "tracking_number": number, "office_key": data["office_key"], "custodian_role": data["custodian_role"],
            "refund_due": data["prepaid"], "withdrawn_at": "2026-03-03T10:00:00-06:00"},
            actor="requester", business_key=number).instance_id
    return None


def granted(engine, instance_id):
    review(engine, instance_id)
    estimate(engine, instance_id)
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection"})


def test_records_provided_keep_the_files_released_to_the_requester(engine):
    instance_id = file_request(engine)
    granted(engine, instance_id)
    complete(engine, instance_id, "provide_records", {"provided_on": "2026-03-04", "supervised_by": "Jo Records",
                                                      "released_records": RELEASED})
    assert engine.get_instance(instance_id).status == "completed"
    assert data_of(engine, instance_id)["released_records"] == RELEASED


def test_records_provided_in_person_need_no_files(engine):
    instance_id = file_request(engine)
    granted(engine, instance_id)
    provide(engine, instance_id)
    assert engine.get_instance(instance_id).status == "completed"
    assert "released_records" not in data_of(engine, instance_id)


def test_withdrawn_request_ends_at_once_and_closes_its_open_task(engine):
    instance_id = file_request(engine)
    assert set(open_tasks(engine, instance_id)) == {"review_request"}
    assert withdraw(engine, instance_id) is None
    assert engine.get_instance(instance_id).status == "terminated"
    assert open_tasks(engine, instance_id) == {}
    assert engine.subscriptions(instance_id=instance_id) == []
    [ended] = [event for event in engine.audit_trail(instance_id) if event.action == "terminate"]
    assert (ended.actor, ended.detail) == ("requester", "Withdrawn by the requester")
    assert_derived_rows_match_state(engine, instance_id)


def test_withdrawn_request_drops_its_deadline_watch(engine, clock):
    instance_id = file_request(engine)
    withdraw(engine, instance_id)
    clock.move_to(END_OF_THURSDAY + timedelta(days=1))
    assert engine.fire_due_timers() == 0
    assert open_tasks(engine, instance_id) == {}


def test_withdrawal_gives_the_custodian_the_prepayment_to_refund(engine):
    instance_id = file_request(engine, office_key="police")
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)          # 30.00: over 25.00, prepayment demanded
    pay(engine, instance_id, "10.00")
    refund_id = withdraw(engine, instance_id)
    with pytest.raises(MessageNotDeliverable):      # the request no longer waits for a payment
        pay(engine, instance_id, "20.00")
    [task] = engine.list_tasks(instance_id=refund_id)
    assert (task.bpmn_id, task.candidate_role) == ("refund_prepayment", "custodian:police")
    assert engine.get_instance(refund_id).business_key == tracking_number(engine, instance_id)
    assert data_of(engine, refund_id)["refund_due"] == "10.00"
    complete(engine, refund_id, "refund_prepayment", {"refund_due": "10.00", "refunded_on": "2026-03-03",
                                                     "refund_method": "check"})
    assert engine.get_instance(refund_id).status == "completed"


def test_a_closed_request_cannot_be_withdrawn(engine):
    instance_id = file_request(engine)
    withdraw(engine, instance_id)
    with pytest.raises(InvalidState):
        withdraw(engine, instance_id)
