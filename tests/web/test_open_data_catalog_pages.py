"""The public open data catalog (issue 16; docs/open-data.md): every published data set listed, searched,
filtered and sorted; its page with metadata, source and quality, a preview and its downloads, each carrying the
Terms of Use; `/data.json` in DCAT-US 1.1 (validated against the official schema when ../shared/schemas holds
it); schema.org JSON-LD; a Frictionless datapackage.json; nothing withdrawn, removed or unvetted shown."""
from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from city.open_data.catalog import publish_dataset, remove_dataset, withdraw_dataset, withdraw_version
from city.rules.registry import OperatorArgumentError
from web.filestore import file_store
from web.models import db

REPO = Path(__file__).parents[2]
DCAT_US_SCHEMAS = Path(__file__).parents[2].parent / "shared" / "schemas" / "dcat-us-1.1"
EARLIER = datetime(2026, 10, 1, 15, 0, tzinfo=timezone.utc)
LATER = datetime(2026, 11, 2, 15, 0, tzinfo=timezone.utc)
PERFORMANCE_CSV = b"month,received,closed\n2026-09,40,38\n2026-10,52,50\n"
PERMITS_CSV = b"permit,issued,ward\nB-1,2026-10-01,3\nB-2,2026-10-02,1\n"
PERMITS_JSON = b'[{"permit": "B-1", "ward": 3}, {"permit": "B-2", "ward": 1}]'
# 07:00 UTC on Tuesday 3, Wednesday 4 and Thursday 5 March 2026: the performance refresh's daily timer.
REFRESH_DAYS = tuple(datetime(2026, 3, day, 7, 0, tzinfo=timezone.utc) for day in (3, 4, 5))
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def publish(app, *, title: str, department: str, topic: str, files: list[tuple[bytes, str, str]],
            approved_in: int | None = 7, now: datetime = EARLIER, **metadata) -> str:
    """Store `files` ((content, filename, kind)) in the app's file store and publish them under `title`."""
    with app.app_context():
        store = file_store()
        references = []
        for content, filename, kind in files:
            stored = store.store(content, filename)
            references.append({"sha256": stored.sha256, "filename": stored.filename,
                               "content_type": stored.content_type, "size": stored.size, "kind": kind})
        connection = db.session.connection()
        slug = publish_dataset(connection, metadata={
            "title": title, "description": f"{title}, as the {department} keeps it.", "department": department,
            "topic": topic, "contact_email": "opendata@city.example", "source": "The office's case register.",
            "quality": "Complete from January 2026; figures before then are estimates.", **metadata},
            files=references, approved_in=approved_in, now=now)
        db.session.commit()
        return slug


@pytest.fixture
def catalog(app):
    performance = publish(app, title="Records requests performance", department="City Clerk", topic="Government",
                          keywords=["records", "performance"], update_frequency="monthly", now=LATER,
                          files=[(PERFORMANCE_CSV, "requests-by-month.csv", "processed")])
    permits = publish(app, title="Building permits", department="Planning", topic="Housing",
                      files=[(PERMITS_CSV, "permits.csv", "raw"), (PERMITS_JSON, "permits.json", "processed")])
    return {"performance": performance, "permits": permits}


def titles(response) -> list[str]:
    return [html.unescape(title)
            for title in re.findall(r'<h3><a href="/data/[^"]+">([^<]+)</a></h3>', response.get_data(as_text=True))]


def test_the_catalog_lists_every_published_data_set_with_the_terms_linked(client, catalog):
    response = client.get("/data")
    assert response.status_code == 200
    assert titles(response) == ["Building permits", "Records requests performance"]
    assert 'href="/data/terms-of-use"' in response.get_data(as_text=True)


@pytest.mark.parametrize("query, expected", [
    ("q=permits", ["Building permits"]),
    ("q=PERFORMANCE", ["Records requests performance"]),       # keywords and titles, whatever the case
    ("q=records+month", []),                                   # every word must match
    ("department=Planning", ["Building permits"]),
    ("topic=Government", ["Records requests performance"]),
    ("sort=modified", ["Records requests performance", "Building permits"]),
    ("sort=department", ["Records requests performance", "Building permits"]),   # City Clerk before Planning
    ("department=No+such+office&sort=whatever&topic=%00", ["Building permits", "Records requests performance"]),
])
def test_a_resident_searches_filters_and_sorts_the_catalog(client, catalog, query, expected):
    response = client.get(f"/data?{query}")
    assert response.status_code == 200
    assert titles(response) == expected


def test_the_filters_offer_the_departments_and_topics_that_have_data_sets(client, catalog):
    page = client.get("/data").get_data(as_text=True)
    assert '<option value="Planning">Planning</option>' in page and '<option value="Housing">Housing</option>' in page
    assert '<label for="catalog-q">Search</label>' in page and '<label for="catalog-department">' in page


