"""The data set review in the staff inbox (002): a department's liaison sends the Open Data Review and
Approval Form with a sample, and the Records Manager's task page shows what the scan found beside the
form, examples masked, with the sample among the case's attachments.
"""
from __future__ import annotations

import html
import io
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from engine.filestore import file_reference

REPO = Path(__file__).parents[2]
MONDAY_9AM = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
CRITERIA = ("in_retention_schedule", "appropriate_for_release", "often_requested", "increases_accountability",
            "improves_public_knowledge", "furthers_mission", "creates_economic_opportunity", "not_protected_data")
FORM = {"dataset_title": "Building permits issued", "department": "Community Development",
        "dataset_description": "Every building permit issued.", "source": "The permit register.",
        "quality": "Complete from 2019.", "update_frequency": "monthly",
        "license": "https://opendatacommons.org/licenses/pddl/1-0/", "contact_name": "Dana Liaison",
        "contact_email": "dana@city.example", **{criterion: "true" for criterion in CRITERIA}}
SAMPLE = (b"permit_number,issued_on,applicant_email,applicant_phone\n"
          b"BP-1,2026-10-01,pat.doe@example.org,(913) 555-0143\n"
          b"BP-2,2026-10-02,lee.roe@example.net,816-555-0199\n")


@pytest.fixture
def deployed(process_engine, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    process_engine.deploy_file(REPO / "processes" / "dataset_approval.bpmn", REPO / "forms", actor="analyst")
    return process_engine


def send_for_review(client, csrf_token, sample=SAMPLE, filename="permits.csv", **changes):
    data = {**FORM, **changes, "csrf_token": csrf_token(client, "/inbox/open-data/submit"),
            "sample": (io.BytesIO(sample), filename)}
    return client.post("/inbox/open-data/submit", data=data, content_type="multipart/form-data")


def test_a_liaison_sends_a_data_set_with_its_sample_for_review(deployed, client, login_as, csrf_token):
    login_as("open_data_liaison", username="dana")
    page = client.get("/inbox/open-data/submit").get_data(as_text=True)
    assert "<h2>Open Data Review and Approval Form</h2>" in page
    for name in (*FORM, "sample"):
        assert f'name="{name}"' in page, name
    assert 'enctype="multipart/form-data"' in page
    sent = send_for_review(client, csrf_token)
    assert sent.status_code == 302
    instance = deployed.list_instances(process_key="dataset_approval")[0]
    assert instance.business_key == "OD-2026-00001" and instance.started_by == "dana"
    assert [task.bpmn_id for task in deployed.list_tasks(instance_id=instance.instance_id)] == ["review_dataset"]
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Sent for review" in html.unescape(inbox) and "OD-2026-00001" in inbox


def test_an_image_is_refused_as_a_sample_in_the_policys_words(deployed, client, login_as, csrf_token):
    login_as("open_data_liaison", username="dana")
    refused = send_for_review(client, csrf_token, sample=b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, filename="site.png")
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert "is an image file" in page and "GIS data aside" in page
    assert 'value="Building permits issued"' in page          # what was typed stays
    assert deployed.list_instances(process_key="dataset_approval") == []


def test_only_liaisons_send_data_sets(deployed, client, login_as):
    login_as("clerk")
    assert client.get("/inbox/open-data/submit").status_code == 403


def test_the_records_manager_sees_the_findings_masked_beside_the_form(deployed, client, login_as, csrf_token):
    login_as("open_data_liaison", username="dana")
    send_for_review(client, csrf_token)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    login_as("records_manager", username="rita")
    instance = deployed.list_instances(process_key="dataset_approval")[0]
    task = deployed.list_tasks(instance_id=instance.instance_id)[0]
    page = html.unescape(client.get(f"/inbox/tasks/{task.task_id}").get_data(as_text=True))
    findings = re.search(r"What the scan found in the sample.*?</table>", page, re.DOTALL).group()
    rows = [re.sub(r"<[^>]+>", "|", row) for row in re.findall(r"<tr>.*?</tr>", findings, re.DOTALL)]
    cells = [[cell.strip() for cell in row.split("|") if cell.strip()] for row in rows]
    assert cells == [["Column", "Looks like", "Rows", "Examples (masked)"],
                     ["applicant_email", "E-mail addresses", "2", "p***@example.org, l***@example.net"],
                     ["applicant_phone", "Telephone numbers", "2", "***-***-0143, ***-***-0199"]]
    assert "2 of 4 columns of permits.csv look like personal identifiers" in page
    assert "pat.doe@example.org" not in page and "555-0143" not in page.replace("***-***-0143", "")
    attachments = re.search(r"<h2[^>]*>Attachments.*?</(ul|table)>", page, re.DOTALL).group()
    assert "permits.csv" in attachments       # the sample itself, to open


def test_a_clean_sample_says_so_on_the_review_page(deployed, client, login_as, process_engine):
    login_as("records_manager", username="rita")
    sample = process_engine.operators.files.store(b"permit,issued_on\nBP-1,2026-10-01\nBP-2,2026-10-02\n", "p.csv")
    data = {key: (value == "true") if key in CRITERIA else value for key, value in FORM.items()}
    instance = process_engine.start_instance("dataset_approval", {**data, "sample": file_reference(sample)},
                                             actor="dana", tracking_prefix="OD")
    task = process_engine.list_tasks(instance_id=instance.instance_id)[0]
    page = html.unescape(client.get(f"/inbox/tasks/{task.task_id}").get_data(as_text=True))
    assert "No column of p.csv looks like personal identifiers" in page
