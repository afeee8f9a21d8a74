"""The published catalog of open data sets and their file versions (002; docs/open-data.md).

"Catalogue and post on the Open Data Portal a list of all data sets available on the Portal"
(Sacramento), each "in both its raw and processed form, including a description of the source and
quality of the data" (KCMO Sec. 2-2132(b)). A data set keeps every file version ever published: a
correction adds a version, and old versions stay listed. An earlier version found to hold protected data is
withdrawn: it stays listed with the date and the reason, but its files are no longer served. The files' bytes are in the file store
(`web.filestore`, by sha256); these rows say what each file is.

Rows are written by `city.open_data.catalog` with Core statements on the caller's connection (the
engine's step transaction, when the data set approval publishes), and read by the public pages.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base

SLUG = String(80)
SHA256 = String(64)
USERNAME = String(100)


class DatasetStatus(enum.Enum):
    PUBLISHED = "published"   # on the public catalog
    WITHDRAWN = "withdrawn"   # off the catalog: appeared without approval (until vetted) or withdrawn
    REMOVED = "removed"       # taken down by the Records Manager (inaccurate, misleading or protected data)


class FileKind(enum.Enum):
    RAW = "raw"               # as the department keeps it
    PROCESSED = "processed"   # cleaned, aggregated or reshaped for reading


class Dataset(Base):
    """One data set in the catalog, with the metadata DCAT-US asks for and the approval that let it out."""

    __tablename__ = "open_dataset"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(SLUG, unique=True)   # its address: /data/<slug>
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(200), index=True)   # the department keeping the data
    topic: Mapped[str] = mapped_column(String(100), index=True)        # one theme, e.g. "Public safety"
    keywords: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)    # where the figures come from (KCMO Sec. 2-2132(b))
    quality: Mapped[str] = mapped_column(Text)   # how complete and accurate they are, known gaps
    update_frequency: Mapped[str] = mapped_column(String(40))   # ISO 8601 repeating duration: "R/P1M"
    license: Mapped[str] = mapped_column(String(300))           # a URL
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(200))
    publisher: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime]     # first published
    modified_at: Mapped[datetime]   # last new version or metadata change
    status: Mapped[DatasetStatus] = mapped_column(index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    # The data set approval case that let it out; None: it appeared without approval and stays
    # withdrawn until vetted (Sacramento, Enforcement).
    approved_in: Mapped[int | None] = mapped_column(Integer)   # no foreign key: the catalog outlives instances
    vetted_by: Mapped[str | None] = mapped_column(USERNAME)
    vetted_at: Mapped[datetime | None]


class DatasetFile(Base):
    """One file of one version of a data set; never deleted, and changed only when its version is withdrawn."""

    __tablename__ = "open_dataset_file"
    __table_args__ = (UniqueConstraint("dataset_id", "version", "kind", "filename",
                                       name="uq_open_dataset_file_version_kind_filename"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("open_dataset.id"), index=True)
    version: Mapped[int]           # 1, 2, ...: each publication of the data set adds one
    kind: Mapped[FileKind]
    sha256: Mapped[str] = mapped_column(SHA256)   # the file store's name for the bytes
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]              # bytes
    added_at: Mapped[datetime]
    approved_in: Mapped[int | None] = mapped_column(Integer)   # the case that published this version
    # An earlier version withdrawn (protected data, say): listed with when and why, its files no longer served.
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class DatasetEvent(Base):
    """Append-only history of a data set: published, republished, corrected, withdrawn, vetted, removed, and an
    earlier version withdrawn ("version withdrawn", its number in `details`)."""

    __tablename__ = "open_dataset_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("open_dataset.id"), index=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(Integer)   # the case that did it, when a process did
    actor: Mapped[str | None] = mapped_column(USERNAME)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
