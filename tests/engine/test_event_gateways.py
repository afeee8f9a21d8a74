"""Event-based gateways and multiple events: whichever event comes first wins, as in SpiffWorkflow 3.2.

Each scenario runs the same diagram on the bare library (restored cold between steps) and through the
engine, and compares the tasks completed, the data and the waits. The engine subscribes to the messages
and schedules the timers behind the gateway, and drops the losers' once one of them fires.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from city.office import open_engine_at
from engine import MessageNotDeliverable, scheduler
from engine.scheduler import TimerScheduler, timer_job_id
from scenario_data import DIAGRAMS, FRIDAY_9AM, WARM_AND_RESTORED
from side_by_side import BareRun, engine_outcome
from support import assert_derived_rows_match_state, open_task_ids

pytestmark = WARM_AND_RESTORED

WINDOW_CLOSES = FRIDAY_9AM + timedelta(days=30)
CASE = {"tracking_number": "PC-2026-00001"}


def _start_both(engine, deploy):
    deploy("appeal_or_window")
    started = engine.start_instance("appeal_or_window", dict(CASE), actor="clerk")
    return started.instance_id, BareRun(DIAGRAMS / "appeal_or_window.bpmn", "appeal_or_window", dict(CASE))


def test_a_case_waiting_at_the_gateway_waits_for_the_appeal_and_for_the_window_to_close(engine, deploy, friday_9am):
    instance_id, bare = _start_both(engine, deploy)
    [subscription] = engine.subscriptions(instance_id=instance_id)
    assert (subscription.bpmn_id, subscription.message_name) == ("appeal_received", "appeal_filed")
    assert subscription.correlation == CASE
    [timer] = engine.pending_timers(instance_id=instance_id)
    assert (timer.bpmn_id, timer.kind, timer.due_at) == ("window_closes", "duration", WINDOW_CLOSES)
    assert engine_outcome(engine, instance_id) == bare.outcome()
    assert engine.get_instance(instance_id).next_due_at is None   # a wait, not a task's deadline
    assert_derived_rows_match_state(engine, instance_id)


def test_an_appeal_before_the_window_closes_opens_its_review_and_the_timer_is_dropped(engine, deploy, friday_9am):
    instance_id, bare = _start_both(engine, deploy)
    friday_9am.shift(timedelta(days=3))
    appeal = {"reason": "The fine is wrong."}
    assert engine.deliver_message("appeal_filed", CASE, appeal, actor="portal") == [instance_id]
    bare.send("appeal_filed", {**CASE, **appeal})

    assert open_task_ids(engine, instance_id) == ["review_appeal"]
    assert engine.pending_timers(instance_id=instance_id) == []
    assert engine.subscriptions(instance_id=instance_id) == []
    assert engine_outcome(engine, instance_id) == bare.outcome()
    friday_9am.move_to(WINDOW_CLOSES + timedelta(seconds=1))
    assert engine.fire_due_timers() == 0
    assert open_task_ids(engine, instance_id) == ["review_appeal"]
    assert_derived_rows_match_state(engine, instance_id)

    [review] = engine.list_tasks(instance_id=instance_id)
    engine.complete_task(review.task_id, {}, actor="manager")
    bare.complete("review_appeal", {})
    completed, data, waits = engine_outcome(engine, instance_id)
    assert (completed, data, waits) == bare.outcome()
    assert completed[-3:] == ["note_appeal", "review_appeal", "appeal_reviewed"]
    assert data["appeal_came"] is True and data["appeal"] == {**CASE, **appeal}


def test_the_window_closing_first_ends_the_case_by_itself_and_drops_the_subscription(engine, deploy, friday_9am):
    instance_id, bare = _start_both(engine, deploy)
    friday_9am.move_to(WINDOW_CLOSES)            # exactly due: SpiffWorkflow fires only strictly after
    assert engine.fire_due_timers() == 0
    friday_9am.move_to(WINDOW_CLOSES + timedelta(seconds=1))
    assert engine.fire_due_timers() == 1
    bare.tick()

    assert engine.get_instance(instance_id).status == "completed"
    assert engine.subscriptions(instance_id=instance_id) == []
    assert engine.pending_timers(instance_id=instance_id) == []
    completed, data, waits = engine_outcome(engine, instance_id)
    assert (completed, data, waits) == bare.outcome()
    assert "window_closes" in completed and "appeal_received" not in completed
    assert data == {**CASE, "appeal_came": False}


def test_an_appeal_after_the_window_closed_reaches_nobody(engine, deploy, friday_9am):
    instance_id, _bare = _start_both(engine, deploy)
    friday_9am.move_to(WINDOW_CLOSES + timedelta(minutes=5))
    engine.fire_due_timers()
    with pytest.raises(MessageNotDeliverable):
        engine.deliver_message("appeal_filed", CASE, {"reason": "late"}, actor="portal")


class StaysPaused(BackgroundScheduler):
    """Keeps jobs in the store but never runs them by itself: the test calls the job function."""

    def resume(self):
        pass


def test_the_scheduler_fires_the_gateways_timer_at_its_due_time(engine, deploy, database_url, friday_9am):
    instance_id, _bare = _start_both(engine, deploy)
    timer_scheduler = TimerScheduler(open_engine_at(database_url), scheduler_class=StaysPaused)
    timer_scheduler.start()
    try:
        timer_scheduler.tick()                       # takes the lease, makes a job per pending timer
        [timer] = engine.pending_timers(instance_id=instance_id)
        job = timer_scheduler.apscheduler.get_job(timer_job_id(timer.timer_id))
        assert job.next_run_time == WINDOW_CLOSES + timedelta(seconds=1)

        friday_9am.move_to(job.next_run_time)
        timer_scheduler.tick()                       # the lease renewed, as the running leader does
        assert scheduler.run_due_timers(timer.timer_id) == 1
        assert engine.get_instance(instance_id).status == "completed"
        assert [event.actor for event in engine.audit_trail(instance_id) if event.action == "timer"] == ["scheduler"]
    finally:
        timer_scheduler.shutdown()
        timer_scheduler.engine.database.dispose()


def test_a_start_event_with_two_messages_starts_on_either(engine, deploy, friday_9am):
    deploy("several_events")
    [by_phone] = engine.deliver_message("complaint_phoned", {}, {"caller": "A. Resident"}, actor="operator")
    [by_mail] = engine.deliver_message("complaint_mailed", {}, {"sender": "B. Resident"}, actor="clerk")
    assert by_phone != by_mail
    assert engine.list_instances(process_key="several_events")[0].status == "active"


def test_a_catch_event_waiting_for_a_message_or_a_timer_goes_on_at_the_first(engine, deploy, friday_9am):
    deploy("several_events")
    [early] = engine.deliver_message("complaint_mailed", {}, {"n": 1}, actor="clerk")
    assert [(s.bpmn_id, s.message_name) for s in engine.subscriptions(instance_id=early)] == \
        [("evidence_or_a_week", "evidence_sent")]
    [timer] = engine.pending_timers(instance_id=early)
    assert (timer.bpmn_id, timer.due_at) == ("evidence_or_a_week", FRIDAY_9AM + timedelta(days=7))

    friday_9am.shift(timedelta(days=2))
    assert engine.deliver_message("evidence_sent", {}, {"file": "log.txt"}, actor="clerk") == [early]
    assert open_task_ids(engine, early) == ["review_complaint"]
    assert engine.pending_timers(instance_id=early) == [] and engine.subscriptions(instance_id=early) == []

    [late] = engine.deliver_message("complaint_mailed", {}, {"n": 2}, actor="clerk")
    friday_9am.move_to(FRIDAY_9AM + timedelta(days=9, seconds=1))
    assert engine.fire_due_timers() == 1
    assert open_task_ids(engine, late) == ["review_complaint"]
    assert engine.subscriptions(instance_id=late) == []
    for instance_id in (early, late):
        assert_derived_rows_match_state(engine, instance_id)


def test_a_gateway_waiting_on_two_timers_is_refused_at_deploy(engine):
    from engine import DeployRefused, DiagramSource
    bpmn = (DIAGRAMS / "appeal_or_window.bpmn").read_bytes()
    second = b'''<bpmn:intermediateCatchEvent id="reminder" name="Reminder">
      <bpmn:incoming>to_reminder</bpmn:incoming>
      <bpmn:timerEventDefinition id="reminder_timer"><bpmn:timeDuration>"P10D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="reminded"><bpmn:incoming>to_reminded</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="to_reminder" sourceRef="appeal_or_window_closes" targetRef="reminder" />
    <bpmn:sequenceFlow id="to_reminded" sourceRef="reminder" targetRef="reminded" />
  </bpmn:process>'''
    bpmn = bpmn.replace(b"</bpmn:process>", second).replace(
        b'<bpmn:outgoing>to_window</bpmn:outgoing>', b'<bpmn:outgoing>to_window</bpmn:outgoing><bpmn:outgoing>to_reminder</bpmn:outgoing>')
    with pytest.raises(DeployRefused) as refused:
        engine.deploy_source(DiagramSource("appeal_or_window.bpmn", bpmn, {}), actor="analyst")
    assert "appeal_or_window_closes" in str(refused.value) and "more than one timer" in str(refused.value)


def test_an_administrator_moves_the_window_of_a_waiting_gateway_and_it_closes_then(engine, deploy, friday_9am):
    instance_id, _bare = _start_both(engine, deploy)
    earlier = FRIDAY_9AM + timedelta(days=10)
    moved = engine.move_timer((instance_id, "window_closes"), earlier, actor="admin", reason="Window set by error")
    assert moved.due_at == earlier
    friday_9am.move_to(earlier + timedelta(seconds=1))
    assert engine.fire_due_timers() == 1
    assert engine.get_instance(instance_id).status == "completed"
    assert engine.subscriptions(instance_id=instance_id) == []
