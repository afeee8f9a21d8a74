"""The open data catalog's public pages: parse the request, read the catalog, render (issue 16).

Every view is `@public`. Only published data sets are shown: one withdrawn (unvetted, or withdrawn by
the office) or removed answers 404 like an unknown one. A file of a withdrawn version stays listed on the
data set's page but answers 410 Gone with the date and the reason, never its bytes. A filter or sort the catalog does not have is
ignored, never an error. Every download carries the Terms of Use as `Link` headers
(rel="terms-of-service", RFC 6903, and rel="license") and every page links to them.
"""
from __future__ import annotations

import io
import json
import logging
from typing import Any

from flask import abort, current_app, render_template, request, send_file, url_for
from werkzeug.exceptions import NotFound

from city.open_data.catalog import (FREQUENCIES, SORTS, CatalogEntry, CatalogFile, catalog_facets, files_of,
                                    history_of, published_dataset, published_datasets)
from web.auth import public
from web.catalog.blueprint import bp
from web.catalog.metadata import (datapackage, dcat_catalog, json_filename, json_rendering_url, latest_files,
                                  schema_org_dataset)
from web.catalog.tables import NotATable, as_json_rows, preview, table_format, table_schema
from web.filestore import file_store, human_size
from web.formatting import day
from web.models import db

log = logging.getLogger(__name__)

MAX_SEARCH = 100
FREQUENCY_WORDS = {value: words for words, value in FREQUENCIES.items()}
KIND_ORDER = ("processed", "raw")   # the preview reads the processed file when there is one


@bp.route("/data")
@public
def index():
    """Every published data set, searched, filtered by department and topic, and sorted."""
    connection = db.session.connection()
    departments, topics = catalog_facets(connection)
    search = " ".join(request.args.get("q", "").split())[:MAX_SEARCH]
    department = _one_of(request.args.get("department", ""), departments)
    topic = _one_of(request.args.get("topic", ""), topics)
    sort = _one_of(request.args.get("sort", ""), SORTS) or "title"
    datasets = published_datasets(connection, search=search, department=department, topic=topic, sort=sort)
    return render_template("catalog/index.html", datasets=datasets, departments=departments, topics=topics,
                           sorts=SORTS, chosen={"q": search, "department": department, "topic": topic, "sort": sort},
                           filtered=bool(search or department or topic))


def _one_of(value: str, allowed) -> str:
    return value if value in allowed else ""


@bp.route("/data/<slug>")
@public
def dataset(slug: str):
    """One data set: its metadata, source and quality, a preview, its downloads and its history."""
    entry, files = _published(slug)
    latest = latest_files(files)
    shown, table = _preview_of(latest)
    older = [file for file in files if file not in latest]
    return render_template(
        "catalog/dataset.html", entry=entry, latest=latest, older=older, preview=table, previewed=shown,
        history=history_of(db.session.connection(), entry.dataset_id), frequency=_frequency_words(entry),
        json_url=lambda file: json_rendering_url(entry, file), json_filename=json_filename, human_size=human_size,
        withdrawn_words=withdrawn_words,
        json_ld=schema_org_dataset(entry, files))


def _frequency_words(entry: CatalogEntry) -> str:
    return FREQUENCY_WORDS.get(entry.update_frequency, entry.update_frequency)


def _preview_of(latest: list[CatalogFile]):
    """(the file previewed, its Preview) for the first readable table, processed before raw; (None, None)."""
    candidates = sorted((file for file in latest if table_format(file.filename, file.content_type)),
                        key=lambda file: KIND_ORDER.index(file.kind))
    for file in candidates:
        try:
            return file, preview(_content(file), table_format(file.filename, file.content_type))
        except (NotATable, NotFound):
            log.warning("catalog: file %s cannot be previewed", file.file_id)
    return None, None


