"""Anyone reports a published data set as inaccurate, misleading or protected from its page, and follows the report
by a private link (issue 16; Sacramento's Open Data policy, Responsibility: "If the city is notified that data on this
data portal is factually inaccurate or misleading, or is protected data, the Records Manager shall as appropriate,
promptly correct or remove such data"). The Records Manager's outcome reaches the reporter on the status page and,
with an e-mail address, by mail; the data set's page shows its history."""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from city.open_data.catalog import publish_dataset
from city.rules.roles import RECORDS_MANAGER
from engine.filestore import file_reference
from web.filestore import file_store
from web.models import db

REPO = Path(__file__).parents[2]
# Monday 7 December 2026, 10:00 in the city.
MONDAY = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
PAGE = "/data/building-permits/report"
LINK = re.compile(r'href="(http://localhost/data/reports/[^"]+)"')
PERMITS_CSV = b"permit,issued,applicant_phone\nB-1,2026-10-01,(913) 555-0143\n"
REPORT = {"report_kind": "protected_data", "report_details": "The applicant_phone column has private numbers."}


@pytest.fixture
def permits(app, process_engine, time_machine):
    """The permits data set published and dataset_takedown deployed, on Monday morning."""
    time_machine.move_to(MONDAY, tick=False)
    process_engine.deploy_file(REPO / "processes" / "dataset_takedown.bpmn", REPO / "forms", actor="analyst")
    with app.app_context():
        stored = file_store().store(PERMITS_CSV, "permits.csv")
        publish_dataset(db.session.connection(), metadata={
            "title": "Building permits", "description": "Every permit.", "department": "Planning",
            "contact_email": "opendata@city.example"}, files=[
            {"sha256": stored.sha256, "filename": "permits.csv", "content_type": "text/csv", "size": stored.size}],
            approved_in=7)
        db.session.commit()
    return process_engine


def send(client, csrf_token, *, submission_id="report-form-0000000001", **fields):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "submission_id": submission_id,
                                   **REPORT, **fields})


def status_path(client) -> str:
    return LINK.search(client.get("/data/reports/received").get_data(as_text=True)).group(1) \
        .removeprefix("http://localhost")


def reports(engine) -> list[str]:
    return [instance.business_key for instance in engine.list_instances(process_key="dataset_takedown")]


def decide(engine, answers):
    [instance] = engine.list_instances(process_key="dataset_takedown")
    [task] = engine.list_tasks(instance_id=instance.instance_id)
    engine.complete_task(task.task_id, answers, actor="rita.manager", roles={RECORDS_MANAGER})


def test_a_resident_reports_a_data_set_from_its_page_and_follows_it_by_a_private_link(client, csrf_token, permits):
    page = client.get("/data/building-permits").get_data(as_text=True)
    assert f'href="{PAGE}"' in page
    form = client.get(PAGE).get_data(as_text=True)
    assert "Report a problem with this data set" in form and 'name="report_details"' in form
    answer = send(client, csrf_token)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/data/reports/received")
    received = client.get("/data/reports/received")
    assert "DT-2026-00001" in received.get_data(as_text=True) and received.headers["Cache-Control"] == "no-store"
    status = client.get(status_path(client)).get_data(as_text=True)
    assert "Report DT-2026-00001" in status and "With the Records Manager" in status
    assert "Contains protected data" in status


def test_a_report_missing_what_is_wrong_says_so_and_keeps_what_was_typed(client, csrf_token, permits):
    answer = send(client, csrf_token, report_details="", reporter_name="Pat Doe", reporter_email="pat at example")
    page = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 422
    assert "Your report was not sent yet" in page
    errors = re.findall(r'class="field-error"[^>]*>([^<]+)<', page)      # beside each field, in words
    assert errors == ["What is wrong is required", "Your e-mail address must be written as name@example.org"]
    assert 'value="Pat Doe"' in page and 'value="pat at example"' in page
    assert re.search(r'value="protected_data"[^>]*checked', page)
    assert reports(permits) == []


