"""Monitoring in the browser: the instance list, an instance page whose diagram bpmn-js draws with the open
task marked, and the process overview's heat map; each page checked with axe-core (issue 6)."""
from __future__ import annotations

import pytest

from browsing import DEMO_PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def sign_in_as_admin(visit):
    page = visit.go("/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return visit.audit()


def test_instance_page_draws_the_diagram_with_the_open_task_marked(person, site):
    admin = person("administrator")
    sign_in_as_admin(admin)
    page = admin.go("/admin/instances?process=records_request&status=active")
    expect(page.get_by_role("heading", name="Process instances")).to_be_visible()
    page.get_by_role("link", name=site.demo_request(1), exact=False).click()     # waiting for its review
    page.wait_for_load_state()
    diagram = page.locator("#process-diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    expect(diagram.locator(".djs-element.diagram-active").first).to_be_attached()
    expect(diagram.locator(".djs-element.diagram-completed").first).to_be_attached()
    page.get_by_role("button", name="Show where it is now").click()      # records_request fitted whole is unreadable
    admin.shot("instance-page")

    page = admin.go("/admin/processes")
    page.get_by_role("link", name="Where instances wait in records_request").first.click()
    page.wait_for_load_state()
    expect(page.locator("#process-diagram")).to_have_attribute("data-rendered", "true")
    expect(page.locator(".diagram-badge-heat, .diagram-badge-failed").first).to_be_visible()
    admin.audit()