@bp.route("/data/<slug>/files/<int:file_id>/<filename>")
@public
def download(slug: str, file_id: int, filename: str):
    """One published file as it was published, any version not withdrawn, with the Terms of Use linked."""
    entry, files = _published(slug)
    file = _served_file(files, file_id)
    response = send_file(io.BytesIO(_content(file)), mimetype=file.content_type, as_attachment=True,
                         download_name=file.filename)
    return _with_terms(response, entry)


@bp.route("/data/<slug>/files/<int:file_id>/json")
@public
def download_as_json(slug: str, file_id: int):
    """A CSV file rendered as JSON: an array of objects, one per row, keyed by the header."""
    entry, files = _published(slug)
    file = _served_file(files, file_id)
    if table_format(file.filename, file.content_type) != "csv":
        abort(404, description="Only a CSV file has a JSON rendering; download this file as it was published.")
    try:
        rows = as_json_rows(_content(file), "csv")
    except NotATable:
        abort(404, description="This CSV file cannot be read as a table; download it as it was published.")
    content = json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")
    response = send_file(io.BytesIO(content), mimetype="application/json", as_attachment=True,
                         download_name=json_filename(file))
    return _with_terms(response, entry)


@bp.route("/data/<slug>/datapackage.json")
@public
def datapackage_json(slug: str):
    """The data set as a Frictionless Data Package: its newest files with their Table Schemas."""
    entry, files = _published(slug)
    schemas: dict[int, dict[str, Any]] = {}
    for file in latest_files(files):
        try:
            schemas[file.file_id] = table_schema(_content(file), table_format(file.filename, file.content_type))
        except (NotATable, NotFound):
            pass
    return _with_terms(current_app.json.response(datapackage(entry, files, schemas)), entry)


@bp.route("/data.json")
@public
def data_json():
    """The whole catalog in the DCAT-US (Project Open Data) metadata schema 1.1."""
    connection = db.session.connection()
    datasets = [(entry, files_of(connection, entry.dataset_id)) for entry in published_datasets(connection)]
    response = current_app.json.response(dcat_catalog(datasets))
    response.headers["Link"] = f'<{url_for("catalog.terms", _external=True)}>; rel="terms-of-service"'
    return response


@bp.route("/data/terms-of-use")
@public
def terms():
    """The Open Data Terms of Use and the policy's disclaimers."""
    return render_template("catalog/terms.html")


def _published(slug: str) -> tuple[CatalogEntry, list[CatalogFile]]:
    connection = db.session.connection()
    entry = published_dataset(connection, slug)
    if entry is None:
        abort(404, description="There is no such data set in the catalog. It may have been withdrawn; "
                               "see the list of every data set.")
    return entry, files_of(connection, entry.dataset_id)


def _served_file(files: list[CatalogFile], file_id: int) -> CatalogFile:
    """The file, when it may be downloaded: 404 for no such file, 410 with the reason for a withdrawn version."""
    for file in files:
        if file.file_id == file_id:
            if file.withdrawn_at is not None:
                abort(410, description=withdrawn_words(file) + " Its files are no longer available; download the "
                                       "current version from the data set's page.")
            return file
    abort(404, description="This data set has no such file.")


def withdrawn_words(file: CatalogFile) -> str:
    """ "Version 1 of this data set was withdrawn on Dec 7, 2026: <reason>." """
    reason = (file.withdrawn_reason or "").rstrip(".")
    return f"Version {file.version} of this data set was withdrawn on {day(file.withdrawn_at)}: {reason}."


def _content(file: CatalogFile) -> bytes:
    try:
        with file_store().open(file.sha256) as handle:
            return handle.read()
    except FileNotFoundError:
        log.error("catalog: file %s (%s) is missing from the file store", file.file_id, file.sha256)
        raise NotFound("This file is missing from the catalog's store; the office has been told.") from None


def _with_terms(response, entry: CatalogEntry):
    """Every download says where its Terms of Use and its license are (the policy's "Terms of Use posted on
    the data portal" govern "all public data available through such Portal")."""
    response.headers.add("Link", f'<{url_for("catalog.terms", _external=True)}>; rel="terms-of-service"')
    response.headers.add("Link", f"<{entry.license}>; rel=\"license\"")
    return response
