"""A department's liaison sends a data set for review with its sample, the Records Manager sees what the scan
found, consults the City Attorney, who answers in writing, and approves it; every page passes axe-core."""
from __future__ import annotations

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

CRITERIA = ("It is identified in the City's Record Retention Schedule", "It is appropriate for public release",
            "It is frequently the subject of a written request for public records",
            "It increases accountability, efficiency, responsiveness or delivery of services",
            "It improves public knowledge of the City and its operations", "It furthers the City's mission",
            "It creates economic opportunity", "It is not a Protected Data set")
SAMPLE = (b"inspection_id,inspected_on,result,owner_email\n"
          b"FI-101,2026-10-01,Passed,pat.doe@example.org\n"
          b"FI-102,2026-10-02,Failed,lee.roe@example.net\n")


def open_task(site, visit, bpmn_id: str):
    from web import ENGINE_EXTENSION
    engine = site.app.extensions[ENGINE_EXTENSION]
    [case] = [case for case in engine.list_instances(process_key="dataset_approval")
              if case.started_by == "liaison" and case.business_key.endswith("00002")]
    [task] = [task for task in engine.list_tasks(instance_id=case.instance_id) if task.bpmn_id == bpmn_id]
    return visit.go(f"/inbox/tasks/{task.task_id}")


def test_a_data_set_is_sent_scanned_reviewed_with_the_city_attorney_and_approved(person, site):
    liaison = person("liaison")
    liaison.sign_in("liaison")
    page = liaison.go("/inbox")
    page.get_by_role("link", name="Send a data set for review").click()
    liaison.audit()
    page.get_by_label("Title of the data set").fill("Fire inspections")
    page.get_by_label("Description").fill("Every fire inspection of a business, one row per inspection.")
    page.get_by_label("Department").fill("Fire")
    page.get_by_label("Source of the data").fill("The inspections register.")
    page.get_by_label("Quality of the data").fill("Complete from 2020.")
    page.get_by_label("Updated").select_option(label="Monthly")
    page.get_by_label("Contact person").fill("Dana Liaison")
    page.get_by_label("Contact e-mail").fill("dana@springfield.example")
    for criterion in CRITERIA:
        page.get_by_role("group", name=criterion).get_by_label("Yes").check()
    page.get_by_label("Sample of the data set").set_input_files(
        files=[{"name": "site.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\x00" * 32}])
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_role("alert")).to_contain_text("is an image file")
    liaison.audit()
    page.get_by_label("Sample of the data set").set_input_files(
        files=[{"name": "inspections.csv", "mimeType": "text/csv", "buffer": SAMPLE}])
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("Sent for review")).to_be_visible()
    liaison.audit()

    manager = person("Records Manager")
    manager.sign_in("records")
    page = open_task(site, manager, "review_dataset")
    findings = page.get_by_role("table").filter(has_text="Looks like")
    expect(findings.get_by_role("row", name="owner_email")).to_contain_text("p***@example.org")
    expect(page.get_by_text("pat.doe@example.org")).to_have_count(0)
    manager.shot("dataset-review-findings")
    page.get_by_role("group", name="Consult the City Attorney").get_by_label("Yes").check()
    page.get_by_label("Question for the City Attorney").fill("Are business owners' e-mail addresses exempt?")
    page.get_by_role("group", name="Consult the IT Open Data Coordinator").get_by_label("No").check()
    page.get_by_role("button", name="Complete task").click()
    manager.audit()

    attorney = person("City Attorney")
    attorney.sign_in("attorney")
    page = open_task(site, attorney, "consult_city_attorney")
    expect(page.get_by_label("The approver's question")).to_have_text("Are business owners' e-mail addresses exempt?")
    page.get_by_label("Advice").fill("Publish without the owner_email column.")
    page.get_by_role("button", name="Complete task").click()
    attorney.audit()

    page = open_task(site, manager, "decide_dataset")
    expect(page.get_by_label("The City Attorney's advice")).to_have_text("Publish without the owner_email column.")
    page.get_by_label("Decision").select_option(label="Approved for the open data portal")
    page.get_by_role("button", name="Complete task").click()
    manager.audit()
    page = open_task(site, liaison, "give_dataset_access")
    expect(page.get_by_role("heading", name="Give the publisher access to the data set")).to_be_visible()
