"""Two writers on one instance at once: one wins, the other gets a clear conflict, nothing is half-written."""
from __future__ import annotations

import threading

from city.office import open_engine
from engine import ClerkflowError, Conflict
from scenario_data import FRIDAY_9AM
from support import assert_derived_rows_match_state, open_task


def race(*calls):
    """Run the calls at the same moment on separate threads; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            outcomes[index] = call()
        except Exception as err:   # collected for the test to inspect
            outcomes[index] = err

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_completions_of_one_task_never_both_win(database, deploy, engine):
    deploy("request_shaped")
    for attempt in range(5):
        started = engine.start_instance("request_shaped", {"received_at": FRIDAY_9AM.isoformat()}, actor="clerk")
        review = open_task(engine, started.instance_id, "review_request")
        # Separate engines: as two web workers would be, each with its own warm cache.
        first, second = open_engine(database), open_engine(database)
        outcomes = race(
            lambda: first.complete_task(review.task_id, {"approved": True, "pages": 1}, actor="ann"),
            lambda: second.complete_task(review.task_id, {"approved": False, "pages": 0}, actor="bob"))
        winners = [o for o in outcomes if not isinstance(o, Exception)]
        losers = [o for o in outcomes if isinstance(o, Exception)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert isinstance(losers[0], Conflict)
        winner = "ann" if winners[0].status == "active" else "bob"   # ann approves (more to do), bob denies
        completed = engine.list_tasks(instance_id=started.instance_id, status="completed")
        assert [t.completed_by for t in completed] == [winner]
        trail = [e for e in engine.audit_trail(started.instance_id) if e.action == "complete"]
        assert len(trail) == 1
        assert_derived_rows_match_state(engine, started.instance_id)


def test_concurrent_writes_to_one_instance_serialize_without_losing_either(database, deploy, engine):
    deploy("request_shaped")
    started = engine.start_instance("request_shaped", {"received_at": FRIDAY_9AM.isoformat()}, actor="clerk")
    review = open_task(engine, started.instance_id, "review_request")
    first, second = open_engine(database), open_engine(database)
    outcomes = race(lambda: first.claim_task(review.task_id, actor="ann"),
                    lambda: second.suspend_instance(started.instance_id, actor="admin", reason="audit"))
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    instance = engine.get_instance(started.instance_id)
    assert instance.status == "suspended" and instance.open_tasks[0].assignee == "ann"


def test_many_writers_on_one_instance_leave_it_consistent(database, deploy, engine):
    deploy("payment_watch")
    started = engine.start_instance("payment_watch", {"tracking_number": "R-1"}, actor="custodian")
    engines = [open_engine(database) for _ in range(4)]
    outcomes = race(*[lambda e=e: e.deliver_message("prepayment_received", {"tracking_number": "R-1"},
                                                      {"amount": 5}, actor="cashier") for e in engines])
    delivered = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(delivered) == 1, outcomes
    assert all(isinstance(o, ClerkflowError) for o in outcomes if isinstance(o, Exception))
    assert [e.action for e in engine.audit_trail(started.instance_id)].count("message") == 1
    assert_derived_rows_match_state(engine, started.instance_id)
