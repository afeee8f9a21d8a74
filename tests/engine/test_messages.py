"""Messages between instances: correlation by value, thrown messages routed in the same call, message starts."""
from __future__ import annotations

import pytest

from engine import MessageNotDeliverable
from scenario_data import WARM_AND_RESTORED
from support import assert_derived_rows_match_state, open_task_ids

pytestmark = WARM_AND_RESTORED


def test_external_message_reaches_only_the_instance_with_matching_correlation(engine, deploy):
    deploy("payment_watch")
    first = engine.start_instance("payment_watch", {"tracking_number": "R-1"}, actor="custodian")
    second = engine.start_instance("payment_watch", {"tracking_number": "R-2"}, actor="custodian")
    assert {s.instance_id: s.correlation for s in engine.subscriptions()} == {
        first.instance_id: {"tracking_number": "R-1"}, second.instance_id: {"tracking_number": "R-2"}}

    receivers = engine.deliver_message("prepayment_received", {"tracking_number": "R-2"}, {"amount": 31.5},
                                       actor="cashier")
    assert receivers == [second.instance_id]
    assert open_task_ids(engine, second.instance_id) == ["check_payment"]
    assert open_task_ids(engine, first.instance_id) == []
    assert engine.subscriptions(instance_id=second.instance_id) == []
    received = [e for e in engine.audit_trail(second.instance_id) if e.action == "message"]
    assert received[0].changes == {"payment": {"tracking_number": "R-2", "amount": 31.5}}   # its messageVariable
    assert_derived_rows_match_state(engine, second.instance_id)


def test_message_thrown_by_one_instance_is_routed_to_the_waiting_one_in_the_same_call(engine, deploy):
    deploy("payment_watch")
    deploy("cashier")
    waiting = engine.start_instance("payment_watch", {"tracking_number": "R-7"}, actor="custodian")
    other = engine.start_instance("payment_watch", {"tracking_number": "R-8"}, actor="custodian")
    cashier = engine.start_instance("cashier", {"tracking_number": "R-7", "amount": 12}, actor="cashier")
    assert cashier.status == "completed"
    assert open_task_ids(engine, waiting.instance_id) == ["check_payment"]
    assert open_task_ids(engine, other.instance_id) == []
    sent = [e.detail for e in engine.audit_trail(cashier.instance_id) if e.action == "send"]
    assert sent == [f"sent prepayment_received to {waiting.instance_id}"]


def test_message_with_no_receiver_is_a_clear_error_and_changes_nothing(engine, deploy):
    deploy("payment_watch")
    waiting = engine.start_instance("payment_watch", {"tracking_number": "R-1"}, actor="custodian")
    with pytest.raises(MessageNotDeliverable, match="tracking_number='R-404'"):
        engine.deliver_message("prepayment_received", {"tracking_number": "R-404"}, {}, actor="cashier")
    assert engine.get_instance(waiting.instance_id).lock_version == waiting.lock_version


def test_message_start_event_starts_a_new_instance(engine, deploy):
    deploy("complaint_intake")
    [started] = engine.deliver_message("complaint_filed", {}, {"department": "Parks"}, actor="portal")
    instance = engine.get_instance(started)
    assert (instance.process_key, instance.current_steps) == ("complaint_intake", ("Triage complaint",))
    triage = engine.list_tasks(instance_id=started)[0]
    done = engine.complete_task(triage.task_id, {}, actor="clerk")
    assert done.status == "completed"


def test_message_payload_must_be_a_mapping(engine):
    with pytest.raises(Exception, match="payload must be a mapping"):
        engine.deliver_message("prepayment_received", {}, ["not", "a", "mapping"], actor="cashier")
