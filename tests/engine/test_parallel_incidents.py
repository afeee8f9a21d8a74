"""An error on one path of an instance (a parallel or inclusive gateway's branch, a subprocess, an event
subprocess) shows the whole instance as `incident`, counted wherever incidents are counted, while its other
paths stay workable; retrying the incident after the fix resumes the failed path (issue 13)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from engine.models import Incident, IncidentStatus
from scenario_data import FRIDAY_9AM, WARM_AND_RESTORED
from support import assert_derived_rows_match_state, open_task, open_task_ids

pytestmark = WARM_AND_RESTORED

NO_OFFICES = {"total": 10, "offices": 0}      # compute_share divides by offices
NEXT_WEEK = (FRIDAY_9AM + timedelta(days=7)).isoformat()
DATES = {"requested_review_due_at": NEXT_WEEK, "requested_inspection_at": NEXT_WEEK}


def incident_counts(engine, version) -> tuple[int, int, int]:
    """How many instances the incident filter, the list count and the process overview count as incident."""
    return (len(engine.list_instances(status="incident")), engine.count_instances()["incident"],
            engine.version_counts()[version.version_id]["incident"])


def assert_stopped_beside_the_review(engine, version, instance, failed_bpmn_id: str) -> None:
    """`instance` is an incident at `failed_bpmn_id`, counted so everywhere, with the review open on its other path."""
    assert (instance.status, instance.current_steps) == ("incident", ("Review the request",))
    assert [incident.bpmn_id for incident in instance.incidents if incident.status == "open"] == [failed_bpmn_id]
    assert incident_counts(engine, version) == (1, 1, 1)


def waiting_at(engine, version) -> dict[str, tuple[int, int, int]]:
    return {counts.bpmn_id: (counts.tasks, counts.timers, counts.incidents)
            for counts in engine.waiting_by_element(version.version_id)}


def test_error_on_a_parallel_branch_shows_the_instance_as_incident(engine, deploy):
    version = deploy("parallel_review")
    started = engine.start_instance("parallel_review", NO_OFFICES, actor="clerk")
    assert_stopped_beside_the_review(engine, version, started, "compute_share")
    [incident] = started.incidents
    assert "division by zero" in incident.error_message and incident.data_seen == NO_OFFICES
    assert engine.get_instance(started.instance_id).status == "incident"
    assert engine.count_instances()["active"] == 0
    assert [found.incident_id for found in engine.list_incidents()] == [incident.incident_id]
    assert waiting_at(engine, version) == {"compute_share": (0, 0, 1), "review_request": (1, 0, 0)}
    diagram = engine.instance_diagram(started.instance_id)
    assert (diagram.failed, diagram.active) == (("compute_share",), ("review_request",))
    assert_derived_rows_match_state(engine, started.instance_id)


def test_completing_the_other_branch_keeps_the_incident_open(engine, deploy):
    version = deploy("parallel_review")
    started = engine.start_instance("parallel_review", NO_OFFICES, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    after = engine.complete_task(review.task_id, {"decision": "proceed"}, actor="clerk")
    # The join waits for the failed branch: nothing after it opens, and the incident stays.
    assert (after.status, after.current_steps) == ("incident", ())
    assert [incident.status for incident in after.incidents] == ["open"]
    assert incident_counts(engine, version) == (1, 1, 1)
    assert open_task_ids(engine, started.instance_id) == []
    assert_derived_rows_match_state(engine, started.instance_id)


def test_retrying_after_the_fix_resumes_the_failed_branch(engine, deploy):
    version = deploy("parallel_review")
    started = engine.start_instance("parallel_review", NO_OFFICES, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    engine.complete_task(review.task_id, {"decision": "proceed"}, actor="clerk")
    resumed = engine.retry_incident(started.incidents[0].incident_id, actor="admin", data_patch={"offices": 4})
    assert (resumed.status, resumed.current_steps) == ("active", ("Release the records",))
    assert [(incident.status, incident.resolved_by) for incident in resumed.incidents] == [("resolved", "admin")]
    assert incident_counts(engine, version) == (0, 0, 0)
    retry = [event for event in engine.audit_trail(started.instance_id) if event.action == "retry"][-1]
    assert retry.changes["offices"] == 4 and retry.changes["share"] == 2.5
    assert_derived_rows_match_state(engine, started.instance_id)


def test_retry_before_the_other_branch_is_done_leaves_its_task_open(engine, deploy):
    deploy("parallel_review")
    started = engine.start_instance("parallel_review", NO_OFFICES, actor="clerk")
    resumed = engine.retry_incident(started.incidents[0].incident_id, actor="admin", data_patch={"offices": 2})
    assert (resumed.status, resumed.current_steps) == ("active", ("Review the request",))
    review = open_task(engine, started.instance_id, "review_request")
    done = engine.complete_task(review.task_id, {"decision": "proceed"}, actor="clerk")
    assert done.current_steps == ("Release the records",)


def test_an_instance_that_ends_on_its_other_branch_closes_the_incident(engine, deploy):
    version = deploy("parallel_review")
    started = engine.start_instance("parallel_review", NO_OFFICES, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    ended = engine.complete_task(review.task_id, {"decision": "withdrawn"}, actor="clerk")   # a terminate end event
    assert ended.status == "completed"
    assert [(incident.status, incident.resolved_by) for incident in ended.incidents] == [("resolved", "clerk")]
    assert engine.list_incidents() == [] and incident_counts(engine, version) == (0, 0, 0)
    closed = [event for event in engine.audit_trail(started.instance_id) if event.action == "incident"][-1]
    assert closed.bpmn_id == "compute_share" and "closed: the instance ended" in closed.detail


def test_retrying_an_incident_an_ended_instance_left_open_only_closes_it(engine, deploy):
    deploy("parallel_review")
    started = engine.start_instance("parallel_review", NO_OFFICES, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    engine.complete_task(review.task_id, {"decision": "withdrawn"}, actor="clerk")
    with engine.database.write() as session:   # as an engine that did not close incidents on ending left it
        session.execute(update(Incident).values(status=IncidentStatus.OPEN, resolved_at=None, resolved_by=None))
    retried = engine.retry_incident(started.incidents[0].incident_id, actor="admin")
    assert retried.status == "completed" and engine.list_incidents() == []


def test_bad_timer_date_on_a_parallel_branch_is_an_incident_and_the_other_branch_stays_workable(
        engine, deploy, friday_9am):
    version = deploy("parallel_deadlines")
    started = engine.start_instance("parallel_deadlines", {**DATES, "requested_inspection_at": "next Tuesday"},
                                    actor="clerk")
    assert_stopped_beside_the_review(engine, version, started, "wait_for_inspection_day")
    [incident] = started.incidents
    assert "inspection_opens_at is 'next Tuesday'" in incident.error_message
    assert [timer.bpmn_id for timer in engine.pending_timers(instance_id=started.instance_id)] == ["review_overdue"]

    review = open_task(engine, started.instance_id, "review_request")
    reviewed = engine.complete_task(review.task_id, {}, actor="clerk")
    assert (reviewed.status, [found.status for found in reviewed.incidents]) == ("incident", ["open"])
    assert_derived_rows_match_state(engine, started.instance_id)

    resumed = engine.retry_incident(incident.incident_id, actor="admin",
                                    data_patch={"inspection_opens_at": NEXT_WEEK})
    assert resumed.status == "active" and incident_counts(engine, version) == (0, 0, 0)
    [timer] = engine.pending_timers(instance_id=started.instance_id)
    assert (timer.bpmn_id, timer.due_at.isoformat()) == ("wait_for_inspection_day", NEXT_WEEK)
    friday_9am.shift(timedelta(days=7, seconds=1))
    assert engine.fire_due_timers() == 1
    assert open_task_ids(engine, started.instance_id) == ["schedule_inspection"]
    assert_derived_rows_match_state(engine, started.instance_id)


def test_bad_deadline_of_a_task_is_an_incident_until_the_task_is_done(engine, deploy, friday_9am):
    version = deploy("parallel_deadlines")
    started = engine.start_instance("parallel_deadlines", {**DATES, "requested_review_due_at": "soon"},
                                    actor="clerk")
    assert started.status == "incident"
    assert [incident.bpmn_id for incident in started.incidents] == ["review_overdue"]
    assert [timer.bpmn_id for timer in engine.pending_timers(instance_id=started.instance_id)] == [
        "wait_for_inspection_day"]
    review = open_task(engine, started.instance_id, "review_request")
    # Done without its deadline: the boundary timer that could not be set is moot now, and its incident closes.
    reviewed = engine.complete_task(review.task_id, {}, actor="clerk")
    assert reviewed.status == "active"
    assert [(incident.status, incident.resolved_by) for incident in reviewed.incidents] == [("resolved", "clerk")]
    assert incident_counts(engine, version) == (0, 0, 0)
    closed = [event for event in engine.audit_trail(started.instance_id) if event.action == "incident"][-1]
    assert "closed: its step was cancelled" in closed.detail
    assert_derived_rows_match_state(engine, started.instance_id)


def test_retrying_a_bad_deadline_with_a_date_sets_the_timer(engine, deploy, friday_9am):
    deploy("parallel_deadlines")
    started = engine.start_instance("parallel_deadlines", {**DATES, "requested_review_due_at": "soon"},
                                    actor="clerk")
    resumed = engine.retry_incident(started.incidents[0].incident_id, actor="admin",
                                    data_patch={"review_due_at": NEXT_WEEK})
    assert resumed.status == "active"
    assert sorted(timer.bpmn_id for timer in engine.pending_timers(instance_id=started.instance_id)) == [
        "review_overdue", "wait_for_inspection_day"]
    assert open_task(engine, started.instance_id, "review_request").due_at.isoformat() == NEXT_WEEK


def test_retrying_with_the_value_still_wrong_keeps_an_open_incident(engine, deploy, friday_9am):
    version = deploy("parallel_deadlines")
    started = engine.start_instance("parallel_deadlines", {**DATES, "requested_inspection_at": "next Tuesday"},
                                    actor="clerk")
    again = engine.retry_incident(started.incidents[0].incident_id, actor="admin",
                                  data_patch={"inspection_opens_at": "Tuesday week"})
    assert again.status == "incident" and incident_counts(engine, version) == (1, 1, 1)
    [still] = engine.list_incidents(instance_id=started.instance_id)
    assert still.bpmn_id == "wait_for_inspection_day" and "Tuesday week" in still.error_message


def test_errors_on_two_branches_show_two_incidents_at_once(engine, deploy, friday_9am):
    deploy("parallel_deadlines")
    started = engine.start_instance("parallel_deadlines", {"requested_review_due_at": "soon",
                                                           "requested_inspection_at": "next Tuesday"}, actor="clerk")
    assert started.status == "incident"
    assert sorted(incident.bpmn_id for incident in started.incidents) == ["review_overdue", "wait_for_inspection_day"]
    assert open_task_ids(engine, started.instance_id) == ["review_request"]
    first, second = engine.list_incidents(instance_id=started.instance_id)
    assert engine.retry_incident(first.incident_id, actor="admin", data_patch={
        "review_due_at": NEXT_WEEK, "inspection_opens_at": NEXT_WEEK}).status == "incident"   # the other is open
    assert engine.retry_incident(second.incident_id, actor="admin", data_patch={
        "review_due_at": NEXT_WEEK, "inspection_opens_at": NEXT_WEEK}).status == "active"


def test_error_on_an_inclusive_branch_shows_the_instance_as_incident(engine, deploy):
    version = deploy("inclusive_review")
    started = engine.start_instance("inclusive_review", NO_OFFICES, actor="clerk")
    assert_stopped_beside_the_review(engine, version, started, "compute_share")
    resumed = engine.retry_incident(started.incidents[0].incident_id, actor="admin", data_patch={"offices": 2})
    assert (resumed.status, resumed.current_steps) == ("active", ("Review the request",))
    review = open_task(engine, started.instance_id, "review_request")
    assert engine.complete_task(review.task_id, {}, actor="clerk").current_steps == ("Release the records",)


def test_error_in_a_subprocess_on_a_parallel_branch_shows_the_instance_as_incident(engine, deploy):
    version = deploy("subprocess_review")
    started = engine.start_instance("subprocess_review", NO_OFFICES, actor="clerk")
    assert_stopped_beside_the_review(engine, version, started, "compute_share")
    review = open_task(engine, started.instance_id, "review_request")
    assert engine.complete_task(review.task_id, {}, actor="clerk").status == "incident"
    resumed = engine.retry_incident(started.incidents[0].incident_id, actor="admin", data_patch={"offices": 5})
    assert (resumed.status, resumed.current_steps) == ("active", ("Release the records",))
    assert_derived_rows_match_state(engine, started.instance_id)


def test_error_in_an_event_subprocess_shows_the_instance_as_incident_and_the_main_path_goes_on(
        engine, deploy, friday_9am):
    version = deploy("reminder_review")
    started = engine.start_instance("reminder_review", {"received_on": 20261120}, actor="clerk")   # a number
    assert started.status == "active"
    friday_9am.shift(timedelta(days=1, seconds=1))
    assert engine.fire_due_timers() == 1
    reminded = engine.get_instance(started.instance_id)
    assert_stopped_beside_the_review(engine, version, reminded, "write_reminder")
    resumed = engine.retry_incident(reminded.incidents[0].incident_id, actor="admin",
                                    data_patch={"received_on": "2026-11-20"})
    assert (resumed.status, resumed.current_steps) == ("active", ("Review the request",))
    review = open_task(engine, started.instance_id, "review_request")
    assert engine.complete_task(review.task_id, {}, actor="clerk").status == "completed"


def test_a_step_after_a_task_that_cannot_be_made_ready_keeps_the_answer_and_stops_there(engine, deploy,
                                                                                        time_machine):
    time_machine.move_to(FRIDAY_9AM)
    deploy("review_then_wait")
    instance = engine.start_instance("review_then_wait", {"hearing_text": "next Tuesday"}, actor="clerk")
    review = open_task(engine, instance.instance_id, "review_request")
    view = engine.complete_task(review.task_id, {"note": "Seen."}, actor="clerk")
    assert view.status == "incident"
    [incident] = [each for each in view.incidents if each.status == "open"]
    assert incident.bpmn_id == "hearing_day" and "next Tuesday" in incident.error_message
    assert engine.get_task(review.task_id).status == "completed"
    engine.retry_incident(incident.incident_id, actor="admin", data_patch={"hearing_on": NEXT_WEEK})
    assert [timer.bpmn_id for timer in engine.pending_timers(instance_id=instance.instance_id)] == ["hearing_day"]
