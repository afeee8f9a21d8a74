"""A data set approval case that names an entry of its department's open data plan marks it met when the data
set is published (KCMO Sec. 2-2135(4): timelines agreed with the Open Data Officer), on the real BPMN."""
from datetime import date

from city.open_data.liaison_plan import plan_entry
from city.open_data.liaison_plan_edits import PlanEditor, agree_date, record_entry
from city.rules.roles import IT_OPEN_DATA_COORDINATOR, OPEN_DATA_LIAISON
from engine.filestore import file_reference
from scenario_data import WARM_AND_RESTORED
from test_dataset_approval import PERMITS, clock, complete, decide, engine, files, review, submit  # noqa: F401

pytestmark = WARM_AND_RESTORED
TODAY = date(2026, 12, 1)     # the day test_dataset_approval's clock stands at, in the city


def planned_entry(database, department: str, agreed: date) -> int:
    editor = PlanEditor("dana.liaison", frozenset({department}))
    with database.write_connection() as connection:
        entry_id = record_entry(connection, editor, {"department": department, "kind": "can_publish",
                                                     "title": "Building permits", "kept_in": "The permit register",
                                                     "proposed_date": agreed.isoformat()}, today=TODAY)
        agree_date(connection, PlanEditor("olive", officer=True), entry_id, agreed, today=TODAY)
    return entry_id


def publish_through_the_case(engine, files, entry_id: int) -> None:
    instance = submit(engine, files, content=PERMITS, plan_entry=str(entry_id))
    review(engine, instance.instance_id)
    decide(engine, instance.instance_id, "approved", approval_note="Publish.")
    full = files.store(PERMITS * 2, "permits.csv")
    complete(engine, instance.instance_id, "give_dataset_access", {"dataset_files": [file_reference(full)]},
             role=OPEN_DATA_LIAISON)
    complete(engine, instance.instance_id, "catalog_dataset", {"topic": "Housing", "dataset_files":
                                                               [file_reference(full)]}, role=IT_OPEN_DATA_COORDINATOR)
    assert engine.get_instance(instance.instance_id).status == "completed"


def test_publishing_the_data_set_meets_the_plan_entry_its_form_named_on_time(engine, files, database):
    entry_id = planned_entry(database, "Community Development", date(2026, 12, 15))
    publish_through_the_case(engine, files, entry_id)
    with database.read() as session:
        entry = plan_entry(session.connection(), entry_id, today=TODAY)
    assert (entry.state, entry.published_slug, entry.published_on) == (
        "published_on_time", "building-permits-issued", TODAY)


def test_an_entry_of_another_department_named_on_the_form_stays_unmet(engine, files, database):
    entry_id = planned_entry(database, "Parks", date(2026, 12, 15))
    publish_through_the_case(engine, files, entry_id)
    with database.read() as session:
        assert plan_entry(session.connection(), entry_id, today=TODAY).state == "agreed"
