"""The catalog described for machines: `/data.json` in the DCAT-US (Project Open Data) metadata schema 1.1,
schema.org `Dataset` JSON-LD on each data set page, and a Frictionless `datapackage.json` per data set.

"Any data set made accessible on the City's Open Data Portal shall ... be accessible to external search
capabilities" (Sacramento, Open Data Portal): the JSON-LD is what search engines read, `/data.json` what
catalog harvesters (data.gov and the like) read, `datapackage.json` what data tools read.

DCAT-US requires `bureauCode` and `programCode`, federal budget codes a city does not have: the catalog gives
the city's open data settings (Settings → Open data, `city.open_data.settings`), by default "000:00" and "000:000",
the placeholders non-federal publishers use; the publisher's name is the setting's, else each data set's own (its
department). The environment overrides each of the three when it sets it (CLERKFLOW_OPEN_DATA_PUBLISHER,
CLERKFLOW_OPEN_DATA_BUREAU_CODE, CLERKFLOW_OPEN_DATA_PROGRAM_CODE): the page then shows it read-only.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any

from flask import current_app, url_for

from city.open_data.catalog import CatalogEntry, CatalogFile
from city.open_data.settings import DEFAULT_BUREAU_CODE, DEFAULT_PROGRAM_CODE, read_open_data_settings
from web.catalog.tables import table_format
from web.models import db

DCAT_US_SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"
DCAT_US_CONTEXT = "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld"
# The settings the environment overrides when it sets them (configuration keys, CLERKFLOW_ + the key).
ENVIRONMENT_KEYS = {"publisher_name": "OPEN_DATA_PUBLISHER", "bureau_code": "OPEN_DATA_BUREAU_CODE",
                    "program_code": "OPEN_DATA_PROGRAM_CODE"}
KIND_WORDS = {"raw": "Raw data", "processed": "Processed data"}


@dataclass(frozen=True)
class CatalogPublisher:
    name: str             # "": each data set's own publisher (its department)
    bureau_code: str
    program_code: str

    def of(self, entry: CatalogEntry) -> str:
        return self.name or entry.publisher


def environment_overrides(config: Mapping[str, object]) -> dict[str, str]:
    """The catalog settings the environment sets, by setting name (they win over the page's)."""
    return {field: str(config[key]).strip() for field, key in ENVIRONMENT_KEYS.items()
            if str(config.get(key) or "").strip()}


def catalog_publisher() -> CatalogPublisher:
    """The publisher name and the DCAT-US codes in force: the environment's, else the city's settings, else the
    placeholders."""
    settings = read_open_data_settings(db.session)
    chosen = {field: getattr(settings, field) for field in ENVIRONMENT_KEYS} | environment_overrides(current_app.config)
    return CatalogPublisher(chosen["publisher_name"], chosen["bureau_code"] or DEFAULT_BUREAU_CODE,
                            chosen["program_code"] or DEFAULT_PROGRAM_CODE)


def latest_files(files: Iterable[CatalogFile]) -> list[CatalogFile]:
    """The files of the newest version (a data set's files as published now); a withdrawn version's files are
    never among them (`city.open_data.catalog.withdraw_version` refuses the newest, and this checks again)."""
    files = [file for file in files if file.withdrawn_at is None]
    newest = max((file.version for file in files), default=0)
    return [file for file in files if file.version == newest]


def _instant(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def download_url(entry: CatalogEntry, file: CatalogFile) -> str:
    return url_for("catalog.download", slug=entry.slug, file_id=file.file_id, filename=file.filename, _external=True)


def json_rendering_url(entry: CatalogEntry, file: CatalogFile) -> str | None:
    """The JSON rendering of a CSV file; None for a file that is JSON already or not a table."""
    if table_format(file.filename, file.content_type) != "csv":
        return None
    return url_for("catalog.download_as_json", slug=entry.slug, file_id=file.file_id, _external=True)


def json_filename(file: CatalogFile) -> str:
    return str(PurePosixPath(file.filename).with_suffix(".json"))


def _distributions(entry: CatalogEntry, files: list[CatalogFile]) -> list[dict[str, Any]]:
    found = []
    for file in latest_files(files):
        words = KIND_WORDS[file.kind]
        found.append({"@type": "dcat:Distribution", "title": f"{words}: {file.filename}",
                      "downloadURL": download_url(entry, file), "mediaType": _media_type(file),
                      "format": (table_format(file.filename, file.content_type) or "file").upper()})
        json_url = json_rendering_url(entry, file)
        if json_url:
            found.append({"@type": "dcat:Distribution", "title": f"{words}: {json_filename(file)} (JSON of the CSV)",
                          "downloadURL": json_url, "mediaType": "application/json", "format": "JSON"})
    return found


def _media_type(file: CatalogFile) -> str:
    base = file.content_type.split(";")[0].strip()
    return {"csv": "text/csv", "json": "application/json"}.get(table_format(file.filename, file.content_type) or "",
                                                               base or "application/octet-stream")


def dcat_dataset(entry: CatalogEntry, files: list[CatalogFile], publisher: CatalogPublisher) -> dict[str, Any]:
    """One data set in DCAT-US 1.1, every required field filled."""
    page = url_for("catalog.dataset", slug=entry.slug, _external=True)
    return {
        "@type": "dcat:Dataset",
        "title": entry.title,
        "description": entry.description,
        "keyword": list(entry.keywords) or [entry.topic],
        "modified": _instant(entry.modified_at),
        "issued": _instant(entry.issued_at),
        "publisher": {"@type": "org:Organization", "name": publisher.of(entry)},
        "contactPoint": {"@type": "vcard:Contact", "fn": entry.contact_name or entry.department,
                         "hasEmail": f"mailto:{entry.contact_email}"},
        "identifier": page,
        "accessLevel": "public",
        "bureauCode": [publisher.bureau_code],
        "programCode": [publisher.program_code],
        "license": entry.license,
        "rights": f"Use is subject to the Open Data Terms of Use: {url_for('catalog.terms', _external=True)}",
        "accrualPeriodicity": entry.update_frequency,
        "theme": [entry.topic],
        "landingPage": page,
        "describedBy": url_for("catalog.datapackage_json", slug=entry.slug, _external=True),
        "describedByType": "application/json",
        "distribution": _distributions(entry, files),
    }


def dcat_catalog(datasets: Iterable[tuple[CatalogEntry, list[CatalogFile]]]) -> dict[str, Any]:
    """`/data.json`: every published data set (Sacramento: "a list of all data sets available on the Portal")."""
    publisher = catalog_publisher()
    return {
        "@context": DCAT_US_CONTEXT,
        "@id": url_for("catalog.data_json", _external=True),
        "@type": "dcat:Catalog",
        "conformsTo": DCAT_US_SCHEMA,
        "describedBy": f"{DCAT_US_SCHEMA}/catalog.json",
        "dataset": [dcat_dataset(entry, files, publisher) for entry, files in datasets],
    }


def schema_org_dataset(entry: CatalogEntry, files: list[CatalogFile]) -> dict[str, Any]:
    """The data set page's JSON-LD (https://schema.org/Dataset), for search engines."""
    page = url_for("catalog.dataset", slug=entry.slug, _external=True)
    downloads = [{"@type": "DataDownload", "name": distribution["title"], "contentUrl": distribution["downloadURL"],
                  "encodingFormat": distribution["mediaType"]} for distribution in _distributions(entry, files)]
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": page,
        "url": page,
        "name": entry.title,
        "description": entry.description,
        "keywords": list(entry.keywords) or [entry.topic],
        "license": entry.license,
        "usageInfo": url_for("catalog.terms", _external=True),
        "isAccessibleForFree": True,
        "datePublished": _instant(entry.issued_at),
        "dateModified": _instant(entry.modified_at),
        "publisher": {"@type": "Organization", "name": catalog_publisher().of(entry)},
        "creator": {"@type": "Organization", "name": entry.department},
        "contactPoint": {"@type": "ContactPoint", "name": entry.contact_name or entry.department,
                         "email": entry.contact_email},
        "distribution": downloads,
    }


def resource_name(file: CatalogFile) -> str:
    """A Frictionless resource name (lower case, digits, ".", "-", "_"): "raw-requests-by-month"."""
    stem = PurePosixPath(file.filename).stem.lower()
    cleaned = "".join(character if character.isascii() and (character.isalnum() or character in "._-") else "-"
                      for character in stem).strip("-") or "file"
    return f"{file.kind}-{cleaned}"


def datapackage(entry: CatalogEntry, files: list[CatalogFile], schemas: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The data set as a Frictionless Data Package: its newest files, each with its Table Schema (`schemas`,
    by file id, for the files frictionless could read) and sha256."""
    resources, names = [], set()
    for file in latest_files(files):
        name = resource_name(file)
        while name in names:
            name += "-" + str(file.file_id)
        names.add(name)
        table = table_format(file.filename, file.content_type)
        resource: dict[str, Any] = {
            "name": name, "title": f"{KIND_WORDS[file.kind]}: {file.filename}",
            "path": download_url(entry, file), "mediatype": _media_type(file),
            "bytes": file.size, "hash": f"sha256:{file.sha256}",
        }
        if table:
            resource["format"] = table
        if file.file_id in schemas:
            resource.update({"type": "table", "schema": schemas[file.file_id]})
        resources.append(resource)
    return {
        "name": entry.slug,
        "title": entry.title,
        "description": entry.description,
        "homepage": url_for("catalog.dataset", slug=entry.slug, _external=True),
        "keywords": list(entry.keywords) or [entry.topic],
        "licenses": [{"path": entry.license, "title": "License of the data set"}],
        "sources": [{"title": entry.source or entry.department}],
        "contributors": [{"title": entry.department, "role": "author"},
                         {"title": catalog_publisher().of(entry), "role": "publisher"}],
        "created": _instant(entry.issued_at),
        "version": str(max((file.version for file in files), default=1)),
        "terms_of_use": url_for("catalog.terms", _external=True),
        "resources": resources,
    }
