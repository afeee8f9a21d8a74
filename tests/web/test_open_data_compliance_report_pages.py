"""The yearly Open Data Compliance Report in the staff inbox (002, Sacramento's Open Data policy): the Records
Manager's task shows each department's prefilled figures read-only above the summary and the plans; the City
Manager's task and the compliance reports page download the kept PDF; only the roles working the report may."""
from __future__ import annotations

import html
from datetime import datetime, timezone
from pathlib import Path

import pytest

from city.open_data.catalog import publish_dataset
from city.rules.roles import CITY_MANAGER, IT_OPEN_DATA_COORDINATOR, OPEN_DATA_LIAISON, RECORDS_MANAGER
from web.models import db

REPO = Path(__file__).parents[2]
PUBLISHED = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)
REPORT_DAY = datetime(2027, 1, 15, 15, 0, 1, tzinfo=timezone.utc)
COMPLIANCE_REPORT = "open_data_compliance_report"


@pytest.fixture
def report(app, process_engine, time_machine):
    """The 2026 report, started by its timer with one published data set, waiting for the Records Manager."""
    time_machine.move_to(PUBLISHED, tick=False)
    process_engine.deploy_file(REPO / "processes" / f"{COMPLIANCE_REPORT}.bpmn", REPO / "forms", actor="analyst")
    with app.app_context():
        stored = process_engine.operators.files.store(b"permit_number,issued_on\nBP-1,2026-03-01\n", "permits.csv")
        publish_dataset(db.session.connection(), approved_in=1, metadata={
            "title": "Building permits issued", "description": "Every permit.", "department": "Community Development",
            "contact_email": "opendata@city.example"}, files=[
            {"sha256": stored.sha256, "filename": stored.filename, "content_type": "text/csv", "size": stored.size}])
        db.session.commit()
    time_machine.move_to(REPORT_DAY, tick=False)
    assert process_engine.fire_due_timers() == 1
    [instance] = process_engine.list_instances(process_key=COMPLIANCE_REPORT)
    return instance.instance_id


def task_id(engine, instance_id, bpmn_id):
    return {task.bpmn_id: task.task_id for task in engine.list_tasks(instance_id=instance_id)}[bpmn_id]


def to_the_city_manager(engine, instance_id):
    for bpmn_id, answers, role in (
            ("prepare_compliance_report", {"state_of_open_data": "One department publishes.",
                                           "department_plans": "Community Development: more permits data."},
             RECORDS_MANAGER),
            ("comment_as_liaisons", {"liaison_comments": "Agreed."}, OPEN_DATA_LIAISON),
            ("comment_as_it_coordinator", {"it_comments": "The portal is ready."}, IT_OPEN_DATA_COORDINATOR),
            ("finalise_compliance_report", {"state_of_open_data": "One department publishes.",
                                            "department_plans": "Community Development: more permits data.",
                                            "prepared_by": "Riley Records Manager"}, RECORDS_MANAGER)):
        engine.complete_task(task_id(engine, instance_id, bpmn_id), answers, actor="someone", roles={role})
    return task_id(engine, instance_id, "acknowledge_compliance_report")


def test_the_records_manager_sees_each_departments_figures_read_only_above_the_summary(report, process_engine,
                                                                                       client, login_as):
    login_as(RECORDS_MANAGER, username="riley")
    inbox = html.unescape(client.get("/inbox").get_data(as_text=True))
    assert "Prepare the Open Data Compliance Report" in inbox
    page = html.unescape(client.get(f"/inbox/tasks/{task_id(process_engine, report, 'prepare_compliance_report')}")
                         .get_data(as_text=True))
    assert "Each department's open data in the year" in page
    assert "Community Development" in page and "Building permits issued" in page
    assert "From 1 January 2026 to 31 December 2026: 1 data set(s) on the open data portal" in page
    for name in ("state_of_open_data", "department_plans"):
        assert f'name="{name}"' in page
    assert 'name="department_figures' not in page                     # counted by the system, not typed


def test_the_records_managers_summary_and_plans_are_required(report, process_engine, client, login_as, csrf_token):
    login_as(RECORDS_MANAGER, username="riley")
    task = task_id(process_engine, report, "prepare_compliance_report")
    refused = client.post(f"/inbox/tasks/{task}/complete",
                          data={"state_of_open_data": "", "department_plans": "",
                                "csrf_token": csrf_token(client, f"/inbox/tasks/{task}")})
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert "Summary and comments on the state of open data" in page and 'class="field-error"' in page
    assert [task.bpmn_id for task in process_engine.list_tasks(instance_id=report)] == ["prepare_compliance_report"]


def test_the_city_manager_downloads_the_kept_pdf_from_the_task_and_the_reports_page(report, process_engine, client,
                                                                                    login_as):
    acknowledge = to_the_city_manager(process_engine, report)
    login_as(CITY_MANAGER, username="cameron")
    page = html.unescape(client.get(f"/inbox/tasks/{acknowledge}").get_data(as_text=True))
    link = f"/inbox/tasks/{acknowledge}/form-files/compliance_report_pdf"
    assert f'href="{link}"' in page and "Download open-data-compliance-report-2026.pdf" in page
    with client.get(link) as download:
        assert download.status_code == 200 and download.mimetype == "application/pdf"
        assert download.data.startswith(b"%PDF-")
        assert "filename=open-data-compliance-report-2026.pdf" in download.headers["Content-Disposition"]
        pdf = download.data
    assert client.get(f"/inbox/tasks/{acknowledge}/form-files/received_by").status_code == 404     # not a file

    listed = html.unescape(client.get("/inbox/open-data/compliance-reports").get_data(as_text=True))
    assert "Compliance reports" in listed                                                            # in the top bar
    assert f'/inbox/open-data/compliance-reports/{report}/report.pdf' in listed
    with client.get(f"/inbox/open-data/compliance-reports/{report}/report.pdf") as kept:
        assert kept.status_code == 200 and kept.data == pdf


def test_the_report_and_its_pdf_are_only_for_the_roles_working_it(report, process_engine, client, login_as):
    acknowledge = to_the_city_manager(process_engine, report)
    login_as("clerk")
    assert client.get(f"/inbox/tasks/{acknowledge}/form-files/compliance_report_pdf").status_code == 403
    assert client.get("/inbox/open-data/compliance-reports").status_code == 403
    assert client.get(f"/inbox/open-data/compliance-reports/{report}/report.pdf").status_code == 403
    assert "Compliance reports" not in client.get("/inbox").get_data(as_text=True)


def test_a_report_not_yet_finalised_has_no_pdf_to_download(report, client, login_as):
    login_as(OPEN_DATA_LIAISON, username="dana")
    listed = html.unescape(client.get("/inbox/open-data/compliance-reports").get_data(as_text=True))
    assert "Made when the Records Manager finalises the report" in listed
    missing = client.get(f"/inbox/open-data/compliance-reports/{report}/report.pdf")
    assert missing.status_code == 404
    assert "made when the Records Manager finalises the report" in html.unescape(missing.get_data(as_text=True))
