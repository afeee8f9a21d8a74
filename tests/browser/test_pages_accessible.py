"""The pages the walk does not reach pass axe-core too (WCAG 2.1 A and AA): forms sent back with their
errors, the error pages, an administrator's instance pages and staff list, and the portal on a phone."""
from __future__ import annotations

import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

from browsing import DEMO_PASSWORD  # noqa: E402

PHONE = {"width": 390, "height": 844}


def sign_in(visit, username: str):
    page = visit.go("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return visit.audit()


def test_forms_sent_back_with_their_errors_explain_each_field(person, site):
    requester = person("requester")
    page = requester.go("/request")
    page.get_by_label("Your name").fill("Pat Doe")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("alert")).to_contain_text("Your request was not sent yet")
    expect(page.get_by_label("Your address")).to_have_accessible_description(
        "Your address is required Where we can write to you about the request.")
    requester.audit()

    staff = person("clerk")
    page = staff.go("/login")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an active staff account")
    staff.audit()

    sign_in(staff, "clerk")
    page = staff.go(f"/inbox/payments?tracking_number={site.demo_request(1)}")
    expect(page.get_by_text("This request is not waiting for a payment")).to_be_visible()
    page = staff.go("/inbox/payments?tracking_number=R-1999-00001")
    expect(page.get_by_role("alert")).to_contain_text("There is no records request R-1999-00001")


