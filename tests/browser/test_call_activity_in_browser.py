"""Call activities in the browser: the modeler's Called process offers the deployed processes and writes the
chosen one as the call activity's calledElement, a process that is not deployed is shown as such and
Validate refuses it at its element; the instance page lists the called version the instance runs and how far
it has come. Every page is checked with axe-core."""
from __future__ import annotations

import pytest
from browsing import REPO
from test_modeler_in_browser import open_modeler, saved_xml, select
from test_modeler_panel import clerkflow_group, element_xml
from test_records_request_walk import sign_in

from web import ENGINE_EXTENSION

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

CALLS = REPO / "tests" / "engine" / "diagrams" / "calls"


@pytest.fixture(scope="module")
def permit_instance(site):
    """The shared notice and a permit calling it, deployed on the site, and one permit waiting inside the call."""
    engine = site.app.extensions[ENGINE_EXTENSION]
    for name in ("notify_requester.bpmn", "permit_request.bpmn"):
        engine.deploy_file(CALLS / name, CALLS / "forms", actor="analyst")
    return engine.start_instance("permit_request", {"requester": "Ada", "fee_paid": True}, actor="clerk").instance_id


def test_the_called_process_is_chosen_among_the_deployed_ones(person, permit_instance):
    analyst = person("analyst")
    sign_in(analyst, "analyst")
    page = open_modeler(analyst, "/modeler/permit_request/1")
    select(page, "notify")
    panel = clerkflow_group(page)
    called = panel.get_by_label("Called process")
    expect(called).to_have_value("notify_requester")
    expect(called.locator("option", has_text="Notify the requester (notify_requester, version 1)")).to_have_count(1)
    analyst.audit()

    called.select_option("records_request")
    assert 'calledElement="records_request"' in element_xml(saved_xml(page), "notify")

    page.evaluate("""() => { const modeler = window.clerkflowModeler;
        const element = modeler.get("elementRegistry").get("notify");
        modeler.get("modeling").updateProperties(element, { calledElement: "notify_the_mayor" }); }""")
    select(page, "file_permit")
    select(page, "notify")
    expect(clerkflow_group(page).get_by_label("Called process")).to_have_value("notify_the_mayor")
    expect(page.locator("option", has_text="notify_the_mayor (not deployed)")).to_have_count(1)
    page.get_by_role("button", name="Validate").click()
    problems = page.locator("#modeler-problems")
    expect(problems).to_contain_text('calls the process "notify_the_mayor", which is not deployed')
    analyst.audit()


def test_the_instance_page_shows_the_called_version_and_where_the_call_is(person, permit_instance):
    administrator = person("administrator")
    sign_in(administrator, "admin")
    page = administrator.go(f"/admin/instances/{permit_instance}")
    table = page.get_by_role("table", name="Processes of other diagrams this instance calls")
    expect(table.get_by_role("link", name="version 1")).to_have_attribute("href", "/admin/processes/notify_requester/1")
    expect(table).to_contain_text("now at: Check the requester's address")
    administrator.audit()
