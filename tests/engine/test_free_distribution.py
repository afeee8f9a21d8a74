"""processes/free_distribution.bpmn on the real engine: records reproduced for free public distribution need no
form and no fee (003, Art. 6, procedure (a)(6): "no form shall be required for requests made for records which
have been reproduced for free public distribution"; (c)(4): no copy fee), and the office's weekly report counts
the copies handed out beside the requests (city.reports).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from city.reports import HandOut, hand_outs, requests_per_week
from engine import FormInvalid
from scenario_data import REPO, WARM_AND_RESTORED

pytestmark = WARM_AND_RESTORED

# Monday 23 November 2026, 10:00 in Kansas (CST, UTC-6); the week's report runs Monday to Sunday.
MONDAY_10AM = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
WEEK = (datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc), datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc))
AGENDAS = {"record_title": "City Council agenda, 24 November 2026", "record_kind": "agenda", "copies": 25,
           "office_key": "city_clerk", "handed_out_by": "clerk.kim"}


@pytest.fixture
def engine(city_engine, time_machine):
    time_machine.move_to(MONDAY_10AM, tick=False)
    assert city_engine.deploy_file(REPO / "processes" / "free_distribution.bpmn", REPO / "forms",
                                   actor="analyst").created
    return city_engine


def recorded(engine) -> list[HandOut]:
    with engine.database.read() as session:
        return hand_outs(session.connection(), *WEEK)


def test_records_for_free_distribution_are_handed_out_without_a_form_or_fee(engine):
    handed = engine.start_instance("free_distribution", AGENDAS, actor="clerk.kim")

    assert handed.status == "completed"                     # nothing to wait for, nobody's task
    assert engine.list_tasks(instance_id=handed.instance_id) == []
    changes = {}
    for event in engine.audit_trail(handed.instance_id):
        changes.update(event.changes)
    assert changes["fee"] == "0.00"
    assert changes["handed_out_at"] == MONDAY_10AM.isoformat()
    assert recorded(engine) == [HandOut(handed.instance_id, "city_clerk", MONDAY_10AM,
                                        "City Council agenda, 24 November 2026", 25)]


def test_copies_handed_out_free_count_in_the_offices_weekly_report(engine, time_machine):
    engine.start_instance("free_distribution", AGENDAS, actor="clerk.kim")
    time_machine.shift(timedelta(days=2))
    engine.start_instance("free_distribution", {**AGENDAS, "record_title": "Open Records brochure",
                                                "record_kind": "brochure", "copies": 3, "office_key": "police"},
                          actor="officer.lee")

    [week] = requests_per_week([], *WEEK, recorded(engine))
    assert (week.received, week.handed_out) == (0, 28)
    with engine.database.read() as session:
        police_only = hand_outs(session.connection(), *WEEK, office_key="police")
    assert [(hand_out.record_title, hand_out.copies) for hand_out in police_only] == [("Open Records brochure", 3)]


def test_a_hand_out_names_what_went_out_and_how_many_copies(engine):
    with pytest.raises(FormInvalid) as refused:
        engine.start_instance("free_distribution", {**AGENDAS, "record_title": "", "copies": 0}, actor="clerk.kim")

    assert refused.value.field_errors == {"record_title": "is required", "copies": "must be 1 or more"}
    assert engine.list_instances(process_key="free_distribution") == []
