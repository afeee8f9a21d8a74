"""The form files the modeler offers and edits: `forms/<process>/<file>.schema.json` (and `.ui.json`).

The web app never writes into its installation: the folder (the repository's `forms/`, or the one config
`FORMS_DIR` names, the same one `clerkflow setup` deploys from) is only read. A form saved in the
forms editor is a draft in the database (`web/models_forms.py`, with who saved it and when); a form
shows its draft if it has one, else the folder's file (as installed), else the form stored with the
newest deployed version of the process. A diagram validated or deployed from the modeler takes the
drafts of its process over the folder's files (`drafts_for_source`). Names are checked before any path
is made, and the resolved path must stay inside the folder.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app

from engine import ClerkflowError, NotFound, schema_problem
from web.current import process_engine
from web.models_forms import FormDraft, draft_of, drafts, save_draft

PROCESS_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
FORM_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}\.(schema|ui)\.json$")
MAX_FORM_BYTES = 512 * 1024


class FormRefused(ClerkflowError):
    """A form that is not saved: a bad name, not JSON, or not a JSON Schema."""

    status = 422


def forms_dir() -> Path:
    configured = current_app.config.get("FORMS_DIR")
    return Path(configured) if configured else Path(current_app.root_path).parent / "forms"


def form_catalogue() -> dict[str, list[str]]:
    """Form files by process folder, with the forms that exist only as drafts; "" holds the ones
    directly in forms/."""
    root = forms_dir()
    found: dict[str, set[str]] = {"": set()}
    if root.is_dir():
        for path in sorted(root.iterdir()):
            if path.is_dir() and PROCESS_NAME.match(path.name):
                found[path.name] = {child.name for child in path.iterdir()
                                    if child.is_file() and FORM_FILE_NAME.match(child.name)}
            elif path.is_file() and FORM_FILE_NAME.match(path.name):
                found[""].add(path.name)
    for draft in drafts():
        found.setdefault(draft.process, set()).add(draft.file_name)
    return {process: sorted(names) for process, names in sorted(found.items())}


def form_path(process: str, file_name: str) -> Path:
    """The path of forms/<process>/<file_name>, refusing any name that could leave the folder."""
    if not PROCESS_NAME.match(process) or not FORM_FILE_NAME.match(file_name) or ".." in file_name:
        raise NotFound("No such form file: a form is forms/<process>/<name>.schema.json or .ui.json.")
    root = forms_dir().resolve()
    path = (root / process / file_name).resolve()
    if not path.is_relative_to(root):
        raise NotFound("No such form file.")
    return path


@dataclass(frozen=True)
class FormText:
    """A form's text and where it came from: "draft" (saved in the web, by `saved_by` at `saved_at`),
    "installed" (the file in forms/) or "deployed" (stored with `version` of the process)."""

    text: str
    origin: str
    saved_by: str = ""
    saved_at: datetime | None = None
    version: int | None = None


def read_installed(process: str, file_name: str) -> str | None:
    """The installation's own file forms/<process>/<file_name>, None when there is none."""
    path = form_path(process, file_name)
    return path.read_text(encoding="utf-8") if path.is_file() else None


def current_form(process: str, file_name: str) -> FormText | None:
    """The form as the editor shows it: its draft, else the installed file, else as the newest deployed
    version of the process `process` stored it; None when it is in none of them."""
    installed = read_installed(process, file_name)          # refuses a name outside forms/ first
    draft = draft_of(process, file_name)
    if draft is not None:
        return FormText(draft.text, "draft", saved_by=draft.saved_by, saved_at=draft.saved_at)
    if installed is not None:
        return FormText(installed, "installed")
    engine = process_engine()
    stored = engine.latest_form(process, file_name)
    if stored is None:
        return None
    return FormText(json.dumps(stored, indent=2, ensure_ascii=False) + "\n", "deployed",
                    version=engine.versions(process)[-1].version)


def read_form(process: str, file_name: str) -> str | None:
    found = current_form(process, file_name)
    return found.text if found is not None else None


def parse_form(file_name: str, text: str) -> dict[str, Any]:
    """The form as JSON, refused unless it is a JSON object (and, for a .schema.json, a valid JSON Schema)."""
    if len(text.encode()) > MAX_FORM_BYTES:
        raise FormRefused(f"{file_name} was not saved: a form may be at most {MAX_FORM_BYTES // 1024} KB.")
    try:
        form = json.loads(text)
    except ValueError as err:
        raise FormRefused(f"{file_name} was not saved: it is not valid JSON (line {err.lineno}, column "
                          f"{err.colno}: {err.msg}).") from None
    if not isinstance(form, dict):
        raise FormRefused(f"{file_name} was not saved: a form is a JSON object ({{...}}).")
    if file_name.endswith(".schema.json"):
        problem = schema_problem(form)
        if problem:
            raise FormRefused(f"{file_name} was not saved: it is not a valid JSON Schema {problem}")
    return form


def save_form(process: str, file_name: str, text: str, actor: str) -> FormDraft:
    """Keep the form as its draft once it parses (`FormRefused` otherwise: nothing is kept). No file is written."""
    form_path(process, file_name)                            # refuses a name outside forms/
    parse_form(file_name, text)
    return save_draft(process, file_name, text if text.endswith("\n") else text + "\n", actor)


def drafts_for_source() -> dict[str, bytes]:
    """Every draft as `source_with_forms` takes extra forms: keyed `<process>/<file>`, as under forms/."""
    return {f"{draft.process}/{draft.file_name}": draft.text.encode("utf-8") for draft in drafts()}
