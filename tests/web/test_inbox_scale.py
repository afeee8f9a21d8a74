"""The inbox at 10,000 open tasks: one page and its counts come from the database, not Python.

The rows are written straight into `human_task` (as the engine's derived rows would be) so the
test stays quick; every task belongs to one started request. Speed is bench/inbox_scale.py's job."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from engine.models import TaskStatus
from engine.records import TASK
from scenario_data import DIAGRAMS

NOW = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)
OPEN_TASKS = 10_000


def test_inbox_filters_pages_and_counts_at_ten_thousand_open_tasks(login_as, client, process_engine, time_machine):
    time_machine.move_to(NOW, tick=False)
    process_engine.deploy_file(DIAGRAMS / "request_shaped.bpmn", DIAGRAMS / "forms", actor="tests")
    instance = process_engine.start_instance("request_shaped", {"received_at": NOW.isoformat()}, actor="tests",
                                             business_key="R-2026-9999")
    rows = [{"task_guid": str(uuid.uuid4()), "instance_id": instance.instance_id, "process_key": "request_shaped",
             "bpmn_id": "review_request", "title": f"Bulk task {number}", "lane": "Custodian",
             "candidate_role": "custodian" if number % 4 else "city_clerk", "status": TaskStatus.OPEN,
             "created_at": NOW - timedelta(minutes=number),
             "due_at": None if number % 10 == 0 else NOW + timedelta(hours=number % 500 - 100)}
            for number in range(OPEN_TASKS)]
    with process_engine.database.write() as session:
        session.execute(insert(TASK), rows)

    roles = {"custodian"}
    assert process_engine.count_tasks(roles=roles) == 7_501           # 7,500 bulk ones and the started one
    assert process_engine.count_tasks(roles=roles, due_before=NOW) == sum(
        1 for row in rows if row["candidate_role"] == "custodian" and row["due_at"] and row["due_at"] < NOW)
    by_due = process_engine.list_tasks(roles=roles, order="due", limit=50, offset=7_450)
    assert len(by_due) == 50 and all(task.due_at is None for task in by_due[-10:])
    assert [task.title for task in process_engine.list_tasks(roles=roles, text="BULK TASK 4321")] == ["Bulk task 4321"]

    client = login_as("custodian")
    # Speed is measured by bench/inbox_scale.py, not here: this checks the pages work at this size.
    for query in ("", "?due=week", "?sort=age&page=40", "?q=bulk+task+99", "?due=overdue&page=3"):
        assert client.get(f"/inbox{query}").status_code == 200
    page = client.get("/inbox").get_data(as_text=True)
    assert page.count('<td data-label="Task">') == 50 and 'rel="next"' in page
    assert '>All <span class="count">7501</span>' in page
