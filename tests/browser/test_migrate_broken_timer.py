"""Issue 18's done-when walk, in the browser: an administrator finds an instance stuck on a broken timer (an
incident), fixes the timer in the modeler and deploys it as a new version, moves the instance from its page to the
fixed version (checked first), and the instance goes on to completion. Every page is checked with axe-core;
screenshots go to docs/screenshots/."""
from __future__ import annotations

import re

import pytest
from repair_diagrams import BROKEN_TIMER, FIXED_TIMER, inspection_hold_source
from test_modeler_in_browser import open_modeler
from test_new_process_walk import diagram_mark
from test_records_request_walk import complete_task, open_task, row_of, sign_in

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

BUSINESS_KEY = "IH-2026-0001"

# The analyst's edit of the timer's value, through bpmn-js's own modeling command (the one its panel calls).
SET_TIMER = """([bpmnId, body]) => {
    const modeler = window.clerkflowModeler;
    const element = modeler.get("elementRegistry").get(bpmnId);
    const timer = element.businessObject.eventDefinitions[0];
    modeler.get("modeling").updateModdleProperties(element, timer.timeDuration, { body });
}"""


@pytest.fixture
def stuck(site):
    """Version 1 deployed with a timer whose value is 3 (not a duration), and an instance stopped on it."""
    from web import ENGINE_EXTENSION
    engine = site.app.extensions[ENGINE_EXTENSION]
    engine.deploy_source(inspection_hold_source(timer=BROKEN_TIMER), actor="analyst")
    started = engine.start_instance("inspection_hold", {}, actor="clerk", business_key=BUSINESS_KEY)
    [review] = engine.list_tasks(instance_id=started.instance_id)
    stopped = engine.complete_task(review.task_id, {}, actor="clerk")
    assert stopped.status == "incident"
    return engine


def test_an_instance_stuck_on_a_broken_timer_is_moved_to_the_fixed_version_and_completes(person, stuck):
    admin, clerk = person("administrator"), person("clerk")
    sign_in(admin, "admin")

    # The administrator finds the instance among the incidents.
    page = admin.go("/admin/instances?status=incident")
    page.get_by_role("link", name=re.compile(BUSINESS_KEY)).click()
    expect(page.locator("#process-diagram")).to_have_attribute("data-rendered", "true")
    expect(diagram_mark(page, "wait_for_inspection", "failed")).to_be_attached()
    expect(page.locator(".error-message").filter(has_text="the timer wait_days is 3, which is not ISO 8601")).to_be_visible()
    instance_page = page.url
    admin.shot("migrate-01-stuck-on-a-broken-timer")

    # The timer is fixed in the modeler and deployed as version 2.
    page = open_modeler(admin, "/modeler/inspection_hold/1")
    admin.audit()
    page.evaluate(SET_TIMER, ["wait_for_inspection", FIXED_TIMER])
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#modeler-status")).to_contain_text("No problems found")
    page.get_by_role("button", name="Deploy as a new version").click()
    expect(page.locator("#modeler-status")).to_contain_text("Deployed as version 2 of inspection_hold")
    admin.audit()

    # From the instance's page: check the move, then move it.
    page = admin.go(instance_page)
    page.get_by_label("Move to version").select_option("2")
    page.get_by_role("button", name="Check the move").click()
    expect(page.get_by_role("heading", name=re.compile(r"from version 1 to version 2"))).to_be_visible()
    expect(page.get_by_text("It can move.", exact=False)).to_be_visible()
    expect(page.get_by_role("cell", name="wait_for_inspection (starts again)")).to_be_visible()
    admin.shot("migrate-02-check")
    page.get_by_label("Reason (kept in the audit trail)").fill("timer fixed in version 2")
    page.get_by_role("button", name="Move to version 2").click()
    expect(page.get_by_text(re.compile(r"Instance \d+ is on version 2 now \(active\)\."))).to_be_visible()
    expect(page.get_by_role("cell", name="migrate", exact=True)).to_be_visible()
    admin.shot("migrate-03-moved")

    # The wait now has a due time; the requester waived it, so it is moved to now, and the booking opens.
    page.get_by_label(re.compile(r"^New due time \(city time\)")).fill("2026-01-05T09:00")
    page.get_by_label(re.compile(r"^Reason for moving timer")).fill("the requester waived the wait")
    page.get_by_role("button", name=re.compile(r"^Move timer wait_for_inspection")).click()
    expect(diagram_mark(page, "book_inspection", "active")).to_be_attached()
    admin.audit()

    sign_in(clerk, "clerk")
    row_of(clerk.page, BUSINESS_KEY).get_by_role("button", name="Claim").click()
    clerk.audit()
    open_task(clerk, BUSINESS_KEY, "Book inspection")
    complete_task(clerk, "Book inspection")
    page = admin.go(instance_page)
    expect(page.get_by_text("completed", exact=True).first).to_be_visible()
    expect(diagram_mark(page, "inspection_booked", "completed")).to_be_attached()
    admin.shot("migrate-04-completed")
