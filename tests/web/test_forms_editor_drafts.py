"""Forms edited in the web are drafts in the database, never files (issue 14): saving writes nothing under
the installation's forms/ folder (a read-only copy, and any write under it fails the test), the form page
shows the draft with who saved it and when and lists the saves and discards newest first, Validate and
Deploy in the modeler take the draft (the deployed version carries its new field), discarding returns to
the installed file, a refused form keeps nothing, and a form neither drafted nor installed is shown as
the newest deployed version stored it."""
from __future__ import annotations

import builtins
import json
import os
import pathlib
from pathlib import Path

import pytest
from markupsafe import escape

from web.formatting import when
from web.models_forms import draft_of

REPO = Path(__file__).parents[2]
RECORDS_REQUEST = REPO / "processes" / "records_request.bpmn"
REVIEW_FORM = "review_request.schema.json"
REVIEW_PATH = f"/modeler/forms/records_request/{REVIEW_FORM}"


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under `folder`, with each file's bytes."""
    return {str(path.relative_to(folder)): path.read_bytes() if path.is_file() else None
            for path in sorted(folder.rglob("*"))}


@pytest.fixture
def read_only_forms(forms_copy, monkeypatch):
    """The forms copy made read-only, and any attempt to write, create or remove under it an error (the
    tests may run as root, whom chmod does not stop)."""
    folder = forms_copy.resolve()

    def inside(path) -> bool:
        try:
            return Path(os.fspath(path)).resolve().is_relative_to(folder)
        except TypeError:
            return False

    def guarded(original, is_write=lambda *args, **kwargs: True):
        def call(path, *args, **kwargs):
            if inside(path) and is_write(*args, **kwargs):
                raise AssertionError(f"the web app tried to write {path}")
            return original(path, *args, **kwargs)
        return call

    writes = lambda mode="r", *args, **kwargs: any(flag in mode for flag in "wax+")   # noqa: E731
    monkeypatch.setattr(builtins, "open", guarded(builtins.open, writes))
    for name in ("write_text", "write_bytes", "mkdir", "touch", "unlink", "rename", "replace", "rmdir"):
        monkeypatch.setattr(pathlib.Path, name, guarded(getattr(pathlib.Path, name)))
    monkeypatch.setattr(pathlib.Path, "open", guarded(pathlib.Path.open, writes))
    for path in [forms_copy, *forms_copy.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    yield forms_copy
    for path in [forms_copy, *forms_copy.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.fixture
def records_request(process_engine):
    return process_engine.deploy_file(RECORDS_REQUEST, REPO / "forms", actor="setup")


def review_with_a_new_field() -> str:
    schema = json.loads((REPO / "forms" / "records_request" / REVIEW_FORM).read_text(encoding="utf-8"))
    schema["properties"]["margin_note"] = {"type": "string", "title": "Margin note for the file"}
    return json.dumps(schema, indent=2)


def post_json(client, path, body, token):
    return client.post(path, data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRF-Token": token, "Accept": "application/json"})


def test_saving_a_form_writes_no_file_and_shows_the_draft_with_who_and_when(login_as, client, post_form,
                                                                            read_only_forms, app):
    before = snapshot(read_only_forms)
    login_as("analyst", username="ana")
    saved = post_form(client, REVIEW_PATH, {"schema": review_with_a_new_field()}, token_from=REVIEW_PATH)
    assert saved.status_code == 302
    new = post_form(client, "/modeler/forms/certified_copy/record_copy.schema.json",
                    {"schema": '{"type": "object", "properties": {}}'}, token_from=REVIEW_PATH)
    assert new.status_code == 302
    assert snapshot(read_only_forms) == before

    page = client.get(REVIEW_PATH).get_data(as_text=True)
    with app.app_context():
        saved_at = draft_of("records_request", REVIEW_FORM).saved_at
    assert f"the draft saved by ana at {escape(when(saved_at))}" in page
    assert "Margin note for the file" in page                             # in the text and the preview
    assert "Discard the draft" in page
    assert f"{escape(when(saved_at))}: saved by ana" in page
    assert client.get("/modeler/forms.json").get_json()["certified_copy"] == ["record_copy.schema.json"]


def test_a_refused_form_keeps_nothing(login_as, client, post_form, read_only_forms):
    before = snapshot(read_only_forms)
    login_as("analyst")
    for typed, message in (('{"type": "object",', "not valid JSON"), ('{"type": "objekt"}', "not a valid JSON Schema")):
        refused = post_form(client, REVIEW_PATH, {"schema": typed}, token_from=REVIEW_PATH)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    page = client.get(REVIEW_PATH).get_data(as_text=True)
    assert "as installed" in page and "Discard the draft" not in page and "Changes in the web" not in page
    assert snapshot(read_only_forms) == before


def test_validate_and_deploy_take_the_draft_which_stays_after_the_deploy(login_as, client, post_form, csrf_token,
                                                                         read_only_forms, records_request,
                                                                         process_engine):
    assert "margin_note" not in process_engine.latest_form("records_request", REVIEW_FORM)["properties"]
    login_as("analyst")
    post_form(client, REVIEW_PATH, {"schema": review_with_a_new_field()}, token_from=REVIEW_PATH)
    token = csrf_token(client, "/inbox")
    body = {"bpmn": RECORDS_REQUEST.read_text(encoding="utf-8"), "file_name": "records_request.bpmn"}
    checked = post_json(client, "/modeler/validate", body, token).get_json()
    assert checked["ok"] is True, checked
    assert f"Forms taken from drafts saved in the forms editor: {REVIEW_FORM}." in checked["message"]
    answer = post_json(client, "/modeler/deploy", body, token).get_json()
    assert answer["ok"] and answer["created"] and answer["version"] == 2, answer
    deployed = process_engine.latest_form("records_request", REVIEW_FORM)
    assert deployed["properties"]["margin_note"]["title"] == "Margin note for the file"
    assert "the draft saved by analyst" in client.get(REVIEW_PATH).get_data(as_text=True)
    again = post_json(client, "/modeler/deploy", body, token).get_json()
    assert again["ok"] and again["created"] is False                # the draft is what version 2 carries


def test_discarding_the_draft_returns_to_the_installed_file(login_as, client, post_form, read_only_forms):
    installed = (read_only_forms / "records_request" / REVIEW_FORM).read_text(encoding="utf-8")
    login_as("analyst", username="ana")
    post_form(client, REVIEW_PATH, {"schema": review_with_a_new_field()}, token_from=REVIEW_PATH)
    discarded = post_form(client, f"{REVIEW_PATH}/discard", token_from=REVIEW_PATH)
    assert discarded.status_code == 302
    page = client.get(REVIEW_PATH).get_data(as_text=True)
    assert "as installed" in page and "Discard the draft" not in page and "Margin note for the file" not in page
    assert escape(installed) in page
    assert page.index("discarded by ana") < page.index("saved by ana")       # newest first


def test_only_analysts_and_administrators_discard_a_draft(login_as, client, post_form, read_only_forms):
    login_as("analyst")
    post_form(client, REVIEW_PATH, {"schema": review_with_a_new_field()}, token_from=REVIEW_PATH)
    post_form(client, "/logout")
    login_as("clerk")
    assert post_form(client, f"{REVIEW_PATH}/discard", token_from=REVIEW_PATH).status_code == 403
    page = client.get(REVIEW_PATH).get_data(as_text=True)
    assert "the draft saved by analyst" in page and "Discard the draft" not in page


def test_a_form_neither_drafted_nor_installed_shows_as_deployed(login_as, client, app, tmp_path, records_request):
    empty = tmp_path / "empty_forms"
    empty.mkdir()
    app.config["FORMS_DIR"] = str(empty)
    login_as("clerk")
    page = client.get(REVIEW_PATH).get_data(as_text=True)
    assert "as deployed in version 1 of records_request" in page
    assert 'class="field' in page                                   # previewed from the stored copy
