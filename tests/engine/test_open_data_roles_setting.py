"""Who approves and who publishes is a setting (SPEC.md section 2: where the two cities' texts differ, the product
makes the difference a setting), carried through processes/dataset_approval.bpmn and dataset_takedown.bpmn.

Sacramento: data sets are "submitted to the City's Records Manager ... for vetting and approval", who shall
"promptly correct or remove" reported data; the portal is "administered by Department of Information Technology",
which catalogues and posts them (the default). Kansas City (Ord. 140443): the Open Data Officer "shall oversee the
implementation and management of the Open Data Portal" and "coordinate the publication of public data" (Sec.
2-2134). Each case reads the setting when it starts ("Read who approves and who publishes") and keeps it.
"""
from datetime import datetime, timezone
from pathlib import Path

import pytest
from city.change_log import list_changes
from city.office import open_engine
from city.open_data import catalog
from city.open_data.settings import (DEFAULT_SETTINGS, OpenDataSettingsRefused, read_open_data_settings,
                                     set_open_data_settings)
from city.rules.roles import IT_OPEN_DATA_COORDINATOR, OPEN_DATA_LIAISON, OPEN_DATA_OFFICER, RECORDS_MANAGER
from engine import NotAllowed
from engine.filestore import FileStore, file_reference
from scenario_data import WARM_AND_RESTORED

pytestmark = WARM_AND_RESTORED

REPO = Path(__file__).parents[2]
SUBMITTED = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)     # Tuesday 1 December 2026, 10:00 in the city
CRITERIA = ("in_retention_schedule", "appropriate_for_release", "often_requested", "increases_accountability",
            "improves_public_knowledge", "furthers_mission", "creates_economic_opportunity", "not_protected_data")
PERMITS = (b"permit_number,issued_on,work,valuation\n"
           b"BP-2026-0101,2026-10-01,Roof repair,12000\n"
           b"BP-2026-0102,2026-10-02,New garage,38000\n")
KANSAS_CITY = {"approver_role": OPEN_DATA_OFFICER, "publisher_role": OPEN_DATA_OFFICER}


@pytest.fixture
def files(tmp_path):
    return FileStore(tmp_path / "files")


@pytest.fixture
def engine(database, warm_cache_size, files, time_machine):
    time_machine.move_to(SUBMITTED, tick=False)
    engine = open_engine(database, files=files, warm_cache_size=warm_cache_size)
    for name in ("dataset_approval", "dataset_takedown"):
        assert engine.deploy_file(REPO / "processes" / f"{name}.bpmn", REPO / "forms", actor="test").created
    return engine


def choose(database, **roles):
    with database.write() as session:
        set_open_data_settings(session, actor="ada.admin", **{**KANSAS_CITY, **roles})


def form(files):
    return {"dataset_title": "Building permits issued", "department": "Community Development",
            "dataset_description": "Every building permit issued.", "source": "The permit register.",
            "quality": "Complete from 2019.", "update_frequency": "monthly",
            "license": "https://opendatacommons.org/licenses/pddl/1-0/", "contact_name": "Dana Liaison",
            "contact_email": "dana.liaison@city.example", **{criterion: True for criterion in CRITERIA},
            "sample": file_reference(files.store(PERMITS, "permits_sample.csv"))}


def submit(engine, files):
    instance = engine.start_instance("dataset_approval", form(files), actor="dana.liaison", tracking_prefix="OD")
    assert instance.incidents == ()
    return instance.instance_id


def task(engine, instance_id, bpmn_id):
    return {each.bpmn_id: each for each in engine.list_tasks(instance_id=instance_id)}[bpmn_id]


def complete(engine, instance_id, bpmn_id, data, *, role):
    return engine.complete_task(task(engine, instance_id, bpmn_id).task_id, data, actor="someone", roles={role})


def approve(engine, instance_id, files, *, role):
    complete(engine, instance_id, "review_dataset", {"consult_city_attorney": False, "consult_it_coordinator": False},
             role=role)
    complete(engine, instance_id, "decide_dataset", {"dataset_decision": "approved"}, role=role)
    complete(engine, instance_id, "give_dataset_access",
             {"dataset_files": [file_reference(files.store(PERMITS, "permits.csv"))]}, role=OPEN_DATA_LIAISON)


