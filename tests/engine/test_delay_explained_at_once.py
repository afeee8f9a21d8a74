"""The delay is explained as soon as access is not given at once (K.S.A. 45-218(d); issue 15).

"If access to the public record is not granted immediately, the custodian shall give a detailed explanation
of the cause for further delay and the place and earliest time and date that the record will be available
for inspection." A prepayment demanded or the 72-hour privacy wait holds up access for a known cause: the
explanation goes out then, not only once the response deadline has passed.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import NotAllowed
from scenario_data import WARM_AND_RESTORED
from test_records_request import (END_OF_THURSDAY, MONDAY_10AM, city, clock, complete, data_of, decide,  # noqa: F401
                                  engine, estimate, file_request, fire_timers_at, open_tasks, pay, provide, review,
                                  tasks_ever, tracking_number)

pytestmark = WARM_AND_RESTORED


def test_delay_is_explained_as_soon_as_a_prepayment_holds_up_access(engine, clock):
    instance_id = file_request(engine, office_key="police")
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)                               # 30.00: prepayment before the search

    letter = data_of(engine, instance_id)["delay_letter"]
    assert letter["letter"] == "delay_explanation"
    assert "prepayment of $30.00" in letter["text"] and "Police Department" in letter["text"]
    assert "Monday 2 March 2026, 10:00 AM" in letter["text"]            # the office is open now
    assert "explain_delay" not in {task.bpmn_id for task in tasks_ever(engine, instance_id)}
    assert fire_timers_at(clock, engine, END_OF_THURSDAY) == 0           # explained: the deadline asks nothing more


def test_delay_is_explained_as_soon_as_the_72_hour_privacy_wait_starts(engine, clock):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, pages=4)
    clock.shift(timedelta(hours=1))
    complete(engine, instance_id, "check_personal_privacy",
             {"personal_information": True, "privacy_reason": "Home addresses of complainants"})

    letter = data_of(engine, instance_id)["delay_letter"]["text"]
    assert "72-hour waiting period" in letter and "Home addresses" not in letter   # the cause, not the secret
    assert "Thursday 5 March 2026, 11:00 AM" in letter                  # the earliest: when the wait is over
    assert set(open_tasks(engine, instance_id)) == {"contact_persons_concerned"}


def test_a_delay_without_a_known_cause_is_still_explained_when_the_deadline_passes(engine, clock):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=1)                               # 15.00: nothing holds up access
    assert "delay_letter" not in data_of(engine, instance_id)
    assert fire_timers_at(clock, engine, END_OF_THURSDAY) == 1
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy", "explain_delay"}


def test_request_granted_after_its_prepayment_closes_with_its_delay_explained(engine, clock):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)
    clock.shift(timedelta(days=1))
    pay(engine, instance_id, 30)
    complete(engine, instance_id, "check_personal_privacy", {"personal_information": False})
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection"})
    assert provide(engine, instance_id).status == "completed"


def test_only_the_request_itself_says_access_is_held_up(engine):
    instance_id = file_request(engine)
    with pytest.raises(NotAllowed):
        engine.deliver_message("access_delayed", {"tracking_number": tracking_number(engine, instance_id)},
                               {"cause": "No reason.", "not_before": MONDAY_10AM.isoformat()},
                               actor="clerk", roles={"clerk"})
    assert "delay_letter" not in data_of(engine, instance_id)


def test_a_further_delay_is_explained_too(engine, clock):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)                               # the prepayment holds up access
    pay(engine, instance_id, 30)
    clock.shift(timedelta(hours=1))
    complete(engine, instance_id, "check_personal_privacy",
             {"personal_information": True, "privacy_reason": "Home addresses of complainants"})

    letters = [event.changes["delay_letter"]["text"] for event in engine.audit_trail(instance_id)
               if isinstance(event.changes.get("delay_letter"), dict)]
    assert len(letters) == 2
    assert "prepayment of $30.00" in letters[0] and "72-hour waiting period" in letters[1]
    assert "explain_delay" not in {task.bpmn_id for task in tasks_ever(engine, instance_id)}
