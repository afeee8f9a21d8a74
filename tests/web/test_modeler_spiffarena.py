"""The modeler moves a process to and from SpiffArena (issue #19): any member of staff downloads a version as
a SpiffArena process model zip from its page; analysts and administrators upload one, which is deployed or
refused with its reasons, nothing deployed."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from records_office import open_records_office


@pytest.fixture
def office(process_engine):
    return open_records_office(process_engine)


def upload(client, post_form, data: bytes, name: str = "model.zip"):
    return post_form(client, "/modeler/import", {"process_model": (io.BytesIO(data), name)}, token_from="/modeler",
                     content_type="multipart/form-data")


def test_a_clerk_downloads_a_version_for_spiffarena_from_its_page(login_as, client, office):
    login_as("clerk")
    page = client.get("/modeler/records_request/1").get_data(as_text=True)
    assert 'href="/modeler/records_request/1/spiffarena.zip"' in page
    response = client.get("/modeler/records_request/1/spiffarena.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'filename="records-request-v1-spiffarena.zip"' in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        model = json.loads(archive.read("process_model.json"))
        assert model["primary_process_id"] == "records_request"
        assert "request-schema.json" in archive.namelist()


def test_an_analyst_imports_a_downloaded_process_unchanged_and_no_version_is_made(login_as, client, post_form,
                                                                                  office, process_engine):
    login_as("analyst")
    data = client.get("/modeler/records_request/1/spiffarena.zip").get_data()
    response = upload(client, post_form, data, "records-request-v1-spiffarena.zip")
    assert response.status_code == 302 and response.headers["Location"].endswith("/modeler/records_request/1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "records-request-v1-spiffarena.zip is the same as version 1 of records_request" in page
    assert [view.version for view in process_engine.versions("records_request")] == [1]


def test_an_analyst_imports_a_changed_process_as_its_next_version(login_as, client, post_form, office, process_engine):
    login_as("analyst")
    data = client.get("/modeler/records_request/1/spiffarena.zip").get_data()
    response = upload(client, post_form, renamed_process(data, "Open records request (SpiffArena)"), "changed.zip")
    assert response.headers["Location"].endswith("/modeler/records_request/2")
    assert "Imported changed.zip as version 2 of records_request." in client.get(response.headers["Location"]) \
        .get_data(as_text=True)
    assert process_engine.versions("records_request")[-1].deployed_by == "analyst"


def renamed_process(data: bytes, name: str) -> bytes:
    """The zip with its process's name changed, as an analyst might in SpiffArena."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {entry: archive.read(entry) for entry in archive.namelist()}
    files["records_request.bpmn"] = files["records_request.bpmn"].replace(
        b'name="Open records request"', f'name="{name}"'.encode(), 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry, content in files.items():
            archive.writestr(entry, content)
    return buffer.getvalue()


def test_a_zip_that_is_no_process_model_is_refused_with_its_reason(login_as, client, post_form, office, process_engine):
    login_as("analyst")
    before = len(process_engine.versions())
    response = upload(client, post_form, b"just some text", "notes.zip")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "notes.zip was not imported" in page and "not a zip archive" in page
    assert len(process_engine.versions()) == before


def test_a_clerk_may_not_import(login_as, client, post_form, office, process_engine):
    login_as("clerk")
    data = client.get("/modeler/records_request/1/spiffarena.zip").get_data()
    before = len(process_engine.versions())
    assert upload(client, post_form, data).status_code == 403
    assert len(process_engine.versions()) == before


def test_an_import_without_the_forms_token_is_refused(login_as, client, office):
    login_as("analyst")
    data = client.get("/modeler/records_request/1/spiffarena.zip").get_data()
    response = client.post("/modeler/import", data={"process_model": (io.BytesIO(data), "model.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 400


@pytest.mark.parametrize("role, offered", [("clerk", False), ("analyst", True), ("administrator", True)])
def test_processes_page_offers_import_to_analysts_and_administrators(login_as, client, office, role, offered):
    login_as(role)
    assert ("Import from SpiffArena" in client.get("/modeler").get_data(as_text=True)) is offered
