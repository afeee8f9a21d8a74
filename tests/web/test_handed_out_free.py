"""The counter's page "Records handed out free" (/inbox/handed-out): records reproduced for free public
distribution need no form and no fee (003, Art. 6 (a)(6), (c)(4)); staff record what went out, and the
dashboard's weekly table counts it."""
from __future__ import annotations

import csv
import html
import io

import pytest

from records_office import REPO, open_records_office

PAGE = "/inbox/handed-out"
AGENDAS = {"record_title": "City Council agenda, 24 November 2026", "record_kind": "agenda", "copies": "25",
           "office_key": "city_clerk"}


@pytest.fixture
def counter(review_week, process_engine):
    """The city seeded, the records request and free_distribution deployed, on the Monday of the review week."""
    open_records_office(process_engine)
    process_engine.deploy_file(REPO / "processes" / "free_distribution.bpmn", REPO / "forms", actor="analyst")
    return process_engine


def test_the_city_clerk_records_agendas_handed_out_and_the_week_counts_them(client, login_as, post_form,
                                                                           counter):
    login_as("city_clerk", username="clerk.kim")
    page = client.get(PAGE).get_data(as_text=True)
    assert 'name="record_title"' in page and 'name="copies"' in page and 'name="csrf_token"' in page
    assert '<option value="city_clerk" selected>' in page         # the clerk's counter is the City Clerk's
    assert "Nothing recorded yet today." in page

    done = post_form(client, PAGE, AGENDAS, token_from=PAGE)

    assert done.status_code == 302 and done.headers["Location"] == PAGE
    page = html.unescape(client.get(PAGE).get_data(as_text=True))
    assert 'Recorded: 25 copies of "City Council agenda, 24 November 2026" handed out, no fee.' in page
    assert "<td>City Council agenda, 24 November 2026</td><td>25</td>" in page
    [handed] = counter.list_instances(process_key="free_distribution")
    assert handed.status == "completed" and handed.started_by == "clerk.kim"

    weekly = list(csv.reader(io.StringIO(client.get("/admin/dashboard/requests.csv").get_data(as_text=True))))
    assert weekly[0][-1] == "Handed out free (copies, no form)"
    assert weekly[-1][-1] == "25"                                  # this week's row


def test_a_hand_out_without_what_went_out_is_refused_and_nothing_typed_is_lost(client, login_as, post_form,
                                                                              counter):
    login_as("custodian:police", username="officer.lee")
    refused = post_form(client, PAGE, {**AGENDAS, "record_title": "", "copies": "0", "office_key": "police"},
                        token_from=PAGE)

    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert "What was handed out is required" in page and "Copies handed out must be 1 or more" in page
    assert '<option value="agenda" selected>' in page
    assert '<option value="police" selected>' in page
    assert counter.list_instances(process_key="free_distribution") == []


def test_the_same_hand_out_sent_twice_is_recorded_once(client, login_as, csrf_token, counter):
    login_as("clerk")
    form = {**AGENDAS, "submission_id": "a" * 24, "csrf_token": csrf_token(client, PAGE)}
    assert client.post(PAGE, data=form).status_code == 302
    assert client.post(PAGE, data=form).status_code == 302
    assert len(counter.list_instances(process_key="free_distribution")) == 1


def test_staff_who_take_no_requests_cannot_record_hand_outs(client, login_as, counter):
    login_as("analyst")
    assert client.get(PAGE).status_code == 403
