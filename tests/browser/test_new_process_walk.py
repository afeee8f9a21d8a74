"""Issue 6's done-when walk, in the browser: an analyst writes a form and draws a new process in the
modeler (a user task with that form, a service task with an operator), validates and deploys it; an
administrator starts an instance and sees the task marked on the diagram; a clerk completes the task
with a date typed without its time zone, which stops the service task with an incident; the
administrator sees the incident on the diagram, corrects the data in the retry form, retries, and the
instance completes. Every page is checked with axe-core; screenshots go to docs/screenshots/."""
from __future__ import annotations

import json
import re

import pytest
from test_modeler_in_browser import open_modeler, select
from test_records_request_walk import complete_task, open_task, row_of, sign_in

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

PROCESS_KEY = "certified_copy"
BUSINESS_KEY = "CC-2026-0001"
RECORD_COPY_FORM = {"type": "object", "required": ["received_at", "pages"], "properties": {
    "received_at": {"type": "string", "title": "Date and time received",
                    "description": "As on the date stamp, such as 2026-11-20T09:00:00-06:00"},
    "pages": {"type": "integer", "title": "Pages to certify", "minimum": 1}}}

# What the analyst draws with the mouse, done through bpmn-js's own modeling commands (the same ones its
# palette and context pad call): a shape of `type` named `name`, appended after `sourceId`.
APPEND = """([sourceId, type, name]) => {
    const modeler = window.clerkflowModeler;
    const modeling = modeler.get("modeling"), registry = modeler.get("elementRegistry");
    const source = registry.get(sourceId);
    const shape = modeling.appendShape(source, modeler.get("elementFactory").createShape({ type }),
                                       { x: source.x + source.width + 140, y: source.y + source.height / 2 });
    modeling.updateLabel(shape, name);
    modeler.get("selection").select(shape);
    return shape.id;
}"""


def open_clerkflow_group(panel):
    """The panel's Clerkflow group, opened when it is closed."""
    if not panel.get_by_label(re.compile(r"^(Operator|Form \(JSON Schema\))$")).first.is_visible():
        panel.get_by_text("Clerkflow", exact=True).click()


