"""Follow-up dates: a person's own reminder on a task, and the inbox's "Follow-up due" filter.

"Now" is Monday 16 November 2026, 23:30 in the city (America/Chicago): already Tuesday in UTC,
so the tests also show that "today" is the city's day."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from tests.web.conftest import DIAGRAMS

MONDAY_LATE_EVENING = datetime(2026, 11, 17, 5, 30, tzinfo=timezone.utc)     # Monday 23:30 CST
KEYS = ("R-2026-0001", "R-2026-0002", "R-2026-0003")


def listed(page: str) -> list[str]:
    return re.findall(r"test process (R-2026-\d{4})</td>", page)


def follow_up_count(page: str) -> int:
    return int(re.search(r'Follow-up due <span class="count">(\d+)</span>', page).group(1))


@pytest.fixture
def tasks(process_engine, time_machine):
    time_machine.move_to(MONDAY_LATE_EVENING, tick=False)
    process_engine.deploy_file(DIAGRAMS / "request_shaped.bpmn", DIAGRAMS / "forms", actor="tests")
    started = {}
    for key in KEYS:
        instance = process_engine.start_instance("request_shaped", {"received_at": "2026-11-16T15:00:00+00:00"},
                                                 actor="tests", business_key=key)
        [started[key]] = instance.open_tasks
    return started


def set_follow_up(client, post_form, task, day: str, **options):
    path = f"/inbox/tasks/{task.task_id}"
    return post_form(client, f"{path}/follow-up", {"follow_up_on": day}, token_from=path, **options)


def test_person_sets_a_follow_up_date_and_sees_it_on_the_task_and_in_the_inbox(login_as, client, post_form, tasks):
    login_as("custodian")
    task = tasks["R-2026-0002"]
    response = set_follow_up(client, post_form, task, "2026-11-20", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert 'You will see &#34;Review request&#34; under &#34;Follow-up due&#34; from 2026-11-20.' in page
    assert 'name="follow_up_on" type="date" value="2026-11-20"' in page
    inbox = client.get("/inbox").get_data(as_text=True)
    assert '<time datetime="2026-11-20">Nov 20, 2026</time>' in inbox
    assert "(due)" not in inbox


def test_follow_up_due_lists_tasks_whose_date_is_today_in_city_time(login_as, client, post_form, tasks,
                                                                    time_machine):
    login_as("custodian")
    set_follow_up(client, post_form, tasks["R-2026-0001"], "2026-11-16")     # today, in the city
    set_follow_up(client, post_form, tasks["R-2026-0003"], "2026-11-17")     # tomorrow (today in UTC)
    page = client.get("/inbox?follow_up=1").get_data(as_text=True)
    assert listed(page) == ["R-2026-0001"]
    assert follow_up_count(page) == 1
    assert 'name="follow_up" value="1" checked' in page
    assert follow_up_count(client.get("/inbox").get_data(as_text=True)) == 1
    time_machine.move_to(datetime(2026, 11, 17, 14, 0, tzinfo=timezone.utc), tick=False)   # Tuesday 08:00 CST
    assert listed(client.get("/inbox?follow_up=1").get_data(as_text=True)) == ["R-2026-0001", "R-2026-0003"]


def test_follow_ups_are_seen_only_by_the_person_who_set_them(app, login_as, client, post_form, tasks,
                                                             make_staff, csrf_token, staff_password):
    login_as("custodian", username="ann")
    set_follow_up(client, post_form, tasks["R-2026-0001"], "2026-11-16")
    other = app.test_client()
    make_staff("bob", "custodian")
    other.post("/login", data={"username": "bob", "password": staff_password, "csrf_token": csrf_token(other)})
    theirs = other.get("/inbox?follow_up=1").get_data(as_text=True)
    assert listed(theirs) == [] and follow_up_count(theirs) == 0
    assert "2026-11-16</time>" not in other.get("/inbox").get_data(as_text=True)
    assert "2026-11-16</time>" not in other.get(f"/inbox/tasks/{tasks['R-2026-0001'].task_id}").get_data(as_text=True)


def test_clearing_a_follow_up_takes_the_task_off_the_follow_up_list(login_as, client, post_form, tasks):
    login_as("custodian")
    task = tasks["R-2026-0001"]
    set_follow_up(client, post_form, task, "2026-11-16")
    path = f"/inbox/tasks/{task.task_id}"
    response = post_form(client, f"{path}/follow-up", {"clear": "1", "follow_up_on": "2026-11-16"}, token_from=path,
                         follow_redirects=True)
    assert "No follow-up date on &#34;Review request&#34; now." in response.get_data(as_text=True)
    assert listed(client.get("/inbox?follow_up=1").get_data(as_text=True)) == []


@pytest.mark.parametrize("day, message", [
    ("", "Choose a follow-up date"),
    ("next week", "&#34;next week&#34; is not a date; give it as year-month-day"),
    ("2026-11-15", "A follow-up date cannot be in the past (today is 2026-11-16 in city time)."),
    ("2040-01-01", "A follow-up date must be within five years."),
])
def test_an_unusable_follow_up_date_is_refused_with_a_message(login_as, client, post_form, tasks, day, message):
    login_as("custodian")
    response = set_follow_up(client, post_form, tasks["R-2026-0001"], day, follow_redirects=True)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert listed(client.get("/inbox?follow_up=1").get_data(as_text=True)) == []


def test_follow_up_form_has_a_label_and_csrf_token(login_as, client, tasks):
    login_as("custodian")
    page = client.get(f"/inbox/tasks/{tasks['R-2026-0001'].task_id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/inbox/tasks/\d+/follow-up".*?</form>', page, re.S).group(0)
    assert '<label for="follow-up-on">' in form and 'id="follow-up-on"' in form
    assert 'name="csrf_token"' in form


def test_a_follow_up_cannot_be_set_on_a_task_of_another_role(login_as, client, post_form, tasks):
    login_as("clerk")
    response = set_follow_up(client, post_form, tasks["R-2026-0001"], "2026-11-20")
    assert response.status_code == 403