def test_a_report_without_the_forms_csrf_token_files_nothing(client, permits):
    answer = client.post(PAGE, data={"submission_id": "report-form-0000000001", **REPORT})
    assert answer.status_code == 400
    assert reports(permits) == []


def test_sending_the_report_twice_files_one_report_with_one_link(client, csrf_token, permits):
    send(client, csrf_token)
    first = status_path(client)
    send(client, csrf_token)
    assert status_path(client) == first
    assert reports(permits) == ["DT-2026-00001"]


@pytest.mark.parametrize("path", ["/data/no-such-data-set/report", "/data/reports/no-such-token"])
def test_an_unknown_data_set_or_link_is_not_found(client, permits, path):
    assert client.get(path).status_code == 404


def test_a_correction_of_protected_data_is_told_and_the_old_version_stays_listed_but_no_longer_downloads(
        app, client, csrf_token, permits):
    send(client, csrf_token)
    path = status_path(client)
    with app.app_context():
        corrected = file_store().store(b"permit,issued\nB-1,2026-10-01\n", "permits.csv")
    decide(permits, {"takedown_choice": "correct", "corrected_files": [file_reference(corrected)],
                     "takedown_reason": "The telephone column is taken out."})
    status = html.unescape(client.get(path).get_data(as_text=True))
    assert "Corrected" in status and "The Records Manager's reasons: The telephone column is taken out." in status
    page = html.unescape(client.get("/data/building-permits").get_data(as_text=True))
    assert "Corrected (version 2). The telephone column is taken out." in page
    assert "Version 1 withdrawn. The telephone column is taken out." in page
    assert "Version 1 of this data set was withdrawn on Dec 7, 2026: The telephone column is taken out." in page
    [current] = re.findall(r'href="(/data/building-permits/files/\d+/permits\.csv)"', page)
    assert client.get(current).data == b"permit,issued\nB-1,2026-10-01\n"
    old_id = int(current.split("/")[4]) - 1
    gone = client.get(f"/data/building-permits/files/{old_id}/permits.csv")
    assert gone.status_code == 410 and b"555-0143" not in gone.data
    assert "withdrawn on Dec 7, 2026: The telephone column is taken out." in html.unescape(gone.get_data(
        as_text=True))


def test_a_removed_data_set_leaves_the_catalog_and_the_reporter_is_told_why(client, csrf_token, permits):
    send(client, csrf_token)
    path = status_path(client)
    decide(permits, {"takedown_choice": "remove", "takedown_reason": "Private telephone numbers are protected."})
    assert client.get("/data/building-permits").status_code == 404
    status = html.unescape(client.get(path).get_data(as_text=True))
    assert "Removed from the portal" in status and "Private telephone numbers are protected." in status
    assert 'href="/data/building-permits"' not in status


def test_a_reporter_who_gives_an_e_mail_address_is_mailed_the_link_and_then_the_outcome(app, client, csrf_token,
                                                                                       permits):
    from web.mail.dispatch import queue_requester_mail
    from web.models_mail import MailOutbox
    send(client, csrf_token, reporter_email="pat@example.org")
    path = status_path(client)
    decide(permits, {"takedown_choice": "leave", "takedown_reason": "The numbers are the permit office's own."})
    with app.app_context():
        queue_requester_mail(db.session, MONDAY, permits)
        mails = {mail.subject: mail for mail in db.session.query(MailOutbox).filter_by(recipient="pat@example.org")}
    link = mails["Your report on the data set Building permits (DT-2026-00001)"]
    assert link.private_link == "http://localhost" + path
    outcome = mails["Outcome of your report on the data set Building permits (DT-2026-00001)"]
    assert 'The data set "Building permits" stays as it is published.' in outcome.body
    assert "This is a letter about your report on a published data set DT-2026-00001" in outcome.body


