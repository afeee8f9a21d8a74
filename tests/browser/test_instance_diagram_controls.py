"""A large diagram (records_request, 100+ elements) can be read on the monitoring pages: the box fits the window,
zoom in / out / fit and "Show where it is now" work from their buttons, + - 0 and the arrow keys from the
keyboard, "Larger view" gives the diagram the whole window and Escape takes it back, with the instance's marks
kept; the instance's dates read in city time. Every page and state shown is checked with axe-core."""
from __future__ import annotations

import re

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

from browsing import VIEWPORT  # noqa: E402
from test_instance_page import sign_in_as_admin  # noqa: E402

ZOOM = re.compile(r"Zoom (\d+)%")
DRAWING = "#process-diagram svg[tabindex]"   # bpmn-js's canvas, which takes the keyboard
CITY_TIME = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M C[SD]T$")


def zoom_of(page) -> int:
    return int(ZOOM.fullmatch(page.locator(".diagram-zoom-level").inner_text()).group(1))


def box_of(page) -> dict:
    return page.locator("#process-diagram").bounding_box()


def moved_by(page) -> str:
    """Where bpmn-js has moved and scaled the drawing (the viewport group's transform)."""
    return page.locator(f"{DRAWING} > g.viewport").get_attribute("transform")


def open_a_running_request(visit, site):
    """The first demo request, waiting for its review, opened from the instance list."""
    page = visit.go("/admin/instances?process=records_request&status=active")
    page.get_by_role("link", name=site.demo_request(1), exact=False).click()
    page.wait_for_load_state()
    expect(page.locator("#process-diagram")).to_have_attribute("data-rendered", "true")
    return visit.audit()


def test_zoom_buttons_and_keys_change_the_view_and_fit_brings_it_back(person, site):
    admin = person("administrator")
    sign_in_as_admin(admin)
    page = open_a_running_request(admin, site)
    assert box_of(page)["height"] >= VIEWPORT["height"] - 15 * 16   # fits the window, not a fixed 420 px
    controls = page.get_by_role("group", name="Diagram view")
    expect(controls).to_be_visible()
    fitted = zoom_of(page)

    controls.get_by_role("button", name="Zoom in").click()
    assert zoom_of(page) > fitted
    controls.get_by_role("button", name="Zoom out").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert zoom_of(page) < fitted
    controls.get_by_role("button", name="Fit the whole diagram").click()
    assert zoom_of(page) == fitted

    controls.get_by_role("button", name="Larger view").focus()
    page.keyboard.press("Tab")                        # the next stop is the diagram itself
    expect(page.locator(DRAWING)).to_be_focused()
    page.keyboard.press("+")
    assert zoom_of(page) > fitted
    before = moved_by(page)
    page.keyboard.press("ArrowRight")
    assert moved_by(page) != before
    page.keyboard.press("0")
    assert zoom_of(page) == fitted

    controls.get_by_role("button", name="Show where it is now").click()
    assert zoom_of(page) > 3 * fitted                 # readable, where a fitted records_request is not
    box, step = box_of(page), page.locator(".djs-element.diagram-active").first.bounding_box()
    assert box["x"] <= step["x"] and step["x"] + step["width"] <= box["x"] + box["width"]
    assert box["y"] <= step["y"] and step["y"] + step["height"] <= box["y"] + box["height"]
    expect(page.locator(".djs-element.diagram-active").first).to_be_attached()
    admin.audit()

    for shown in page.locator(".instance-data-table time").all_inner_texts():
        assert CITY_TIME.match(shown) or re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", shown), shown


def test_larger_view_takes_the_window_and_escape_gives_it_back(person, site):
    admin = person("administrator")
    sign_in_as_admin(admin)
    page = open_a_running_request(admin, site)
    normal = box_of(page)
    larger = page.get_by_role("button", name="Larger view")
    expect(larger).to_have_attribute("aria-pressed", "false")

    larger.click()
    expect(larger).to_have_attribute("aria-pressed", "true")
    wide = box_of(page)
    assert wide["width"] > normal["width"] and wide["width"] >= VIEWPORT["width"] - 3 * 16 - 20
    assert wide["height"] > normal["height"]
    assert 0 <= wide["y"] < VIEWPORT["height"] / 2   # scrolled into view
    expect(page.locator(".djs-element.diagram-active").first).to_be_attached()
    expect(page.locator(".djs-element.diagram-completed").first).to_be_attached()
    admin.audit()

    page.locator(DRAWING).focus()
    page.keyboard.press("Escape")
    expect(larger).to_have_attribute("aria-pressed", "false")
    expect(larger).to_be_focused()
    assert box_of(page)["width"] == pytest.approx(normal["width"], abs=1)


def test_the_process_overview_heat_map_has_the_same_controls(person):
    admin = person("administrator")
    sign_in_as_admin(admin)
    page = admin.go("/admin/processes")
    page.get_by_role("link", name="Where instances wait in records_request").first.click()
    page.wait_for_load_state()
    expect(page.locator("#process-diagram")).to_have_attribute("data-rendered", "true")
    fitted = zoom_of(page)
    page.get_by_role("button", name="Zoom in").click()
    assert zoom_of(page) > fitted
    page.get_by_role("button", name="Show where instances wait").click()
    page.get_by_role("button", name="Larger view").click()
    expect(page.locator(".diagram-badge-heat, .diagram-badge-failed").first).to_be_visible()
    admin.audit()
