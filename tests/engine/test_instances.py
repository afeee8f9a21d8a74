"""Running instances: start, complete, version pinning, derived rows, suspend/resume/terminate, audit."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from city.office import open_engine
from engine import ClerkflowError, Conflict, FormInvalid, InvalidState, NotAllowed, NotFound
from scenario_data import DIAGRAMS, FORMS, FRIDAY_9AM
from support import assert_derived_rows_match_state, open_task, open_task_ids

RECEIVED = {"received_at": FRIDAY_9AM.isoformat()}
END_OF_WEDNESDAY = datetime(2026, 11, 26, 5, 59, 59, tzinfo=timezone.utc)   # 23:59:59 Central


@pytest.fixture(params=["warm", "restarted"])
def engines(request, database):
    """Run a scenario on one engine, or on a new engine (cold caches) before every call."""
    first = open_engine(database)
    if request.param == "warm":
        return lambda: first
    return lambda: open_engine(database)


def test_request_runs_from_start_to_completion(engines, friday_9am):
    engines().deploy_file(DIAGRAMS / "request_shaped.bpmn", FORMS, actor="ana")
    started = engines().start_instance("request_shaped", RECEIVED, actor="clerk", business_key="R-2026-0001")
    assert (started.status, started.current_steps, started.business_key) == ("active", ("Review request",), "R-2026-0001")
    review = open_task(engines(), started.instance_id, "review_request")
    assert (review.candidate_role, review.lane, review.form_file) == ("custodian", "Custodian", "review_request.schema.json")
    assert review.due_at == END_OF_WEDNESDAY
    assert_derived_rows_match_state(engines(), started.instance_id)

    after_review = engines().complete_task(review.task_id, {"approved": True, "pages": 10}, actor="cathy")
    assert after_review.current_steps == ("Release records",)
    assert engines().pending_timers(instance_id=started.instance_id) == []   # the review's deadline timer is gone
    assert_derived_rows_match_state(engines(), started.instance_id)

    release = open_task(engines(), started.instance_id, "release_records")
    done = engines().complete_task(release.task_id, {"released_on": "2026-11-23"}, actor="cathy")
    assert (done.status, done.current_steps, done.open_tasks) == ("completed", (), ())
    assert done.ended_at == FRIDAY_9AM
    assert_derived_rows_match_state(engines(), started.instance_id)


def test_denied_request_ends_without_fee(engine, deploy, friday_9am):
    deploy("request_shaped")
    started = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    done = engine.complete_task(review.task_id, {"approved": False, "pages": 10}, actor="cathy")
    assert done.status == "completed"
    assert not any("fee" in event.changes for event in engine.audit_trail(started.instance_id))


def test_completing_with_invalid_data_names_the_fields_and_changes_nothing(engine, deploy, friday_9am):
    deploy("request_shaped")
    started = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    with pytest.raises(FormInvalid) as invalid:
        engine.complete_task(review.task_id, {"approved": "yes", "pages": -1}, actor="cathy")
    assert invalid.value.field_errors == {"approved": "must be of type boolean", "pages": "must be 0 or more"}
    assert engine.get_instance(started.instance_id).lock_version == started.lock_version
    assert open_task_ids(engine, started.instance_id) == ["review_request"]


def test_instances_keep_their_version_and_new_starts_take_the_latest(engine, deploy, tmp_path, friday_9am):
    deploy("request_shaped")
    old = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    changed = (DIAGRAMS / "request_shaped.bpmn").read_text().replace('name="Release records"', 'name="Hand over records"')
    (tmp_path / "request_shaped.bpmn").write_text(changed)
    assert engine.deploy_file(tmp_path / "request_shaped.bpmn", FORMS, actor="ana").version.version == 2
    new = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    assert (engine.get_instance(old.instance_id).version, new.version) == (1, 2)
    for instance, expected in ((old, "Release records"), (new, "Hand over records")):
        review = open_task(engine, instance.instance_id, "review_request")
        after = engine.complete_task(review.task_id, {"approved": True, "pages": 1}, actor="cathy")
        assert after.current_steps == (expected,)


def test_claimed_task_can_only_be_completed_by_its_assignee(engine, deploy, friday_9am):
    deploy("request_shaped")
    started = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    assert engine.claim_task(review.task_id, actor="cathy").assignee == "cathy"
    with pytest.raises(Conflict, match="claimed by cathy"):
        engine.complete_task(review.task_id, {"approved": False, "pages": 0}, actor="dave")
    with pytest.raises(NotAllowed):
        engine.unclaim_task(review.task_id, actor="dave")
    assert engine.unclaim_task(review.task_id, actor="cathy").assignee is None


def test_task_for_another_role_is_refused(engine, deploy, friday_9am):
    deploy("request_shaped")
    started = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    with pytest.raises(NotAllowed, match="custodian"):
        engine.complete_task(review.task_id, {"approved": False, "pages": 0}, actor="cathy", roles={"clerk"})
    assert engine.list_tasks(roles={"clerk"}) == []
    assert [t.task_id for t in engine.list_tasks(roles={"custodian"})] == [review.task_id]


def test_completing_a_task_twice_is_a_conflict(engine, deploy, friday_9am):
    deploy("request_shaped")
    started = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    engine.complete_task(review.task_id, {"approved": True, "pages": 2}, actor="cathy")
    with pytest.raises(Conflict, match="already completed by cathy"):
        engine.complete_task(review.task_id, {"approved": False, "pages": 0}, actor="dave")


def test_stale_lock_version_is_a_conflict(engine, deploy, friday_9am):
    deploy("request_shaped")
    started = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    engine.claim_task(review.task_id, actor="cathy")
    engine.suspend_instance(started.instance_id, actor="admin")
    engine.resume_instance(started.instance_id, actor="admin")
    with pytest.raises(Conflict, match="changed since you loaded it"):
        engine.complete_task(review.task_id, {"approved": True, "pages": 2}, actor="cathy",
                             expected_lock_version=started.lock_version)


def test_suspended_instance_takes_no_work_until_resumed(engine, deploy, friday_9am):
    deploy("request_shaped")
    started = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    assert engine.suspend_instance(started.instance_id, actor="admin", reason="court order").status == "suspended"
    with pytest.raises(InvalidState, match="suspended"):
        engine.complete_task(review.task_id, {"approved": True, "pages": 2}, actor="cathy")
    friday_9am.shift(timedelta(days=10))
    assert engine.fire_due_timers() == 0   # a suspended instance's timers wait
    assert engine.resume_instance(started.instance_id, actor="admin").status == "active"
    assert engine.fire_due_timers() == 1
    assert engine.complete_task(review.task_id, {"approved": False, "pages": 0}, actor="cathy").status == "completed"


def test_terminated_instance_drops_its_tasks_and_timers(engine, deploy, friday_9am):
    deploy("request_shaped")
    started = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    ended = engine.terminate_instance(started.instance_id, actor="admin", reason="duplicate request")
    assert (ended.status, ended.open_tasks) == ("terminated", ())
    assert engine.pending_timers(instance_id=started.instance_id) == []
    assert engine.list_tasks(instance_id=started.instance_id, status="cancelled")[0].bpmn_id == "review_request"
    with pytest.raises(InvalidState, match="already ended"):
        engine.resume_instance(started.instance_id, actor="admin")


def test_audit_trail_records_who_did_what_with_which_data(engine, deploy, friday_9am):
    deploy("request_shaped")
    started = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    engine.claim_task(review.task_id, actor="cathy")
    engine.complete_task(review.task_id, {"approved": True, "pages": 4}, actor="cathy")
    trail = [(e.actor, e.action, e.bpmn_id) for e in engine.audit_trail(started.instance_id)]
    assert trail == [("clerk", "start", None), ("cathy", "claim", "review_request"),
                     ("cathy", "complete", "review_request")]
    start, _claim, completion = engine.audit_trail(started.instance_id)
    assert start.changes["received_at"] == FRIDAY_9AM.isoformat()
    assert start.changes["response_due_at"] == END_OF_WEDNESDAY.isoformat()   # computed by the service task
    assert completion.changes == {"approved": True, "pages": 4, "fee": 1.0}   # submitted, then computed


def test_unknown_process_and_instance_are_clear_errors(engine):
    with pytest.raises(NotFound, match='No process "nothing_here" is deployed'):
        engine.start_instance("nothing_here", {}, actor="clerk")
    with pytest.raises(NotFound, match="No process instance 99"):
        engine.get_instance(99)


def test_data_that_cannot_be_stored_is_refused_with_a_clear_message_and_nothing_starts(engine, deploy, friday_9am):
    deploy("request_shaped")
    with pytest.raises(ClerkflowError, match="The start data cannot be stored.*ISO 8601 text"):
        engine.start_instance("request_shaped", {**RECEIVED, "received_at": datetime.now(timezone.utc)}, actor="clerk")
    assert engine.list_instances(process_key="request_shaped") == []
    started = engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    with pytest.raises(ClerkflowError, match="cannot be stored"):
        engine.complete_task(review.task_id, {"approved": True, "pages": 1, "at": datetime.now()}, actor="cathy")
    assert open_task_ids(engine, started.instance_id) == ["review_request"]
