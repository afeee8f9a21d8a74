"""The audit trail is tamper-evident (issue 14): each event carries the hash of the one before it in its
instance's chain, the instance row the latest hash, and `clerkflow audit verify` finds an edited or
removed event (engine.audit_chain)."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select, update

from engine.audit_chain import verify
from engine.cli import EXIT_REFUSED
from engine.models import AuditEvent
from scenario_data import FRIDAY_9AM, WARM_AND_RESTORED
from support import open_task

HEARING = FRIDAY_9AM + timedelta(days=3)
AUDIT = AuditEvent.__table__


def run_to_the_hearing(engine, deploy, time_machine) -> int:
    """Deploy, start, complete the review, fire the hearing's timer: the instance ends."""
    time_machine.move_to(FRIDAY_9AM, tick=False)
    deploy("review_then_wait")
    instance = engine.start_instance("review_then_wait", {"hearing_text": HEARING.isoformat()}, actor="clerk")
    review = open_task(engine, instance.instance_id, "review_request")
    engine.complete_task(review.task_id, {"note": "Seen.", "pages": 3}, actor="clerk")
    time_machine.move_to(HEARING + timedelta(seconds=1), tick=False)
    assert engine.fire_due_timers() == 1
    assert engine.get_instance(instance.instance_id).status == "completed"
    return instance.instance_id


def event_ids(database, instance_id: int) -> list[int]:
    with database.read() as session:
        return list(session.scalars(select(AuditEvent.id).where(AuditEvent.instance_id == instance_id)
                                    .order_by(AuditEvent.id)))


def problems(database, instance_id: int | None = None) -> list[str]:
    with database.read() as session:
        return [str(broken) for broken in verify(session.connection(), instance_id=instance_id).breaks]


def tamper(database, statement) -> None:
    with database.write_connection() as connection:
        assert connection.execute(statement).rowcount == 1


@WARM_AND_RESTORED
def test_a_scenario_leaves_an_intact_chain_per_instance(engine, database, deploy, time_machine):
    instance_id = run_to_the_hearing(engine, deploy, time_machine)
    with database.read() as session:
        result = verify(session.connection())
    assert len(event_ids(database, instance_id)) >= 3   # start, complete, timer
    assert result.intact and result.chains == 2   # the instance, and review_then_wait's deploys
    assert result.events == len(event_ids(database, instance_id)) + 1


@WARM_AND_RESTORED
def test_an_edited_event_is_named(engine, database, deploy, time_machine):
    instance_id = run_to_the_hearing(engine, deploy, time_machine)
    completed = event_ids(database, instance_id)[1]
    tamper(database, update(AUDIT).where(AUDIT.c.id == completed).values(changes={"note": "Never seen."}))
    assert problems(database) == [
        f"instance {instance_id}: event {completed} was changed or an event before it was removed"]
    assert problems(database, instance_id) == problems(database)


def test_a_removed_middle_event_is_found_at_the_event_after_it(engine, database, deploy, time_machine):
    instance_id = run_to_the_hearing(engine, deploy, time_machine)
    first, middle, after, *_ = event_ids(database, instance_id)
    tamper(database, delete(AUDIT).where(AUDIT.c.id == middle))
    assert problems(database) == [
        f"instance {instance_id}: event {after} was changed or an event before it was removed"]


def test_a_removed_latest_event_is_found_by_the_instance_head(engine, database, deploy, time_machine):
    instance_id = run_to_the_hearing(engine, deploy, time_machine)
    tamper(database, delete(AUDIT).where(AUDIT.c.id == event_ids(database, instance_id)[-1]))
    assert problems(database) == [f"instance {instance_id}: the latest events were removed (head does not match)"]


def test_a_removed_deploy_event_is_found(engine, database, deploy, time_machine):
    run_to_the_hearing(engine, deploy, time_machine)
    tamper(database, delete(AUDIT).where(AUDIT.c.action == "deploy"))
    assert problems(database) == ["process review_then_wait (deploys): the latest deploy events were removed "
                                  "(0 for 1 versions)"]


@WARM_AND_RESTORED
def test_events_after_a_verified_run_keep_the_chain(engine, database, deploy, time_machine):
    time_machine.move_to(FRIDAY_9AM, tick=False)
    deploy("review_then_wait")
    instance = engine.start_instance("review_then_wait", {"hearing_text": HEARING.isoformat()}, actor="clerk")
    assert problems(database) == []
    review = open_task(engine, instance.instance_id, "review_request")
    engine.claim_task(review.task_id, actor="clerk")
    engine.complete_task(review.task_id, {"note": "Seen."}, actor="clerk")
    engine.suspend_instance(instance.instance_id, actor="admin", reason="hearing postponed")
    assert problems(database) == []
    with database.read() as session:
        assert verify(session.connection(), instance_id=instance.instance_id).events == 4


DIAGRAMS = Path(__file__).parent / "diagrams"



def test_audit_verify_exits_0_when_intact_and_2_naming_the_event_when_not(clerkflow, database, friday_9am):
    assert clerkflow("deploy", str(DIAGRAMS / "review_then_wait.bpmn"), "--forms", str(DIAGRAMS / "forms"))[0] == 0
    status, out, _ = clerkflow("start", "review_then_wait", "--data",
                               json.dumps({"hearing_text": HEARING.isoformat()}), "--json")
    assert status == 0
    instance_id = json.loads(out)["instance_id"]
    assert clerkflow("audit", "verify") == (0, "audit trail intact: 2 events in 2 chains\n", "")

    [started] = event_ids(database, instance_id)
    tamper(database, update(AUDIT).where(AUDIT.c.id == started).values(actor="mallory"))
    status, out, err = clerkflow("audit", "verify")
    assert status == EXIT_REFUSED
    assert out == f"instance {instance_id}: event {started} was changed or an event before it was removed\n"
    assert "audit trail broken: 1 problem(s)" in err
    status, out, _ = clerkflow("audit", "verify", "--instance", str(instance_id), "--json")
    assert status == EXIT_REFUSED
    assert json.loads(out)["breaks"] == [{"chain": f"instance {instance_id}", "event_id": started,
                                          "problem": f"event {started} was changed or an event before it was removed"}]


def test_audit_verify_of_an_instance_that_never_was_is_refused(clerkflow):
    status, out, err = clerkflow("audit", "verify", "--instance", "4242")
    assert (status, out) == (EXIT_REFUSED, "")
    assert "4242" in err and "intact" not in err
