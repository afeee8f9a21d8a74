"""A department's open data liaison records public data that could be published, with the date they propose,
and data recommended not to publish with its written justification; the Open Data Officer sees every
department's plan with the late entry first and agrees the date (KCMO Sec. 2-2135, 2-2134). Every page passes
axe-core; screenshots go to docs/screenshots/."""
from __future__ import annotations

from datetime import timedelta

import pytest

from city.rules.business_calendar import city_day
from engine import clock

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def test_a_liaison_records_the_plan_and_the_officer_agrees_the_date_with_the_late_entry_first(person, site):
    today = city_day(clock.now())
    liaison = person("liaison")
    liaison.sign_in("liaison")
    page = liaison.go("/inbox")
    page.get_by_role("link", name="Open data plan", exact=True).click()
    liaison.audit()
    expect(page.get_by_role("heading", name="Open data plan: Community Development")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("1 entry is late")
    expect(page.locator("table.plan tbody tr").first).to_contain_text("Code enforcement cases")
    liaison.shot("open-data-plan-liaison")

    page.get_by_role("link", name="Add data that can be published").click()
    liaison.audit()
    page.get_by_label("What the data is").fill("Street tree inventory")
    page.get_by_label("Where it is kept").fill("The forestry crew's tree database.")
    page.get_by_label("Proposed publishing date").fill((today - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("alert").first).to_contain_text("has passed")
    expect(page.get_by_label("What the data is")).to_have_value("Street tree inventory")
    liaison.audit()
    proposed = today + timedelta(days=60)
    page.get_by_label("Proposed publishing date").fill(proposed.isoformat())
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("heading", name="Street tree inventory")).to_be_visible()
    expect(page.get_by_text("Date proposed, waiting for the Open Data Officer")).to_be_visible()
    liaison.audit()

    page = liaison.go("/inbox/open-data/plan")
    page.get_by_role("link", name="Recommend data not to publish").click()
    liaison.audit()
    page.get_by_label("What the data is").fill("Home addresses of inspectors")
    page.get_by_label("Reason not to publish").select_option(label="Protection of the privacy of individuals")
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("alert").first).to_contain_text("Write the justification")
    liaison.audit()
    page.get_by_label("Written justification").fill("Inspectors' homes are private; the office address is public.")
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("heading", name="Home addresses of inspectors")).to_be_visible()
    liaison.shot("open-data-plan-exclusion")

    officer = person("Open Data Officer")
    officer.sign_in("officer")
    page = officer.go("/inbox")
    page.get_by_role("link", name="Open data plans").click()
    officer.audit()
    expect(page.get_by_role("status")).to_contain_text("1 late:")
    rows = page.locator("table.plan tbody tr")
    expect(rows.first).to_contain_text("Code enforcement cases")
    expect(rows.first).to_contain_text("Community Development")
    expect(page.get_by_text("Inspectors' homes are private")).to_be_visible()
    officer.shot("open-data-plan-officer")
    expect(page.get_by_label("Agreed date for Street tree inventory")).to_have_value(proposed.isoformat())
    page.get_by_role("button", name="Agree this date for Street tree inventory").click()
    expect(page.get_by_text(f"is agreed: {proposed.isoformat()}")).to_be_visible()
    officer.audit()
    expect(page.locator("tr", has_text="Street tree inventory")).to_contain_text("Date agreed")