def write_the_form(analyst):
    page = analyst.go("/modeler")
    box = page.get_by_role("form", name="Write a new form")
    box.get_by_label("Process key").fill(PROCESS_KEY)
    box.get_by_label("File name").fill("record_copy")
    box.get_by_role("button", name="Open the forms editor").click()
    expect(page.get_by_role("heading", name=f"Form forms/{PROCESS_KEY}/record_copy.schema.json")).to_be_visible()
    analyst.audit()
    page.get_by_label("JSON Schema").fill(json.dumps(RECORD_COPY_FORM, indent=2))
    expect(page.locator("#form-preview").get_by_label("Pages to certify")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Saved forms/{PROCESS_KEY}/record_copy.schema.json")).to_be_visible()
    analyst.audit()


def draw_and_deploy(analyst) -> dict[str, str]:
    page = analyst.go("/modeler")
    box = page.get_by_role("form", name="Draw a new process")
    box.get_by_label("Name").fill("Certified copy request")
    box.get_by_label("Process key").fill(PROCESS_KEY)
    box.get_by_role("button", name="Open a blank diagram").click()
    page = open_modeler(analyst, page.url)
    expect(page.get_by_role("heading", name="New process: Certified copy request")).to_be_visible()
    analyst.audit()
    panel = page.locator("#modeler-properties")

    ids = {"task": page.evaluate(APPEND, ["start", "bpmn:UserTask", "Record the copy request"])}
    open_clerkflow_group(panel)
    panel.get_by_label("Form (JSON Schema)").select_option("record_copy.schema.json")
    expect(panel.get_by_role("link", name=re.compile("record_copy.schema.json"))).to_be_visible()

    ids["service"] = page.evaluate(APPEND, [ids["task"], "bpmn:ServiceTask", "Compute the certification deadline"])
    open_clerkflow_group(panel)
    panel.get_by_label("Operator").select_option("calendar.business_deadline")
    for parameter, expression in (("received_at", "received_at"), ("business_days", "3")):
        field = panel.get_by_label(re.compile(rf"^{parameter}"))
        field.fill(expression)
        field.press("Tab")
    result = panel.get_by_label("Result variable")
    result.fill("certify_by")
    result.press("Tab")
    ids["end"] = page.evaluate(APPEND, [ids["service"], "bpmn:EndEvent", "Copy certified"])

    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#modeler-status")).to_contain_text("No problems found")
    select(page, ids["service"])
    open_clerkflow_group(panel)
    expect(panel.get_by_label("Operator")).to_have_value("calendar.business_deadline")
    analyst.shot("modeler-new-process")
    page.get_by_role("button", name="Deploy as a new version").click()
    expect(page.locator("#modeler-status")).to_contain_text(f"Deployed as version 1 of {PROCESS_KEY}")
    analyst.audit()
    return ids


def diagram_mark(page, bpmn_id: str, mark: str):
    return page.locator(f'#process-diagram .djs-element.diagram-{mark}[data-element-id="{bpmn_id}"]')


def test_a_new_process_is_drawn_deployed_run_repaired_and_completed(person):
    analyst, admin, clerk = person("analyst"), person("administrator"), person("clerk")
    sign_in(analyst, "analyst")
    write_the_form(analyst)
    ids = draw_and_deploy(analyst)

    # The administrator starts an instance and sees where it waits.
    sign_in(admin, "admin")
    page = admin.go("/admin/processes")
    page.get_by_role("link", name=f"Where instances wait in {PROCESS_KEY}").first.click()
    expect(page.get_by_role("heading", name="Certified copy request, version 1")).to_be_visible()
    admin.audit()
    page.get_by_role("link", name="Start an instance").click()
    admin.audit()
    page.get_by_label("Business key").fill(BUSINESS_KEY)
    page.get_by_role("button", name="Start the instance").click()
    expect(page.get_by_text(re.compile(r"Started instance \d+ of Certified copy request"))).to_be_visible()
    instance_page = page.url
    expect(page.locator("#process-diagram")).to_have_attribute("data-rendered", "true")
    expect(diagram_mark(page, ids["task"], "active")).to_be_attached()
    expect(diagram_mark(page, "start", "completed")).to_be_attached()
    admin.shot("instance-new-process-waiting")

    # The clerk records the copy request, typing the date stamp without its time zone.
    sign_in(clerk, "clerk")
    inbox = clerk.page
    row_of(inbox, BUSINESS_KEY).get_by_role("button", name="Claim").click()
    expect(inbox.get_by_text('"Record the copy request" is yours now.')).to_be_visible()
    clerk.audit()
    task = open_task(clerk, BUSINESS_KEY, "Record the copy request")
    task.get_by_label(re.compile("^Date and time received")).fill("2026-11-20 09:00")
    task.get_by_label(re.compile("^Pages to certify")).fill("12")
    complete_task(clerk, "Record the copy request")

    # The service task could not read the date: an incident, marked on the diagram.
    page = admin.go(instance_page)
    expect(page.locator("#process-diagram")).to_have_attribute("data-rendered", "true")
    expect(diagram_mark(page, ids["service"], "failed")).to_be_attached()
    incidents = page.locator("table").filter(has_text="must be a date and time with its time zone")
    expect(incidents.first).to_be_visible()
    page.get_by_label(re.compile("Correct the step's data first")).fill(
        '{"received_at": "2026-11-20T09:00:00-06:00"}')
    admin.shot("instance-incident")
    page.get_by_role("button", name=re.compile(r"Retry incident \d+")).click()
    expect(page.get_by_text(re.compile(r"Incident \d+ was retried; the instance is completed now"))).to_be_visible()
    expect(diagram_mark(page, ids["end"], "completed")).to_be_attached()
    expect(diagram_mark(page, ids["service"], "completed")).to_be_attached()
    admin.shot("instance-repaired-and-completed")