def test_a_data_set_page_shows_its_metadata_source_quality_and_a_preview_of_the_first_rows(client, catalog):
    page = client.get(f"/data/{catalog['performance']}").get_data(as_text=True)
    assert "The office&#39;s case register." in page
    assert "Complete from January 2026; figures before then are estimates." in page
    assert "Monthly; last on" in page and "City Clerk" in page
    preview = page[page.index("<h2>Preview</h2>"):]
    assert "<th scope=\"col\">received</th>" in preview and "<td>2026-10</td><td>52</td><td>50</td>" in preview


def test_the_preview_reads_the_processed_json_when_there_is_one(client, catalog):
    page = client.get(f"/data/{catalog['permits']}").get_data(as_text=True)
    assert "The first 2 rows of permits.json" in page and "<td>B-2</td><td>1</td>" in page


def test_a_download_is_the_published_file_with_the_terms_of_use_and_license_linked(client, catalog):
    page = client.get(f"/data/{catalog['permits']}").get_data(as_text=True)
    [link] = re.findall(r'href="(/data/building-permits/files/\d+/permits\.csv)"', page)
    response = client.get(link)
    assert response.status_code == 200 and response.data == PERMITS_CSV
    assert response.headers["Content-Disposition"].startswith("attachment")
    links = response.headers.getlist("Link")
    assert '<http://localhost/data/terms-of-use>; rel="terms-of-service"' in links
    assert any('rel="license"' in link for link in links)


def test_a_csv_only_data_set_is_also_downloadable_as_json(client, catalog):
    page = client.get(f"/data/{catalog['performance']}").get_data(as_text=True)
    [link] = re.findall(r'href="(/data/records-requests-performance/files/\d+/json)"', page)
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == [{"month": "2026-09", "received": 40, "closed": 38},
                                   {"month": "2026-10", "received": 52, "closed": 50}]
    assert response.headers["Content-Disposition"] == "attachment; filename=requests-by-month.json"
    assert any('rel="terms-of-service"' in link for link in response.headers.getlist("Link"))


def test_a_json_file_has_no_json_rendering_and_unknown_files_are_not_found(client, catalog):
    page = client.get(f"/data/{catalog['permits']}").get_data(as_text=True)
    [json_file] = re.findall(r'href="/data/building-permits/files/(\d+)/permits\.json"', page)
    assert client.get(f"/data/building-permits/files/{json_file}/json").status_code == 404
    assert client.get("/data/building-permits/files/999999/permits.csv").status_code == 404
    assert client.get("/data/no-such-data-set").status_code == 404
    assert client.get("/data/no-such-data-set/datapackage.json").status_code == 404


def test_a_new_version_keeps_the_old_one_listed_for_download(app, client, catalog):
    publish(app, title="Building permits", department="Planning", topic="Housing", now=LATER,
            files=[(PERMITS_CSV + b"B-3,2026-10-30,2\n", "permits.csv", "raw")])
    page = client.get("/data/building-permits").get_data(as_text=True)
    assert "Earlier versions" in page and "Version 1 (" in page
    old = re.findall(r'href="(/data/building-permits/files/\d+/permits\.csv)"', page)
    assert len(old) == 2
    assert {client.get(link).data for link in old} == {PERMITS_CSV, PERMITS_CSV + b"B-3,2026-10-30,2\n"}


def test_a_withdrawn_version_stays_listed_with_its_reason_but_is_served_nowhere(app, client, catalog):
    publish(app, title="Building permits", department="Planning", topic="Housing", now=LATER,
            files=[(b"permit,issued,ward\nB-1,2026-10-01,3\n", "permits.csv", "raw")])
    old_links = re.findall(r'href="(/data/building-permits/files/\d+/permits\.(?:csv|json))"',
                           client.get("/data/building-permits").get_data(as_text=True))
    with app.app_context():
        withdraw_version(db.session.connection(), "building-permits", 1, "Ward numbers were wrong.", now=LATER,
                         actor="officer")
        db.session.commit()
    page = html.unescape(client.get("/data/building-permits").get_data(as_text=True))
    assert "Version 1 withdrawn. Ward numbers were wrong." in page
    assert "Version 1 of this data set was withdrawn on Nov 2, 2026: Ward numbers were wrong." in page
    assert "permits.json (" in page and "no longer available" in page
    for link in old_links[1:]:     # the first is the current version's
        gone = client.get(link)
        assert gone.status_code == 410 and gone.data not in (PERMITS_CSV, PERMITS_JSON)
        assert "Ward numbers were wrong." in html.unescape(gone.get_data(as_text=True))
        assert client.get(link.rsplit("/", 1)[0] + "/json").status_code == 410
    served = json.dumps(client.get("/data.json").get_json()) + json.dumps(
        client.get("/data/building-permits/datapackage.json").get_json())
    assert not any(link in served for link in old_links[1:])
    assert "The first 1 rows of permits.csv" in page


