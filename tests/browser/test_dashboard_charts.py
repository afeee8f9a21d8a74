"""The dashboard in Chromium: its charts are drawn (chart.js under the strict CSP, no console error), the
page passes axe-core, and its picture is kept as docs/screenshots/dashboard.png."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

from browsing import DEMO_PASSWORD  # noqa: E402

KANSAS = ZoneInfo("America/Chicago")
REQUESTER = {"requester_name": "Pat Doe", "requester_address": "12 Elm Street, Springfield KS 66000"}
# Every chart made and none still animating its bars (chart.js's animator), so the picture shows them whole.
EVERY_CHART_DRAWN = ("() => window.Chart && [...document.querySelectorAll('canvas[data-chart]')]"
                     ".every(canvas => Chart.getChart(canvas) && !Chart.animator.running(Chart.getChart(canvas)))")


def file_requests(engine) -> None:
    """Requests received over the past weeks (entered now, with the day they arrived): some reviewed, one
    estimated (fees charged), the older ones overdue."""
    now = datetime.now(timezone.utc)
    for days_ago, office, steps in ((30, "police", 2), (20, "fire", 1), (16, "city_clerk", 0), (9, "police", 1),
                                    (2, "municipal_court", 0)):
        received_at = (now - timedelta(days=days_ago)).astimezone(KANSAS).isoformat()
        instance = engine.start_instance("records_request", {
            **REQUESTER, "records_description": f"Records of the {office} office", "received_at": received_at,
            "office_key": office}, actor="clerk", tracking_prefix="R")
        if steps >= 1:
            [review] = [task for task in instance.open_tasks if task.bpmn_id == "review_request"]
            instance = engine.complete_task(review.task_id, {"holds_record": True, "description_sufficient": True},
                                            actor="custodian")
        if steps >= 2:
            [estimate] = [task for task in instance.open_tasks if task.bpmn_id == "estimate_fees"]
            engine.complete_task(estimate.task_id, {"search_hours": [{"employee": "Jo Records", "hours": 1}],
                                                    "pages": 4}, actor="custodian")


def test_the_dashboard_draws_its_charts_and_passes_axe(person, site):
    from web import ENGINE_EXTENSION
    file_requests(site.app.extensions[ENGINE_EXTENSION])

    analyst = person("analyst")
    page = analyst.go("/login")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    analyst.audit()

    page = analyst.go("/admin/dashboard")
    expect(page.get_by_role("heading", name="Records requests dashboard")).to_be_visible()
    charts = page.locator("canvas[data-chart]")
    expect(charts).to_have_count(4)
    page.wait_for_function(EVERY_CHART_DRAWN)
    for index in range(4):
        assert charts.nth(index).get_attribute("aria-label").endswith("the same figures are in the table below.")
        assert charts.nth(index).bounding_box()["height"] > 100
    expect(page.get_by_role("table", name="Overdue now: open requests not acted on by their response deadline")
           ).to_contain_text("Police Department")
    analyst.shot("dashboard")

    page.get_by_label("Office", exact=True).select_option("police")
    page.get_by_role("button", name="Show").click()
    assert page.url.endswith("office=police")
    analyst.audit()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table as CSV").nth(2).click()
    assert download.value.suggested_filename == "clerkflow-overdue-police.csv"
