"""A referral (K.S.A. 45-218(c)): the reviewing custodian picks the office that holds the record from the city's
active offices, by name, and the receiving office reviews the request afresh."""
from __future__ import annotations

import pytest

from city.citydata import set_office
from engine import FormInvalid
from test_records_request import clock, city, engine, file_request, open_tasks, review  # noqa: F401  (fixtures)


def referral_choices(engine, instance_id):
    """(office key, name) the open review's referral field offers, as the engine checks the answer."""
    task = open_tasks(engine, instance_id)["review_request"]
    field = engine.form_schema(task.task_id)["properties"]["referral_office_key"]
    return [(option["const"], option["title"]) for option in field["anyOf"]]


def test_a_referral_offers_the_citys_other_offices_by_name(engine):
    instance_id = file_request(engine, office_key="police")
    offered = referral_choices(engine, instance_id)
    assert ("fire", "Fire Department") in offered and ("city_clerk", "City Clerk's Office") in offered
    assert "police" not in {key for key, _name in offered}          # the office that has the request
    assert [name for _key, name in offered] == sorted(name for _key, name in offered)


@pytest.mark.parametrize("office_key", ["parks", "police"])
def test_a_referral_to_an_office_not_offered_is_refused_at_the_form(engine, office_key):
    instance_id = file_request(engine, office_key="police")
    task = open_tasks(engine, instance_id)["review_request"]
    with pytest.raises(FormInvalid) as refused:
        engine.complete_task(task.task_id, {"holds_record": False, "referral_office_key": office_key},
                             actor="custodian")
    assert "referral_office_key" in refused.value.field_errors
    assert set(open_tasks(engine, instance_id)) == {"review_request"}     # nothing moved


def test_an_inactive_office_is_not_offered(engine, city, database):
    with database.write() as session:
        set_office(session, "fire", actor="admin", active=False)
    city.invalidate()
    instance_id = file_request(engine, office_key="police")
    assert "fire" not in {key for key, _name in referral_choices(engine, instance_id)}


def test_the_receiving_office_reviews_the_request_afresh(engine):
    instance_id = file_request(engine, office_key="police")
    seen = {"identification_requested": True, "identification_asked_for": "A photo ID"}
    review(engine, instance_id, holds_record=False, referral_office_key="fire", referral_note="The Fire Chief's",
           review_note="Not ours", **seen)

    task = open_tasks(engine, instance_id)["review_request"]
    assert task.candidate_role == "custodian:fire"
    data = engine.task_data(task.task_id)
    # The police review's answers are not the Fire Department's: its review starts blank...
    assert {name: data.get(name) for name in ("holds_record", "referral_office_key", "description_sufficient",
                                              "review_note", "referral_note")} == {
        "holds_record": None, "referral_office_key": None, "description_sufficient": None, "review_note": None,
        "referral_note": ""}
    # ...but the identification asked for stays with the request (003, Art. 6), and the police's answers stay
    # in the history.
    assert {name: data[name] for name in seen} == seen
    referred = [event for event in engine.audit_trail(instance_id) if event.bpmn_id == "review_request"][0]
    assert (referred.changes["holds_record"], referred.changes["referral_office_key"]) == (False, "fire")
    # The Fire Department may pass it back to the police, not to itself.
    offered = {key for key, _name in referral_choices(engine, instance_id)}
    assert "police" in offered and "fire" not in offered

    review(engine, instance_id)
    assert open_tasks(engine, instance_id)["estimate_fees"].candidate_role == "custodian:fire"
