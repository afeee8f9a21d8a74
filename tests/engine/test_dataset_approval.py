"""processes/dataset_approval.bpmn on the real engine: the open data review and approval (002).

Sacramento's procedure: the requestor completes the Open Data Review and Approval Form and attaches a
sample; Clerk-Records reviews the form and the sample for protected data, consulting the City Attorney
and the IT Open Data Coordinator "if appropriate"; approved, the form goes to the IT Open Data
Coordinator and the requestor, who gives the coordinator access to the data set; not approved, it goes
back to the requestor "with a clear explanation of the reason for not publishing the Data Set".
The engine opens with a file store, so the scan reads the sample the form names.
"""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from city.office import open_engine
from city.open_data import catalog
from city.rules.roles import CITY_ATTORNEY, IT_OPEN_DATA_COORDINATOR, OPEN_DATA_LIAISON, RECORDS_MANAGER
from engine import FormInvalid, NotAllowed
from engine.filestore import FileStore, file_reference
from scenario_data import WARM_AND_RESTORED
from support import assert_derived_rows_match_state

pytestmark = WARM_AND_RESTORED

REPO = Path(__file__).parents[2]
# Tuesday 1 December 2026, 10:00 in the city (CST, UTC-6).
SUBMITTED = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
CRITERIA = ("in_retention_schedule", "appropriate_for_release", "often_requested", "increases_accountability",
            "improves_public_knowledge", "furthers_mission", "creates_economic_opportunity", "not_protected_data")
# A permits sample with the applicants' e-mail addresses and telephone numbers left in it.
PERMITS_WITH_CONTACTS = (b"permit_number,issued_on,work,applicant_email,applicant_phone,valuation\n"
                         b"BP-2026-0101,2026-10-01,Roof repair,pat.doe@example.org,(913) 555-0143,12000\n"
                         b"BP-2026-0102,2026-10-02,New garage,lee.roe@example.net,816-555-0199,38000\n"
                         b"BP-2026-0103,2026-10-05,Deck,sam.poe@example.com,(816) 555-0127,7400\n")
PERMITS = (b"permit_number,issued_on,work,valuation\n"
           b"BP-2026-0101,2026-10-01,Roof repair,12000\n"
           b"BP-2026-0102,2026-10-02,New garage,38000\n"
           b"BP-2026-0103,2026-10-05,Deck,7400\n")


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(SUBMITTED, tick=False)
    return time_machine


@pytest.fixture
def files(tmp_path):
    return FileStore(tmp_path / "files")


@pytest.fixture
def engine(database, warm_cache_size, files, clock):
    """The city's engine with the file store its pages write to, and dataset_approval deployed."""
    engine = open_engine(database, files=files, warm_cache_size=warm_cache_size)
    result = engine.deploy_file(REPO / "processes" / "dataset_approval.bpmn", REPO / "forms", actor="test")
    assert result.created and result.version.display_name == "Open data set review and approval"
    return engine


def submission(files, content=PERMITS_WITH_CONTACTS, filename="permits_sample.csv", **changes):
    form = {
        "dataset_title": "Building permits issued", "department": "Community Development",
        "dataset_description": "Every building permit issued, one row per permit.",
        "source": "The permit register of the permits counter.", "quality": "Complete from 2019; checked monthly.",
        "update_frequency": "monthly", "license": "https://opendatacommons.org/licenses/pddl/1-0/",
        "contact_name": "Dana Liaison", "contact_email": "dana.liaison@city.example",
        **{criterion: True for criterion in CRITERIA},
        "sample": file_reference(files.store(content, filename)),
    }
    return {**form, **changes}


def open_tasks(engine, instance_id):
    return {task.bpmn_id: task for task in engine.list_tasks(instance_id=instance_id)}


def complete(engine, instance_id, bpmn_id, data, *, role, actor="someone"):
    return engine.complete_task(open_tasks(engine, instance_id)[bpmn_id].task_id, data, actor=actor, roles={role})


def submit(engine, files, **changes):
    instance = engine.start_instance("dataset_approval", submission(files, **changes), actor="dana.liaison",
                                     tracking_prefix="OD")
    assert instance.incidents == ()
    return instance


