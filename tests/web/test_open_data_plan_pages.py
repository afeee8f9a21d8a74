"""The departments' open data plans on the staff pages (KCMO Sec. 2-2135, 2-2134): a liaison keeps their own
department's entries in the inbox, the Open Data Officer sees every department's with the late ones first and
agrees dates, an administrator sets a liaison's departments; everyone else gets a 403, and bad input a clear
message with nothing typed lost."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from city.open_data.liaison_plan import liaison_departments, plan_entries
from city.open_data.liaison_plan_edits import PlanEditor, agree_date, record_entry, set_liaison_departments
from web.models import StaffAccount, db

REPO = Path(__file__).parents[2]
# Monday 7 December 2026, 10:00 in the city.
MONDAY = datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc)
TODAY = date(2026, 12, 7)
OFFICER = PlanEditor("olive", officer=True)


@pytest.fixture
def monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)


@pytest.fixture
def plans(app, monday):
    """Dana is the Parks liaison; Parks has a late entry, Police an exclusion awaiting the officer."""
    with app.app_context():
        connection = db.session.connection()
        set_liaison_departments(connection, "dana", ["Parks"], actor="admin")
        late = record_entry(connection, OFFICER, {"department": "Parks", "kind": "can_publish",
                                                  "title": "Shelter bookings", "kept_in": "Bookings calendar",
                                                  "proposed_date": "2026-11-02"}, today=date(2026, 11, 1),
                            now=datetime(2026, 11, 1, 16, 0, tzinfo=timezone.utc))
        agree_date(connection, OFFICER, late, date(2026, 11, 2), today=date(2026, 11, 1))
        exclusion = record_entry(connection, OFFICER, {"department": "Police", "kind": "exclusion",
                                                       "title": "Patrol schedules", "exclusion_reason": "security_risk",
                                                       "justification": "Shows when beats are empty."}, today=TODAY)
        db.session.commit()
    return {"late": late, "exclusion": exclusion}


def text_of(response) -> str:
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def entries(app):
    with app.app_context():
        return plan_entries(db.session.connection(), today=TODAY)


def test_a_liaison_sees_only_their_departments_plan_with_the_late_entry_called_out(plans, client, login_as):
    login_as("open_data_liaison", username="dana")
    page = client.get("/inbox/open-data/plan")
    assert page.status_code == 200
    words = text_of(page)
    assert "Open data plan: Parks" in words and "Shelter bookings" in words and "1 entry is late" in words
    assert "Patrol schedules" not in words
    assert 'href="/inbox/open-data/plan"' in page.get_data(as_text=True)   # the top bar links it


def test_a_liaison_records_data_that_can_be_published_with_a_proposed_date(plans, app, client, login_as,
                                                                             post_form):
    login_as("open_data_liaison", username="dana")
    added = post_form(client, "/inbox/open-data/plan/new", {
        "department": "Parks", "kind": "can_publish", "title": "Trail counter readings",
        "kept_in": "Counter vendor portal", "proposed_date": "2027-03-01"}, token_from="/inbox/open-data/plan/new")
    assert added.status_code == 302
    entry = next(entry for entry in entries(app) if entry.title == "Trail counter readings")
    assert (entry.department, entry.proposed_date, entry.state) == ("Parks", date(2027, 3, 1), "proposed")
    assert "waiting for the Open Data Officer" in text_of(client.get(added.headers["Location"]))


def test_a_past_proposed_date_is_refused_and_everything_typed_is_kept(plans, app, client, login_as, post_form):
    login_as("open_data_liaison", username="dana")
    refused = post_form(client, "/inbox/open-data/plan/new", {
        "department": "Parks", "kind": "can_publish", "title": "Trail counter readings",
        "description": "Hourly counts", "kept_in": "Counter vendor portal", "proposed_date": "2026-12-01"},
        token_from="/inbox/open-data/plan/new")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "December 1, 2026 has passed" in html.unescape(page) and 'id="error-summary"' in page
    assert 'value="Trail counter readings"' in page and "Hourly counts" in page and "Counter vendor portal" in page
    assert re.search(r'id="field-proposed_date"[^>]*aria-invalid="true"', page)
    assert not any(entry.title == "Trail counter readings" for entry in entries(app))


def test_an_exclusion_without_a_justification_is_refused_and_with_one_is_kept(plans, app, client, login_as,
                                                                               post_form):
    login_as("open_data_liaison", username="dana")
    form = {"department": "Parks", "kind": "exclusion", "title": "Lifeguard rosters", "exclusion_reason": "privacy"}
    refused = post_form(client, "/inbox/open-data/plan/new", form, token_from="/inbox/open-data/plan/new")
    assert refused.status_code == 400 and "Write the justification" in text_of(refused)
    saved = post_form(client, "/inbox/open-data/plan/new", {**form, "justification": "Names minors."},
                      token_from="/inbox/open-data/plan/new")
    assert saved.status_code == 302
    page = text_of(client.get(saved.headers["Location"]))
    assert "Protection of the privacy of individuals" in page and "Justification: Names minors." in page


def test_a_liaison_cannot_open_or_change_another_departments_entry(plans, client, login_as, post_form):
    login_as("open_data_liaison", username="dana")
    police = plans["exclusion"]
    assert client.get(f"/inbox/open-data/plan/{police}").status_code == 403
    assert client.get(f"/inbox/open-data/plan/{police}/edit").status_code == 403
    assert post_form(client, f"/inbox/open-data/plan/{police}/withdraw", {"note": "x"}).status_code == 403
    refused = post_form(client, "/inbox/open-data/plan/new", {
        "department": "Police", "kind": "can_publish", "title": "Crashes", "kept_in": "RMS"},
        token_from="/inbox/open-data/plan/new")
    assert refused.status_code == 400 and "not the open data liaison of that department" in text_of(refused)


def test_a_liaison_with_no_department_is_told_to_ask_an_administrator(monday, client, login_as):
    login_as("open_data_liaison", username="new.liaison")
    assert "not yet the open data liaison of any department" in text_of(client.get("/inbox/open-data/plan"))


def test_the_officer_sees_every_department_late_first_and_agrees_a_proposed_date(plans, app, client, login_as,
                                                                                 post_form):
    with app.app_context():
        proposed = record_entry(db.session.connection(), PlanEditor("dana", frozenset({"Parks"})), {
            "department": "Parks", "kind": "can_publish", "title": "Trail counts", "kept_in": "Vendor portal",
            "proposed_date": "2027-02-01"}, today=TODAY)
        db.session.commit()
    login_as("open_data_officer", username="olive")
    page = client.get("/admin/open-data/plan")
    words = text_of(page)
    assert page.status_code == 200 and "1 late:" in words
    assert words.index("Shelter bookings") < words.index("Trail counts") < words.index("Patrol schedules")
    assert 'href="/admin/open-data/plan"' in page.get_data(as_text=True)
    agreed = post_form(client, f"/admin/open-data/plan/{proposed}/agree", {"agreed_date": "2027-02-01"},
                       token_from="/admin/open-data/plan")
    assert agreed.status_code == 302
    entry = next(entry for entry in entries(app) if entry.entry_id == proposed)
    assert (entry.agreed_date, entry.state, entry.awaiting_agreement) == (date(2027, 2, 1), "agreed", False)


def test_the_officer_setting_another_date_without_a_note_is_told_why_and_keeps_the_date(plans, client, login_as,
                                                                                       post_form):
    login_as("open_data_officer", username="olive")
    refused = post_form(client, f"/admin/open-data/plan/{plans['late']}/agree", {"agreed_date": "2027-01-15"},
                        token_from="/admin/open-data/plan")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "write a note saying why" in html.unescape(page) and 'value="2027-01-15"' in page


def test_the_officer_filters_by_department_and_state(plans, client, login_as):
    login_as("open_data_officer", username="olive")
    words = text_of(client.get("/admin/open-data/plan?department=Police"))
    assert "Patrol schedules" in words and "Shelter bookings" not in words
    words = text_of(client.get("/admin/open-data/plan?state=late"))
    assert "Shelter bookings" in words and "Patrol schedules" not in words


def test_the_officer_questions_an_exclusion_only_with_a_note(plans, app, client, login_as, post_form):
    login_as("open_data_officer", username="olive")
    exclusion = plans["exclusion"]
    refused = post_form(client, f"/admin/open-data/plan/{exclusion}/review", {"review": "questioned"},
                        token_from="/admin/open-data/plan")
    assert refused.status_code == 400 and "Write what the liaison should reconsider" in text_of(refused)
    done = post_form(client, f"/admin/open-data/plan/{exclusion}/review",
                     {"review": "questioned", "note": "Publish the weekly totals?"}, token_from="/admin/open-data/plan")
    assert done.status_code == 302
    entry = next(entry for entry in entries(app) if entry.entry_id == exclusion)
    assert (entry.state, entry.review_note) == ("questioned", "Publish the weekly totals?")


@pytest.mark.parametrize("roles", [("open_data_liaison",), ("records_manager",), ("clerk",)])
def test_only_the_officer_and_administrators_open_the_list_of_every_department(plans, client, login_as, post_form,
                                                                               roles):
    login_as(*roles, username="someone")
    assert client.get("/admin/open-data/plan").status_code == 403
    assert post_form(client, f"/admin/open-data/plan/{plans['late']}/agree",
                     {"agreed_date": "2027-01-15", "note": "x"}).status_code == 403


@pytest.mark.parametrize("roles", [("records_manager",), ("clerk",), ("it_open_data_coordinator",)])
def test_staff_who_are_not_liaisons_get_no_plan_page(plans, client, login_as, roles):
    login_as(*roles, username="someone")
    assert client.get("/inbox/open-data/plan").status_code == 403
    assert client.get(f"/inbox/open-data/plan/{plans['late']}").status_code == 403


def test_an_administrator_sets_a_liaisons_departments_on_the_staff_page(plans, app, client, login_as, post_form):
    login_as("administrator", username="alex")
    with app.app_context():
        dana = db.session.scalars(db.select(StaffAccount).where(StaffAccount.username == "alex")).one().id
    path = f"/admin/users/{dana}"
    assert "Open data liaison" in text_of(client.get(path))
    saved = post_form(client, f"{path}/liaison-departments", {"liaison_departments": "Parks\n\nPublic  Works\n"},
                      token_from=path)
    assert saved.status_code == 302
    with app.app_context():
        assert liaison_departments(db.session.connection(), "alex") == ("Parks", "Public Works")
    assert "Parks\nPublic Works" in client.get(path).get_data(as_text=True)


def test_the_review_form_offers_the_liaisons_waiting_entries_to_name(plans, process_engine, client, login_as):
    process_engine.deploy_file(REPO / "processes" / "dataset_approval.bpmn", REPO / "forms", actor="analyst")
    login_as("open_data_liaison", username="dana")
    page = text_of(client.get("/inbox/open-data/submit"))
    assert "Entry of the department's open data plan" in page
    assert "Parks: Shelter bookings (agreed for 2026-11-02)" in page and "Patrol schedules" not in page
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                         client.get("/inbox").get_data(as_text=True)).group(1)})
    login_as("open_data_liaison", username="no.plan")
    assert 'name="plan_entry"' not in client.get("/inbox/open-data/submit").get_data(as_text=True)
