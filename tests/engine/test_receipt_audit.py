"""processes/receipt_audit.bpmn on the real engine (003, Art. 6 fees; issue 15): the custodians' duplicates,
"completed as to the amount of fee charged and collected", are "periodically audited by the clerk-finance
officer and treasurer of the city". Each month's audit lists each office's fees from the ledgers, both sign
it off, and a difference (found by the ledger or by either of them) opens a follow-up.

The ledger entries are made as the records request makes them (test_ledger.py's helpers); a timer fires
only strictly after its due instant: each is checked at its due time (nothing yet) and one second later.
"""
from datetime import datetime, timedelta, timezone

import pytest

from engine import NotAllowed
from scenario_data import REPO, WARM_AND_RESTORED
from test_ledger import assess, collect

pytestmark = WARM_AND_RESTORED

ONE_SECOND = timedelta(seconds=1)
LATE_NOVEMBER = datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc)
FIRST_OF_DECEMBER = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)        # midnight in the city (CST)
FIRST_OF_JANUARY = datetime(2027, 1, 1, 6, 0, tzinfo=timezone.utc)
IN_NOVEMBER = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
IN_DECEMBER = datetime(2026, 12, 10, 15, 0, tzinfo=timezone.utc)
FINANCE, TREASURER = {"finance"}, {"city_treasurer"}


@pytest.fixture
def engine(city_engine, time_machine):
    time_machine.move_to(LATE_NOVEMBER, tick=False)
    result = city_engine.deploy_file(REPO / "processes" / "receipt_audit.bpmn", REPO / "forms", actor="test")
    assert result.created and result.version.display_name == "Audit of the fee duplicates"
    return city_engine


def audit_at(engine, time_machine, moment):
    """The audit the timer starts at `moment` (not a second before)."""
    time_machine.move_to(moment)
    assert engine.fire_due_timers() == 0
    time_machine.move_to(moment + ONE_SECOND)
    assert engine.fire_due_timers() == 1
    return max(engine.list_instances(process_key="receipt_audit"), key=lambda instance: instance.instance_id)


def data_of(engine, instance_id):
    merged = {}
    for event in engine.audit_trail(instance_id):
        merged.update({name: value for name, value in event.changes.items() if value is not None})
    return merged


def sign(engine, instance_id, bpmn_id, roles, **answers):
    [task] = [task for task in engine.list_tasks(instance_id=instance_id) if task.bpmn_id == bpmn_id]
    return engine.complete_task(task.task_id, answers, actor="auditor", roles=roles)


def open_steps(engine, instance_id):
    return {task.bpmn_id: task.candidate_role for task in engine.list_tasks(instance_id=instance_id)}


def test_each_month_the_duplicates_are_audited_and_signed_off_by_finance_and_the_treasurer(engine, time_machine):
    assess(engine.database, "R-2026-00001", inspection_fee="4.00", now=IN_NOVEMBER)
    collect(engine.database, "4.00", tracking_number="R-2026-00001", now=IN_NOVEMBER)

    audit = audit_at(engine, time_machine, FIRST_OF_DECEMBER)
    data = data_of(engine, audit.instance_id)
    # November in the city: from midnight on the 1st (still summer time) to midnight on 1 December.
    assert (data["period_starts_at"], data["period_ends_at"]) == ("2026-11-01T00:00:00-05:00",
                                                                  "2026-12-01T00:00:00-06:00")
    assert data["audit_listing"] == ("City Clerk's Office: 1 request(s); charged 4.00, received 4.00, refunded 0.00, "
                                     "billed 0.00, transmitted 0.00, held now 4.00")
    assert data["audit"]["difference_found"] is False
    assert open_steps(engine, audit.instance_id) == {"finance_sign_off": "finance",
                                                     "treasurer_sign_off": "city_treasurer"}
    with pytest.raises(NotAllowed):
        sign(engine, audit.instance_id, "finance_sign_off", TREASURER, finance_signed_by="T. Reas",
             finance_agrees=True)

    sign(engine, audit.instance_id, "finance_sign_off", FINANCE, finance_signed_by="F. Inance", finance_agrees=True)
    sign(engine, audit.instance_id, "treasurer_sign_off", TREASURER, treasurer_signed_by="T. Reas",
         treasurer_agrees=True)
    assert engine.get_instance(audit.instance_id).status == "completed"
    assert data_of(engine, audit.instance_id)["difference_found"] is False     # no follow-up
    # December's audit is already set for the 1st of January.
    assert [t.due_at for t in engine.pending_timers() if t.process_key == "receipt_audit"] == [FIRST_OF_JANUARY]


def test_a_difference_found_by_either_signer_or_by_the_ledger_opens_a_follow_up(engine, time_machine):
    november = audit_at(engine, time_machine, FIRST_OF_DECEMBER)              # nothing in the ledger
    assert data_of(engine, november.instance_id)["audit_differences"].startswith("None")
    sign(engine, november.instance_id, "finance_sign_off", FINANCE, finance_signed_by="F. Inance", finance_agrees=True)
    sign(engine, november.instance_id, "treasurer_sign_off", TREASURER, treasurer_signed_by="T. Reas",
         treasurer_agrees=False, treasurer_note="Police duplicate R-2026-00007 shows 2.50 taken.")
    assert open_steps(engine, november.instance_id) == {"follow_up_difference": "finance"}

    collect(engine.database, "2.00", office_key="police", tracking_number="R-2026-00009", now=IN_DECEMBER)
    december = audit_at(engine, time_machine, FIRST_OF_JANUARY)
    differences = data_of(engine, december.instance_id)["audit"]["differences"]
    assert differences == ["R-2026-00009 (Police Department): money was taken but no fee was ever charged."]
    sign(engine, december.instance_id, "finance_sign_off", FINANCE, finance_signed_by="F. Inance", finance_agrees=True)
    sign(engine, december.instance_id, "treasurer_sign_off", TREASURER, treasurer_signed_by="T. Reas",
         treasurer_agrees=True)
    assert open_steps(engine, december.instance_id) == {"follow_up_difference": "finance"}
    sign(engine, december.instance_id, "follow_up_difference", FINANCE, follow_up_notes="Fee entered late; charged.",
         followed_up_on="2027-01-05")
    assert engine.get_instance(december.instance_id).status == "completed"
