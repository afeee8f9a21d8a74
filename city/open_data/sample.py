"""A data set's sample, as the Open Data Review and Approval form takes it, read into rows (002, Sacramento's
review and approval procedure: "Attach a digital Data Set sampling to the Open Data Review and Approval Form").

What a sample may be is the policy's definition of data: "statistical or factual information ... in
alphanumeric form reflected in a list, table, graph, chart or other nonnarrative form", which "shall not
include image files, such as designs, drawings, photos or scanned copies of original documents; provided,
however, that the term 'data' shall include ... geographic information system (GIS) data" (Terms of Use,
Definitions). So a sample is a table in CSV, JSON (GeoJSON among it) or XLSX, at most `MAX_SAMPLE_BYTES`;
an image is refused in those words, GIS data being JSON.

Pure: bytes in, rows out; the operator that reads the file store is `city.open_data.operators`.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import PurePath

MAX_SAMPLE_BYTES = 5 * 1024 * 1024
MAX_SAMPLE_ROWS = 1000   # the scan reads this many rows at most: it runs inside the step that sends the form
#                          (0.2 s for 1,000 rows of 10 columns; a column of identifiers shows in far fewer)
SAMPLE_TYPES = {".csv": "CSV", ".json": "JSON", ".geojson": "GeoJSON", ".xlsx": "XLSX"}
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".webp", ".svg", ".pdf")
IMAGE_REFUSED = ("is an image file. The Open Data Policy does not count image files (designs, drawings, photos or "
                 "scanned copies of original documents) as data, GIS data aside: attach the data itself as CSV, "
                 "JSON (GeoJSON for GIS data) or XLSX.")


class SampleUnreadable(ValueError):
    """The sample is not a table the scan can read; the message says what to attach instead."""


@dataclass(frozen=True)
class Table:
    """A sample's columns and its rows as text (a row holds one text per column, "" where empty)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def values_of(self, position: int) -> list[str]:
        return [row[position] for row in self.rows if position < len(row) and row[position]]


def sample_problem(filename: str, size: int) -> str | None:
    """Why a file cannot be a data set's sample (an image, another type, too large), or None when it can."""
    extension = PurePath(filename).suffix.lower()
    if extension in IMAGE_TYPES:
        return f'"{filename}" {IMAGE_REFUSED}'
    if extension not in SAMPLE_TYPES:
        return f'"{filename}" is not a sample of a data set: attach a CSV, JSON (GeoJSON for GIS data) or XLSX file.'
    if size > MAX_SAMPLE_BYTES:
        return (f'"{filename}" is larger than the {MAX_SAMPLE_BYTES // (1024 * 1024)} MB a sample may be: attach the '
                "first few thousand rows; the whole data set is given to the IT Open Data Coordinator once approved.")
    return None


def read_table(content: bytes, filename: str) -> Table:
    """The sample's table: a CSV's header and rows, a JSON list of objects (or GeoJSON features' properties,
    or an object holding such a list), or the first sheet of an XLSX workbook."""
    extension = PurePath(filename).suffix.lower()
    if extension == ".csv":
        return _csv_table(content)
    if extension in (".json", ".geojson"):
        return _json_table(content)
    if extension == ".xlsx":
        return _xlsx_table(content)
    raise SampleUnreadable(f'"{filename}" is not a CSV, JSON or XLSX file.')


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")   # as spreadsheets often save CSV


def _csv_table(content: bytes) -> Table:
    text = _text(content)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    if not rows:
        raise SampleUnreadable("The CSV sample has no rows.")
    return _table(rows[0], rows[1:MAX_SAMPLE_ROWS + 1])


def _json_table(content: bytes) -> Table:
    try:
        document = json.loads(_text(content))
    except ValueError as error:
        raise SampleUnreadable(f"The JSON sample cannot be read ({error.args[0]}).") from None
    if isinstance(document, dict) and isinstance(document.get("features"), list):      # GeoJSON
        records = [feature.get("properties") or {} for feature in document["features"] if isinstance(feature, dict)]
    elif isinstance(document, dict):
        records = next((value for value in document.values() if _is_records(value)), [document])
    else:
        records = document
    if not _is_records(records):
        raise SampleUnreadable("The JSON sample is not a list of records (objects with the same fields).")
    columns = list(dict.fromkeys(key for record in records[:MAX_SAMPLE_ROWS] for key in record))
    return _table(columns, [[_cell(record.get(column)) for column in columns] for record in records[:MAX_SAMPLE_ROWS]])


def _is_records(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _xlsx_table(content: bytes) -> Table:
    from openpyxl import load_workbook     # only an XLSX sample needs it

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:      # openpyxl raises many kinds for a damaged workbook
        raise SampleUnreadable(f"The XLSX sample cannot be read ({type(error).__name__}).") from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True, max_row=MAX_SAMPLE_ROWS + 1):
            cells = [_cell(value) for value in row]
            if any(cells):
                rows.append(cells)
    finally:
        workbook.close()
    if not rows:
        raise SampleUnreadable("The XLSX sample's first sheet is empty.")
    return _table(rows[0], rows[1:])


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return " ".join(str(value).split())


def _table(header: list, rows: list[list]) -> Table:
    columns = tuple(_cell(name) or f"column {position + 1}" for position, name in enumerate(header))
    width = len(columns)
    return Table(columns, tuple(tuple(str(cell).strip() for cell in (list(row) + [""] * width)[:width]) for row in rows))
