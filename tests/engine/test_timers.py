"""Timers: waits that run strictly past due, deadlines on tasks, and processes that start on a schedule."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from scenario_data import FRIDAY_9AM, WARM_AND_RESTORED
from support import assert_derived_rows_match_state, open_task_ids

pytestmark = WARM_AND_RESTORED

END_OF_WEDNESDAY = datetime(2026, 11, 26, 5, 59, 59, tzinfo=timezone.utc)


def test_privacy_wait_opens_inspection_only_after_72_hours(engine, deploy, friday_9am):
    deploy("privacy_wait")
    started = engine.start_instance("privacy_wait", {}, actor="custodian")
    [timer] = engine.pending_timers(instance_id=started.instance_id)
    assert (timer.kind, timer.due_at) == ("duration", FRIDAY_9AM + timedelta(hours=72))

    friday_9am.shift(timedelta(hours=72))   # exactly due: SpiffWorkflow fires only strictly after
    assert engine.fire_due_timers() == 0
    assert open_task_ids(engine, started.instance_id) == []

    friday_9am.shift(timedelta(seconds=1))
    assert engine.fire_due_timers() == 1
    assert open_task_ids(engine, started.instance_id) == ["schedule_inspection"]
    assert engine.pending_timers(instance_id=started.instance_id) == []
    assert_derived_rows_match_state(engine, started.instance_id)


def test_unanswered_review_becomes_overdue_at_the_end_of_the_third_business_day(engine, deploy, friday_9am):
    deploy("request_shaped")
    started = engine.start_instance("request_shaped", {"received_at": FRIDAY_9AM.isoformat()}, actor="clerk")
    [timer] = engine.pending_timers(instance_id=started.instance_id)
    assert (timer.kind, timer.due_at) == ("date", END_OF_WEDNESDAY)

    friday_9am.move_to(END_OF_WEDNESDAY + timedelta(seconds=1))
    assert engine.fire_due_timers() == 1
    # Non-interrupting: the review stays open, the overdue branch ran once.
    assert open_task_ids(engine, started.instance_id) == ["review_request"]
    assert engine.fire_due_timers() == 0
    timer_events = [e for e in engine.audit_trail(started.instance_id) if e.action == "timer"]
    assert len(timer_events) == 1
    assert any(e.changes.get("overdue") is True for e in engine.audit_trail(started.instance_id))
    assert_derived_rows_match_state(engine, started.instance_id)


def test_timer_start_event_starts_an_instance_each_month(engine, deploy, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 12, tzinfo=timezone.utc), tick=False)
    deploy("monthly_transmittal")
    [start_timer] = engine.pending_timers()
    assert (start_timer.instance_id, start_timer.kind) == (None, "cycle")
    assert start_timer.due_at == datetime(2026, 12, 1, 15, tzinfo=timezone.utc)

    time_machine.move_to(datetime(2026, 12, 1, 15, 0, 1, tzinfo=timezone.utc))
    assert engine.fire_due_timers() == 1
    [december] = engine.list_instances(process_key="monthly_transmittal")
    assert (december.started_by, december.current_steps) == ("scheduler", ("Transmit fees to the City Clerk",))
    assert [t.due_at for t in engine.pending_timers()] == [datetime(2027, 1, 1, 15, tzinfo=timezone.utc)]
    assert engine.list_tasks(roles={"custodian"})[0].instance_id == december.instance_id


def test_overdue_cycle_fires_once_after_downtime_then_waits_for_the_next_occurrence(engine, deploy, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 12, tzinfo=timezone.utc), tick=False)
    deploy("monthly_transmittal")
    time_machine.move_to(datetime(2027, 2, 15, tzinfo=timezone.utc))   # three occurrences missed
    assert engine.fire_due_timers() == 1
    assert engine.fire_due_timers() == 0
    assert len(engine.list_instances(process_key="monthly_transmittal")) == 1
    assert [t.due_at for t in engine.pending_timers()] == [datetime(2027, 3, 1, 15, tzinfo=timezone.utc)]


def test_redeploy_replaces_the_start_timer_instead_of_adding_one(engine, deploy, tmp_path, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 12, tzinfo=timezone.utc), tick=False)
    deploy("monthly_transmittal")
    from scenario_data import DIAGRAMS, FORMS
    changed = (DIAGRAMS / "monthly_transmittal.bpmn").read_text().replace("2026-12-01T15:00:00", "2026-12-02T15:00:00")
    (tmp_path / "monthly_transmittal.bpmn").write_text(changed)
    engine.deploy_file(tmp_path / "monthly_transmittal.bpmn", FORMS, actor="ana")
    assert [t.due_at for t in engine.pending_timers()] == [datetime(2026, 12, 2, 15, tzinfo=timezone.utc)]


def test_cycle_boundary_timer_reminds_three_times_while_the_task_stays_open(engine, deploy, friday_9am):
    deploy("reminders")
    started = engine.start_instance("record_return", {}, actor="custodian")
    fired_per_day = []
    for _day in range(4):
        friday_9am.shift(timedelta(hours=24, seconds=1))
        fired_per_day.append(engine.fire_due_timers())
    assert fired_per_day == [1, 1, 1, 0]   # "R3/PT24H": three reminders, then none
    assert open_task_ids(engine, started.instance_id) == ["confirm_return"]
    assert engine.pending_timers(instance_id=started.instance_id) == []
    assert_derived_rows_match_state(engine, started.instance_id)


def test_date_start_event_starts_one_instance_at_that_moment(engine, deploy, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 12, tzinfo=timezone.utc), tick=False)
    deploy("annual_report_date")
    [start_timer] = engine.pending_timers()
    assert (start_timer.kind, start_timer.due_at) == ("date", datetime(2027, 1, 4, 15, tzinfo=timezone.utc))
    time_machine.move_to(datetime(2027, 1, 4, 15, 0, 1, tzinfo=timezone.utc))
    assert engine.fire_due_timers() == 1
    assert engine.pending_timers() == []   # a date fires once
    [report] = engine.list_instances(process_key="annual_report_date")
    assert report.current_steps == ("Write the compliance report",)


def test_duration_start_event_counts_from_deployment(engine, deploy, time_machine):
    deployed_at = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
    time_machine.move_to(deployed_at, tick=False)
    deploy("annual_report_duration")
    assert [t.due_at for t in engine.pending_timers()] == [deployed_at + timedelta(days=10)]
    time_machine.move_to(deployed_at + timedelta(days=10, seconds=1))
    assert engine.fire_due_timers() == 1
    assert len(engine.list_instances(process_key="annual_report_duration")) == 1


def test_each_monthly_instance_runs_its_steps_once(engine, deploy, time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 12, tzinfo=timezone.utc), tick=False)
    deploy("monthly_transmittal")
    for month in (datetime(2026, 12, 1, 15, 0, 1, tzinfo=timezone.utc), datetime(2027, 1, 1, 15, 0, 1, tzinfo=timezone.utc),
                  datetime(2027, 2, 1, 15, 0, 1, tzinfo=timezone.utc)):
        time_machine.move_to(month)
        assert engine.fire_due_timers() == 1
    for instance in engine.list_instances(process_key="monthly_transmittal"):
        assert open_task_ids(engine, instance.instance_id) == ["transmit_fees"]   # one, not one per month elapsed
