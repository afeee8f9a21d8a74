"""Publishing to the open data catalog, and taking a data set off it (002; docs/open-data.md).

- Publish: "public data shall be published online ... in both its raw and processed form, including a
  description of the source and quality of the data" (KCMO Sec. 2-2132(b)); every data set is listed
  ("catalogue and post on the Open Data Portal a list of all data sets available", Sacramento).
- Withdraw until vetted: "Any data sets appearing on the City's Open Data Portal that are not approved
  by the City's Records Manager will be removed until the data is properly vetted" (Sacramento,
  Enforcement). A publication with no approval case (`approved_in=None`) is withdrawn at once and
  shown only after an administrator or the Open Data Officer vets it.
- Correct or remove: "the Records Manager shall as appropriate, promptly correct or remove such data"
  (Sacramento, Responsibility): a correction is a new file version; old versions stay listed. An earlier
  version that must not stay out (protected data) is withdrawn on its own: still listed with the date and
  the reason, its files no longer served. The current version is never withdrawn alone: remove the data set.

The writers take a SQLAlchemy `Connection` and write with Core statements, so that when the data set
approval publishes from a service task, the catalog rows commit or roll back with the engine's step
(as `city.ledger` does). A bad argument is an `OperatorArgumentError` naming it: in a step, an incident.
The readers return frozen dataclasses for the public pages and `/data.json`.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from city.open_data.models_catalog import Dataset, DatasetEvent, DatasetFile, DatasetStatus, FileKind
from city.rules.registry import OperatorArgumentError
from engine import clock

DATASET = Dataset.__table__
FILE = DatasetFile.__table__
EVENT = DatasetEvent.__table__
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
SLUG_SHAPE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 80
REQUIRED_METADATA = ("title", "description", "department", "contact_email")
MULTILINE = ("description", "source", "quality")   # kept with their line breaks
# Defaults for what a form may leave out; DCAT-US needs a value for each.
DEFAULT_LICENSE = "https://opendatacommons.org/licenses/pddl/1-0/"
DEFAULT_FREQUENCY = "irregular"
DEFAULT_TOPIC = "Government"
# The public pages' own addresses under /data/ that no data set may take (/data/reports/<token>: a report's page).
RESERVED_SLUGS = frozenset({"terms-of-use", "reports"})
CONTACT_EMAIL = re.compile(r"[\w_~!$&'()*+,;=:.-]+@[\w.-]+\.[\w.-]+")   # what DCAT-US's contactPoint accepts
# How often a data set is updated, in words and as DCAT-US's accrualPeriodicity (ISO 8601 repeating duration).
FREQUENCIES = {"daily": "R/P1D", "weekly": "R/P1W", "monthly": "R/P1M", "quarterly": "R/P3M",
               "yearly": "R/P1Y", "irregular": "irregular"}
SORTS = {"title": "title", "modified": "most recently updated", "department": "department"}
NOT_VETTED = "Came without an approval case: withdrawn until it is vetted."
VERSION_WITHDRAWN = "version withdrawn"   # the history's action when one earlier version is withdrawn


# -- writing -------------------------------------------------------------------------------------

def publish_dataset(connection: Connection, *, metadata: Mapping[str, Any], files: Iterable[Mapping[str, Any]],
                    approved_in: int | None, now: datetime | None = None, actor: str | None = None) -> str:
    """Put a data set in the catalog, or add a file version to the one with the same slug; its slug.

    `metadata`: title, description, department, contact_email (required); slug (default: from the
    title), topic, keywords (a list or comma-separated text), source, quality, update_frequency (one
    of `FREQUENCIES`, in words or as its ISO 8601 value), license (a URL), contact_name, publisher.
    `files`: file-store references {sha256, filename, content_type, size, kind: "raw" | "processed"},
    at least one. `approved_in`: the data set
    approval case; None withdraws the data set until it is vetted."""
    moment = now or clock.now()
    fields = _metadata_fields(metadata)
    references = [_file_reference(position, reference) for position, reference in enumerate(files)]
    if not references:
        raise OperatorArgumentError("files is empty: publish at least one file of the data set", "files")
    slug = fields.pop("slug")
    status = DatasetStatus.PUBLISHED if approved_in is not None else DatasetStatus.WITHDRAWN
    reason = "" if approved_in is not None else NOT_VETTED
    existing = connection.execute(select(DATASET.c.id).where(DATASET.c.slug == slug)).scalar()
    if existing is None:
        dataset_id = connection.execute(insert(DATASET).values(
            slug=slug, issued_at=moment, modified_at=moment, status=status, status_reason=reason,
            approved_in=approved_in, **fields)).inserted_primary_key[0]
        version, action = 1, "published"
    else:
        dataset_id = existing
        version = _next_version(connection, dataset_id)
        connection.execute(update(DATASET).where(DATASET.c.id == dataset_id).values(
            modified_at=moment, status=status, status_reason=reason, approved_in=approved_in,
            vetted_by=None, vetted_at=None, **fields))
        action = "republished"
    _insert_files(connection, dataset_id, version, references, moment, approved_in)
    _record(connection, dataset_id, moment, action, reason, approved_in, actor, {"version": version})
    return slug


def add_version(connection: Connection, slug: str, files: Iterable[Mapping[str, Any]], *,
                now: datetime | None = None, actor: str | None = None) -> int:
    """A new file version of a data set already in the catalog, its status and approval unchanged; the version.

    For a series that refreshes itself (the records office's performance, `city.open_data.performance`):
    the data set was approved or vetted once, and each refresh adds the same figures for a later month.
    New metadata or new kinds of data go through the approval again (`publish_dataset`)."""
    return _new_version(connection, slug, files, "refreshed", "", now=now, instance_id=None, actor=actor,
                        empty="files is empty: add at least one file")


def correct_dataset(connection: Connection, slug: str, files: Iterable[Mapping[str, Any]], reason: str, *,
                    withdraw_earlier: bool = False, instance_id: int | None = None, now: datetime | None = None,
                    actor: str | None = None) -> int:
    """The Records Manager corrects a data set reported inaccurate, misleading or protected: a new file version
    (the earlier ones stay listed), its status and approval unchanged, and what was corrected in its history.

    The metadata stays as approved: a correction replaces the files, as `add_version` does for a refresh, but
    its history says "corrected" with the reason and the takedown case (`instance_id`). `withdraw_earlier`:
    every earlier version still served is withdrawn with the same reason (`withdraw_version`)."""
    if not str(reason or "").strip():
        raise OperatorArgumentError("reason is blank: say what was corrected", "reason")
    version = _new_version(connection, slug, files, "corrected", reason.strip(), now=now, instance_id=instance_id,
                           actor=actor, empty="files is empty: a correction is at least one corrected file")
    if withdraw_earlier:
        for earlier in served_versions(connection, slug):
            if earlier < version:
                withdraw_version(connection, slug, earlier, reason, now=now, instance_id=instance_id, actor=actor)
    return version


def withdraw_version(connection: Connection, slug: str, version: int, reason: str, *, now: datetime | None = None,
                     instance_id: int | None = None, actor: str | None = None) -> int:
    """Withdraw one earlier version of a data set: it stays listed with the date and `reason`, its files are no
    longer served (downloads, datapackage.json, /data.json, the preview); the number of its files.

    The current (newest) version is refused: a data set is never left without files it serves; to take the data
    off the portal, remove the data set (`remove_dataset`). A version already withdrawn is refused too, so its
    date and reason stay the first ones."""
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise OperatorArgumentError("reason is blank: say why the version is withdrawn", "reason")
    moment = now or clock.now()
    dataset_id = _dataset_id(connection, slug)
    rows = connection.execute(select(FILE.c.version, FILE.c.withdrawn_at).where(FILE.c.dataset_id == dataset_id)).all()
    versions = {row.version for row in rows}
    if version not in versions:
        raise OperatorArgumentError(f'the data set "{slug}" has no version {version}', "version")
    if version == max(versions):
        raise OperatorArgumentError(
            f"version {version} is the data set's current version and cannot be withdrawn alone: publish a "
            "corrected version first, or remove the data set", "version")
    if any(row.version == version and row.withdrawn_at is not None for row in rows):
        raise OperatorArgumentError(f"version {version} is withdrawn already", "version")
    withdrawn = connection.execute(update(FILE).where(FILE.c.dataset_id == dataset_id, FILE.c.version == version)
                                   .values(withdrawn_at=moment, withdrawn_reason=reason)).rowcount
    connection.execute(update(DATASET).where(DATASET.c.id == dataset_id).values(modified_at=moment))
    _record(connection, dataset_id, moment, VERSION_WITHDRAWN, reason, instance_id, actor, {"version": version})
    return withdrawn


def served_versions(connection: Connection, slug: str) -> list[int]:
    """The versions of a data set whose files are served (not withdrawn), oldest first."""
    dataset_id = _dataset_id(connection, slug)
    return list(connection.execute(select(FILE.c.version).where(FILE.c.dataset_id == dataset_id,
                                                                FILE.c.withdrawn_at.is_(None))
                                   .distinct().order_by(FILE.c.version)).scalars())


def _new_version(connection: Connection, slug: str, files: Iterable[Mapping[str, Any]], action: str, reason: str, *,
                 now: datetime | None, instance_id: int | None, actor: str | None, empty: str) -> int:
    moment = now or clock.now()
    dataset_id = _dataset_id(connection, slug)
    references = [_file_reference(position, reference) for position, reference in enumerate(files)]
    if not references:
        raise OperatorArgumentError(empty, "files")
    version = _next_version(connection, dataset_id)
    approved_in = connection.execute(select(DATASET.c.approved_in).where(DATASET.c.id == dataset_id)).scalar()
    _insert_files(connection, dataset_id, version, references, moment, approved_in)
    connection.execute(update(DATASET).where(DATASET.c.id == dataset_id).values(modified_at=moment))
    _record(connection, dataset_id, moment, action, reason, instance_id, actor, {"version": version})
    return version


def withdraw_dataset(connection: Connection, slug: str, reason: str, *, now: datetime | None = None,
                     instance_id: int | None = None, actor: str | None = None) -> None:
    """Take a data set off the public catalog (its page and files answer 404) and say why."""
    _change_status(connection, slug, DatasetStatus.WITHDRAWN, "withdrawn", reason, now, instance_id, actor)


def remove_dataset(connection: Connection, slug: str, reason: str, *, now: datetime | None = None,
                   instance_id: int | None = None, actor: str | None = None) -> None:
    """The Records Manager removes a data set found inaccurate, misleading or protected (Sacramento)."""
    _change_status(connection, slug, DatasetStatus.REMOVED, "removed", reason, now, instance_id, actor)


def vet_dataset(connection: Connection, slug: str, *, actor: str, now: datetime | None = None) -> None:
    """An administrator or the Open Data Officer vets a data set that appeared without approval: it is shown."""
    moment = now or clock.now()
    dataset_id = _dataset_id(connection, slug)
    connection.execute(update(DATASET).where(DATASET.c.id == dataset_id).values(
        status=DatasetStatus.PUBLISHED, status_reason="", vetted_by=actor, vetted_at=moment))
    _record(connection, dataset_id, moment, "vetted", "", None, actor, None)


def _change_status(connection: Connection, slug: str, status: DatasetStatus, action: str, reason: str,
                   now: datetime | None, instance_id: int | None, actor: str | None) -> None:
    if not str(reason or "").strip():
        raise OperatorArgumentError(f"reason is blank: say why the data set is {action}", "reason")
    moment = now or clock.now()
    dataset_id = _dataset_id(connection, slug)
    connection.execute(update(DATASET).where(DATASET.c.id == dataset_id).values(
        status=status, status_reason=reason.strip(), modified_at=moment))
    _record(connection, dataset_id, moment, action, reason.strip(), instance_id, actor, None)


def _next_version(connection: Connection, dataset_id: int) -> int:
    newest = connection.execute(select(func.max(FILE.c.version)).where(FILE.c.dataset_id == dataset_id)).scalar()
    return (newest or 0) + 1


def _insert_files(connection: Connection, dataset_id: int, version: int, references: list[dict[str, Any]],
                  moment: datetime, approved_in: int | None) -> None:
    connection.execute(insert(FILE), [{**reference, "dataset_id": dataset_id, "version": version,
                                       "added_at": moment, "approved_in": approved_in} for reference in references])


def _dataset_id(connection: Connection, slug: str) -> int:
    dataset_id = connection.execute(select(DATASET.c.id).where(DATASET.c.slug == slug)).scalar()
    if dataset_id is None:
        raise OperatorArgumentError(f'there is no data set "{slug}" in the catalog', "slug")
    return dataset_id


def _record(connection: Connection, dataset_id: int, at: datetime, action: str, reason: str,
            instance_id: int | None, actor: str | None, details: dict[str, Any] | None) -> None:
    connection.execute(insert(EVENT).values(dataset_id=dataset_id, at=at, action=action, reason=reason,
                                            instance_id=instance_id, actor=actor, details=details))


def slug_for(title: str) -> str:
    """ "Records requests: performance, by month" -> "records-requests-performance-by-month" """
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    return "-".join(re.findall(r"[a-z0-9]+", plain))[:MAX_SLUG].strip("-")


def _text(metadata: Mapping[str, Any], name: str, default: str = "", limit: int | None = None) -> str:
    value = metadata.get(name)
    if value is None:
        text = ""
    elif name in MULTILINE:
        text = str(value).strip()
    else:
        text = " ".join(str(value).split())
    if limit is not None and len(text) > limit:
        raise OperatorArgumentError(f"{name} is longer than {limit} characters", name)
    return text or default


def _metadata_fields(metadata: Mapping[str, Any]) -> dict[str, Any]:
    for name in REQUIRED_METADATA:
        if not _text(metadata, name):
            raise OperatorArgumentError(f"metadata has no {name}: a catalogued data set needs one", name)
    title = _text(metadata, "title", limit=200)
    slug = _text(metadata, "slug") or slug_for(title)
    if slug in RESERVED_SLUGS:
        raise OperatorArgumentError(f'slug "{slug}" is the address of a catalog page; choose another', "slug")
    if not SLUG_SHAPE.fullmatch(slug) or len(slug) > MAX_SLUG:
        raise OperatorArgumentError(f'slug "{slug}" is not lower-case words joined by hyphens (at most {MAX_SLUG})',
                                    "slug")
    keywords = metadata.get("keywords") or []
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    keywords = [" ".join(str(word).split()) for word in keywords if str(word).strip()]
    department = _text(metadata, "department", limit=200)
    contact_email = _text(metadata, "contact_email", limit=200).removeprefix("mailto:")
    if not CONTACT_EMAIL.fullmatch(contact_email):
        raise OperatorArgumentError(f'contact_email "{contact_email}" is not an e-mail address', "contact_email")
    license_url = _text(metadata, "license", DEFAULT_LICENSE, 300)
    if not re.fullmatch(r"https?://[^\s<>\"]+", license_url):
        raise OperatorArgumentError(f'license "{license_url}" is not the address (URL) of a license', "license")
    frequency = _text(metadata, "update_frequency", DEFAULT_FREQUENCY, 40)
    frequency = FREQUENCIES.get(frequency.lower(), frequency)
    if frequency not in FREQUENCIES.values():
        raise OperatorArgumentError(f'update_frequency "{frequency}" is not one of {", ".join(FREQUENCIES)}',
                                    "update_frequency")
    return {
        "slug": slug, "title": title, "description": _text(metadata, "description"),
        "department": department, "topic": _text(metadata, "topic", DEFAULT_TOPIC, 100), "keywords": keywords,
        "source": _text(metadata, "source"), "quality": _text(metadata, "quality"),
        "update_frequency": frequency,
        "license": license_url,
        "contact_name": _text(metadata, "contact_name", department, 200),
        "contact_email": contact_email,
        "publisher": _text(metadata, "publisher", department, 200),
    }


def _file_reference(position: int, reference: Mapping[str, Any]) -> dict[str, Any]:
    where = f"files[{position}]"
    sha256 = str(reference.get("sha256") or "")
    if not SHA256_HEX.fullmatch(sha256):
        raise OperatorArgumentError(f"{where}.sha256 is not the file store's name of a file (64 hex digits)", "files")
    try:
        kind = FileKind(reference.get("kind") or "raw")
    except ValueError:
        raise OperatorArgumentError(f'{where}.kind is "{reference.get("kind")}"; it is "raw" or "processed"',
                                    "files") from None
    filename = str(reference.get("filename") or "").strip()
    if not filename:
        raise OperatorArgumentError(f"{where}.filename is blank", "files")
    try:
        size = int(reference.get("size") or 0)
    except (TypeError, ValueError):
        raise OperatorArgumentError(f"{where}.size is not a number of bytes", "files") from None
    return {"sha256": sha256, "filename": filename[:255], "kind": kind, "size": size,
            "content_type": str(reference.get("content_type") or "application/octet-stream")[:100]}


# -- reading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogFile:
    file_id: int
    version: int
    kind: str            # "raw" or "processed"
    sha256: str
    filename: str
    content_type: str
    size: int
    added_at: datetime
    withdrawn_at: datetime | None = None    # its version withdrawn: listed, never served
    withdrawn_reason: str | None = None


@dataclass(frozen=True)
class CatalogEntry:
    slug: str
    title: str
    description: str
    department: str
    topic: str
    keywords: tuple[str, ...]
    source: str
    quality: str
    update_frequency: str
    license: str
    contact_name: str
    contact_email: str
    publisher: str
    issued_at: datetime
    modified_at: datetime
    status: str
    status_reason: str
    approved_in: int | None
    dataset_id: int
    vetted_by: str | None = None


@dataclass(frozen=True)
class CatalogEvent:
    at: datetime
    action: str
    reason: str
    version: int | None = None     # the version it is about, when one is (a correction, a withdrawn version)


def _entry(row: Any) -> CatalogEntry:
    return CatalogEntry(
        slug=row.slug, title=row.title, description=row.description, department=row.department, topic=row.topic,
        keywords=tuple(row.keywords or ()), source=row.source, quality=row.quality,
        update_frequency=row.update_frequency, license=row.license, contact_name=row.contact_name,
        contact_email=row.contact_email, publisher=row.publisher, issued_at=row.issued_at,
        modified_at=row.modified_at, status=DatasetStatus(row.status).value, status_reason=row.status_reason,
        approved_in=row.approved_in, dataset_id=row.id, vetted_by=row.vetted_by)


def published_datasets(connection: Connection, *, search: str = "", department: str = "", topic: str = "",
                       sort: str = "title") -> list[CatalogEntry]:
    """The data sets the public sees, matching `search` (title, description, keywords, department) and
    the department and topic filters; sorted by `sort`, one of `SORTS` (anything else: by title)."""
    query = select(DATASET).where(DATASET.c.status == DatasetStatus.PUBLISHED)
    for word in search.split()[:10]:
        pattern = f"%{_escape_like(word.lower())}%"
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            DATASET.c.title, DATASET.c.description, DATASET.c.department, DATASET.c.topic,
            cast(DATASET.c.keywords, Text)))))
    if department:
        query = query.where(DATASET.c.department == department)
    if topic:
        query = query.where(DATASET.c.topic == topic)
    order = {"modified": (DATASET.c.modified_at.desc(), DATASET.c.title),
             "department": (DATASET.c.department, DATASET.c.title)}.get(sort, (DATASET.c.title,))
    return [_entry(row) for row in connection.execute(query.order_by(*order, DATASET.c.id))]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def catalog_facets(connection: Connection) -> tuple[list[str], list[str]]:
    """The departments and the topics of the published data sets, for the filters."""
    published = DATASET.c.status == DatasetStatus.PUBLISHED
    departments = connection.execute(select(DATASET.c.department).where(published).distinct()
                                     .order_by(DATASET.c.department)).scalars().all()
    topics = connection.execute(select(DATASET.c.topic).where(published).distinct()
                                .order_by(DATASET.c.topic)).scalars().all()
    return list(departments), list(topics)


def published_dataset(connection: Connection, slug: str) -> CatalogEntry | None:
    """The data set at `slug` when the public may see it; None when unknown, withdrawn or removed."""
    row = connection.execute(select(DATASET).where(DATASET.c.slug == slug,
                                                   DATASET.c.status == DatasetStatus.PUBLISHED)).first()
    return _entry(row) if row is not None else None


def all_datasets(connection: Connection) -> list[CatalogEntry]:
    """Every data set whatever its status, those waiting to be vetted first, then by title (staff pages)."""
    waiting = (DATASET.c.status == DatasetStatus.WITHDRAWN) & DATASET.c.approved_in.is_(None) \
        & DATASET.c.vetted_by.is_(None)
    rows = connection.execute(select(DATASET).order_by(waiting.desc(), DATASET.c.title, DATASET.c.id))
    return [_entry(row) for row in rows]


def any_dataset(connection: Connection, slug: str) -> CatalogEntry | None:
    """The data set at `slug` whatever its status (staff pages, tests)."""
    row = connection.execute(select(DATASET).where(DATASET.c.slug == slug)).first()
    return _entry(row) if row is not None else None


def files_of(connection: Connection, dataset_id: int) -> list[CatalogFile]:
    """Every file of every version, newest version first, raw before processed."""
    rows = connection.execute(select(FILE).where(FILE.c.dataset_id == dataset_id)
                              .order_by(FILE.c.version.desc(), FILE.c.kind.desc(), FILE.c.filename, FILE.c.id))
    return [CatalogFile(file_id=row.id, version=row.version, kind=FileKind(row.kind).value, sha256=row.sha256,
                        filename=row.filename, content_type=row.content_type, size=row.size, added_at=row.added_at,
                        withdrawn_at=row.withdrawn_at, withdrawn_reason=row.withdrawn_reason)
            for row in rows]


def history_of(connection: Connection, dataset_id: int) -> list[CatalogEvent]:
    """What happened to the data set, oldest first."""
    rows = connection.execute(select(EVENT.c.at, EVENT.c.action, EVENT.c.reason, EVENT.c.details)
                              .where(EVENT.c.dataset_id == dataset_id).order_by(EVENT.c.at, EVENT.c.id))
    return [CatalogEvent(row.at, row.action, row.reason, (row.details or {}).get("version")) for row in rows]