def test_a_reporter_who_lost_the_link_is_mailed_a_new_one_to_the_reports_page(app, client, csrf_token, permits):
    from web.models_mail import MailOutbox
    send(client, csrf_token, reporter_email="pat@example.org")
    old = status_path(client)
    client.post("/status/lost", data={"csrf_token": csrf_token(client, "/status/lost"),
                                      "tracking_number": "dt-2026-00001", "email": "pat@example.org"})
    with app.app_context():
        mail = db.session.query(MailOutbox).filter_by(
            subject="A new status link for your report on a published data set DT-2026-00001").one()
        new_path = mail.private_link.removeprefix("http://localhost")
    assert new_path.startswith("/data/reports/") and new_path != old
    assert client.get(new_path).status_code == 200 and client.get(old).status_code == 404


STAFF_PAGE = "/inbox/data-sets/report"


def test_staff_report_a_data_set_from_the_inbox_through_the_same_start_and_get_the_link_to_pass_on(
        client, csrf_token, login_as, permits):
    login_as("clerk", username="carla.clerk")
    assert f'href="{STAFF_PAGE}?slug=building-permits"' in client.get("/data/building-permits").get_data(as_text=True)
    form = client.get(f"{STAFF_PAGE}?slug=building-permits").get_data(as_text=True)
    assert '<option value="building-permits" selected>Building permits (Planning)</option>' in form
    assert 'name="report_details"' in form
    answer = client.post(STAFF_PAGE, data={"csrf_token": csrf_token(client, STAFF_PAGE), "slug": "building-permits",
                                           "submission_id": "report-form-0000000002", **REPORT,
                                           "reporter_email": "caller@example.org"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Report DT-2026-00001 entered" in page
    link = re.search(r"http://localhost(/data/reports/[^<\s]+)", page).group(1)
    assert "With the Records Manager" in client.get(link).get_data(as_text=True)
    [instance] = permits.list_instances(process_key="dataset_takedown")
    assert instance.started_by == "carla.clerk"
    [task] = permits.list_tasks(instance_id=instance.instance_id)
    assert (task.bpmn_id, task.candidate_role) == ("decide_takedown", RECORDS_MANAGER)


def test_a_staff_report_without_a_data_set_or_with_what_is_wrong_missing_says_so(client, csrf_token, login_as,
                                                                                 permits):
    login_as("open_data_officer")
    token = csrf_token(client, STAFF_PAGE)
    no_data_set = client.post(STAFF_PAGE, data={"csrf_token": token, "slug": "", **REPORT})
    assert no_data_set.status_code == 422
    assert "Data set is not chosen: choose the published data set the report is about." in no_data_set.get_data(
        as_text=True)
    no_details = client.post(STAFF_PAGE, data={"csrf_token": token, "slug": "building-permits",
                                               "report_kind": "inaccurate", "report_details": ""})
    assert no_details.status_code == 422 and "What is wrong is required" in no_details.get_data(as_text=True)
    assert reports(permits) == []


def test_the_open_data_catalog_staff_page_links_each_published_data_set_to_the_staff_report(client, login_as,
                                                                                             permits):
    login_as("open_data_officer")
    page = client.get("/admin/open-data").get_data(as_text=True)
    assert f'href="{STAFF_PAGE}?slug=building-permits"' in page


def test_the_records_managers_task_shows_no_messages_with_a_requester_and_asks_none(client, csrf_token, login_as,
                                                                                    permits):
    send(client, csrf_token)
    [instance] = permits.list_instances(process_key="dataset_takedown")
    [task] = permits.list_tasks(instance_id=instance.instance_id)
    login_as("records_manager")
    task_path = f"/inbox/tasks/{task.task_id}"
    page = client.get(task_path).get_data(as_text=True)
    assert "What the reporter says is wrong" in page
    assert "Messages with the requester" not in page and "Ask the requester" not in page
    asked = client.post(f"{task_path}/ask", data={"question": "Which rows?", "csrf_token": csrf_token(client,
                                                                                                       task_path)})
    assert asked.status_code == 422
    assert "this case has no such messages" in asked.get_data(as_text=True)