def review(engine, instance_id, *, attorney=None, it=None):
    complete(engine, instance_id, "review_dataset",
             {"consult_city_attorney": attorney is not None, "consult_it_coordinator": it is not None,
              **({"attorney_question": attorney} if attorney else {}), **({"it_question": it} if it else {})},
             role=RECORDS_MANAGER, actor="rita.manager")


def decide(engine, instance_id, decision, **more):
    complete(engine, instance_id, "decide_dataset", {"dataset_decision": decision, **more},
             role=RECORDS_MANAGER, actor="rita.manager")


def test_the_records_manager_sees_the_scans_findings_beside_the_form(engine, files):
    instance = submit(engine, files)
    tasks = open_tasks(engine, instance.instance_id)
    assert list(tasks) == ["review_dataset"]
    assert tasks["review_dataset"].candidate_role == RECORDS_MANAGER
    data = engine.task_data(tasks["review_dataset"].task_id)
    found = {finding["column"]: finding for finding in data["sample_findings"]}
    assert sorted(found) == ["applicant_email", "applicant_phone"]
    assert found["applicant_email"]["label"] == "E-mail addresses" and found["applicant_email"]["rows"] == 3
    assert found["applicant_email"]["examples"] == "p***@example.org, l***@example.net, s***@example.com"
    assert found["applicant_phone"]["examples"] == "***-***-0143, ***-***-0199, ***-***-0127"
    assert "pat.doe" not in str(data["sample_findings"]) and "555-0143" not in str(data["sample_findings"])
    assert data["sample_scan_summary"].startswith("2 of 6 columns of permits_sample.csv look like personal identifiers")
    assert instance.business_key == "OD-2026-00001"


def test_a_clean_sample_is_reported_clean(engine, files):
    instance = submit(engine, files, content=PERMITS)
    data = engine.task_data(open_tasks(engine, instance.instance_id)["review_dataset"].task_id)
    assert data["sample_findings"] == []
    assert data["sample_scan_summary"].startswith("No column of permits_sample.csv looks like personal identifiers")


def test_an_approved_data_set_is_given_to_it_catalogued_and_published(engine, files, database):
    instance = submit(engine, files, content=PERMITS)
    review(engine, instance.instance_id)
    assert list(open_tasks(engine, instance.instance_id)) == ["decide_dataset"]
    decide(engine, instance.instance_id, "approved", approval_note="Publish monthly.")
    access = open_tasks(engine, instance.instance_id)["give_dataset_access"]
    assert access.candidate_role == OPEN_DATA_LIAISON           # the form goes back to the requestor ...
    full = files.store(PERMITS * 3, "permits_2019_2026.csv")
    complete(engine, instance.instance_id, "give_dataset_access", {"dataset_files": [file_reference(full)]},
             role=OPEN_DATA_LIAISON, actor="dana.liaison")
    catalog_task = open_tasks(engine, instance.instance_id)["catalog_dataset"]
    assert catalog_task.candidate_role == IT_OPEN_DATA_COORDINATOR      # ... and to the IT Open Data Coordinator
    assert engine.task_data(catalog_task.task_id)["approval_note"] == "Publish monthly."
    processed = files.store(b"month,permits\n2026-10,3\n", "permits_per_month.csv")
    complete(engine, instance.instance_id, "catalog_dataset",
             {"topic": "Housing and development", "keywords": "permits, construction",
              "dataset_files": [file_reference(full)], "processed_files": [file_reference(processed)]},
             role=IT_OPEN_DATA_COORDINATOR, actor="ivan.it")
    finished = engine.get_instance(instance.instance_id)
    assert finished.status == "completed" and finished.incidents == ()
    with database.read() as session:
        dataset = catalog.published_dataset(session.connection(), "building-permits-issued")
        published = catalog.files_of(session.connection(), dataset.dataset_id)
    assert (dataset.approved_in, dataset.department, dataset.status) == (
        instance.instance_id, "Community Development", "published")
    assert dataset.topic == "Housing and development" and dataset.source == "The permit register of the permits counter."
    assert sorted((each.filename, each.kind) for each in published) == [
        ("permits_2019_2026.csv", "raw"), ("permits_per_month.csv", "processed")]


