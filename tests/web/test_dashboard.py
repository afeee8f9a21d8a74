"""/admin/dashboard: who may see it, its filters, and the CSV download of each table (docs/dashboards.md)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from city.citydata import set_office
from records_office import REQUEST
from web.admin.dashboard import csv_safe
from city.office import city_data_of

MONDAY_10AM = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)   # Kansas: due by the end of Thursday 5 March
NEXT_TUESDAY = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)
ALLOWED = ("administrator", "analyst", "city_clerk", "records_manager", "finance")
REFUSED = ("clerk", "custodian", "city_attorney", "open_data_officer")
RANGE = {"from": "2026-02-23", "to": "2026-03-15"}


@pytest.fixture
def requests_filed(process_engine, portal, time_machine):
    """Two requests received Monday 2 March (police, fire); the police one is reviewed on Wednesday,
    neither is acted on, and it is now the next Tuesday: both are overdue."""
    time_machine.move_to(MONDAY_10AM, tick=False)
    numbers = {}
    for office in ("police", "fire"):
        instance = process_engine.start_instance(
            "records_request", {**REQUEST, "received_at": "2026-03-02T10:00:00-06:00", "office_key": office},
            actor="clerk", tracking_prefix="R")
        numbers[office] = instance
    time_machine.move_to(MONDAY_10AM + timedelta(days=2), tick=False)
    [review] = [task for task in numbers["police"].open_tasks if task.bpmn_id == "review_request"]
    process_engine.complete_task(review.task_id, {"holds_record": True, "description_sufficient": True},
                                 actor="custodian")
    time_machine.move_to(NEXT_TUESDAY, tick=False)
    return {office: instance.business_key for office, instance in numbers.items()}


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("role", ALLOWED)
def test_the_dashboard_is_for_administrators_analysts_the_city_clerk_records_managers_and_finance(
        login_as, client, role, portal):
    login_as(role)
    page = client.get("/admin/dashboard")
    assert page.status_code == 200
    assert client.get("/admin/dashboard/fees.csv").status_code == 200


@pytest.mark.parametrize("role", REFUSED)
def test_other_staff_cannot_open_the_dashboard_or_its_csv(login_as, client, role):
    login_as(role)
    assert client.get("/admin/dashboard").status_code == 403
    assert client.get("/admin/dashboard/requests.csv").status_code == 403


def test_each_table_has_a_caption_headers_a_chart_and_a_download(login_as, client, requests_filed):
    login_as("analyst")
    html = client.get("/admin/dashboard", query_string=RANGE).get_data(as_text=True)
    for table in ("requests", "response_times", "overdue", "fees"):
        assert f'href="/admin/dashboard/{table}.csv?from=2026-02-23&amp;to=2026-03-15"' in html
    for table in ("requests", "response_times", "overdue"):
        assert f'<canvas data-chart="chart-{table}" role="img" aria-label="' in html
        assert f'<script type="application/json" id="chart-{table}">' in html
    assert "<caption>Overdue now: open requests not acted on by their response deadline</caption>" in html
    assert '<th scope="col">Business days late</th>' in html
    assert '<th scope="row">2026-03-02</th>' in html
    assert requests_filed["police"] in html and requests_filed["fire"] in html
    assert '/static/dashboard.js' in html and '/static/vendor/chart.js/chart.umd.js' in html
    assert "<script>" not in html   # no inline script: the CSP forbids it
    assert "Nothing in this range." in html   # no fees yet


def test_the_office_filter_keeps_one_offices_requests(login_as, client, requests_filed):
    login_as("city_clerk")
    html = client.get("/admin/dashboard", query_string={**RANGE, "office": "police"}).get_data(as_text=True)
    assert requests_filed["police"] in html and requests_filed["fire"] not in html
    rows = csv_rows(client.get("/admin/dashboard/overdue.csv", query_string={"office": "fire"}))
    assert [row[0] for row in rows[1:]] == [requests_filed["fire"]]


def test_the_response_times_csv_counts_per_office_and_in_all(login_as, client, requests_filed):
    login_as("analyst")
    response = client.get("/admin/dashboard/response_times.csv", query_string=RANGE)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="clerkflow-response-times-2026-02-23-2026-03-15.csv"'
    header, *rows = csv_rows(response)
    assert header[:4] == ["Office", "Received", "First step taken", "Median business days to first step"]
    assert {row[0]: row[1:] for row in rows} == {
        "Fire Department": ["1", "0", "", "0", "", "1", "0", "0"],
        "Police Department": ["1", "1", "2", "0", "", "1", "0", "0"],
        "All offices": ["2", "1", "2", "0", "", "2", "0", "0"]}


def test_the_weekly_csv_counts_received_in_its_week(login_as, client, requests_filed):
    login_as("finance")
    header, *rows = csv_rows(client.get("/admin/dashboard/requests.csv", query_string=RANGE))
    assert header == ["Week beginning", "Received", "Acted on", "Closed", "Handed out free (copies, no form)"]
    assert rows == [["2026-02-23", "0", "0", "0", "0"], ["2026-03-02", "2", "0", "0", "0"],
                    ["2026-03-09", "0", "0", "0", "0"]]


def test_without_a_range_the_last_twelve_weeks_are_shown(login_as, client, requests_filed):
    login_as("analyst")
    rows = csv_rows(client.get("/admin/dashboard/requests.csv"))[1:]
    assert len(rows) == 12 and rows[-1][0] == "2026-03-09" and rows[0][0] == "2025-12-22"


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_defused(login_as, client, requests_filed, process_engine):
    with process_engine.database.write() as session:
        set_office(session, "fire", actor="admin", name='=HYPERLINK("http://evil.example","Fire")')
    city_data_of(process_engine).invalidate()
    login_as("records_manager")
    rows = csv_rows(client.get("/admin/dashboard/overdue.csv"))
    assert rows[1:] and {row[1] for row in rows[1:]} >= {"'=HYPERLINK(\"http://evil.example\",\"Fire\")"}
    assert csv_safe("+1") == "+1" and csv_safe("-5.00") == "-5.00"          # numbers stay numbers
    assert [csv_safe(text) for text in ("+cmd", "-cmd", "@SUM(A1)", "=1+1", "plain")] == [
        "'+cmd", "'-cmd", "'@SUM(A1)", "'=1+1", "plain"]


@pytest.mark.parametrize("query, message", [
    ({"from": "2026-13-01"}, "is not a day"),
    ({"from": "2026-03-10", "to": "2026-03-01"}, "starts after it ends"),
    ({"office": "mayor"}, "There is no office"),
    ({"from": "2010-01-01", "to": "2026-01-01"}, "five years or less"),
])
def test_a_filter_that_makes_no_sense_is_refused_with_what_to_fix(login_as, client, portal, query, message):
    login_as("analyst")
    for path in ("/admin/dashboard", "/admin/dashboard/fees.csv"):
        response = client.get(path, query_string=query)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_only_administrators_get_links_to_the_instance_page(login_as, client, requests_filed, app, make_staff,
                                                            csrf_token, staff_password):
    login_as("administrator", username="admin")
    assert 'href="/admin/instances/' in client.get("/admin/dashboard").get_data(as_text=True)
    other = app.test_client()
    make_staff("ana", "analyst")
    other.post("/login", data={"username": "ana", "password": staff_password, "csrf_token": csrf_token(other)})
    html = other.get("/admin/dashboard").get_data(as_text=True)
    assert requests_filed["police"] in html and 'href="/admin/instances/' not in html
