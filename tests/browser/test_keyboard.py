"""The keyboard alone is enough (Section 508, WCAG 2.1.1 and 2.4.7): a member of the public files a request,
and a custodian signs in and claims a task, with Tab, typing and Enter only; an analyst creates a task from
the modeler's palette and appends an end event from its context pad (issue 13). Every element the Tab key
reaches shows where the focus is, and every page is checked with axe-core."""
from __future__ import annotations

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

from browsing import DEMO_PASSWORD  # noqa: E402

MOST_TABS = 60          # more stops than any page has: a target not reached by then cannot be reached

_FOCUSED = """(target) => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const row = element.closest("tr");
  return {
    matches: target.selector ? element.matches(target.selector)
                             : element.textContent.trim() === target.text && !!row && row.textContent.includes(target.row),
    describe: element.outerHTML.slice(0, 120),
    visible: element.matches(":focus-visible") && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def tab_to(page, *, selector: str | None = None, text: str | None = None, row: str | None = None,
           key: str = "Tab") -> None:
    """Press Tab (or `key`, "Shift+Tab") until the element wanted has the focus; each element passed on the
    way must show its focus."""
    target = {"selector": selector, "text": text, "row": row}
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        focused = page.evaluate(_FOCUSED, target)
        assert focused["visible"], f"no visible focus on {focused['describe']}"
        if focused["matches"]:
            return
    raise AssertionError(f"the Tab key never reaches {selector or (text, row)} on {page.url}")


def test_the_public_files_a_request_with_the_keyboard_alone(person):
    requester = person("requester")
    page = requester.go("/")
    tab_to(page, selector="a.skip-link")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()
    tab_to(page, selector="a[href='/request']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request to inspect or copy public records")
    requester.audit()

    tab_to(page, selector="#field-requester_name")
    page.keyboard.type("Riley Keys")
    tab_to(page, selector="#field-requester_address")
    page.keyboard.type("5 Linden Lane, Springfield KS 66000")
    tab_to(page, selector="#field-records_description")
    page.keyboard.type("Council agenda, 1 December 2026")
    tab_to(page, selector="#field-office_key")
    page.keyboard.press("ArrowDown")                  # the first office after "I don't know"
    tab_to(page, selector="button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="We received your request")).to_be_visible()
    requester.audit()
    tab_to(page, selector="a[href*='/status/']")      # the private link is reachable too
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Request R-")
    requester.audit()


def test_a_custodian_signs_in_and_claims_a_task_with_the_keyboard_alone(person, site):
    police_request = site.demo_request(2)
    custodian = person("custodian")
    page = custodian.go("/login")
    expect(page.get_by_label("Username")).to_be_focused()     # the sign-in page starts in its first field
    page.keyboard.type("custodian")
    tab_to(page, selector="#password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    custodian.audit()

    tab_to(page, selector="a.skip-link")
    page.keyboard.press("Enter")                              # past the navigation, into the page
    tab_to(page, text="Claim", row=police_request)
    page.keyboard.press("Enter")
    expect(page.get_by_text('"Review the request" is yours now.')).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=police_request)).to_contain_text("custodian")
    custodian.audit()

    tab_to(page, text="Review the request", row=police_request)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Review the request", level=1)).to_be_visible()
    custodian.audit()


_TASKS = """() => window.clerkflowModeler.get("elementRegistry")
    .filter((element) => element.type === "bpmn:Task").map((element) => element.id)"""
_SELECTED = """() => window.clerkflowModeler.get("selection").get().map((element) => [element.id, element.type])"""


def test_an_analyst_creates_a_task_from_the_palette_with_the_keyboard(person):
    from test_records_request_walk import sign_in

    analyst = person("analyst")
    sign_in(analyst, "analyst")
    page = analyst.page
    page.goto("/modeler/records_request/1")
    page.wait_for_selector("body[data-modeler-ready=true]")
    analyst.audit()
    tasks_before = page.evaluate(_TASKS)

    tab_to(page, selector=".djs-palette .entry[data-action='create.task']")
    expect(page.get_by_role("button", name="Create task", exact=True)).to_be_focused()
    page.keyboard.press("Enter")

    new_tasks = [bpmn_id for bpmn_id in page.evaluate(_TASKS) if bpmn_id not in tasks_before]
    assert len(new_tasks) == 1, new_tasks
    assert page.evaluate(_SELECTED) == [[new_tasks[0], "bpmn:Task"]]
    panel = page.locator("#modeler-properties")
    expect(panel.get_by_label("ID", exact=True)).to_have_value(new_tasks[0])   # the panel shows the new task

    # the new task's context pad comes before the palette in the Tab order: append an end event after it
    expect(page.get_by_role("button", name="Create task", exact=True)).to_be_focused()
    tab_to(page, selector=".djs-context-pad .entry[data-action='append.end-event']", key="Shift+Tab")
    expect(page.get_by_role("button", name="Append end event")).to_be_focused()
    page.keyboard.press("Enter")
    selected = page.evaluate(_SELECTED)
    assert [kind for _, kind in selected] == ["bpmn:EndEvent"]
    assert page.evaluate("""([task, end]) => window.clerkflowModeler.get("elementRegistry").get(task)
        .outgoing.some((flow) => flow.target.id === end)""", [new_tasks[0], selected[0][0]])
    analyst.audit()
