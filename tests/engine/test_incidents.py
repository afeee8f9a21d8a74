"""Failures inside a diagram become incidents; the instance keeps its last good state; retry resumes it."""
from __future__ import annotations

import pytest

from city.office import open_engine
from engine import InvalidState
from support import assert_derived_rows_match_state, open_task_ids

FRAGILE_DATA = {"total": 10, "offices": 0, "received_at": "2026-11-20T15:00:00+00:00", "days": 3}


def test_failing_script_becomes_an_incident_with_the_data_it_saw(engine, deploy):
    deploy("fragile")
    started = engine.start_instance("fragile", FRAGILE_DATA, actor="clerk")
    assert started.status == "incident"
    [incident] = started.incidents
    assert (incident.bpmn_id, incident.task_title, incident.file_name) == (
        "compute_share", "Compute each office's share", "fragile.bpmn")
    assert "division by zero" in incident.error_message and "share = total / offices" in incident.error_message
    assert incident.data_seen == FRAGILE_DATA
    assert engine.list_incidents()[0].incident_id == incident.incident_id
    assert open_task_ids(engine, started.instance_id) == []
    assert_derived_rows_match_state(engine, started.instance_id)


def test_retry_after_fixing_the_data_resumes_the_instance(engine, deploy):
    deploy("fragile")
    started = engine.start_instance("fragile", FRAGILE_DATA, actor="clerk")
    resumed = engine.retry_incident(started.incidents[0].incident_id, actor="admin", data_patch={"offices": 4})
    assert (resumed.status, resumed.current_steps) == ("active", ("Check share",))
    assert resumed.incidents[0].status == "resolved" and resumed.incidents[0].resolved_by == "admin"
    assert engine.list_incidents() == []
    retry = [e for e in engine.audit_trail(started.instance_id) if e.action == "retry"][0]
    assert retry.actor == "admin"
    assert retry.changes["offices"] == 4 and retry.changes["share"] == 2.5   # the correction, and what the rerun computed
    assert_derived_rows_match_state(engine, started.instance_id)


def test_failing_service_task_becomes_an_incident_and_retry_runs_it_again(engine, deploy):
    deploy("fragile")
    started = engine.start_instance("fragile", {**FRAGILE_DATA, "offices": 2, "days": 0}, actor="clerk")
    [incident] = started.incidents
    assert incident.bpmn_id == "compute_deadline"
    assert "business_days must be at least 1" in incident.error_message
    again = engine.retry_incident(incident.incident_id, actor="admin")   # cause not fixed: fails again
    assert again.status == "incident" and len(engine.list_incidents()) == 1
    fixed = engine.retry_incident(engine.list_incidents()[0].incident_id, actor="admin", data_patch={"days": 3})
    assert fixed.current_steps == ("Check share",)


def test_incident_survives_a_restart_and_can_be_retried_there(database, deploy, engine):
    deploy("fragile")
    started = engine.start_instance("fragile", FRAGILE_DATA, actor="clerk")
    restarted = open_engine(database)
    resumed = restarted.retry_incident(started.incidents[0].incident_id, actor="admin", data_patch={"offices": 5})
    assert resumed.current_steps == ("Check share",)


def test_resolved_incident_cannot_be_retried_twice(engine, deploy):
    deploy("fragile")
    started = engine.start_instance("fragile", FRAGILE_DATA, actor="clerk")
    engine.retry_incident(started.incidents[0].incident_id, actor="admin", data_patch={"offices": 2})
    with pytest.raises(InvalidState, match="already resolved by admin"):
        engine.retry_incident(started.incidents[0].incident_id, actor="admin")
