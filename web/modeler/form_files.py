"""The form files the modeler offers and edits: `forms/<process>/<file>.schema.json` (and `.ui.json`).

The folder is the repository's `forms/` (config `FORMS_DIR` names another), the same one
`clerkflow setup` deploys from; a diagram deployed from the modeler takes the forms it names from
there (`forms/<process>/`, then `forms/`), as `deploy_file` does. Names are checked before any path
is made, and the resolved path must stay inside the folder.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from flask import current_app

from engine import ClerkflowError, NotFound, schema_problem

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
    """Form files by process folder; "" holds the ones directly in forms/."""
    root = forms_dir()
    catalogue: dict[str, list[str]] = {"": []}
    if not root.is_dir():
        return catalogue
    for path in sorted(root.iterdir()):
        if path.is_dir() and PROCESS_NAME.match(path.name):
            catalogue[path.name] = sorted(child.name for child in path.iterdir()
                                          if child.is_file() and FORM_FILE_NAME.match(child.name))
        elif path.is_file() and FORM_FILE_NAME.match(path.name):
            catalogue[""].append(path.name)
    return catalogue


def form_path(process: str, file_name: str) -> Path:
    """The path of forms/<process>/<file_name>, refusing any name that could leave the folder."""
    if not PROCESS_NAME.match(process) or not FORM_FILE_NAME.match(file_name) or ".." in file_name:
        raise NotFound("No such form file: a form is forms/<process>/<name>.schema.json or .ui.json.")
    root = forms_dir().resolve()
    path = (root / process / file_name).resolve()
    if not path.is_relative_to(root):
        raise NotFound("No such form file.")
    return path


def read_form(process: str, file_name: str) -> str | None:
    path = form_path(process, file_name)
    return path.read_text(encoding="utf-8") if path.is_file() else None


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


def write_form(process: str, file_name: str, text: str) -> dict[str, Any]:
    form = parse_form(file_name, text)
    path = form_path(process, file_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return form
