"""The task page in the browser: "Add a row" adds a row in place (the small script) and the rows
are saved; a comment and an attachment are added and the file downloads. Every page is checked
with axe-core. Without JavaScript the same button works by a round trip (tests/web/test_task_forms.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_records_request_walk import REQUEST, TRACKING_NUMBER, answer, complete_task, open_task, sign_in

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def file_a_request(requester) -> str:
    page = requester.go("/request")
    for label, text in REQUEST.items():
        page.get_by_label(label).fill(text)
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", name="We received your request")).to_be_visible()
    requester.audit()
    return TRACKING_NUMBER.search(page.locator("dl.facts").inner_text()).group(0)


def test_rows_are_added_in_place_and_notes_are_kept_on_the_request(person, tmp_path):
    requester, custodian = person("requester"), person("custodian")
    tracking_number = file_a_request(requester)
    sign_in(custodian, "custodian")
    task = open_task(custodian, tracking_number, "Review the request")
    answer(task, "This office holds the record", "Yes")
    answer(task, "The description lets us find the record", "Yes")
    complete_task(custodian, "Review the request")

    task = open_task(custodian, tracking_number, "Estimate the fees")
    search = task.get_by_role("group", name=re.compile("Search time"))
    rows_before = search.locator("tbody tr").count()
    url_before = task.url
    search.get_by_role("button", name=re.compile("Add a row")).click()
    expect(search.locator("tbody tr")).to_have_count(rows_before + 1)
    assert task.url == url_before                                   # no round trip
    new_employee = search.get_by_label(f"Employee, row {rows_before + 1}")
    expect(new_employee).to_be_focused()
    new_employee.fill("Jordan Records")
    search.get_by_label(f"Hours, row {rows_before + 1}").fill("1.5")
    task.get_by_label(re.compile("^Pages to copy")).fill("10")
    custodian.audit()
    complete_task(custodian, "Estimate the fees")

    task = open_task(custodian, tracking_number, "Check personal privacy")
    expect(task.locator("section.history")).to_contain_text("Jordan Records")

    task.get_by_label("Add a comment").fill("Requester asked for paper copies.")
    task.get_by_role("button", name="Add comment").click()
    expect(task.get_by_text("Your comment was added.")).to_be_visible()
    custodian.audit()
    expect(task.locator("#comments")).to_contain_text("Requester asked for paper copies.")

    worksheet = tmp_path / "fee worksheet.pdf"
    worksheet.write_bytes(PDF)
    task.get_by_label("Attach files").set_input_files(str(worksheet))
    task.get_by_role("button", name="Attach", exact=True).click()
    expect(task.get_by_text("Attached fee worksheet.pdf.")).to_be_visible()
    custodian.audit()
    with task.expect_download() as download_info:
        task.locator("#attachments").get_by_role("link", name="fee worksheet.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "fee worksheet.pdf"
    assert Path(download.path()).read_bytes() == PDF
