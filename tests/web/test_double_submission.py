"""A request form sent twice (a double click, a resubmission after a slow answer, the back button and
Send again) files one request: both answers show the same tracking number and the same private link."""
from __future__ import annotations

import re

from records_office import REQUEST, STATUS_LINK, TRACKING
from test_staff_intake import INTAKE, NOW_IN_THE_CITY, records_office  # noqa: F401  (fixture)

SUBMISSION = re.compile(r'name="submission_id" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_ids(client, path: str) -> dict[str, str]:
    page = client.get(path).get_data(as_text=True)
    return {"csrf_token": CSRF.search(page).group(1), "submission_id": SUBMISSION.search(page).group(1)}


def confirmation(client, response) -> tuple[str, str]:
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return TRACKING.search(page).group(0), STATUS_LINK.search(page).group(1)


def test_the_portal_form_sent_twice_files_one_request_with_one_link(app, client, portal):
    sent = {**REQUEST, **form_ids(client, "/request")}
    first = confirmation(client, client.post("/request", data=sent))
    again = confirmation(client, client.post("/request", data=sent))
    assert again == first
    assert len(portal.list_instances()) == 1
    other_browser = app.test_client()          # the link works anywhere: it is the request's, not the session's
    assert first[0] in other_browser.get(first[1]).get_data(as_text=True)


def test_each_new_form_files_its_own_request(client, portal):
    first = confirmation(client, client.post("/request", data={**REQUEST, **form_ids(client, "/request")}))
    second = confirmation(client, client.post("/request", data={**REQUEST, **form_ids(client, "/request")}))
    assert first[0] != second[0] and first[1] != second[1]
    assert len(portal.list_instances()) == 2


def test_a_form_refused_for_a_field_keeps_its_id_and_files_once_when_corrected(client, portal):
    ids = form_ids(client, "/request")
    refused = client.post("/request", data={**REQUEST, "requester_name": "", **ids})
    assert refused.status_code == 422
    assert SUBMISSION.search(refused.get_data(as_text=True)).group(1) == ids["submission_id"]
    corrected = confirmation(client, client.post("/request", data={**REQUEST, **ids}))
    assert confirmation(client, client.post("/request", data={**REQUEST, **ids})) == corrected
    assert len(portal.list_instances()) == 1


def test_a_request_entered_at_the_counter_twice_is_entered_once(client, login_as, records_office):  # noqa: F811
    login_as("city_clerk")
    sent = {**REQUEST, "received_via": "counter", "received_at": NOW_IN_THE_CITY, "office_key": "", "email": "",
            **form_ids(client, INTAKE)}
    first = client.post(INTAKE, data=sent)
    again = client.post(INTAKE, data=sent)
    assert first.status_code == again.status_code == 302
    assert len(records_office.list_instances(process_key="records_request")) == 1