def test_error_pages_and_administration_pages(person, site):
    from web import ENGINE_EXTENSION

    # A request entered without its tracking prefix stops with an incident at "Acknowledge the request".
    stopped = site.app.extensions[ENGINE_EXTENSION].start_instance("records_request", {
        "requester_name": "Pat Doe", "requester_address": "12 Elm Street", "records_description": "Minutes",
        "received_at": "2026-11-20T09:00:00-06:00", "office_key": None}, actor="tests")
    admin = person("administrator")
    page = admin.go("/status/no-such-link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    sign_in(admin, "admin")
    page = admin.go("/admin/instances")
    expect(page.get_by_role("heading", name="Process instances", level=1)).to_be_visible()
    page.get_by_role("link", name=site.demo_request(1), exact=False).click()
    expect(page.get_by_role("heading", name="Change status")).to_be_visible()
    admin.audit()
    page = admin.go(f"/admin/instances/{stopped.instance_id}")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    admin.go("/admin/users")
    for path in ("/admin/settings", "/admin/settings/changes?made_from=x", "/admin/settings/cash-floats",
                 "/admin/settings/custodians"):
        admin.go(path)
    page = admin.go("/inbox/tasks/999999")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    admin.go("/inbox")


def test_the_portal_on_a_phone(person):
    requester = person("requester on a phone")
    requester.page.set_viewport_size(PHONE)
    for path in ("/", "/request"):
        page = requester.go(path)
        expect(page.get_by_role("link", name="Request records")).to_be_visible()


def test_the_counters_hand_out_page_and_its_errors(person):
    clerk = person("clerk at the counter")
    sign_in(clerk, "clerk")
    page = clerk.go("/inbox/handed-out")
    page.get_by_role("button", name="Record the hand-out").click()
    expect(page.get_by_role("alert")).to_contain_text("The hand-out was not recorded yet")
    expect(page.get_by_label("What was handed out")).to_have_accessible_description(
        "What was handed out is required The record as it is known, for example: City Council agenda, "
        "7 December 2026; Open Records brochure.")
    clerk.audit()
    page.get_by_label("What was handed out").fill("Open Records brochure")
    page.get_by_label("Kind of record").select_option(label="Brochure")
    page.get_by_label("Copies handed out").fill("12")
    page.get_by_role("button", name="Record the hand-out").click()
    expect(page.get_by_role("cell", name="Open Records brochure")).to_be_visible()
    clerk.audit()


def test_the_open_data_catalog_by_keyboard(person):
    resident = person("resident looking for data")
    page = resident.go("/")
    page.get_by_role("link", name="Open data").click()
    expect(page.get_by_role("heading", name="Open data catalog", level=1)).to_be_visible()
    resident.shot("catalog")
    page.get_by_label("Search", exact=True).fill("schedules")
    page.get_by_label("Search", exact=True).press("Enter")      # a form: Enter sends it
    expect(page.get_by_role("heading", name="1 data set found")).to_be_visible()
    resident.audit()
    page.get_by_label("Department").select_option(label="City Clerk")
    page.get_by_label("Sort by").select_option(label="Most recently updated")
    page.get_by_role("button", name="Show data sets").press("Enter")
    expect(page.get_by_label("Department")).to_have_value("City Clerk")
    resident.audit()
    page.get_by_role("link", name="Open records fee schedules").click()
    expect(page.get_by_role("heading", name="Source and quality")).to_be_visible()
    resident.audit()
    page = resident.go("/data/records-requests-performance")
    expect(page.get_by_role("region", name="Preview of requests-by-month.csv")).to_be_visible()
    resident.shot("catalog-dataset")
    with page.expect_download() as download:
        page.get_by_role("link", name="requests-by-month.json").press("Enter")
    assert download.value.suggested_filename == "requests-by-month.json"
    page.get_by_role("link", name="Open Data Terms of Use").first.click()
    expect(page.get_by_role("heading", name="Warranty Disclaimer")).to_be_visible()
    resident.audit()
    page = resident.go("/data/no-such-data-set")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    resident.page.set_viewport_size(PHONE)
    resident.go("/data?q=records")


def test_the_catalogs_staff_page_and_a_withdrawal_sent_back(person):
    admin = person("administrator of the catalog")
    sign_in(admin, "admin")
    admin.page.get_by_role("link", name="Open data catalog").click()
    page = admin.audit()
    page.get_by_role("button", name="Withdraw Open records fee schedules").click()     # no reason given
    expect(page.get_by_role("alert")).to_contain_text("Nothing was withdrawn")
    admin.audit()


def test_a_privacy_complaint_with_evidence_from_the_portal_and_its_staff_pages(person, site, tmp_path):
    evidence = tmp_path / "server-log.txt"
    evidence.write_text("2026-11-20 09:40 export of home addresses to the public map\n")
    resident = person("resident with a privacy complaint")
    page = resident.go("/privacy/complaint")
    page.get_by_role("button", name="Send my complaint").click()
    expect(page.get_by_role("alert")).to_contain_text("Your complaint was not sent yet")
    resident.audit()
    page.get_by_label("A report of a data breach", exact=False).check()
    page.get_by_label("Department responsible for the data").fill("Police Department")
    page.get_by_role("group", name="A city contractor handles the data").get_by_label("No").check()
    page.get_by_label("What happened").fill("The incident map shows home addresses.")
    page.get_by_label("When it happened").fill("2026-11-20")
    page.get_by_label("Evidence").set_input_files(str(evidence))
    page.get_by_label("Your name").fill("Pat Doe")
    page.get_by_label("Your address").fill("12 Elm Street, Kansas City MO 64106")
    page.get_by_role("button", name="Send my complaint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We received your breach report")
    resident.shot("privacy-complaint-received")
    page.get_by_role("link", name="/privacy/status/", exact=False).click()
    expect(page.get_by_text("Route the complaint to the responsible department")).to_be_visible()
    resident.shot("privacy-complaint-status")
    decide_the_complaint_dismissed(site, page.get_by_role("heading", level=1).inner_text().split()[-1])
    page.reload()
    expect(page.get_by_text("The complaint is dismissed under AR 1-05.")).to_be_visible()
    page.get_by_role("button", name="Send my appeal").click()
    expect(page.get_by_label("What is wrong with the decision")).to_have_accessible_description(
        "Say what is wrong with the decision; your appeal was not sent.")
    resident.audit()
    page.get_by_label("What is wrong with the decision").fill("The map showed my street on 20 November.")
    page.get_by_role("button", name="Send my appeal").click()
    expect(page.get_by_text("Review the appeal")).to_be_visible()
    resident.shot("privacy-complaint-appealed")

    clerk = person("clerk entering a privacy complaint")
    sign_in(clerk, "clerk")
    page = clerk.go("/inbox/privacy/new")
    page.get_by_role("link", name="Record the appeal").click()
    page.get_by_label("Tracking number of the complaint").fill("PC-2026-09999")
    page.get_by_role("button", name="Record the appeal").click()
    expect(page.get_by_role("alert")).to_contain_text("No privacy complaint has the tracking number PC-2026-09999.")
    clerk.audit()
    admin = person("administrator entering privacy rules")
    sign_in(admin, "admin")
    page = admin.go("/admin/settings/privacy-rules")
    expect(page.get_by_text("No rule entered: every appeal limit and fine is not set.")).to_be_visible()
    page.get_by_label("Appeal time limit (days)").fill("0")
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("alert")).to_be_visible()
    admin.audit()


