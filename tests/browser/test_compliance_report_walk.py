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

    liaison = person("Open Data Liaison")
    liaison.sign_in("liaison")
    page = open_task(site, liaison, "comment_as_liaisons")
    expect(page.get_by_label("Timelines, implementation plans and review processes, department by department (the "
                             "Records Manager's draft)")).to_contain_text("Community Development: building permits")
    page.get_by_label("The Open Data Coordinators' comments").fill("Community Development agrees to March.")
    complete(page)
    liaison.audit()
    coordinator = person("IT Open Data Coordinator")
    coordinator.sign_in("itdata")
    page = open_task(site, coordinator, "comment_as_it_coordinator")
    page.get_by_label("The IT Open Data Coordinator's comments").fill("The catalogue is ready for the permits.")
    complete(page)
    coordinator.audit()

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
