"""processes/dataset_takedown.bpmn on the real engine: a published data set reported, corrected or removed (002).

Sacramento's Open Data policy, Responsibility: "If the city is notified that data on this data portal is factually
inaccurate or misleading, or is protected data, the Records Manager shall as appropriate, promptly correct or remove
such data from the City's data portal." Anyone reports from the data set's page (the start form); the Records
Manager corrects it with a new file version (the earlier versions stay listed), removes it with the reason, or leaves
it with the reason; the reporter is told the outcome; the data set's history shows what was done.
"""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from city.office import open_engine
from city.open_data import catalog
from city.rules.roles import OPEN_DATA_OFFICER, RECORDS_MANAGER
from engine import FormInvalid
from engine.filestore import FileStore, file_reference
from scenario_data import WARM_AND_RESTORED
from support import assert_derived_rows_match_state

pytestmark = WARM_AND_RESTORED

REPO = Path(__file__).parents[2]
# Monday 7 December 2026, 10:00 in the city (CST, UTC-6); the data set was published the Tuesday before.
PUBLISHED = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)
REPORTED = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
SLUG = "building-permits-issued"
PERMITS_WITH_PHONES = (b"permit_number,issued_on,work,applicant_phone\n"
                       b"BP-2026-0101,2026-10-01,Roof repair,(913) 555-0143\n")
PERMITS_CORRECTED = b"permit_number,issued_on,work\nBP-2026-0101,2026-10-01,Roof repair\n"
METADATA = {"title": "Building permits issued", "description": "Every building permit issued.",
            "department": "Community Development", "contact_email": "dana.liaison@city.example"}


@pytest.fixture
def files(tmp_path):
    return FileStore(tmp_path / "files")


@pytest.fixture
def engine(database, warm_cache_size, files, time_machine):
    """The city's engine with dataset_takedown deployed and the permits data set published (approved in case 41)."""
    time_machine.move_to(PUBLISHED, tick=False)
    stored = files.store(PERMITS_WITH_PHONES, "permits.csv")
    with database.write_connection() as connection:
        catalog.publish_dataset(connection, metadata=METADATA, approved_in=41, files=[
            {"sha256": stored.sha256, "filename": "permits.csv", "content_type": "text/csv", "size": stored.size}])
    engine = open_engine(database, files=files, warm_cache_size=warm_cache_size)
    result = engine.deploy_file(REPO / "processes" / "dataset_takedown.bpmn", REPO / "forms", actor="test")
    assert result.created and result.version.display_name == "Published data set reported: correct or remove"
    time_machine.move_to(REPORTED, tick=False)
    return engine


def report(engine, **changes):
    data = {"dataset_slug": SLUG, "dataset_title": "Building permits issued", "report_kind": "protected_data",
            "report_details": "The applicant_phone column gives private persons' telephone numbers.",
            "reporter_email": "pat.doe@example.org", **changes}
    instance = engine.start_instance("dataset_takedown", data, actor="portal", tracking_prefix="DT")
    assert instance.incidents == ()
    return instance


def decide(engine, instance_id, answers):
    task = {task.bpmn_id: task for task in engine.list_tasks(instance_id=instance_id)}["decide_takedown"]
    return engine.complete_task(task.task_id, answers, actor="rita.manager", roles={RECORDS_MANAGER})


def the_data_set(database):
    with database.read() as session:
        entry = catalog.any_dataset(session.connection(), SLUG)
        return (entry, catalog.files_of(session.connection(), entry.dataset_id),
                catalog.history_of(session.connection(), entry.dataset_id))


def outcome(engine, instance_id):
    data = {}
    for event in engine.audit_trail(instance_id):
        data.update(event.changes or {})
    return data


def test_a_report_goes_to_the_records_manager_with_what_is_wrong(engine):
    instance = report(engine)
    tasks = engine.list_tasks(instance_id=instance.instance_id)
    assert [(task.bpmn_id, task.candidate_role) for task in tasks] == [("decide_takedown", RECORDS_MANAGER)]
    data = engine.task_data(tasks[0].task_id)
    assert (data["dataset_title"], data["report_kind"]) == ("Building permits issued", "protected_data")
    assert instance.business_key == "DT-2026-00001"


