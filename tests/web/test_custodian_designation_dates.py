"""Settings, the register of designated custodians (003, Art. 6(b)): a designation is entered from today or later;
an earlier first day only when the administrator says it records a designation made earlier, then up to a year
back and never before the office was added; the first day out after the first day in. Each refusal is shown
beside its date with everything typed kept, and nothing is entered."""
from __future__ import annotations

from datetime import timedelta

import pytest

import test_admin_settings as settings_pages
from city.citydata import list_designations
from test_admin_settings import TODAY, changes, text_of, words_of
from city.office import city_data_of

# The Settings pages' fixtures: the seeded city on a Monday morning, an administrator signed in, a POST with a token.
office, admin, post = settings_pages.office, settings_pages.admin, settings_pages.post
PAGE = "/admin/settings/custodians"
LAST_WEEK = TODAY - timedelta(days=7)


@pytest.fixture
def jo(make_staff):
    return make_staff("jo", "clerk")


def designate(admin, post, follow_redirects=False, **form):
    return post(admin, PAGE, {"office_key": "police", "person": "jo", "since": TODAY.isoformat(), "until": "",
                              **form}, follow_redirects=follow_redirects)


def register(engine):
    with engine.database.read() as session:
        return [(row.person, row.since, row.until) for row in list_designations(session, "police")]


def test_a_past_first_day_is_refused_unless_it_records_a_designation_made_earlier(admin, post, office, jo):
    response = designate(admin, post, since=LAST_WEEK.isoformat())
    page = text_of(response)
    assert response.status_code == 400
    assert f"{LAST_WEEK} is before today ({TODAY}): a designation is in force from today or a later day." in page
    assert f'value="{LAST_WEEK}"' in page and '<option value="jo" selected>' in page
    assert register(office) == [] and changes(office, "designation") == []

    response = designate(admin, post, since=LAST_WEEK.isoformat(), recorded_late="yes", follow_redirects=True)
    assert f"jo is entered in the register from {LAST_WEEK}, recorded late on {TODAY}." in text_of(response)
    assert register(office) == [("jo", LAST_WEEK, None)]
    assert "Nov 23, 2026, 9:00 AM CST (recorded late)" in words_of(response)
    assert city_data_of(office)()["custodian_register"]["police"]["designated"] == ["jo"]


def test_a_late_record_more_than_a_year_back_is_refused_as_a_likely_mistyped_year(admin, post, office, jo):
    response = designate(admin, post, since="2016-11-16", recorded_late="yes")
    page = text_of(response)
    assert response.status_code == 400 and "2016-11-16 is more than a year before today" in page
    assert 'name="recorded_late" value="yes" checked' in page
    assert register(office) == []


def test_an_office_added_today_has_no_designations_before_today(admin, post, office, jo):
    post(admin, "/admin/settings/offices", {"office_key": "parks", "name": "Parks Department",
                                            "official_custodian": "Parks Director"})
    response = designate(admin, post, office_key="parks", since=LAST_WEEK.isoformat(), recorded_late="yes")
    assert response.status_code == 400
    assert f"The office was entered in the register on {TODAY}" in text_of(response)


def test_a_designation_with_a_first_day_out_is_one_entry_in_the_change_log(admin, post, office, jo):
    until = TODAY + timedelta(days=30)
    assert designate(admin, post, until=until.isoformat()).status_code == 302
    assert register(office) == [("jo", TODAY, until)]
    [(actor, subject, action, _, after)] = changes(office, "designation")
    assert (actor, subject, action, after["since"], after["until"]) == (
        "admin", "police:jo", "added", TODAY.isoformat(), until.isoformat())
    assert (f"jo was designated a record custodian of the Police Department from {TODAY}, until {until} "
            "(first day out).") in words_of(admin.get("/admin/settings/changes"))


def test_a_designation_made_today_needs_no_box(admin, post, office, jo):
    assert designate(admin, post).status_code == 302
    assert register(office) == [("jo", TODAY, None)]
