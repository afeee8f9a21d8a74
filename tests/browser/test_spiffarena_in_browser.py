"""Issue #19 in the browser: an analyst downloads a version for SpiffArena from its page and imports a
SpiffArena process model zip on the processes page: the same process comes back, no new version. Every page is
checked with axe-core; screenshots go to docs/screenshots/."""
from __future__ import annotations

import zipfile

import pytest
from test_records_request_walk import sign_in

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def test_analyst_moves_a_process_out_to_spiffarena_and_back(person, tmp_path):
    analyst = person("analyst")
    sign_in(analyst, "analyst")
    page = analyst.go("/modeler/records_request/1")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download for SpiffArena (zip)").click()
    download = download_info.value
    assert download.suggested_filename == "records-request-v1-spiffarena.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert {"process_model.json", "records_request.bpmn", "request-schema.json"} <= set(archive.namelist())

    page = analyst.go("/modeler")
    box = page.get_by_role("form", name="Import from SpiffArena")
    box.get_by_label("Process model zip").set_input_files(str(saved))
    analyst.shot("modeler-import-from-spiffarena")
    box.get_by_role("button", name="Import and deploy").click()
    expect(page.get_by_text("records-request-v1-spiffarena.zip is the same as version 1 of records_request")) \
        .to_be_visible()
    expect(page.get_by_role("heading", name="Open records request, version 1")).to_be_visible()
    analyst.audit()

    page = analyst.go("/modeler")
    box = page.get_by_role("form", name="Import from SpiffArena")
    not_a_zip = tmp_path / "notes.zip"
    not_a_zip.write_text("not a zip")
    box.get_by_label("Process model zip").set_input_files(str(not_a_zip))
    box.get_by_role("button", name="Import and deploy").click()
    expect(page.get_by_role("alert").filter(has_text="notes.zip was not imported")).to_be_visible()
    analyst.audit()