def test_a_correction_publishes_a_new_version_and_keeps_the_old_one_listed(engine, files, database):
    instance = report(engine, report_kind="inaccurate", report_details="Roof repair was a new roof.")
    corrected = files.store(PERMITS_CORRECTED, "permits.csv")
    decide(engine, instance.instance_id, {"takedown_choice": "correct", "corrected_files": [file_reference(corrected)],
                                          "takedown_reason": "The work is described as permitted."})
    finished = engine.get_instance(instance.instance_id)
    assert finished.status == "completed" and finished.incidents == ()
    entry, versions, history = the_data_set(database)
    assert entry.status == "published"
    assert [(file.version, file.sha256, file.withdrawn_at) for file in versions] == [
        (2, corrected.sha256, None), (1, versions[1].sha256, None)]
    assert (history[-1].action, history[-1].reason, history[-1].version) == (
        "corrected", "The work is described as permitted.", 2)
    told = outcome(engine, instance.instance_id)
    assert told["takedown_outcome_text"].startswith(
        'The data set "Building permits issued" has been corrected: a corrected version is published, and the '
        "earlier versions stay listed on its page.")
    assert told["takedown_outcome_letter"]["subject"] == (
        "Outcome of your report on the data set Building permits issued (DT-2026-00001)")
    assert_derived_rows_match_state(engine, instance.instance_id)


def test_a_report_of_protected_data_withdraws_the_earlier_version_with_the_correction(engine, files, database):
    instance = report(engine)
    assert engine.task_data(engine.list_tasks(instance_id=instance.instance_id)[0].task_id)[
        "withdraw_earlier_versions"] is True
    corrected = files.store(PERMITS_CORRECTED, "permits.csv")
    decide(engine, instance.instance_id, {"takedown_choice": "correct", "corrected_files": [file_reference(corrected)],
                                          "takedown_reason": "The telephone column is taken out."})
    entry, versions, history = the_data_set(database)
    assert [(file.version, file.withdrawn_at, file.withdrawn_reason) for file in versions] == [
        (2, None, None), (1, REPORTED, "The telephone column is taken out.")]
    assert [(event.action, event.version) for event in history[-2:]] == [("corrected", 2), ("version withdrawn", 1)]
    with database.read() as session:
        assert catalog.served_versions(session.connection(), SLUG) == [2]
    told = outcome(engine, instance.instance_id)["takedown_outcome_text"]
    assert "the earlier versions are withdrawn: they stay listed in its history with the reasons below, but their " \
           "files can no longer be downloaded." in told


def test_the_records_manager_may_keep_the_earlier_version_served_after_all(engine, files, database):
    instance = report(engine)
    corrected = files.store(PERMITS_CORRECTED, "permits.csv")
    decide(engine, instance.instance_id, {"takedown_choice": "correct", "corrected_files": [file_reference(corrected)],
                                          "withdraw_earlier_versions": False,
                                          "takedown_reason": "The numbers are the contractors' business lines."})
    _entry, versions, _history = the_data_set(database)
    assert [file.withdrawn_at for file in versions] == [None, None]
    assert "the earlier versions stay listed on its page" in outcome(engine, instance.instance_id)[
        "takedown_outcome_text"]


def test_a_correction_needs_the_corrected_files(engine):
    instance = report(engine)
    with pytest.raises(FormInvalid) as refused:
        decide(engine, instance.instance_id, {"takedown_choice": "correct", "takedown_reason": "Fixed."})
    assert "corrected_files" in refused.value.field_errors
    assert [task.bpmn_id for task in engine.list_tasks(instance_id=instance.instance_id)] == ["decide_takedown"]


def test_a_removal_takes_the_data_set_off_the_catalog_with_its_reason(engine, database):
    instance = report(engine)
    decide(engine, instance.instance_id, {"takedown_choice": "remove",
                                          "takedown_reason": "Private persons' telephone numbers are protected data."})
    assert engine.get_instance(instance.instance_id).status == "completed"
    entry, versions, history = the_data_set(database)
    assert (entry.status, entry.status_reason) == ("removed", "Private persons' telephone numbers are protected data.")
    with database.read() as session:
        assert catalog.published_dataset(session.connection(), SLUG) is None
    assert history[-1].action == "removed"
    assert outcome(engine, instance.instance_id)["takedown_outcome_text"].startswith(
        'The data set "Building permits issued" has been removed from the open data portal.')