def test_access_to_the_data_set_is_a_file_or_an_address(engine, files):
    instance = submit(engine, files, content=PERMITS)
    review(engine, instance.instance_id)
    decide(engine, instance.instance_id, "approved")
    with pytest.raises(FormInvalid):
        complete(engine, instance.instance_id, "give_dataset_access", {"access_note": "Ask me."},
                 role=OPEN_DATA_LIAISON)
    complete(engine, instance.instance_id, "give_dataset_access",
             {"dataset_url": "https://permits.city.example/export.csv"}, role=OPEN_DATA_LIAISON)
    catalog_task = open_tasks(engine, instance.instance_id)["catalog_dataset"]
    assert engine.task_data(catalog_task.task_id)["dataset_url"] == "https://permits.city.example/export.csv"


def test_a_data_set_not_approved_goes_back_with_an_explanation_and_may_be_revised(engine, files, clock):
    instance = submit(engine, files)
    review(engine, instance.instance_id)
    with pytest.raises(FormInvalid) as refused:
        decide(engine, instance.instance_id, "not_approved")
    assert "rejection_explanation" in refused.value.field_errors
    explanation = "applicant_email and applicant_phone identify private persons: remove both columns."
    decide(engine, instance.instance_id, "not_approved", rejection_explanation=explanation)
    revise = open_tasks(engine, instance.instance_id)["revise_submission"]
    assert revise.candidate_role == OPEN_DATA_LIAISON
    assert engine.task_data(revise.task_id)["rejection_explanation"] == explanation
    clock.shift(timedelta(days=2))
    revised = submission(files, content=PERMITS, filename="permits_sample_v2.csv")
    complete(engine, instance.instance_id, "revise_submission",
             {**revised, "resubmit": True, "revision_note": "Both columns removed."}, role=OPEN_DATA_LIAISON)
    again = open_tasks(engine, instance.instance_id)["review_dataset"]        # the same case, reviewed again
    data = engine.task_data(again.task_id)
    assert data["sample_findings"] == [] and data["review_round"] == 2
    assert "permits_sample_v2.csv" in data["sample_scan_summary"]
    review(engine, instance.instance_id)
    decide(engine, instance.instance_id, "approved")
    assert list(open_tasks(engine, instance.instance_id)) == ["give_dataset_access"]
    assert_derived_rows_match_state(engine, instance.instance_id)


def test_the_requestor_may_withdraw_instead_of_revising(engine, files):
    instance = submit(engine, files)
    review(engine, instance.instance_id)
    decide(engine, instance.instance_id, "not_approved", rejection_explanation="Protected data.")
    complete(engine, instance.instance_id, "revise_submission", {"resubmit": False}, role=OPEN_DATA_LIAISON)
    assert engine.get_instance(instance.instance_id).status == "completed"
    assert "dataset_withdrawn" in engine.instance_diagram(instance.instance_id).completed


def test_both_consultations_run_side_by_side_and_are_answered_before_the_decision(engine, files):
    instance = submit(engine, files)
    review(engine, instance.instance_id, attorney="Are permit applicants' contacts exempt?",
           it="Can the portal take monthly CSV updates?")
    tasks = open_tasks(engine, instance.instance_id)
    assert sorted(tasks) == ["consult_city_attorney", "consult_it_coordinator"]
    assert tasks["consult_city_attorney"].candidate_role == CITY_ATTORNEY
    assert tasks["consult_it_coordinator"].candidate_role == IT_OPEN_DATA_COORDINATOR
    with pytest.raises(NotAllowed):       # each answers only their own
        complete(engine, instance.instance_id, "consult_city_attorney", {"attorney_advice": "Yes."},
                 role=IT_OPEN_DATA_COORDINATOR)
    complete(engine, instance.instance_id, "consult_it_coordinator", {"it_advice": "Yes, as CSV."},
             role=IT_OPEN_DATA_COORDINATOR)
    assert list(open_tasks(engine, instance.instance_id)) == ["consult_city_attorney"]   # still waiting
    with pytest.raises(FormInvalid):      # answered in writing
        complete(engine, instance.instance_id, "consult_city_attorney", {"attorney_advice": ""}, role=CITY_ATTORNEY)
    complete(engine, instance.instance_id, "consult_city_attorney",
             {"attorney_advice": "Private contact details are exempt; drop both columns."}, role=CITY_ATTORNEY)
    decision = open_tasks(engine, instance.instance_id)["decide_dataset"]
    data = engine.task_data(decision.task_id)
    assert data["attorney_advice"] == "Private contact details are exempt; drop both columns."
    assert data["it_advice"] == "Yes, as CSV."
    assert_derived_rows_match_state(engine, instance.instance_id)


