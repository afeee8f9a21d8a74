"""A resident finds private telephone numbers in a published data set and reports it; the Records Manager corrects
it with a new file and withdraws the old version with it; the resident's status page gives the outcome, the data
set's page lists the withdrawn version with its reason, and the old file no longer downloads. Every page passes
axe-core (Sacramento's Open Data policy, Responsibility: "promptly correct or remove such data")."""
from __future__ import annotations

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

SLUG = "building-permits-issued"
WITH_PHONES = (b"permit_number,issued_on,work,applicant_phone\n"
               b"BP-2026-0101,2026-10-01,Roof repair,(417) 555-0143\n"
               b"BP-2026-0102,2026-10-02,New garage,417-555-0199\n")
CORRECTED = (b"permit_number,issued_on,work\n"
             b"BP-2026-0101,2026-10-01,Roof repair\n"
             b"BP-2026-0102,2026-10-02,New garage\n")
REASON = "The applicant_phone column gave private persons' telephone numbers; it is taken out."


def publish_permits(site) -> None:
    """The building permits, telephone numbers and all, on the public catalog (approved in an earlier case)."""
    from city.open_data.catalog import publish_dataset
    from web.filestore import file_store
    from web.models import db

    with site.app.app_context():
        stored = file_store().store(WITH_PHONES, "permits.csv")
        publish_dataset(db.session.connection(), metadata={
            "title": "Building permits issued", "description": "Every building permit the city issued.",
            "department": "Community Development", "contact_email": "permits@springfield.example"},
            files=[{"sha256": stored.sha256, "filename": "permits.csv", "content_type": "text/csv",
                    "size": stored.size}], approved_in=1)
        db.session.commit()


def test_a_report_of_protected_data_is_corrected_and_the_old_version_withdrawn(person, site):
    publish_permits(site)
    resident = person("resident")
    page = resident.go(f"/data/{SLUG}")
    old_file = page.get_by_role("link", name="permits.csv", exact=True).get_attribute("href")
    page.get_by_role("link", name="report it to the Records Manager").click()
    expect(page.get_by_role("heading", name="Report a problem with this data set", level=1)).to_be_visible()
    resident.audit()
    page.get_by_label("Contains protected data", exact=False).check()
    page.get_by_label("What is wrong").fill("The applicant_phone column gives private persons' telephone numbers.")
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We received your report")
    resident.shot("dataset-takedown-reported")
    tracking_number = page.locator(".reference").first.inner_text()
    assert tracking_number.startswith("DT-")
    page.get_by_role("link", name="/data/reports/", exact=False).click()
    expect(page.get_by_text("With the Records Manager")).to_be_visible()
    resident.audit()
    status_page = page.url

    manager = person("Records Manager")
    manager.sign_in("records")
    from web import ENGINE_EXTENSION
    engine = site.app.extensions[ENGINE_EXTENSION]
    [instance] = [each for each in engine.list_instances(process_key="dataset_takedown")
                  if each.business_key == tracking_number]
    [task] = engine.list_tasks(instance_id=instance.instance_id)
    form = manager.go(f"/inbox/tasks/{task.task_id}")
    expect(form.get_by_label("What the reporter says is wrong")).to_have_text(
        "The applicant_phone column gives private persons' telephone numbers.")
    expect(form.get_by_role("heading", name="Messages with the requester")).to_have_count(0)
    withdraw = form.get_by_role("group", name="With the correction, withdraw the earlier versions")
    expect(withdraw.get_by_label("Yes")).to_be_checked()          # the report says protected data
    form.get_by_label("Correct it: publish a corrected version").check()
    form.get_by_label("Corrected files").set_input_files(
        files=[{"name": "permits.csv", "mimeType": "text/csv", "buffer": CORRECTED}])
    form.get_by_label("What was found and what is done").fill(REASON)
    manager.shot("dataset-takedown-decision")
    form.get_by_role("button", name="Complete", exact=False).first.click()
    manager.audit()

    page = resident.go(status_page)
    expect(page.get_by_text("Corrected", exact=True)).to_be_visible()
    expect(page.locator(".letter-text")).to_contain_text("the earlier versions are withdrawn")
    resident.shot("dataset-takedown-outcome")

    page = resident.go(f"/data/{SLUG}")
    expect(page.get_by_role("listitem").filter(has_text="Version 1 withdrawn")).to_contain_text(REASON)
    expect(page.get_by_text("Version 1 of this data set was withdrawn on", exact=False)).to_be_visible()
    expect(page.locator(f'a[href="{old_file}"]')).to_have_count(0)
    resident.shot("dataset-takedown-history")
    gone = page.request.get(old_file)
    assert gone.status == 410 and b"555-0143" not in gone.body()
    page = resident.go(old_file)
    expect(page.get_by_text(REASON, exact=False)).to_be_visible()
    resident.audit()
