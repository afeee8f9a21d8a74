"""A resident files a breach report with evidence on the portal; the City Clerk routes it, the department's custodian
and the City Clerk review it together, the department investigates, the City Clerk decides (refused first without
the rule relied on), and the resident reads the decision and appeals, which the City Manager's office reviews.
Every page passes axe-core (seed 000; docs/privacy.md)."""
from __future__ import annotations

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def open_task(site, visit, tracking_number: str, bpmn_id: str):
    from web import ENGINE_EXTENSION
    engine = site.app.extensions[ENGINE_EXTENSION]
    [case] = [case for case in engine.list_instances(process_key="privacy_complaint")
              if case.business_key == tracking_number]
    [task] = [task for task in engine.list_tasks(instance_id=case.instance_id) if task.bpmn_id == bpmn_id]
    return visit.go(f"/inbox/tasks/{task.task_id}")


def test_a_breach_report_from_the_portal_to_a_decision_and_an_appeal(person, site):
    resident = person("resident reporting a breach")
    page = resident.go("/")
    page.get_by_role("link", name="Privacy complaint").click()
    resident.audit()
    page.get_by_label("A report of a data breach", exact=False).check()
    page.get_by_label("Department responsible for the data").fill("Police Department")
    page.get_by_role("group", name="A city contractor handles the data").get_by_label("No").check()
    page.get_by_label("What happened").fill("The incident map showed my home address for two weeks.")
    page.get_by_label("When it happened").fill("2026-11-20")
    page.get_by_label("Evidence").set_input_files(
        files=[{"name": "map-screenshot.txt", "mimeType": "text/plain", "buffer": b"map layer 'incidents' 20 Nov\n"}])
    page.get_by_label("Your name").fill("Pat Doe")
    page.get_by_label("Your address").fill("12 Elm Street, Kansas City MO 64106")
    page.get_by_role("button", name="Send my complaint").click()
    tracking_number = page.locator("strong.reference").inner_text()
    status_link = page.get_by_role("link", name="/privacy/status/", exact=False).get_attribute("href")
    resident.audit()

    clerk = person("City Clerk")
    clerk.sign_in("clerk")
    page = open_task(site, clerk, tracking_number, "route_complaint")
    expect(page.get_by_role("link", name="map-screenshot.txt")).to_be_visible()   # the evidence, for its staff
    page.get_by_label("Responsible department").select_option(label="Police Department")
    page.get_by_role("group", name="A city contractor handled the data").get_by_label("No").check()
    page.get_by_role("button", name="Complete task").click()
    clerk.audit()

    custodian = person("Police records custodian")
    custodian.sign_in("custodian")
    page = open_task(site, custodian, tracking_number, "review_as_department")
    page.get_by_label("The department's account").fill("The incidents layer published exact addresses.")
    page.get_by_role("group", name="The processing complained of still goes on").get_by_label("No").check()
    page.get_by_role("button", name="Complete task").click()
    custodian.audit()

    page = open_task(site, clerk, tracking_number, "review_as_city_clerk")
    page.get_by_label("The City Clerk's review").fill("The screenshot and the department's account agree.")
    page.get_by_role("group", name="Bring in the Office of the City Manager").get_by_label("No").check()
    page.get_by_role("group", name="Bring in Information Technology").get_by_label("No").check()
    page.get_by_label("The City Clerk", exact=True).check()
    page.get_by_role("button", name="Complete task").click()
    clerk.audit()

    page = open_task(site, custodian, tracking_number, "investigate_complaint")
    page.get_by_label("Findings").fill("Addresses were shown from 6 to 20 November; 212 persons are concerned.")
    page.get_by_role("group", name="Personal data was disclosed or processed unlawfully").get_by_label("Yes").check()
    page.get_by_role("button", name="Complete task").click()
    custodian.audit()

    page = open_task(site, clerk, tracking_number, "decide_complaint")
    page.get_by_label("Order the outcomes below").check()
    page.get_by_label("Order to notify the affected persons").check()
    page.get_by_label("Notify the affected persons by").fill("2027-06-30T17:00:00-05:00")
    page.get_by_label("Reasons").fill("Home addresses were published without a basis.")
    page.get_by_role("button", name="Complete task").click()
    # No rule relied on: the decision is not sent (the server refuses it too: tests/engine/test_privacy_complaint.py).
    rule = page.get_by_label("Ordinance section or administrative rule relied on")
    assert rule.evaluate("input => input.validity.valueMissing")
    expect(page.get_by_role("heading", name="Decide the complaint", level=1)).to_be_visible()
    rule.fill("AR 1-05")
    page.get_by_role("button", name="Complete task").click()
    clerk.audit()

    page = resident.go(status_link)
    expect(page.get_by_text("Under AR 1-05, the decision orders: the affected persons are to be notified.")) \
        .to_be_visible()
    page.get_by_label("What is wrong with the decision").fill("The notification date is too late.")
    page.get_by_role("button", name="Send my appeal").click()
    expect(page.get_by_text("Review the appeal")).to_be_visible()
    resident.shot("privacy-complaint-decided-and-appealed")

    manager = person("City Manager's office")
    manager.sign_in("manager")
    page = open_task(site, manager, tracking_number, "review_appeal")
    page.get_by_label("The decision stands").check()
    page.get_by_label("Reasons").fill("Thirty days is the usual time to reach every person.")
    page.get_by_role("button", name="Complete task").click()
    manager.audit()
    page = resident.go(status_link)
    expect(page.get_by_text("The decision stands.")).to_be_visible()
