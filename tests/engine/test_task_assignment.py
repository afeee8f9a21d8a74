"""Delegating and reassigning tasks, and the inbox's office and task-list filters (engine side)."""
from __future__ import annotations

import pytest

from engine import Conflict, InvalidState, NotAllowed
from scenario_data import FRIDAY_9AM
from city.rules.roles import office_roles

RECEIVED = {"received_at": FRIDAY_9AM.isoformat()}
POLICE = "custodian:police"


def routed_task(engine, role: str | None = POLICE):
    """The open review task of a request routed to `role` (the lane's "custodian" without one)."""
    started = engine.start_instance("routed", {"custodian_role": role} if role else {}, actor="clerk")
    [task] = engine.list_tasks(instance_id=started.instance_id)
    return task


def test_claimant_delegates_a_task_to_a_colleague_of_the_same_office(engine, deploy):
    deploy("routed")
    task = routed_task(engine)
    engine.claim_task(task.task_id, actor="pat", roles={POLICE})
    delegated = engine.assign_task(task.task_id, "quinn", actor="pat", roles={POLICE}, assignee_roles={POLICE})
    assert delegated.assignee == "quinn"
    last = engine.audit_trail(task.instance_id)[-1]
    assert (last.actor, last.action, last.detail) == ("pat", "delegate", "from pat to quinn")


def test_only_the_claimant_may_delegate(engine, deploy):
    deploy("routed")
    task = routed_task(engine)
    with pytest.raises(NotAllowed, match="not claimed by you"):
        engine.assign_task(task.task_id, "quinn", actor="pat", roles={POLICE})
    engine.claim_task(task.task_id, actor="pat", roles={POLICE})
    with pytest.raises(NotAllowed, match="claimed by pat"):
        engine.assign_task(task.task_id, "quinn", actor="ruth", roles={POLICE})
    assert engine.get_task(task.task_id).assignee == "pat"


def test_a_task_cannot_be_delegated_to_someone_without_its_role(engine, deploy):
    deploy("routed")
    task = routed_task(engine)
    engine.claim_task(task.task_id, actor="pat", roles={POLICE})
    with pytest.raises(NotAllowed, match="custodian:police role, which they do not hold"):
        engine.assign_task(task.task_id, "fay", actor="pat", roles={POLICE}, assignee_roles={"custodian:fire"})
    assert engine.get_task(task.task_id).assignee == "pat"
    assert [event.action for event in engine.audit_trail(task.instance_id)] == ["start", "claim"]


def test_supervisor_reassigns_a_task_someone_else_claimed(engine, deploy):
    deploy("routed")
    task = routed_task(engine)
    engine.claim_task(task.task_id, actor="pat", roles={POLICE})
    moved = engine.assign_task(task.task_id, "quinn", actor="cleo", roles={"city_clerk"}, supervisor=True,
                               assignee_roles={POLICE})
    assert moved.assignee == "quinn"
    last = engine.audit_trail(task.instance_id)[-1]
    assert (last.actor, last.action, last.detail) == ("cleo", "reassign", "from pat to quinn")


def test_supervisor_puts_a_task_back_in_the_shared_inbox(engine, deploy):
    deploy("routed")
    task = routed_task(engine)
    engine.claim_task(task.task_id, actor="pat", roles={POLICE})
    assert engine.assign_task(task.task_id, None, actor="cleo", supervisor=True).assignee is None
    assert engine.audit_trail(task.instance_id)[-1].detail == "from pat to the shared inbox"
    with pytest.raises(InvalidState, match="already in the shared inbox"):
        engine.assign_task(task.task_id, None, actor="cleo", supervisor=True)


def test_a_completed_task_cannot_be_reassigned(engine, deploy):
    deploy("routed")
    task = routed_task(engine, None)
    engine.complete_task(task.task_id, {"approved": False, "pages": 0}, actor="pat")
    with pytest.raises(Conflict, match="already completed"):
        engine.assign_task(task.task_id, "quinn", actor="cleo", supervisor=True)


def test_office_filter_lists_only_that_offices_custodian_work(engine, deploy):
    deploy("routed")
    police = routed_task(engine, POLICE)
    fire = routed_task(engine, "custodian:fire")
    intake = routed_task(engine, "clerk")
    city_clerk = routed_task(engine, "custodian:city_clerk")
    everyone = {POLICE, "custodian:fire", "clerk", "custodian:city_clerk"}
    assert [t.task_id for t in engine.list_tasks(roles=everyone, among_roles=office_roles("police"))] == [police.task_id]
    assert engine.count_tasks(roles=everyone, among_roles=office_roles("fire")) == 1
    assert {t.task_id for t in engine.list_tasks(among_roles=office_roles("city_clerk"))} == {intake.task_id, city_clerk.task_id}
    assert engine.count_tasks(roles=everyone, among_roles=office_roles("city_clerk")) == 2
    assert engine.list_tasks(roles={POLICE}, among_roles=office_roles("fire")) == []
    assert fire.task_id not in {t.task_id for t in engine.list_tasks(roles=everyone, among_roles=office_roles("police"))}


def test_office_filter_keeps_a_persons_claimed_work_of_that_office(engine, deploy):
    deploy("routed")
    fire = routed_task(engine, "custodian:fire")
    engine.claim_task(fire.task_id, actor="pat")
    listed = engine.list_tasks(roles={POLICE}, also_assigned_to="pat", among_roles=office_roles("fire"))
    assert [t.task_id for t in listed] == [fire.task_id]
    assert engine.count_tasks(roles={POLICE}, also_assigned_to="pat", among_roles=office_roles("fire")) == 1
    assert engine.count_tasks(roles={POLICE}, also_assigned_to="pat", among_roles=office_roles("police")) == 0


def test_task_list_can_be_narrowed_to_given_tasks(engine, deploy):
    deploy("routed")
    first, second = routed_task(engine), routed_task(engine)
    assert [t.task_id for t in engine.list_tasks(roles={POLICE}, task_ids=[second.task_id])] == [second.task_id]
    assert engine.count_tasks(roles={POLICE}, task_ids=[]) == 0
    assert engine.count_tasks(roles={POLICE}, task_ids=[first.task_id, second.task_id]) == 2


def test_every_open_task_pages_in_due_order_whatever_its_role(engine, deploy):
    """A supervisor's "everyone" view: the union of every role's inbox, paged as one list."""
    deploy("routed")
    due_days = {"custodian:police": "2026-11-27", "custodian:fire": "2026-11-25", "clerk": "2026-11-26",
                "custodian:city_clerk": None}
    made = {}
    for role, day in due_days.items():
        data = {"custodian_role": role, **({"response_due_at": f"{day}T17:00:00-06:00"} if day else {})}
        [made[role]] = engine.start_instance("routed", data, actor="clerk").open_tasks
    engine.complete_task(made["clerk"].task_id, {}, actor="cleo")
    expected = [made[role].task_id for role in ("custodian:fire", "custodian:police", "custodian:city_clerk")]
    assert [t.task_id for t in engine.list_tasks(order="due", limit=2)] == expected[:2]
    assert [t.task_id for t in engine.list_tasks(order="due", limit=2, offset=2)] == expected[2:]
    assert engine.count_tasks() == 3
    assert [t.task_id for t in engine.list_tasks(among_roles=office_roles("city_clerk"))] == [made["custodian:city_clerk"].task_id]
