"""Reading a published file as a table, with the frictionless library: the preview of its first rows, its
JSON rendering and its Table Schema (KCMO Sec. 2-2132(b): "machine-readable open format ... easily
retrieved, downloaded, indexed, sorted, searched, analyzed and reused").

A file is read from its bytes (the file store keeps files of at most `MAX_FILE_BYTES`), never from a path
or a URL a publisher named. CSV is read by frictionless; JSON (an array of objects or of arrays) is
parsed by the standard library and handed to frictionless as inline data. Anything else is not a table
here: `NotATable`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import islice
from pathlib import PurePosixPath
from typing import Any

from frictionless import FrictionlessException
from frictionless.resources import TableResource

PREVIEW_ROWS = 10
CSV_TYPES = ("text/csv", "application/csv", "text/plain")
JSON_TYPES = ("application/json", "text/json")


class NotATable(ValueError):
    """The file is not CSV or JSON, or its content cannot be read as rows."""


@dataclass(frozen=True)
class Preview:
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    more: bool     # the file has rows past the preview


def table_format(filename: str, content_type: str) -> str | None:
    """ "csv", "json" or None, from the file's extension, then its content type."""
    extension = PurePosixPath(filename).suffix.lower()
    if extension in (".csv", ".json"):
        return extension[1:]
    base = content_type.split(";")[0].strip().lower()
    if base in JSON_TYPES:
        return "json"
    if base in CSV_TYPES[:2]:
        return "csv"
    return None


def _resource(content: bytes, table: str | None) -> TableResource:
    if table == "csv":
        return TableResource(content, format="csv")
    if table == "json":
        try:
            rows = json.loads(content)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise NotATable(f"the JSON cannot be read: {error}") from None
        if not isinstance(rows, list) or not rows or not all(isinstance(row, (dict, list)) for row in rows):
            raise NotATable("the JSON is not an array of rows")
        return TableResource(data=rows)
    raise NotATable("only CSV and JSON files are read as tables")


def preview(content: bytes, table: str | None) -> Preview:
    """The header and the first `PREVIEW_ROWS` rows, values typed as frictionless infers them."""
    try:
        with _resource(content, table) as resource:
            rows = [tuple(row.to_list(json=True)) for row in islice(resource.row_stream, PREVIEW_ROWS + 1)]
            return Preview(tuple(str(name) for name in resource.header), tuple(rows[:PREVIEW_ROWS]),
                           len(rows) > PREVIEW_ROWS)
    except FrictionlessException as error:
        raise NotATable(str(error.error.message if hasattr(error, "error") else error)) from None


def as_json_rows(content: bytes, table: str | None) -> list[dict[str, Any]]:
    """Every row as an object keyed by the header, numbers and dates as frictionless reads them."""
    try:
        with _resource(content, table) as resource:
            return [row.to_dict(json=True) for row in resource.row_stream]
    except FrictionlessException as error:
        raise NotATable(str(error)) from None


def table_schema(content: bytes, table: str | None) -> dict[str, Any]:
    """The file's Table Schema (field names and types) as frictionless infers it."""
    try:
        resource = _resource(content, table)
        resource.infer()
        return resource.schema.to_descriptor()
    except FrictionlessException as error:
        raise NotATable(str(error)) from None