def test_one_consultation_alone_waits_for_that_answer_only(engine, files):
    instance = submit(engine, files)
    review(engine, instance.instance_id, attorney="Exempt?")
    assert list(open_tasks(engine, instance.instance_id)) == ["consult_city_attorney"]
    complete(engine, instance.instance_id, "consult_city_attorney", {"attorney_advice": "Yes."}, role=CITY_ATTORNEY)
    assert list(open_tasks(engine, instance.instance_id)) == ["decide_dataset"]


def test_a_question_is_needed_to_consult(engine, files):
    instance = submit(engine, files)
    with pytest.raises(FormInvalid) as refused:
        complete(engine, instance.instance_id, "review_dataset",
                 {"consult_city_attorney": True, "consult_it_coordinator": False}, role=RECORDS_MANAGER)
    assert "attorney_question" in refused.value.field_errors


@pytest.mark.parametrize("filename, content, words", [
    ("site_photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "is an image file"),
    ("scan.jpg", b"\xff\xd8\xff" + b"\x00" * 64, "GIS data aside"),
    ("minutes.pdf", b"%PDF-1.4 minutes", "is an image file"),
    ("notes.txt", b"just notes", "attach a CSV, JSON (GeoJSON for GIS data) or XLSX file"),
])
def test_a_sample_that_is_not_data_is_refused_at_submission(engine, files, filename, content, words):
    with pytest.raises(FormInvalid) as refused:
        engine.start_instance("dataset_approval", submission(files, content=content, filename=filename),
                              actor="dana.liaison", tracking_prefix="OD")
    assert words in refused.value.field_errors["sample"]
    assert engine.list_instances(process_key="dataset_approval") == []


def test_gis_data_is_accepted_as_a_sample(engine, files):
    geojson = (b'{"type": "FeatureCollection", "features": ['
               b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [-94.58, 39.1]},'
               b' "properties": {"park": "Swope Park", "acres": 1805}},'
               b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [-94.6, 39.0]},'
               b' "properties": {"park": "Loose Park", "acres": 75}}]}')
    instance = submit(engine, files, content=geojson, filename="parks.geojson")
    data = engine.task_data(open_tasks(engine, instance.instance_id)["review_dataset"].task_id)
    assert data["sample_findings"] == [] and "2 rows and 2 columns scanned" in data["sample_scan_summary"]


def test_an_engine_opened_without_a_file_store_stops_at_the_scan_with_an_incident_saying_why(database, files, clock):
    engine = open_engine(database)
    engine.deploy_file(REPO / "processes" / "dataset_approval.bpmn", REPO / "forms", actor="test")
    instance = engine.start_instance("dataset_approval", submission(files), actor="dana.liaison", tracking_prefix="OD")
    [incident] = instance.incidents
    assert incident.bpmn_id == "scan_sample"
    assert "opened without a file store" in incident.error_message
    assert open_tasks(engine, instance.instance_id) == {}


def test_a_sample_that_cannot_be_read_goes_to_the_review_saying_so(engine, files):
    instance = submit(engine, files, content=b'[1, 2, 3]', filename="numbers.json")
    data = engine.task_data(open_tasks(engine, instance.instance_id)["review_dataset"].task_id)
    assert data["sample_findings"] == [] and data["sample_scan"]["scanned"] is False
    assert data["sample_scan_summary"] == ("The JSON sample is not a list of records (objects with the same fields). "
                                           "The sample could not be scanned: review it by hand.")
