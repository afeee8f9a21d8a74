"""The modeler in the browser (issue 6): a deployed diagram opens in bpmn-js, the properties panel's
Clerkflow group shows a service task's operator and parameters and a user task's form, saving the
diagram loses nothing (round trip), an edit made in the panel validates and deploys as a new version,
and a form's preview follows its schema as it is typed. Every page is checked with axe-core."""
from __future__ import annotations

import re

import pytest

from test_records_request_walk import sign_in
from web.modeler.compare import compare_diagrams
from browsing import REPO

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def open_modeler(analyst, path="/modeler/records_request/1"):
    page = analyst.page
    page.goto(path)
    page.wait_for_selector("body[data-modeler-ready=true]")
    return page


def select(page, bpmn_id: str):
    page.evaluate("""(id) => { const modeler = window.clerkflowModeler;
        const element = modeler.get("elementRegistry").get(id);
        modeler.get("selection").select(element); modeler.get("canvas").scrollToElement(element); }""", bpmn_id)


def saved_xml(page) -> str:
    return page.evaluate("async () => (await window.clerkflowModeler.saveXML({format: true})).xml")


def test_modeler_opens_a_deployed_diagram_and_shows_our_extensions(person):
    analyst = person("analyst")
    sign_in(analyst, "analyst")
    page = analyst.go("/modeler")
    expect(page.get_by_role("heading", name="Processes", level=1)).to_be_visible()
    page = open_modeler(analyst)
    assert page.locator("#modeler-canvas .djs-element").count() > 100
    analyst.audit()

    select(page, "compute_response_deadline")
    panel = page.locator("#modeler-properties")
    expect(panel.get_by_text("Clerkflow", exact=True)).to_be_visible()
    panel.get_by_text("Clerkflow", exact=True).click()
    expect(panel.get_by_label("Operator")).to_have_value("calendar.business_deadline")
    expect(panel.get_by_label(re.compile(r"^business_days"))).to_have_value("3")

    select(page, "review_request")
    expect(panel.get_by_label("Form (JSON Schema)")).to_have_value("review_request.schema.json")
    expect(panel.get_by_role("link", name=re.compile("review_request.schema.json"))).to_be_visible()
    analyst.shot("modeler")

    original = (REPO / "processes" / "records_request.bpmn").read_text(encoding="utf-8")
    assert compare_diagrams(original, saved_xml(page)).unchanged       # opens and saves without loss


def test_an_edit_in_the_panel_validates_and_deploys_as_a_new_version(person, site):
    analyst = person("analyst")
    sign_in(analyst, "analyst")
    page = open_modeler(analyst)
    analyst.audit()
    select(page, "compute_response_deadline")
    panel = page.locator("#modeler-properties")
    panel.get_by_text("Clerkflow", exact=True).click()
    days = panel.get_by_label(re.compile(r"^business_days"))
    days.fill("")
    days.press("Tab")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#modeler-problems")).to_contain_text('needs parameter "business_days"')
    page.locator("#modeler-problems").get_by_role("button", name="compute_response_deadline").click()
    days = panel.get_by_label(re.compile(r"^business_days"))
    days.fill("4")
    days.press("Tab")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#modeler-status")).to_contain_text("No problems found")
    page.get_by_role("button", name="Deploy as a new version").click()
    expect(page.locator("#modeler-status")).to_contain_text("Deployed as version 2 of records_request")
    analyst.audit()
    from web import ENGINE_EXTENSION
    engine = site.app.extensions[ENGINE_EXTENSION]
    latest = engine.versions("records_request")[-1]
    assert (latest.version, latest.deployed_by) == (2, "analyst")
    _, xml = engine.version_diagram("records_request", 2)
    assert 'id="business_days" type="integer" value="4"' in xml


def test_form_preview_follows_the_schema_as_it_is_typed(person):
    analyst = person("analyst")
    sign_in(analyst, "analyst")
    page = analyst.go("/modeler/forms/records_request/review_request.schema.json")
    source = page.get_by_label("JSON Schema")
    source.fill('{"type": "object", "properties": {"pages": {"type": "integer", "title": "Pages copied"}}}')
    expect(page.locator("#form-preview").get_by_label("Pages copied")).to_be_visible()
    analyst.audit()