def decide_the_complaint_dismissed(site, tracking_number: str) -> None:
    """The City Clerk and the department work the complaint through to a dismissal under a rule the city has not
    entered (no appeal limit published), as their task pages would."""
    from web import ENGINE_EXTENSION
    engine = site.app.extensions[ENGINE_EXTENSION]
    instance = next(each for each in engine.list_instances(process_key="privacy_complaint")
                    if each.business_key == tracking_number)
    for bpmn_id, role, data in (
            ("route_complaint", "city_clerk", {"office_key": "police", "contractor_involved": False}),
            ("review_as_department", "custodian:police", {"department_review": "Seen.", "processing_continues": False}),
            ("review_as_city_clerk", "city_clerk", {"clerk_review": "Seen.", "bring_in_city_manager": False,
                                                    "bring_in_information_technology": False,
                                                    "enforcing_office": "city_clerk"}),
            ("investigate_complaint", "custodian:police", {"findings": "No address shown.", "breach_confirmed": False}),
            ("decide_complaint", "city_clerk", {"decision": "dismissed", "rule_relied_on": "AR 1-05",
                                                "decision_reasons": "The map never showed the address."})):
        task = next(task for task in engine.list_tasks(instance_id=instance.instance_id) if task.bpmn_id == bpmn_id)
        engine.complete_task(task.task_id, data, actor="tests", roles={role})


def test_a_data_set_reported_from_its_page_and_the_records_managers_decision(person, site):
    resident = person("resident reporting a data set")
    page = resident.go("/data/records-requests-performance")
    page.get_by_role("link", name="report it to the Records Manager").click()
    expect(page.get_by_role("heading", name="Report a problem with this data set", level=1)).to_be_visible()
    resident.audit()
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("alert")).to_contain_text("Your report was not sent yet")
    resident.audit()
    page.get_by_label("Misleading", exact=False).check()
    page.get_by_label("What is wrong").fill("September counts requests closed in October.")
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We received your report")
    resident.audit()
    resident.shot("dataset-report-received")
    tracking_number = page.locator(".reference").first.inner_text()
    page.get_by_role("link", name="/data/reports/", exact=False).click()
    expect(page.get_by_text("With the Records Manager")).to_be_visible()
    resident.audit()

    manager = person("Records Manager deciding on a report")
    sign_in(manager, "records")
    from web import ENGINE_EXTENSION
    engine = site.app.extensions[ENGINE_EXTENSION]
    instance = next(each for each in engine.list_instances(process_key="dataset_takedown")
                    if each.business_key == tracking_number)
    [task] = engine.list_tasks(instance_id=instance.instance_id)
    form = manager.go(f"/inbox/tasks/{task.task_id}")
    expect(form.get_by_label("What the reporter says is wrong")).to_have_text(
        "September counts requests closed in October.")
    manager.audit()
    form.get_by_label("Leave it as it is").check()
    form.get_by_label("What was found and what is done").fill("Each month counts the requests received in it.")
    form.get_by_role("button", name="Complete", exact=False).first.click()
    manager.audit()
    page.reload()
    expect(page.get_by_text("The Records Manager's reasons: Each month counts the requests received in it.")) \
        .to_be_visible()
    resident.audit()
    resident.shot("dataset-report-outcome")


def test_the_open_data_settings_page_and_a_bad_code_sent_back(person):
    admin = person("administrator choosing the open data settings")
    sign_in(admin, "admin")
    page = admin.go("/admin/settings")
    page.get_by_role("link", name="Open data", exact=True).click()
    expect(page.get_by_role("heading", name="Open data", level=1)).to_be_visible()
    expect(page.get_by_text("Running cases keep theirs:")).to_be_visible()
    group = page.get_by_role("group", name="Who approves data sets and decides reports on published data")
    expect(group.get_by_label("Records Manager (Sacramento)")).to_be_checked()
    group.get_by_label("Open Data Officer (Kansas City)").check()
    page.get_by_label("DCAT-US bureauCode").fill("15")
    page.get_by_role("button", name="Save the open data settings").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(page.get_by_label("DCAT-US bureauCode")).to_have_accessible_description(
        re.compile(r'^"15" is not a bureau code: three digits, a colon, two digits'))
    admin.audit()
    page.get_by_label("DCAT-US bureauCode").fill("")
    page.get_by_label("Publisher named in the catalog (DCAT-US publisher)").fill("City of Kansas City, Missouri")
    page.get_by_role("button", name="Save the open data settings").click()
    expect(page.get_by_text("running cases keep the roles they started with")).to_be_visible()
    admin.shot("settings-open-data")
    # Back to Sacramento's default, so the other walks find the Records Manager approving.
    page.get_by_role("group", name="Who approves data sets and decides reports on published data") \
        .get_by_label("Records Manager (Sacramento)").check()
    page.get_by_label("Publisher named in the catalog (DCAT-US publisher)").fill("")
    page.get_by_role("button", name="Save the open data settings").click()
    expect(page.get_by_text("running cases keep the roles they started with")).to_be_visible()
