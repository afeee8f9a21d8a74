"""The Clerkflow group of the modeler's properties panel, beyond operators and forms: a user task's role
and due date (named by data fields), the variable its answers go into, a task's pre- and post-script, a script task's script. What is set
there validates and deploys as the spiffworkflow XML the engine reads; an emptied box leaves nothing
behind; a script that breaks the sandbox's rules is reported by Validate at its task. Every page is
checked with axe-core."""
from __future__ import annotations

import re

import pytest
from test_modeler_in_browser import open_modeler, saved_xml, select
from test_records_request_walk import sign_in

from engine.parsing import parse_process

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

DEPLOYED = re.compile(r"Deployed as version (\d+) of (\w+)")


def panel_on(person, bpmn_id: str, path: str = "/modeler/records_request/1"):
    """An analyst's modeler (audited) on `path` with `bpmn_id` selected; the page and the panel."""
    analyst = person("analyst")
    sign_in(analyst, "analyst")
    page = open_modeler(analyst, path)
    analyst.audit()
    select(page, bpmn_id)
    return analyst, page, clerkflow_group(page)


def clerkflow_group(page):
    """The properties panel with its Clerkflow group open."""
    panel = page.locator("#modeler-properties")
    if not panel.locator('[data-entry-id^="clerkflow-"]').first.is_visible():
        panel.get_by_text("Clerkflow", exact=True).click()
    return panel


def enter(box, text: str):
    box.fill(text)
    box.press("Tab")          # the panel writes (and trims) what was typed when the box loses focus


def element_xml(xml: str, bpmn_id: str) -> str:
    found = re.search(rf'<bpmn:(\w+) id="{bpmn_id}".*?</bpmn:\1>', xml, re.S)
    assert found, f"no element {bpmn_id}"
    return found.group(0)


def deploy(page, site) -> tuple[object, str]:
    """Validate, deploy, and return the engine and the deployed version's XML."""
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#modeler-status")).to_contain_text("No problems found")
    page.get_by_role("button", name="Deploy as a new version").click()
    expect(page.locator("#modeler-status")).to_contain_text(DEPLOYED)
    version, process_key = DEPLOYED.search(page.locator("#modeler-status").inner_text()).groups()
    from web import ENGINE_EXTENSION
    engine = site.app.extensions[ENGINE_EXTENSION]
    _, xml = engine.version_diagram(process_key, int(version))
    return parse_process(f"{process_key}.bpmn", xml.encode()), xml


def test_a_due_date_and_a_pre_script_set_in_the_panel_are_deployed(person, site):
    analyst, page, panel = panel_on(person, "check_personal_privacy")
    expect(panel.get_by_label("Role from a data field")).to_have_value("custodian_role")
    expect(panel.get_by_label("Due date from a data field")).to_have_value("response_due_at")
    enter(panel.get_by_label("Due date from a data field"), "")          # emptied: the property goes

    select(page, "follow_court_case")
    expect(panel.get_by_label("Due date from a data field")).to_have_value("")
    expect(panel.get_by_label("Pre-script")).to_have_value('court_case_notes = ""')
    enter(panel.get_by_label("Due date from a data field"), " response_due_at ")
    enter(panel.get_by_label("Pre-script"), 'court_case_notes = ""\ncourt_case_reference = ""\n')

    parsed, xml = deploy(page, site)
    analyst.audit()
    court_case = element_xml(xml, "follow_court_case")
    assert '<spiffworkflow:property name="dueDateVariable" value="response_due_at" />' in court_case
    assert '<spiffworkflow:preScript>court_case_notes = ""\ncourt_case_reference = ""</spiffworkflow:preScript>' \
        in court_case
    privacy = element_xml(xml, "check_personal_privacy")
    assert "dueDateVariable" not in privacy and 'value=""' not in privacy
    # ... and the engine reads them so.
    court_spec = parsed.spec.task_specs["follow_court_case"]
    assert court_spec.extensions["properties"]["dueDateVariable"] == "response_due_at"
    assert court_spec.prescript == 'court_case_notes = ""\ncourt_case_reference = ""'
    assert "dueDateVariable" not in parsed.spec.task_specs["check_personal_privacy"].extensions["properties"]


def test_a_pre_script_that_does_not_compile_is_reported_at_its_task(person):
    analyst, page, panel = panel_on(person, "help_identify_record")
    expect(panel.get_by_label("Pre-script")).to_have_value("")
    enter(panel.get_by_label("Pre-script"), "import os")
    select(page, "review_request")
    page.get_by_role("button", name="Validate").click()
    problems = page.locator("#modeler-problems")
    expect(problems).to_contain_text("pre-script: line 1: import is not allowed in scripts")
    expect(problems.get_by_role("listitem")).to_have_count(1)
    analyst.audit()
    problems.get_by_role("button", name="help_identify_record").click()     # the problem selects its task
    expect(panel.get_by_label("Pre-script")).to_have_value("import os")

    enter(panel.get_by_label("Pre-script"), "")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#modeler-status")).to_contain_text("No problems found")
    assert "preScript" not in element_xml(saved_xml(page), "help_identify_record")


def test_a_script_task_s_script_and_a_service_task_s_post_script_are_edited_in_the_panel(person, site):
    analyst, page, panel = panel_on(person, "take_next_office", "/modeler/monthly_fee_transmittal/1")
    script = panel.get_by_label("Script", exact=True)
    expect(script).to_have_value(re.compile(r"^office_key = offices_to_call\[0\]"))
    enter(script, script.input_value() + "\nmonth_office_count = len(offices_called)")

    service_id = page.evaluate("""() => window.clerkflowModeler.get("elementRegistry")
        .filter((element) => element.type === "bpmn:ServiceTask")
        .find((element) => element.businessObject.extensionElements.values
            .some((value) => value.$type === "spiffworkflow:PostScript")).id""")
    select(page, service_id)
    post_script = panel.get_by_label("Post-script")
    expect(post_script).to_have_value(re.compile("offices_to_call = "))
    enter(post_script, post_script.input_value() + "\nofficesCalledAt = None")

    parsed, xml = deploy(page, site)
    analyst.audit()
    assert parsed.spec.task_specs["take_next_office"].script.endswith("\nmonth_office_count = len(offices_called)")
    assert parsed.spec.task_specs[service_id].postscript.endswith("\nofficesCalledAt = None")
    assert "<spiffworkflow:postScript>" in element_xml(xml, service_id)


def test_the_variable_a_user_task_s_answers_go_into_is_set_in_the_panel(person, site):
    analyst, page, panel = panel_on(person, "help_identify_record")
    answers_variable = panel.get_by_label("Answers variable")
    expect(answers_variable).to_have_value("")
    enter(answers_variable, " identification ")

    parsed, xml = deploy(page, site)
    analyst.audit()
    assert "<spiffworkflow:variableName>identification</spiffworkflow:variableName>" \
        in element_xml(xml, "help_identify_record")
    assert parsed.spec.task_specs["help_identify_record"].variable == "identification"   # the engine reads it so
    assert "variableName" not in element_xml(xml, "review_request")
