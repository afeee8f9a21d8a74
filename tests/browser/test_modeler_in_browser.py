"""The modeler in the browser (issue 6): a deployed diagram opens in bpmn-js, the properties panel's
Clerkflow group shows a service task's operator and parameters and a user task's form, saving the
diagram loses nothing (round trip), an edit made in the panel validates and deploys as a new version,
a service task (operator and parameters) and a user task (form) added in the modeler deploy and the
new version runs, and a form's preview follows its schema as it is typed. Every page is checked with axe-core."""
from __future__ import annotations

import re

import pytest
from browsing import REPO
from test_records_request_walk import sign_in

from web.modeler.compare import compare_diagrams

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


ADD_AFTER = """([flowId, type]) => {
    const modeler = window.clerkflowModeler;
    const modeling = modeler.get("modeling"), registry = modeler.get("elementRegistry");
    const flow = registry.get(flowId), target = flow.target;
    const shape = modeling.createShape({ type }, { x: target.x + target.width / 2, y: target.y + 260 }, target.parent);
    modeling.reconnectEnd(flow, shape, { x: shape.x, y: shape.y + shape.height / 2 });
    modeling.connect(shape, target);
    modeler.get("selection").select(shape);
    modeler.get("canvas").scrollToElement(shape);
    return shape.id;
}"""


def test_a_service_task_and_a_user_task_added_in_the_modeler_deploy(person, site):
    analyst = person("analyst")
    sign_in(analyst, "analyst")
    page = open_modeler(analyst)
    analyst.audit()
    panel = page.locator("#modeler-properties")

    service_id = page.evaluate(ADD_AFTER, ["to_assign_custodian", "bpmn:ServiceTask"])
    panel.get_by_text("Clerkflow", exact=True).click()
    panel.get_by_label("Operator").select_option("custodians.route_request")
    office = panel.get_by_label(re.compile(r"^office_key"))
    office.fill("office_key")
    office.press("Tab")
    result = panel.get_by_label("Result variable")
    result.fill("second_routing")
    result.press("Tab")

    user_id = page.evaluate(ADD_AFTER, ["to_route_to_custodian", "bpmn:UserTask"])
    panel.get_by_label("Form (JSON Schema)").select_option("review_request.schema.json")
    expect(panel.get_by_role("link", name=re.compile("review_request.schema.json"))).to_be_visible()

    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#modeler-status")).to_contain_text("No problems found")
    page.get_by_role("button", name="Deploy as a new version").click()
    expect(page.locator("#modeler-status")).to_contain_text(re.compile(r"Deployed as version \d+ of records_request"))
    analyst.audit()

    from web import ENGINE_EXTENSION
    engine = site.app.extensions[ENGINE_EXTENSION]
    latest = engine.versions("records_request")[-1]
    _, xml = engine.version_diagram("records_request", latest.version)
    assert f'id="{service_id}"' in xml and f'id="{user_id}"' in xml
    assert ('<spiffworkflow:serviceTaskOperator id="custodians.route_request" resultVariable="second_routing">'
            in xml)
    assert '<spiffworkflow:parameter id="office_key" type="string" value="office_key" />' in xml
    assert '<spiffworkflow:property name="formJsonSchemaFilename" value="review_request.schema.json" />' in xml

    # The new version runs: a request started now waits at the user task the analyst added.
    from engine import clock
    instance = engine.start_instance("records_request", {
        "requester_name": "Pat Doe", "requester_address": "12 Elm Street", "records_description": "Minutes",
        "received_at": clock.now().isoformat(), "office_key": None}, actor="tests", tracking_prefix="R")
    assert [task.bpmn_id for task in instance.open_tasks] == [user_id]