def test_the_current_version_is_never_withdrawn_alone_nor_a_version_twice(app, catalog):
    publish(app, title="Building permits", department="Planning", topic="Housing", now=LATER,
            files=[(PERMITS_CSV, "permits.csv", "raw")])
    with app.app_context():
        connection = db.session.connection()
        with pytest.raises(OperatorArgumentError, match="current version and cannot be withdrawn alone"):
            withdraw_version(connection, "building-permits", 2, "Wrong.")
        with pytest.raises(OperatorArgumentError, match="has no version 3"):
            withdraw_version(connection, "building-permits", 3, "Wrong.")
        with pytest.raises(OperatorArgumentError, match="reason is blank"):
            withdraw_version(connection, "building-permits", 1, "  ")
        assert withdraw_version(connection, "building-permits", 1, "Wrong.") == 2    # the raw and processed files
        with pytest.raises(OperatorArgumentError, match="withdrawn already"):
            withdraw_version(connection, "building-permits", 1, "Wrong again.")


def test_withdrawn_removed_and_unvetted_data_sets_are_not_shown_anywhere(app, client, catalog):
    unvetted = publish(app, title="Parking citations", department="Police", topic="Public safety", approved_in=None,
                       files=[(b"ticket,fine\nT-1,25\n", "citations.csv", "raw")])
    with app.app_context():
        withdraw_dataset(db.session.connection(), catalog["permits"], "The department asked to check the wards.")
        remove_dataset(db.session.connection(), catalog["performance"], "Inaccurate figures for October.")
        db.session.commit()
    assert titles(client.get("/data")) == []
    assert client.get("/data.json").get_json()["dataset"] == []
    for slug in (unvetted, catalog["permits"], catalog["performance"]):
        assert client.get(f"/data/{slug}").status_code == 404
        assert client.get(f"/data/{slug}/datapackage.json").status_code == 404
    assert client.get("/data/building-permits/files/1/permits.csv").status_code == 404


def test_each_data_set_page_carries_schema_org_dataset_json_ld(client, catalog):
    page = client.get(f"/data/{catalog['performance']}").get_data(as_text=True)
    [block] = JSON_LD.findall(page)
    described = json.loads(block)
    assert described["@context"] == "https://schema.org" and described["@type"] == "Dataset"
    assert described["name"] == "Records requests performance"
    assert described["usageInfo"] == "http://localhost/data/terms-of-use"
    assert {download["encodingFormat"] for download in described["distribution"]} == {"text/csv", "application/json"}


def test_each_data_set_has_a_valid_frictionless_data_package(client, catalog):
    from frictionless import Package
    descriptor = client.get(f"/data/{catalog['permits']}/datapackage.json").get_json()
    report = Package.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    resources = {resource["name"]: resource for resource in descriptor["resources"]}
    assert set(resources) == {"raw-permits", "processed-permits"}
    assert resources["raw-permits"]["schema"]["fields"] == [
        {"name": "permit", "type": "string"}, {"name": "issued", "type": "date"}, {"name": "ward", "type": "integer"}]
    assert resources["raw-permits"]["hash"].startswith("sha256:")


def test_the_catalog_is_served_as_dcat_us_with_every_required_field(client, catalog):
    served = client.get("/data.json")
    assert served.status_code == 200 and served.mimetype == "application/json"
    document = served.get_json()
    assert document["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    required = ("bureauCode", "programCode", "title", "description", "keyword", "modified", "publisher",
                "contactPoint", "identifier", "accessLevel")
    assert [[name for name in required if not dataset.get(name)] for dataset in document["dataset"]] == [[], []]
    performance = next(dataset for dataset in document["dataset"] if dataset["title"].startswith("Records"))
    assert performance["accrualPeriodicity"] == "R/P1M"
    assert {distribution["mediaType"] for distribution in performance["distribution"]} == {"text/csv",
                                                                                           "application/json"}


@pytest.mark.skipif(not DCAT_US_SCHEMAS.is_dir(),
                    reason=f"the official DCAT-US 1.1 JSON Schema is not at {DCAT_US_SCHEMAS} (it is not kept in "
                           "this repository); the served data.json was not validated against it")
