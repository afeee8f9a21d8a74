"""The yearly Open Data Compliance Report (002, Sacramento's Open Data policy): the Records Manager prepares the
report `clerkflow setup` started (prefilled per department), the Open Data Advisory Group's liaison and IT Open Data
Coordinator comment, the Records Manager finalises it, and the City Manager downloads the PDF and acknowledges
receipt; every page passes axe-core."""
from __future__ import annotations

import pytest

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def open_task(site, visit, bpmn_id: str):
    from web import ENGINE_EXTENSION
    engine = site.app.extensions[ENGINE_EXTENSION]
    [report] = engine.list_instances(process_key="open_data_compliance_report")
    [task] = [task for task in engine.list_tasks(instance_id=report.instance_id) if task.bpmn_id == bpmn_id]
    return visit.go(f"/inbox/tasks/{task.task_id}")


def complete(page) -> None:
    page.get_by_role("button", name="Complete task").click()
    expect(page.get_by_role("button", name="Complete task")).to_have_count(0)


def test_the_records_manager_prepares_the_group_comments_and_the_city_manager_receives_the_pdf(person, site):
    manager = person("Records Manager")
    manager.sign_in("records")
    page = manager.go("/inbox")
    page.get_by_role("link", name="Prepare the Open Data Compliance Report").first.click()
    manager.audit()
    figures = page.get_by_role("table").filter(has_text="Reviews pending")
    expect(figures.get_by_role("row", name="Community Development")).to_be_visible()     # the demo review waits
    manager.shot("compliance-report-prepare")
    page.get_by_label("Summary and comments on the state of open data").fill(
        "Three data sets are on the portal; Community Development's permits are under review.")
    page.get_by_label("Timelines, implementation plans and review processes, department by department").fill(
        "Community Development: building permits by March, reviewed each quarter.")
    complete(page)
    manager.audit()

    for who, username, bpmn_id, label, comment in (
            ("Open Data Liaison", "liaison", "comment_as_liaisons", "The Open Data Coordinators' comments",
             "Community Development agrees to March."),
            ("IT Open Data Coordinator", "itdata", "comment_as_it_coordinator",
             "The IT Open Data Coordinator's comments", "The catalogue is ready for the permits.")):
        member = person(who)                                   # the Open Data Advisory Group, side by side
        member.sign_in(username)
        page = open_task(site, member, bpmn_id)
        expect(page.get_by_label("Timelines, implementation plans and review processes, department by department "
                                 "(the Records Manager's draft)")).to_contain_text("Community Development: building")
        page.get_by_label(label).fill(comment)
        complete(page)
        member.audit()

    page = open_task(site, manager, "finalise_compliance_report")
    expect(page.get_by_label("The Open Data Coordinators' comments")).to_have_text("Community Development agrees to March.")
    page.get_by_label("Submitted by").fill("Riley Records Manager")
    complete(page)
    manager.audit()

    city_manager = person("City Manager")
    city_manager.sign_in("manager")
    page = open_task(site, city_manager, "acknowledge_compliance_report")
    link = page.get_by_role("link", name="Download open-data-compliance-report")
    with page.expect_download() as downloading:
        link.click()
    download = downloading.value
    assert download.suggested_filename.startswith("open-data-compliance-report-")
    with open(download.path(), "rb") as kept:
        assert kept.read(5) == b"%PDF-"
    city_manager.shot("compliance-report-city-manager")
    page.get_by_label("Received by").fill("Cameron City Manager")
    complete(page)
    city_manager.audit()
    page = city_manager.go("/inbox")
    page.get_by_role("link", name="Compliance reports").click()
    city_manager.audit()
    expect(page.get_by_role("row").filter(has_text="Received by the City Manager (Cameron City Manager)")).to_be_visible()
    city_manager.shot("compliance-reports")
