"""A start sent twice with one key (a form submitted twice, a retry after a lost answer) starts one instance."""
from __future__ import annotations

from city.office import open_engine
from scenario_data import FRIDAY_9AM
from test_concurrency import race

RECEIVED = {"received_at": FRIDAY_9AM.isoformat()}


def test_a_start_sent_twice_with_one_key_starts_one_instance_and_takes_one_number(engine, deploy):
    deploy("request_shaped")
    first = engine.start_instance("request_shaped", RECEIVED, actor="portal", tracking_prefix="R", start_key="k1")
    again = engine.start_instance("request_shaped", RECEIVED, actor="portal", tracking_prefix="R", start_key="k1")
    assert again.instance_id == first.instance_id and again.business_key == first.business_key
    assert len(engine.list_instances(process_key="request_shaped")) == 1
    other = engine.start_instance("request_shaped", RECEIVED, actor="portal", tracking_prefix="R", start_key="k2")
    assert other.instance_id != first.instance_id
    assert other.business_key.endswith("2") and first.business_key.endswith("1")   # no number was skipped


def test_without_a_key_each_start_starts_an_instance(engine, deploy):
    deploy("request_shaped")
    for _ in range(2):
        engine.start_instance("request_shaped", RECEIVED, actor="clerk")
    assert len(engine.list_instances(process_key="request_shaped")) == 2


def test_the_same_start_sent_twice_at_once_starts_one_instance(database, engine, deploy):
    """Two web workers get the double submission at the same moment: one starts, the other answers its instance."""
    deploy("request_shaped")
    for attempt in range(3):
        first, second = open_engine(database), open_engine(database)
        key = f"at-once-{attempt}"
        outcomes = race(*(lambda each=each: each.start_instance("request_shaped", RECEIVED, actor="portal",
                                                                start_key=key) for each in (first, second)))
        assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
        assert outcomes[0].instance_id == outcomes[1].instance_id
    assert len(engine.list_instances(process_key="request_shaped")) == 3