def catalogue(engine, instance_id, files, *, role):
    complete(engine, instance_id, "catalog_dataset",
             {"topic": "Housing and development", "keywords": "permits",
              "dataset_files": [file_reference(files.store(PERMITS, "permits.csv"))]}, role=role)


def test_kansas_city_the_open_data_officer_reviews_decides_and_publishes(engine, files, database):
    choose(database)
    instance_id = submit(engine, files)
    review = task(engine, instance_id, "review_dataset")
    assert (review.candidate_role, review.lane) == (OPEN_DATA_OFFICER, "Approver (Records Manager or Open Data Officer)")
    with pytest.raises(NotAllowed):          # the Records Manager no longer approves
        complete(engine, instance_id, "review_dataset", {"consult_city_attorney": False,
                                                         "consult_it_coordinator": False}, role=RECORDS_MANAGER)
    complete(engine, instance_id, "review_dataset", {"consult_city_attorney": False, "consult_it_coordinator": True,
                                                     "it_question": "Can the portal take it as CSV?"},
             role=OPEN_DATA_OFFICER)
    assert task(engine, instance_id, "consult_it_coordinator").candidate_role == IT_OPEN_DATA_COORDINATOR
    complete(engine, instance_id, "consult_it_coordinator", {"it_advice": "Yes."}, role=IT_OPEN_DATA_COORDINATOR)
    assert task(engine, instance_id, "decide_dataset").candidate_role == OPEN_DATA_OFFICER
    with pytest.raises(NotAllowed):
        complete(engine, instance_id, "decide_dataset", {"dataset_decision": "approved"}, role=RECORDS_MANAGER)
    complete(engine, instance_id, "decide_dataset", {"dataset_decision": "approved"}, role=OPEN_DATA_OFFICER)
    complete(engine, instance_id, "give_dataset_access",
             {"dataset_files": [file_reference(files.store(PERMITS, "permits.csv"))]}, role=OPEN_DATA_LIAISON)
    publishing = task(engine, instance_id, "catalog_dataset")
    assert (publishing.candidate_role, publishing.lane) == (
        OPEN_DATA_OFFICER, "Publisher (IT Open Data Coordinator or Open Data Officer)")
    with pytest.raises(NotAllowed):          # nor does IT catalogue it
        catalogue(engine, instance_id, files, role=IT_OPEN_DATA_COORDINATOR)
    catalogue(engine, instance_id, files, role=OPEN_DATA_OFFICER)
    assert engine.get_instance(instance_id).status == "completed"
    with database.read() as session:
        assert catalog.published_dataset(session.connection(), "building-permits-issued") is not None


def test_sacramento_by_default_the_records_manager_approves_and_it_publishes(engine, files, database):
    with database.read() as session:
        assert read_open_data_settings(session) == DEFAULT_SETTINGS
    instance_id = submit(engine, files)
    assert task(engine, instance_id, "review_dataset").candidate_role == RECORDS_MANAGER
    with pytest.raises(NotAllowed):
        complete(engine, instance_id, "review_dataset", {"consult_city_attorney": False,
                                                         "consult_it_coordinator": False}, role=OPEN_DATA_OFFICER)
    approve(engine, instance_id, files, role=RECORDS_MANAGER)
    assert task(engine, instance_id, "catalog_dataset").candidate_role == IT_OPEN_DATA_COORDINATOR
    catalogue(engine, instance_id, files, role=IT_OPEN_DATA_COORDINATOR)
    assert engine.get_instance(instance_id).status == "completed"


def test_the_two_choices_are_separate(engine, files, database):
    choose(database, approver_role=RECORDS_MANAGER)          # Sacramento's approval, KCMO's portal
    instance_id = submit(engine, files)
    approve(engine, instance_id, files, role=RECORDS_MANAGER)
    assert task(engine, instance_id, "catalog_dataset").candidate_role == OPEN_DATA_OFFICER


def test_a_running_case_keeps_the_roles_it_started_with(engine, files, database):
    before = submit(engine, files)                           # started under Sacramento's default
    choose(database)                                         # then the city chooses Kansas City's officer
    after = submit(engine, files)
    assert task(engine, before, "review_dataset").candidate_role == RECORDS_MANAGER
    assert task(engine, after, "review_dataset").candidate_role == OPEN_DATA_OFFICER
    approve(engine, before, files, role=RECORDS_MANAGER)
    assert task(engine, before, "catalog_dataset").candidate_role == IT_OPEN_DATA_COORDINATOR
    with pytest.raises(NotAllowed):
        catalogue(engine, before, files, role=OPEN_DATA_OFFICER)
    catalogue(engine, before, files, role=IT_OPEN_DATA_COORDINATOR)
    assert engine.get_instance(before).status == "completed"


