"""A records request starts only on what its request form accepts, and only for an individual person, whoever
starts it (003, Art. 6: "Written requests shall be made on the form provided by the record custodian"; "In
all cases the party so requesting must be an individual person or persons").

The engine checks every start by hand against the start event's form, and asks the city's start rules
(city.start_rules) what a form cannot say; the portal, the staff intake page, the administrator's start page
and the command line all start through it.
"""
from __future__ import annotations

import json

import pytest

from engine import FormInvalid
from engine.cli import EXIT_REFUSED
from scenario_data import REPO, WARM_AND_RESTORED
from test_records_request import clock, city, engine, file_request  # noqa: F401  (fixtures)

pytestmark = WARM_AND_RESTORED

PAT = {"requester_name": "Pat Doe", "requester_address": "12 Elm Street, Springfield KS 66000",
       "records_description": "Council minutes of January 2026", "received_at": "2026-03-02T10:00:00-06:00",
       "office_key": None}


def requests_started(engine):
    return engine.list_instances(process_key="records_request")


def test_a_request_starts_only_on_what_its_request_form_accepts(engine):
    without_address = {name: value for name, value in PAT.items() if name != "requester_address"}
    with pytest.raises(FormInvalid) as refused:
        engine.start_instance("records_request", {**without_address, "records_description": "x" * 4001},
                              actor="clerk", tracking_prefix="R")

    assert refused.value.field_errors == {
        "requester_address": "is required", "records_description": "must be at most 4000 characters; this has 4001"}
    assert str(refused.value).startswith('"Request to inspect or copy public records" was not started')
    assert requests_started(engine) == []
    # Nothing was started and no number was taken: the next request filed is the year's first.
    assert engine.get_instance(file_request(engine)).business_key == "R-2026-00001"


def test_a_request_is_made_by_an_individual_person(engine):
    with pytest.raises(FormInvalid) as refused:
        engine.start_instance("records_request", {**PAT, "requester_name": "Acme Title, L.L.C."}, actor="clerk",
                              tracking_prefix="R")

    assert list(refused.value.field_errors) == ["requester_name"]
    assert refused.value.field_errors["requester_name"].startswith(
        'names an organisation ("L.L.C."): a request is made by one or more individual persons')
    assert requests_started(engine) == []
    # The person asking for the business gives their own name, and the request starts.
    assert file_request(engine, name="Pat Doe")


def test_the_start_data_beside_the_request_form_is_not_the_forms_to_refuse(engine):
    """`received_at`, `office_key` and how the request came are the process's own inputs, not fields of the form."""
    engine.check_start("records_request", {**PAT, "received_via": "counter", "received_by": "clerk"})


def test_clerkflow_start_refuses_a_request_naming_each_field(clerkflow, clock):
    assert clerkflow("deploy", str(REPO / "processes" / "records_request.bpmn"), "--forms", str(REPO / "forms"))[0] == 0
    data = json.dumps({**PAT, "requester_name": "Acme Corp", "requester_address": ""})

    status, out, err = clerkflow("start", "records_request", "--tracking-prefix", "R", "--anyway", "--data", data)

    assert (status, out) == (EXIT_REFUSED, "")
    assert "requester_name: names an organisation (\"Corp\")" in err
    assert "requester_address: is required" in err
    assert json.loads(clerkflow("instances", "--json")[1]) == []
