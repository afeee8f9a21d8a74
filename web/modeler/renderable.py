"""Forms the inbox cannot draw: Validate and deploy in the modeler refuse them, naming the field.

The engine checks that a form is valid JSON Schema; only the web knows which inputs it can draw
(`web.inbox.forms.fields_of`). A field it would show as "cannot be filled in here" would stop the
first person who opens the task, so the modeler finds it before the diagram is deployed.
"""
from __future__ import annotations

import json
from collections.abc import Mapping

from engine import DiagramSource, Problem
from web.inbox.forms import fields_of


def unrenderable_fields(schema: Mapping, ui_schema: Mapping | None = None) -> list[str]:
    """The fields of a form (a table's columns as "table.column") the inbox has no input for."""
    missing = []
    for form_field in fields_of(schema, ui_schema):
        if form_field.widget == "unsupported":
            missing.append(form_field.name)
        missing.extend(f"{form_field.name}.{column.name}" for column in form_field.columns
                       if column.widget == "unsupported")
    return missing


def form_problems(source: DiagramSource) -> list[Problem]:
    """One problem per field of the diagram's forms that the inbox cannot draw."""
    problems = []
    for name, content in sorted(source.forms.items()):
        if not name.endswith(".schema.json") or content is None:
            continue
        schema, ui_schema = _json(content), _json(source.forms.get(name.removesuffix(".schema.json") + ".ui.json"))
        if not isinstance(schema, Mapping):
            continue     # the engine's own check says why
        problems.extend(
            Problem(f"form {name}: the inbox has no input for field '{field}' (its type); use a string, number, "
                    "boolean, choices, a list of those or a table of rows (docs/forms.md)")
            for field in unrenderable_fields(schema, ui_schema if isinstance(ui_schema, Mapping) else None))
    return problems


def _json(content: bytes | None):
    if content is None:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