def test_a_revised_form_is_reviewed_by_the_approver_the_case_started_with(engine, files, database):
    instance_id = submit(engine, files)
    complete(engine, instance_id, "review_dataset", {"consult_city_attorney": False, "consult_it_coordinator": False},
             role=RECORDS_MANAGER)
    complete(engine, instance_id, "decide_dataset", {"dataset_decision": "not_approved",
                                                     "rejection_explanation": "Add the source."},
             role=RECORDS_MANAGER)
    choose(database)
    complete(engine, instance_id, "revise_submission",
             {**form(files), "resubmit": True, "revision_note": "The source is named."}, role=OPEN_DATA_LIAISON)
    assert task(engine, instance_id, "review_dataset").candidate_role == RECORDS_MANAGER


def test_kansas_city_the_open_data_officer_decides_a_report_and_a_records_manager_cannot(engine, files, database):
    stored = files.store(PERMITS, "permits.csv")
    with database.write_connection() as connection:
        catalog.publish_dataset(connection, approved_in=41, metadata={
            "title": "Building permits issued", "description": "Every building permit issued.",
            "department": "Community Development", "contact_email": "dana.liaison@city.example"}, files=[
            {"sha256": stored.sha256, "filename": "permits.csv", "content_type": "text/csv", "size": stored.size}])
    report = {"dataset_slug": "building-permits-issued", "dataset_title": "Building permits issued",
              "report_kind": "inaccurate", "report_details": "The valuations are in cents, not dollars."}
    sacramento = engine.start_instance("dataset_takedown", report, actor="portal", tracking_prefix="DT").instance_id
    choose(database)
    kansas_city = engine.start_instance("dataset_takedown", report, actor="portal", tracking_prefix="DT").instance_id
    assert task(engine, sacramento, "decide_takedown").candidate_role == RECORDS_MANAGER     # kept its role
    decision = task(engine, kansas_city, "decide_takedown")
    assert (decision.candidate_role, decision.lane) == (OPEN_DATA_OFFICER,
                                                        "Approver (Records Manager or Open Data Officer)")
    answers = {"takedown_choice": "leave", "takedown_reason": "The valuations are in dollars."}
    with pytest.raises(NotAllowed):
        complete(engine, kansas_city, "decide_takedown", answers, role=RECORDS_MANAGER)
    complete(engine, kansas_city, "decide_takedown", answers, role=OPEN_DATA_OFFICER)
    assert engine.get_instance(kansas_city).status == "completed"
    told = {}
    for event in engine.audit_trail(kansas_city):
        told.update(event.changes or {})
    assert told["takedown_outcome_text"].endswith("The Open Data Officer's reasons: The valuations are in dollars.")


def test_a_change_is_logged_and_a_choice_of_neither_city_is_refused(database):
    choose(database, publisher_role=IT_OPEN_DATA_COORDINATOR)
    with database.read() as session:
        change = list_changes(session, "open_data_setting")[0]
        assert (change.actor, change.before["approver_role"], change.after["approver_role"]) == (
            "ada.admin", RECORDS_MANAGER, OPEN_DATA_OFFICER)
    with database.write() as session, pytest.raises(OpenDataSettingsRefused) as refused:
        set_open_data_settings(session, actor="ada.admin", approver_role="city_clerk",
                               publisher_role=IT_OPEN_DATA_COORDINATOR)
    assert refused.value.field == "approver_role"
    assert "Records Manager (Sacramento) or Open Data Officer (Kansas City)" in refused.value.user_message
    with database.write() as session, pytest.raises(OpenDataSettingsRefused) as refused:
        set_open_data_settings(session, actor="ada.admin", approver_role=RECORDS_MANAGER,
                               publisher_role=IT_OPEN_DATA_COORDINATOR, bureau_code="15")
    assert refused.value.field == "bureau_code" and "three digits, a colon, two digits" in refused.value.user_message