def test_the_served_data_json_validates_against_the_official_dcat_us_schema(client, catalog):
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    schemas = {path.name: json.loads(path.read_text()) for path in DCAT_US_SCHEMAS.glob("*.json")
               if not path.name.startswith("example")}
    registry = Registry().with_resources(
        (schema["id"].rstrip("#"), Resource.from_contents(schema, default_specification=DRAFT4))
        for schema in schemas.values())
    validator = Draft4Validator(schemas["catalog.json"], registry=registry)
    errors = [f"{list(error.absolute_path)}: {error.message}"
              for error in validator.iter_errors(client.get("/data.json").get_json())]
    assert errors == []
    # and the schema does refuse a data set that lacks a required field
    broken = client.get("/data.json").get_json()
    del broken["dataset"][0]["contactPoint"]
    assert not validator.is_valid(broken)


def test_the_terms_of_use_page_gives_the_policys_disclaimers_and_terms(client):
    page = " ".join(client.get("/data/terms-of-use").get_data(as_text=True).split())
    assert "Open Data Terms of Use" in page and "City of Sacramento" in page
    assert 'provided for on an "as is" basis' in page.replace("&#34;", '"')
    assert "The User accepts and agrees to the Terms by machine-consuming" in page


def test_the_demo_catalog_shows_the_records_offices_performance_and_the_city_data(app, client, portal, time_machine):
    from engine import clock
    time_machine.move_to(clock.now(), tick=False)       # one month throughout, even at a month's last instant
    from web.catalog.demo import ensure_demo_catalog
    with app.app_context():
        published = ensure_demo_catalog(db.session.connection(), file_store(), now=clock.now())
        db.session.commit()
        assert ensure_demo_catalog(db.session.connection(), file_store(), now=clock.now()) == 0   # once only
    assert published == 3
    assert titles(client.get("/data")) == ["Offices that keep public records, and their hours",
                                           "Open records fee schedules",
                                           "Records requests: the records office's performance by month"]
    page = client.get("/data/records-requests-performance").get_data(as_text=True)
    assert '<th scope="col">share_answered_within_deadline</th>' in page
    assert '<th scope="col">median_business_days_to_first_action</th>' in page
    assert len(client.get("/data.json").get_json()["dataset"]) == 3


def test_the_daily_timer_refreshes_the_performance_data_set_only_when_its_figures_change(app, client, portal,
                                                                                         process_engine, time_machine):
    """processes/open_data_performance_refresh.bpmn: each day at 07:00 UTC the figures are counted again; a version is
    published only when they changed (issue 16: "refreshed by a timer")."""
    from records_office import REQUEST
    from web.catalog.demo import ensure_demo_catalog
    time_machine.move_to(REFRESH_DAYS[0] - timedelta(hours=15), tick=False)   # Monday 2 March 2026, 10:00 in the city
    with app.app_context():
        ensure_demo_catalog(db.session.connection(), file_store(), now=REFRESH_DAYS[0] - timedelta(hours=15))
        db.session.commit()
    process_engine.deploy_file(REPO / "processes" / "open_data_performance_refresh.bpmn", REPO / "forms",
                               actor="analyst")

    def refreshed_on(day: datetime):
        time_machine.move_to(day, tick=False)
        assert process_engine.fire_due_timers() == 0                          # not before its time
        time_machine.move_to(day + timedelta(seconds=1), tick=False)
        assert process_engine.fire_due_timers() == 1
        run = process_engine.list_instances(process_key="open_data_performance_refresh")[0]
        assert run.status == "completed"
        return {key: value for event in process_engine.audit_trail(run.instance_id)
                for key, value in event.changes.items()}["performance_refresh"]["version"]

    assert refreshed_on(REFRESH_DAYS[0]) is None                               # nothing new: no new version
    time_machine.move_to(REFRESH_DAYS[0] + timedelta(hours=9), tick=False)
    received = (REFRESH_DAYS[0] + timedelta(hours=9)).isoformat()
    portal.start_instance("records_request", {**REQUEST, "received_at": received, "office_key": None}, actor="clerk",
                          tracking_prefix="R")
    assert refreshed_on(REFRESH_DAYS[1]) == 2                                  # a request came in: version 2
    assert refreshed_on(REFRESH_DAYS[2]) is None                               # nothing changed since
    page = client.get("/data/records-requests-performance").get_data(as_text=True)
    assert "Earlier versions" in page and "Refreshed" in page
    assert len(process_engine.list_instances(process_key="open_data_performance_refresh")) == 3


def test_a_file_named_in_any_language_downloads_under_its_name(app, client):
    slug = publish(app, title="Données des permis", department="Planning", topic="Housing",
                   files=[(PERMITS_CSV, "données-permis.csv", "raw")])
    page = client.get(f"/data/{slug}").get_data(as_text=True)
    [json_link] = re.findall(rf'href="(/data/{slug}/files/\d+/json)"', page)
    response = client.get(json_link)
    assert response.status_code == 200
    assert "filename*=UTF-8''donn%C3%A9es-permis.json" in response.headers["Content-Disposition"]