def test_a_data_set_left_as_it_is_stays_published_and_the_reporter_gets_the_reason(engine, database):
    instance = report(engine, report_kind="inaccurate", report_details="October has too few permits.")
    decide(engine, instance.instance_id, {"takedown_choice": "leave",
                                          "takedown_reason": "October's permits are all there: the counter was shut."})
    assert engine.get_instance(instance.instance_id).status == "completed"
    entry, versions, history = the_data_set(database)
    assert (entry.status, len(versions), [event.action for event in history]) == ("published", 1, ["published"])
    assert outcome(engine, instance.instance_id)["takedown_outcome_text"] == (
        'The data set "Building permits issued" stays as it is published.\n\n'
        "The Records Manager's reasons: October's permits are all there: the counter was shut.")


def test_the_decision_needs_a_reason(engine):
    instance = report(engine)
    with pytest.raises(FormInvalid) as refused:
        decide(engine, instance.instance_id, {"takedown_choice": "leave", "takedown_reason": ""})
    assert "takedown_reason" in refused.value.field_errors


@pytest.mark.parametrize("slug", ["no-such-data-set", ""])
def test_only_a_data_set_the_catalog_shows_can_be_reported(engine, slug):
    with pytest.raises(FormInvalid) as refused:
        engine.start_instance("dataset_takedown", {"dataset_slug": slug, "dataset_title": "Anything",
                                                   "report_kind": "inaccurate", "report_details": "Wrong."},
                              actor="portal", tracking_prefix="DT")
    assert "dataset_slug" in refused.value.field_errors
    assert engine.list_instances(process_key="dataset_takedown") == []


# "Promptly": decision_business_days (3) business days after the report, read at the top of the diagram.
DECISION_DUE = datetime(2026, 12, 11, 5, 59, 59, tzinfo=timezone.utc)    # Thursday 10 December, 23:59:59 CST
ONE_SECOND = timedelta(seconds=1)


def test_the_records_managers_decision_is_due_three_business_days_after_the_report(engine):
    instance = report(engine)
    [decision] = engine.list_tasks(instance_id=instance.instance_id)
    assert decision.due_at == DECISION_DUE
    assert engine.task_data(decision.task_id)["decision_business_days"] == 3


def test_a_report_not_decided_by_its_due_date_goes_to_the_open_data_officer_and_stays_with_the_records_manager(
        engine, time_machine):
    instance = report(engine)
    time_machine.move_to(DECISION_DUE, tick=False)
    assert engine.fire_due_timers() == 0                    # due, not yet past
    time_machine.move_to(DECISION_DUE + ONE_SECOND, tick=False)
    assert engine.fire_due_timers() == 1
    tasks = {task.bpmn_id: task for task in engine.list_tasks(instance_id=instance.instance_id)}
    assert {bpmn_id: task.candidate_role for bpmn_id, task in tasks.items()} == {
        "decide_takedown": RECORDS_MANAGER, "take_up_late_decision": OPEN_DATA_OFFICER}
    assert engine.task_data(tasks["take_up_late_decision"].task_id)["dataset_title"] == "Building permits issued"
    engine.complete_task(tasks["take_up_late_decision"].task_id,
                         {"late_decision_action": "Asked the Records Manager to decide on Monday."},
                         actor="omar.officer", roles={OPEN_DATA_OFFICER})
    assert [task.bpmn_id for task in engine.list_tasks(instance_id=instance.instance_id)] == ["decide_takedown"]
    decide(engine, instance.instance_id, {"takedown_choice": "remove", "takedown_reason": "Protected data."})
    assert engine.get_instance(instance.instance_id).status == "completed"
    assert_derived_rows_match_state(engine, instance.instance_id)


def test_a_report_decided_in_time_tells_the_open_data_officer_nothing(engine, time_machine):
    instance = report(engine)
    decide(engine, instance.instance_id, {"takedown_choice": "leave", "takedown_reason": "The figures are right."})
    time_machine.move_to(DECISION_DUE + timedelta(days=7), tick=False)
    assert engine.fire_due_timers() == 0
    assert engine.get_instance(instance.instance_id).status == "completed"
    assert engine.list_tasks(instance_id=instance.instance_id) == []
