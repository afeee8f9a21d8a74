"""The forms editor opens every form the processes use (issue 13): each file in forms/ answers 200 with
its fields drawn in the preview, a table of rows included (its "Add a row" button once needed a task
the preview does not have, and three forms answered 500)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from markupsafe import escape      # as the pages escape it (an apostrophe is &#39;, not &#x27;)

from web.inbox.forms import fields_of

FORMS = Path(__file__).parents[2] / "forms"
FORM_FILES = sorted(path.relative_to(FORMS) for path in FORMS.glob("*/*.json"))
SCHEMAS = [path for path in FORM_FILES if path.name.endswith(".schema.json")]


def shown_fields(relative: Path) -> list:
    schema = json.loads((FORMS / relative).read_text(encoding="utf-8"))
    ui_path = FORMS / relative.parent / relative.name.replace(".schema.json", ".ui.json")
    ui = json.loads(ui_path.read_text(encoding="utf-8")) if ui_path.is_file() else None
    return [field for field in fields_of(schema, ui) if not (field.hidden and not field.readonly)]


def test_the_processes_have_forms_with_tables_of_rows():
    assert len(SCHEMAS) >= 20
    assert any(field.widget == "rows" for path in SCHEMAS for field in shown_fields(path))


@pytest.mark.parametrize("relative", FORM_FILES, ids=[str(path) for path in FORM_FILES])
def test_every_form_file_opens_in_the_forms_editor(login_as, client, forms_copy, relative):
    login_as("analyst")
    response = client.get(f"/modeler/forms/{relative.parent}/{relative.name}")
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]
    page = response.get_data(as_text=True)
    assert 'name="schema"' in page and "the form as installed" in page       # no draft: the file, read only
    if relative in SCHEMAS:
        fields = shown_fields(relative)
        assert fields and "form-preview" in page
        for field in fields:
            assert escape(field.label) in page, field.name
            if field.widget == "rows" and not field.readonly:      # a read-only table (a scan's findings) adds none
                assert f"Add a row to {escape(field.label.lower())}" in page


@pytest.mark.parametrize("relative", SCHEMAS, ids=[str(path) for path in SCHEMAS])
def test_every_schema_previews_as_typed(login_as, client, forms_copy, csrf_token, relative):
    login_as("analyst")
    path = f"/modeler/forms/{relative.parent}/{relative.name}"
    preview = client.post(f"{path}/preview", data={"schema": (FORMS / relative).read_text(encoding="utf-8")},
                          headers={"X-CSRF-Token": csrf_token(client, path)})
    assert preview.status_code == 200
    assert all(escape(field.label) in preview.get_data(as_text=True) for field in shown_fields(relative))
