"""An instance stopped by an incident on one parallel branch, its other branch still open, is an incident on
the monitoring pages: the instance list's incident filter and count, the process overview and the instance's
page (issue 13)."""
from __future__ import annotations

import html

import pytest

from conftest import DIAGRAMS

BUSINESS_KEY = "R-2026-0150"


def page_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def stopped_on_one_branch(process_engine, review_week):
    """Its inspection day is not a date, so that branch cannot wait for it, while "Review the request" waits on
    the other branch."""
    process_engine.deploy_file(DIAGRAMS / "parallel_deadlines.bpmn", DIAGRAMS / "forms", actor="tests")
    instance = process_engine.start_instance("parallel_deadlines", {
        "requested_review_due_at": "2026-11-30T23:00:00+00:00", "requested_inspection_at": "next Tuesday"},
        actor="tests", business_key=BUSINESS_KEY)
    assert [task.bpmn_id for task in instance.open_tasks] == ["review_request"]
    return instance


def test_incident_filter_and_counts_include_an_error_on_a_parallel_branch(login_as, client, stopped_on_one_branch):
    login_as("administrator")
    assert BUSINESS_KEY in page_of(client, "/admin/instances?status=incident")
    assert BUSINESS_KEY not in page_of(client, "/admin/instances?status=active")
    page = page_of(client, "/admin/instances")
    assert 'incident <span class="count">1</span>' in page and 'running <span class="count">0</span>' in page


def test_process_overview_counts_it_as_incident(login_as, client, stopped_on_one_branch):
    login_as("administrator")
    page = page_of(client, "/admin/processes")
    assert '/admin/instances?process=parallel_deadlines&version=1&status=incident">1</a>' in page
    heat = page_of(client, "/admin/processes/parallel_deadlines/1")
    tasks_timers_messages_incidents = "".join(f'<td class="number">{count}</td>' for count in (0, 0, 0, 1))
    assert f"<tr><td>wait_for_inspection_day</td>{tasks_timers_messages_incidents}</tr>" in heat


def test_instance_page_shows_the_incident_and_the_open_task_of_the_other_branch(
        login_as, client, stopped_on_one_branch, process_engine):
    login_as("administrator")
    path = f"/admin/instances/{stopped_on_one_branch.instance_id}"
    page = page_of(client, path)
    assert "(wait_for_inspection_day in parallel_deadlines.bpmn)" in page and "'next Tuesday'" in page
    assert f"Retry incident {stopped_on_one_branch.incidents[0].incident_id}" in page
    assert "Review the request" in page
    [review] = process_engine.list_tasks(instance_id=stopped_on_one_branch.instance_id)
    process_engine.complete_task(review.task_id, {}, actor="clerk")
    assert BUSINESS_KEY in page_of(client, "/admin/instances?status=incident")   # the other branch still stopped
    assert "incident-open" in page_of(client, path)
