"""Settings, the change log: every change to the city data, newest first, 50 a page, filtered by kind, by who and
by the day made (city time), each said in words; the same selection as CSV; a bad filter says what is wrong."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta

import pytest

import test_admin_settings as settings_pages
from city.citydata import add_closure, issue_cash_float, set_exemption
from test_admin_settings import MONDAY_9AM, text_of, words_of

# The Settings pages' fixtures: the seeded city on a Monday morning, an administrator signed in, a POST with a token.
office, admin, post = settings_pages.office, settings_pages.admin, settings_pages.post
PAGE = "/admin/settings/changes"
SEEDED = 30      # six offices, the default fee schedule, fourteen exemptions, eight letters and the letterhead


def closures_by(engine, actor: str, count: int, first=date(2027, 1, 4), *, now=None):
    with engine.database.write() as session:
        for number in range(count):
            add_closure(session, first + timedelta(days=number), f"Resolution 2027-{number + 1:02}", actor=actor,
                        now=now)


def rows_of(response) -> list[str]:
    """The text of each row of the change table, as a reader sees it."""
    body = response.get_data(as_text=True)
    table = body[body.index("<tbody>"):body.index("</tbody>")] if "<tbody>" in body else ""
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in table.split("<tr>")[1:]]


def test_change_log_filters_by_kind_and_pages(admin, office):
    closures_by(office, "ann", 30)
    first = admin.get(PAGE)
    assert first.status_code == 200 and f"{SEEDED + 30} changes, 50 a page" in words_of(first)
    first_rows = rows_of(first)
    assert len(first_rows) == 50 and "2027-02-02 was made a closure day: Resolution 2027-30." in first_rows[0]
    assert "Page 1 of 2" in words_of(first) and 'href="/admin/settings/changes?page=2"' in first.get_data(as_text=True)
    second_rows = rows_of(admin.get(f"{PAGE}?page=2"))
    assert len(second_rows) == SEEDED + 30 - 50 and not set(first_rows) & set(second_rows)
    closures = admin.get(f"{PAGE}?kind=closure")
    assert "30 changes." in words_of(closures) and len(rows_of(closures)) == 30
    assert all("closure day" in row for row in rows_of(closures)) and "Page 1 of" not in words_of(closures)


def test_change_log_filters_by_who_and_by_the_day_made(admin, office):
    closures_by(office, "ann", 2)
    closures_by(office, "bob", 1, first=date(2027, 3, 1), now=MONDAY_9AM + timedelta(days=2))
    by_ann = admin.get(f"{PAGE}?actor=ann")
    assert [row.split(" ann ")[1] for row in rows_of(by_ann)] == [
        "2027-01-05 was made a closure day: Resolution 2027-02. 2027-01-05",
        "2027-01-04 was made a closure day: Resolution 2027-01. 2027-01-04"]
    assert '<option value="ann" selected>' in by_ann.get_data(as_text=True)
    later = admin.get(f"{PAGE}?made_from=2026-11-24&made_until=2026-11-30")
    assert [row.split(" CST ")[1].split(" ")[0] for row in rows_of(later)] == ["bob"]     # who, after the time
    assert 'value="2026-11-24"' in later.get_data(as_text=True)
    assert len(rows_of(admin.get(f"{PAGE}?made_until=2026-11-23"))) == SEEDED + 2


def test_each_change_is_said_in_words(admin, post, office):
    with office.database.write() as session:
        issue_cash_float(session, "police", "50.00", issued_by="admin")
        issue_cash_float(session, "police", "60.00", issued_by="admin")
        set_exemption(session, "45-221(a)(6)", actor="admin", active=False)
    post(admin, "/admin/settings/offices/police", settings_pages.hours_form(mon_0_closes="12:00", active=""))
    post(admin, "/admin/settings/fees", {"effective_from": "2027-01-01", "search_rate_per_hour": "15.00",
                                         "minimum_search_fee": "5.00", "free_below": "1.00",
                                         "copy_fee_per_page": "0.30", "prepayment_threshold": "25.00",
                                         "accident_report_copy_fee": "5.00", "transmit_above": "5.00",
                                         "accident_report_resolution": "Resolution 2026-14",
                                         "accident_report_resolution_date": "2026-11-02"})
    page = words_of(admin.get(PAGE))
    for said in ("Police Department: Monday 08:00–17:00 → 08:00–12:00; made inactive (no longer routed requests).",
                 "The Police Department was given a cash float of $50.00.",
                 "The Police Department's cash float was changed from $50.00 to $60.00 (the old float returned).",
                 "The ground 45-221(a)(6): withdrawn (no longer offered in denials).",
                 ("A fee schedule taking effect 2027-01-01 was added: inspection $15.00 an hour per employee "
                  "searching; minimum inspection fee $5.00; no inspection fee below $1.00; copies $0.30 a page;"),
                 "accident report copy $5.00; fee money transmitted above $5.00 (the accident report copy fee by "
                 "Resolution 2026-14 of 2026-11-02).",
                 "The letter “acknowledgement” was added."):
        assert said in page, said


@pytest.mark.parametrize("query, message", [
    ("kind=fees", '"fees" is not a kind of setting; choose one from the list.'),
    ("actor=nobody", 'Nobody called "nobody" has changed the settings; choose someone from the list.'),
    ("made_from=2026-13-01", '"2026-13-01" is not a date; write it as YYYY-MM-DD'),
    ("made_from=2026-11-24&made_until=2026-11-20", "The last day (2026-11-20) comes before the first (2026-11-24)"),
    ("page=0", '"0" is not a page number; pages are counted from 1.'),
    ("page=two", '"two" is not a page number'),
    ("page=9", "There is only 1 page of changes."),
])
def test_a_bad_filter_says_what_is_wrong_instead_of_failing(admin, office, query, message):
    response = admin.get(f"{PAGE}?{query}")
    assert response.status_code == 400
    assert message in text_of(response) and "These filters cannot be used" in text_of(response)
    assert rows_of(response) == []


def test_the_csv_download_has_the_filtered_changes_in_words_and_no_formulas(admin, office):
    with office.database.write() as session:
        add_closure(session, date(2027, 1, 4), "=HYPERLINK(\"http://x\")", actor="ann")
    closures_by(office, "bob", 1, first=date(2027, 1, 5))
    response = admin.get(f"{PAGE}.csv?actor=ann")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    header, *rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header == ["when (UTC)", "who", "kind", "subject", "action", "effective", "what changed"]
    assert [row[1:6] for row in rows] == [["ann", "closure", "2027-01-04", "added", "2027-01-04"]]
    assert rows[0][6] == "2027-01-04 was made a closure day: =HYPERLINK(\"http://x\")."
    assert len(list(csv.reader(io.StringIO(admin.get(f"{PAGE}.csv").get_data(as_text=True))))) == 1 + SEEDED + 2
    bad = admin.get(f"{PAGE}.csv?made_from=yesterday")
    assert bad.status_code == 400 and "is not a date" in text_of(bad)


@pytest.mark.parametrize("roles", [("clerk",), ("city_clerk",), ("custodian",)])
def test_only_administrators_read_the_change_log(office, login_as, client, app, roles):
    assert app.test_client().get(PAGE).headers["Location"].startswith("/login")
    login_as(*roles)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}.csv").status_code == 403


def test_the_index_shows_the_latest_ten_and_links_the_log(admin, office):
    closures_by(office, "ann", 12)
    page = admin.get("/admin/settings")
    assert len(rows_of(page)) == 10 and f'href="{PAGE}"' in page.get_data(as_text=True)
