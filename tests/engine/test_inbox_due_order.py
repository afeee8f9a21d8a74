"""The inbox sorted by due date (its default): soonest due first, then the tasks without a due date,
oldest first; the same over every page, for one role, several, and a supervisor's every open task."""
from __future__ import annotations

from datetime import timedelta

import pytest

from scenario_data import FRIDAY_9AM

POLICE, FIRE = "custodian:police", "custodian:fire"
# (name, role, due day or None, minutes after Friday 9:00 it was created)
TASKS = [("police due 25th, older", POLICE, "2026-11-25", 0), ("police due 25th, newer", POLICE, "2026-11-25", 5),
         ("police due 27th", POLICE, "2026-11-27", 1), ("police undated, oldest", POLICE, None, 0),
         ("police undated, newest", POLICE, None, 9), ("fire due 26th", FIRE, "2026-11-26", 3),
         ("fire undated", FIRE, None, 4)]
DUE_ORDER = ["police due 25th, older", "police due 25th, newer", "fire due 26th", "police due 27th",
             "police undated, oldest", "fire undated", "police undated, newest"]


@pytest.fixture
def tasks_by_name(engine, deploy, time_machine):
    deploy("routed")
    made = {}
    for name, role, day, minutes in TASKS:
        time_machine.move_to(FRIDAY_9AM + timedelta(minutes=minutes), tick=False)
        data = {"custodian_role": role, **({"response_due_at": f"{day}T17:00:00-06:00"} if day else {})}
        [made[name]] = engine.start_instance("routed", data, actor="clerk").open_tasks
    return made


def names(tasks_by_name, listed) -> list[str]:
    by_id = {task.task_id: name for name, task in tasks_by_name.items()}
    return [by_id[task.task_id] for task in listed]


def every_page(engine, size: int, **filters) -> list:
    pages, offset = [], 0
    while page := engine.list_tasks(order="due", limit=size, offset=offset, **filters):
        pages.extend(page)
        offset += size
    return pages


@pytest.mark.parametrize("page_size", [1, 2, 3, 50])
def test_everyones_tasks_come_soonest_due_first_then_undated_oldest_first_on_every_page(engine, tasks_by_name,
                                                                                       page_size):
    assert names(tasks_by_name, every_page(engine, page_size)) == DUE_ORDER


def test_one_roles_inbox_by_due_date_keeps_the_same_order(engine, tasks_by_name):
    police = [name for name in DUE_ORDER if name.startswith("police")]
    assert names(tasks_by_name, every_page(engine, 2, roles={POLICE})) == police
    assert names(tasks_by_name, every_page(engine, 2, roles={POLICE, FIRE})) == DUE_ORDER


def test_due_window_by_due_date_lists_only_dated_tasks_in_it(engine, tasks_by_name):
    before_27th = FRIDAY_9AM.replace(day=27, hour=0)
    listed = every_page(engine, 2, roles={POLICE, FIRE}, due_before=before_27th)
    assert names(tasks_by_name, listed) == DUE_ORDER[:3]
    assert engine.count_tasks(roles={POLICE, FIRE}, due_before=before_27th) == 3


def test_a_claimed_task_of_another_role_takes_its_place_by_due_date(engine, tasks_by_name):
    engine.claim_task(tasks_by_name["fire due 26th"].task_id, actor="pat")
    listed = every_page(engine, 2, roles={POLICE}, also_assigned_to="pat")
    assert names(tasks_by_name, listed) == [name for name in DUE_ORDER if name.startswith("police")
                                            or name == "fire due 26th"]
