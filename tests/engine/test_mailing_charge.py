"""Records sent by mail carry a mailing and handling charge (003, Art. 6(a)(11); issue 15).

"The record custodian shall determine and assess a charge covering mailing and handling costs accrued in
responding to requests through the mail service": "Prepare the records" refuses copies mailed without one.
"""
from __future__ import annotations

import pytest

from engine import FormInvalid
from scenario_data import WARM_AND_RESTORED
from test_records_request import (city, clock, complete, data_of, decide, engine, file_request,  # noqa: F401
                                  open_tasks, to_decision)

pytestmark = WARM_AND_RESTORED


def granted(engine, **estimate):
    instance_id = file_request(engine)
    to_decision(engine, instance_id, pages=10, **estimate)              # 2.50 of copies
    decide(engine, instance_id, "grant")
    return instance_id


def test_records_mailed_need_a_mailing_charge(engine):
    instance_id = granted(engine)
    with pytest.raises(FormInvalid) as refused:
        complete(engine, instance_id, "prepare_records", {"delivery_method": "mail"})
    assert set(refused.value.field_errors) == {"actual_mailing_fee"}
    with pytest.raises(FormInvalid):
        complete(engine, instance_id, "prepare_records", {"delivery_method": "mail", "actual_mailing_fee": 0})
    assert set(open_tasks(engine, instance_id)) == {"prepare_records"}

    complete(engine, instance_id, "prepare_records", {"delivery_method": "mail", "actual_mailing_fee": 1.75})
    fees = data_of(engine, instance_id)["final_fees"]
    assert (fees["copy_fee"], fees["mailing_fee"], fees["total"]) == ("2.50", "1.75", "4.25")


def test_the_mailing_charge_estimated_is_the_one_offered_when_the_copies_are_mailed(engine):
    instance_id = granted(engine, mailing_fee=2)
    prepare = open_tasks(engine, instance_id)["prepare_records"]
    assert engine.task_data(prepare.task_id)["actual_mailing_fee"] == 2
    complete(engine, instance_id, "prepare_records", {"delivery_method": "mail", "actual_mailing_fee": 2})
    assert data_of(engine, instance_id)["final_fees"]["mailing_fee"] == "2.00"


def test_records_inspected_or_handed_over_need_no_mailing_charge(engine):
    instance_id = granted(engine)
    complete(engine, instance_id, "prepare_records", {"delivery_method": "copies"})
    assert data_of(engine, instance_id)["final_fees"]["mailing_fee"] == "0.00"
