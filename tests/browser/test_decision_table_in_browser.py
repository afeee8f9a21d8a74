"""A decision table in the modeler (issue 18): the business rule task's panel names its decision; an analyst
opens the DMN file deployed with a diagram from the diagram's page, sees it in dmn-js, edits a cell by typing, validates (a cell the sandbox refuses is
named with its file, line and element), and deploys it with the diagram as a new version, which decides
with the edited cell. Every page is checked with axe-core."""
from __future__ import annotations

import re

import pytest
from browsing import REPO
from test_records_request_walk import sign_in

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

DECISIONS = REPO / "tests" / "engine" / "diagrams" / "decisions"


def retype(page, cell, text: str) -> None:
    """Click into a table cell, select what it holds and type `text` over it, as a person does."""
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_an_analyst_edits_a_decision_table_cell_validates_and_deploys_it(person, site):
    from web import ENGINE_EXTENSION
    engine = site.app.extensions[ENGINE_EXTENSION]
    engine.deploy_file(DECISIONS / "fee_waiver.bpmn", None, actor="analyst")

    analyst = person("analyst")
    sign_in(analyst, "analyst")
    page = analyst.go("/modeler/fee_waiver/1")
    page.wait_for_selector("body[data-modeler-ready=true]")
    page.evaluate("""() => { const modeler = window.clerkflowModeler;
        modeler.get("selection").select(modeler.get("elementRegistry").get("decide_waiver")); }""")
    panel = page.locator("#modeler-properties")
    panel.get_by_text("Clerkflow", exact=True).click()
    expect(panel.get_by_label("Decision")).to_have_value("fee_waiver_decision")
    analyst.audit()
    page.get_by_role("link", name="fee_waiver.dmn").click()
    page.wait_for_selector("body[data-modeler-ready=true]")
    expect(page.get_by_role("heading", name="Decision table fee_waiver.dmn", level=1)).to_be_visible()
    cell = page.locator("#decision-editor td", has_text="pages * 2")
    expect(cell).to_be_visible()
    analyst.shot("modeler-decision-table")

    retype(page, cell, "open('/etc/passwd')")
    page.get_by_role("button", name="Validate").click()
    # dmn-js writes the file out again, so the cell's line is where it now is
    expect(page.locator("#modeler-problems")).to_contain_text(re.compile(
        r"fee_waiver.dmn, line \d+, element 'short_percent': rule 2, output 'waived_percent'"))
    expect(page.locator("#modeler-problems")).to_contain_text("open() is not allowed in scripts")
    analyst.audit()

    retype(page, page.locator("#decision-editor td", has_text="open('/etc/passwd')"), "pages * 3")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#modeler-status")).to_contain_text("No problems found")
    page.get_by_role("button", name="Deploy with the diagram as a new version").click()
    expect(page.locator("#modeler-status")).to_contain_text("Deployed as version 2 of fee_waiver")
    analyst.shot("modeler-decision-table-deployed")

    assert "<text>pages * 3</text>" in engine.version_decisions("fee_waiver", 2)["fee_waiver.dmn"]
    instance = engine.start_instance("fee_waiver", actor="clerk")
    [describe] = engine.list_tasks(instance_id=instance.instance_id)
    engine.complete_task(describe.task_id, {"requester_kind": "resident", "pages": 7}, actor="clerk")
    assert engine.instance_diagram(instance.instance_id).data["waived_percent"] == 21
