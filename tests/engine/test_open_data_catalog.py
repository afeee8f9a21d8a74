"""The catalog's writers (city/open_data/catalog.py): publishing adds versions, old versions stay listed, and a
data set that appears without approval stays off the public catalog until vetted (Sacramento, Enforcement)."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest

from city.open_data.catalog import (files_of, any_dataset, history_of, publish_dataset, published_dataset,
                                    published_datasets, remove_dataset, vet_dataset, withdraw_dataset)
from city.rules.registry import OperatorArgumentError

MONDAY_9AM = datetime(2026, 11, 16, 15, 0, tzinfo=timezone.utc)
LATER = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
METADATA = {"title": "Building permits issued", "description": "Every building permit the city issued.",
            "department": "Planning", "topic": "Housing", "keywords": "permits, construction",
            "contact_email": "permits@city.example", "update_frequency": "monthly"}


def reference(content: bytes, filename: str, kind: str = "raw") -> dict:
    return {"sha256": hashlib.sha256(content).hexdigest(), "filename": filename, "content_type": "text/csv",
            "size": len(content), "kind": kind}


def test_a_data_set_approved_in_a_case_is_on_the_catalog_with_its_raw_and_processed_files(database):
    with database.write_connection() as connection:
        slug = publish_dataset(connection, metadata=METADATA, approved_in=41, now=MONDAY_9AM,
                               files=[reference(b"a,b\n1,2\n", "permits.csv"),
                                      reference(b"a\n3\n", "permits-by-month.csv", "processed")])
    assert slug == "building-permits-issued"
    with database.write_connection() as connection:
        entry = published_dataset(connection, slug)
        assert entry is not None and entry.approved_in == 41 and entry.keywords == ("permits", "construction")
        assert entry.update_frequency == "R/P1M"
        assert [(f.version, f.kind) for f in files_of(connection, entry.dataset_id)] == [(1, "raw"), (1, "processed")]


def test_publishing_again_under_the_same_slug_adds_a_version_and_keeps_the_old_one_listed(database):
    with database.write_connection() as connection:
        publish_dataset(connection, metadata=METADATA, approved_in=41, now=MONDAY_9AM,
                        files=[reference(b"a\n1\n", "permits.csv")])
        publish_dataset(connection, metadata={**METADATA, "description": "Corrected."}, approved_in=42, now=LATER,
                        files=[reference(b"a\n2\n", "permits.csv")])
        entry = published_dataset(connection, "building-permits-issued")
        assert entry.description == "Corrected." and entry.issued_at == MONDAY_9AM and entry.modified_at == LATER
        assert [f.version for f in files_of(connection, entry.dataset_id)] == [2, 1]
        assert [event.action for event in history_of(connection, entry.dataset_id)] == ["published", "republished"]


def test_a_data_set_published_without_approval_is_withdrawn_until_an_officer_vets_it(database):
    with database.write_connection() as connection:
        slug = publish_dataset(connection, metadata=METADATA, approved_in=None, now=MONDAY_9AM,
                               files=[reference(b"a\n1\n", "permits.csv")])
        assert published_dataset(connection, slug) is None and published_datasets(connection) == []
        assert any_dataset(connection, slug).status == "withdrawn"
        vet_dataset(connection, slug, actor="open_data_officer", now=LATER)
        assert [entry.slug for entry in published_datasets(connection)] == [slug]


@pytest.mark.parametrize("take_off", [withdraw_dataset, remove_dataset])
def test_a_withdrawn_or_removed_data_set_leaves_the_public_catalog_with_its_reason(database, take_off):
    with database.write_connection() as connection:
        slug = publish_dataset(connection, metadata=METADATA, approved_in=41, files=[reference(b"a\n", "p.csv")])
        with pytest.raises(OperatorArgumentError, match="reason"):
            take_off(connection, slug, "  ")
        take_off(connection, slug, "Contains home addresses.", instance_id=77)
        assert published_dataset(connection, slug) is None
        assert any_dataset(connection, slug).status_reason == "Contains home addresses."


@pytest.mark.parametrize("metadata, files, named", [
    ({**METADATA, "title": ""}, [reference(b"a", "p.csv")], "title"),
    (METADATA, [], "files"),
    (METADATA, [{**reference(b"a", "p.csv"), "sha256": "../../etc/passwd"}], "files"),
    (METADATA, [{**reference(b"a", "p.csv"), "kind": "cooked"}], "files"),
    ({**METADATA, "slug": "Not A Slug"}, [reference(b"a", "p.csv")], "slug"),
    ({**METADATA, "slug": "terms-of-use"}, [reference(b"a", "p.csv")], "slug"),
    ({**METADATA, "slug": "reports"}, [reference(b"a", "p.csv")], "slug"),
    ({**METADATA, "contact_email": "call the clerk"}, [reference(b"a", "p.csv")], "contact_email"),
    ({**METADATA, "update_frequency": "now and then"}, [reference(b"a", "p.csv")], "update_frequency"),
])
def test_a_publication_the_catalog_cannot_keep_is_refused_naming_what_to_correct(database, metadata, files, named):
    with database.write_connection() as connection, pytest.raises(OperatorArgumentError) as refused:
        publish_dataset(connection, metadata=metadata, files=files, approved_in=1)
    assert refused.value.parameter == named
