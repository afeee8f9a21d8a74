"""The inbox's office filter, and supervisors' view of everyone's work.

An office's tasks are those for its custodian (`custodian:<office>`) or a lane named after it; the
City Clerk's office also has the Clerk lane's intake work (`clerk`)."""
from __future__ import annotations

import re

import pytest

from scenario_data import DIAGRAMS, FORMS
from city.office import city_data_of

ROLES = {"police": "custodian:police", "fire": "custodian:fire", "intake": "clerk",
         "clerks_own": "custodian:city_clerk"}


def requests_listed(page: str) -> list[str]:
    return sorted(re.findall(r"(Q-\w+)</td>", page))


@pytest.fixture
def routed_tasks(process_engine):
    from city.citydata import seed_defaults
    with process_engine.database.write() as session:
        seed_defaults(session)
    city_data_of(process_engine).invalidate()
    process_engine.deploy_file(DIAGRAMS / "routed.bpmn", FORMS, actor="admin")
    tasks = {}
    for name, role in ROLES.items():
        instance = process_engine.start_instance("routed", {"custodian_role": role}, actor="admin",
                                                 business_key=f"Q-{name}")
        [tasks[name]] = instance.open_tasks
    return tasks


def test_office_choices_are_the_citys_offices_by_name(login_as, client, routed_tasks):
    page = login_as("custodian:police", username="pat").get("/inbox").get_data(as_text=True)
    assert '<label for="filter-office">Office</label>' in page
    assert '<option value="police">Police Department</option>' in page
    assert '<option value="city_clerk">City Clerk&#39;s Office</option>' in page


def test_supervisor_sees_one_offices_work_across_every_role(login_as, client, routed_tasks):
    login_as("city_clerk", username="cleo")
    page = client.get("/inbox?everyone=1&office=police").get_data(as_text=True)
    assert requests_listed(page) == ["Q-police"]
    assert '<a href="/inbox?office=police&amp;everyone=1" class="current" aria-current="page">All <span class="count">1</span>' in page
    assert requests_listed(client.get("/inbox?everyone=1&office=city_clerk").get_data(as_text=True)) == [
        "Q-clerks_own", "Q-intake"]
    assert requests_listed(client.get("/inbox?everyone=1").get_data(as_text=True)) == [
        "Q-clerks_own", "Q-fire", "Q-intake", "Q-police"]


def test_everyone_is_only_for_supervisors(login_as, client, routed_tasks):
    page = login_as("custodian:police", username="pat").get("/inbox?everyone=1").get_data(as_text=True)
    assert requests_listed(page) == ["Q-police"]
    assert 'name="everyone"' not in page


def test_office_filter_narrows_a_custodians_own_inbox(login_as, client, routed_tasks, process_engine):
    process_engine.claim_task(routed_tasks["fire"].task_id, actor="pat")
    login_as("custodian:police", username="pat")
    assert requests_listed(client.get("/inbox").get_data(as_text=True)) == ["Q-fire", "Q-police"]
    assert requests_listed(client.get("/inbox?office=police").get_data(as_text=True)) == ["Q-police"]
    assert requests_listed(client.get("/inbox?office=fire").get_data(as_text=True)) == ["Q-fire"]
    assert requests_listed(client.get("/inbox?office=city_clerk").get_data(as_text=True)) == []


def test_an_unknown_office_lists_nothing_rather_than_failing(login_as, client, routed_tasks):
    login_as("custodian:police", username="pat")
    response = client.get("/inbox?office=harbour")
    assert response.status_code == 200
    assert requests_listed(response.get_data(as_text=True)) == []
    assert requests_listed(client.get("/inbox?office=%3Cscript%3E").get_data(as_text=True)) == ["Q-police"]
