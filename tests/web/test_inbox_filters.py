"""The staff inbox's filters, counts, paging and task page (issue 5, "Staff inbox").

Requests of the request-shaped process get their "Review request" due date from a timer three
business days after the day received (end of that day, city time). "Now" is Monday
16 November 2026, 10:00 in the city (America/Chicago); 11 November is Veterans Day."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from tests.web.conftest import DIAGRAMS

NOW = datetime(2026, 11, 16, 16, 0, tzinfo=timezone.utc)          # Monday 10:00 CST
RECEIVED = {          # business key: received at (each is started then), when "Review request" is due
    "R-2026-0001": "2026-11-04T15:00:00+00:00",     # due Mon 9 Nov: overdue
    "R-2026-0002": "2026-11-11T15:00:00+00:00",     # due Mon 16 Nov (11 Nov a holiday): today
    "R-2026-0003": "2026-11-12T15:00:00+00:00",     # due Tue 17 Nov: this week
    "R-2026-0004": "2026-11-13T15:00:00+00:00",     # due Wed 18 Nov: this week
    "R-2026-0005": "2026-10-01T15:00:00+00:00",     # started now: its timer has fired, so no due date
}
ROW = re.compile(r"<tr class=\"[^\"]*\">\s*<td data-label=\"Task\">")


def business_keys(page: str, prefix: str = "R-2026-") -> list[str]:
    return re.findall(rf"test process ({prefix}\d{{4}})</td>", page)


def counts(page: str) -> dict[str, int]:
    found = re.findall(r'>(Overdue|Due today|This week|All) <span class="count">(\d+)</span>', page)
    return {label: int(number) for label, number in found}


@pytest.fixture
def requests(process_engine, time_machine):
    time_machine.move_to(datetime(2026, 11, 1, tzinfo=timezone.utc), tick=False)
    process_engine.deploy_file(DIAGRAMS / "request_shaped.bpmn", DIAGRAMS / "forms", actor="tests")
    started = {}
    for key, received_at in RECEIVED.items():
        time_machine.move_to(max(datetime.fromisoformat(received_at), NOW) if key == "R-2026-0005"
                             else datetime.fromisoformat(received_at), tick=False)
        data = {"received_at": received_at}
        if key == "R-2026-0004":
            data["pages"] = 7
        instance = process_engine.start_instance("request_shaped", data, actor="tests", business_key=key)
        [task] = instance.open_tasks
        started[key] = task
    time_machine.move_to(NOW, tick=False)
    return started


def test_counts_per_due_filter(login_as, client, requests):
    page = login_as("custodian").get("/inbox").get_data(as_text=True)
    assert counts(page) == {"Overdue": 1, "Due today": 1, "This week": 3, "All": 5}
    assert "Overdue <span class=\"count\">1</span></a>\n<span class=\"sep\" aria-hidden=\"true\">·</span>" in page


@pytest.mark.parametrize("due, expected", [
    ("overdue", ["R-2026-0001"]),
    ("today", ["R-2026-0002"]),
    ("week", ["R-2026-0002", "R-2026-0003", "R-2026-0004"]),
    ("nonsense", list(RECEIVED)),
    ("", ["R-2026-0001", "R-2026-0002", "R-2026-0003", "R-2026-0004", "R-2026-0005"]),
])
def test_due_filters_list_the_right_tasks_soonest_first(login_as, client, requests, due, expected):
    page = login_as("custodian").get("/inbox", query_string={"due": due}).get_data(as_text=True)
    assert business_keys(page) == expected


def test_sort_by_age_lists_oldest_first_and_by_due_date_undated_last(login_as, client, requests, process_engine):
    process_engine.start_instance("request_shaped", {"received_at": "2026-11-16T15:00:00+00:00"}, actor="tests",
                                  business_key="R-2026-0009")     # due Thu 19 Nov, started last
    client = login_as("custodian")
    assert business_keys(client.get("/inbox").get_data(as_text=True)) == [
        "R-2026-0001", "R-2026-0002", "R-2026-0003", "R-2026-0004", "R-2026-0009", "R-2026-0005"]
    assert business_keys(client.get("/inbox?sort=age").get_data(as_text=True)) == [*RECEIVED, "R-2026-0009"]


def test_text_filter_finds_by_business_key_in_any_case(login_as, client, requests):
    client = login_as("custodian")
    page = client.get("/inbox?q=r-2026-0003").get_data(as_text=True)
    assert business_keys(page) == ["R-2026-0003"]
    assert counts(page) == {"Overdue": 0, "Due today": 0, "This week": 1, "All": 1}
    assert 'value="r-2026-0003"' in page      # the filter form keeps what was asked
    assert business_keys(client.get("/inbox?q=REQUEST-SHAPED").get_data(as_text=True)) == list(RECEIVED)
    assert "No tasks match these filters." in client.get("/inbox?q=100%25").get_data(as_text=True)


def test_process_filter(login_as, client, requests):
    client = login_as("custodian")
    assert len(business_keys(client.get("/inbox?process=request_shaped").get_data(as_text=True))) == 5
    assert "No tasks match" in client.get("/inbox?process=elsewhere").get_data(as_text=True)


def test_mine_lists_only_tasks_claimed_by_me(login_as, client, requests, process_engine):
    process_engine.claim_task(requests["R-2026-0005"].task_id, actor="custodian", roles={"custodian"})
    process_engine.claim_task(requests["R-2026-0001"].task_id, actor="morgan", roles={"custodian"})
    page = login_as("custodian").get("/inbox?mine=1").get_data(as_text=True)
    assert business_keys(page) == ["R-2026-0005"]
    assert counts(page)["All"] == 1
    assert 'name="mine" value="1" checked' in page


def test_claimed_task_of_a_role_i_no_longer_hold_stays_in_my_inbox(login_as, client, requests, process_engine):
    process_engine.claim_task(requests["R-2026-0002"].task_id, actor="clerk", roles={"custodian"})
    page = login_as("clerk", "city_clerk").get("/inbox").get_data(as_text=True)
    assert business_keys(page) == ["R-2026-0002"]
    assert counts(page)["All"] == 1


def test_filters_are_a_get_form_without_script(login_as, client, requests):
    page = login_as("custodian").get("/inbox").get_data(as_text=True)
    assert '<form method="get" action="/inbox"' in page
    assert "<script" not in page
    assert 'tabindex="-1"' not in page
    assert 'data-label="Due"' in page       # the phone layout labels each stacked cell


def test_paging_shows_fifty_and_a_next_link(login_as, client, process_engine, time_machine):
    time_machine.move_to(NOW, tick=False)
    process_engine.deploy_file(DIAGRAMS / "request_shaped.bpmn", DIAGRAMS / "forms", actor="tests")
    for number in range(53):
        process_engine.start_instance("request_shaped", {"received_at": "2026-11-13T15:00:00+00:00"},
                                      actor="tests", business_key=f"P-{number:04d}")
    client = login_as("custodian")
    first = client.get("/inbox?sort=age").get_data(as_text=True)
    assert len(ROW.findall(first)) == 50
    assert 'href="/inbox?sort=age&amp;page=2" rel="next"' in first and 'rel="prev"' not in first
    assert "Page 1 of 2" in first and counts(first)["All"] == 53
    second = client.get("/inbox?sort=age&page=2").get_data(as_text=True)
    assert len(ROW.findall(second)) == 3
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert business_keys(second, "P-") == ["P-0050", "P-0051", "P-0052"]


def test_task_page_shows_request_deadline_business_days_left_and_history(login_as, client, requests):
    task = requests["R-2026-0004"]
    page = login_as("custodian").get(f"/inbox/tasks/{task.task_id}").get_data(as_text=True)
    assert '<span class="reference">R-2026-0004</span>' in page
    assert "Request-shaped test process" in page
    assert "Nov 18, 2026, 11:59 PM CST" in page
    assert "2 business days left" in page
    history = page[page.index('id="history-heading"'):]
    assert "<strong>Started</strong>" in history and "by tests" in history
    assert "<dt>Received</dt>" in history and "received_at" not in history     # in words, not variable names
    assert "No letters sent yet." in page


def test_task_page_says_overdue_and_due_today(login_as, client, requests):
    client = login_as("custodian")
    overdue = client.get(f"/inbox/tasks/{requests['R-2026-0001'].task_id}").get_data(as_text=True)
    assert "<strong>overdue</strong>" in overdue
    today = client.get(f"/inbox/tasks/{requests['R-2026-0002'].task_id}").get_data(as_text=True)
    assert "<strong>due today</strong>" in today


def test_form_is_prefilled_with_the_requests_earlier_value(login_as, client, requests):
    client = login_as("custodian")
    page = client.get(f"/inbox/tasks/{requests['R-2026-0004'].task_id}").get_data(as_text=True)
    assert 'name="pages" type="number" value="7"' in page
    other = client.get(f"/inbox/tasks/{requests['R-2026-0003'].task_id}").get_data(as_text=True)
    assert 'name="pages" type="number" value=""' in other
