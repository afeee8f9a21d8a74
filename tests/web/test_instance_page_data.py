"""The instance page's data: dates shown in city time ("Nov 20, 2026, 9:00 AM CST") while the data keeps its
ISO 8601 text, so what the page offers the retry form goes back into the engine unchanged."""
from __future__ import annotations

import html
import json
import re

import pytest

from conftest import DIAGRAMS, RECEIVED_AT
from web.admin.instance_data import ShownDate, readable
from web.admin.views import MASK

SHARE_INPUT = {"total": 100, "offices": 0, "days": 3, "received_at": "2026-11-20T09:00:00-06:00",
               "filed_on": "2026-11-19", "requester_date_of_birth": "1980-05-01"}


@pytest.fixture
def stopped_share(process_engine):
    """A "fragile" instance stopped by an incident: its share divides by zero offices."""
    process_engine.deploy_file(DIAGRAMS / "fragile.bpmn", DIAGRAMS / "forms", actor="tests")
    instance = process_engine.start_instance("fragile", SHARE_INPUT, actor="tests", business_key="F-2026-0001")
    assert instance.status == "incident"
    return instance


def page_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def stored_json_on(page: str) -> dict:
    """The data as the page shows it stored (what an administrator copies into the retry form)."""
    [block] = re.findall(r'<pre class="instance-data"[^>]*>(.*?)</pre>', page, re.DOTALL)
    return json.loads(html.unescape(block))


def retry_form_text(page: str, incident_id: int) -> str:
    """What the retry form's JSON field holds when the page is served."""
    [text] = re.findall(rf'<textarea id="data-patch-{incident_id}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    return html.unescape(text)


@pytest.mark.parametrize("stored, shown", [
    ("2026-11-20T15:00:00+00:00", "Nov 20, 2026, 9:00 AM CST"),
    ("2026-11-20T09:00:00-06:00", "Nov 20, 2026, 9:00 AM CST"),     # as the portal writes received_at
    ("2026-11-26T05:59:59Z", "Nov 25, 2026, 11:59 PM CST"),          # end of the business day, city time
    ("2026-07-04T17:30:00", "Jul 4, 2026, 5:30 PM (no time zone)"),  # as typed: where it was typed is unknown
    ("2026-11-20 09:00", "Nov 20, 2026, 9:00 AM (no time zone)"),
    ("2026-11-20 15:00:00+00:00", "Nov 20, 2026, 9:00 AM CST"),
    ("2026-11-19", "Nov 19, 2026"),                                  # a calendar day has no time zone
])
def test_dates_read_in_city_time_and_keep_their_stored_text(stored, shown):
    assert readable({"when": stored}) == {"when": ShownDate(stored, shown)}


def test_spiffworkflow_registry_form_of_a_datetime_is_read_as_a_date():
    stored = {"typename": "datetime", "value": "2026-11-20T15:00:00+00:00"}
    assert readable([stored]) == [ShownDate("2026-11-20T15:00:00+00:00", "Nov 20, 2026, 9:00 AM CST")]


def test_text_that_is_not_a_date_and_other_values_stay_as_they_are():
    data = {"tracking_number": "R-2026-0142", "received_at": "last Tuesday", "bad": "2026-13-45", "pages": 3,
            "paid": None, "nested": {"list": ["2026-02-30", True]}, "name": MASK}
    assert readable(data) == data


def test_instance_page_shows_dates_in_city_time_and_the_stored_json(login_as, client, review_request):
    login_as("administrator")
    page = page_of(client, f"/admin/instances/{review_request.instance_id}")
    assert f'<time datetime="{RECEIVED_AT}">Nov 20, 2026, 9:00 AM CST</time>' in page
    assert "Nov 25, 2026, 11:59 PM CST" in page   # response_due_at, computed by the engine
    assert stored_json_on(page) == {"received_at": RECEIVED_AT, "response_due_at": "2026-11-26T05:59:59+00:00"}


def test_analyst_sees_a_personal_date_masked_not_read(login_as, client, stopped_share):
    login_as("analyst")
    page = html.unescape(page_of(client, f"/admin/instances/{stopped_share.instance_id}"))
    assert "May 1, 1980" not in page and "1980-05-01" not in page and MASK in page
    assert "Nov 19, 2026" in page   # filed_on is not personal


def test_retry_with_the_form_as_served_leaves_every_date_as_it_was(login_as, client, post_form, process_engine,
                                                                   stopped_share):
    login_as("administrator")
    path = f"/admin/instances/{stopped_share.instance_id}"
    [incident] = stopped_share.incidents
    page = page_of(client, path)
    before = stored_json_on(page)
    post_form(client, f"/admin/incidents/{incident.incident_id}/retry",
              {"instance_id": stopped_share.instance_id, "data_patch": retry_form_text(page, incident.incident_id)},
              token_from=path)
    assert process_engine.list_incidents(instance_id=stopped_share.instance_id, status="resolved")
    assert process_engine.instance_diagram(stopped_share.instance_id).data == before == SHARE_INPUT
    assert "Nov 20, 2026, 9:00 AM CST" in page_of(client, path)


def test_retry_with_the_stored_json_and_one_value_edited_keeps_dates_usable(login_as, client, post_form,
                                                                            process_engine, stopped_share):
    login_as("administrator")
    path = f"/admin/instances/{stopped_share.instance_id}"
    [incident] = stopped_share.incidents
    edited = {**stored_json_on(page_of(client, path)), "offices": 4}
    post_form(client, f"/admin/incidents/{incident.incident_id}/retry",
              {"instance_id": stopped_share.instance_id, "data_patch": json.dumps(edited, indent=2)}, token_from=path)
    assert process_engine.get_instance(stopped_share.instance_id).status == "active"
    data = process_engine.instance_diagram(stopped_share.instance_id).data
    assert {key: data[key] for key in SHARE_INPUT} == {**SHARE_INPUT, "offices": 4}
    assert data["share"] == 25 and data["due_at"] == "2026-11-26T05:59:59+00:00"   # received_at read as a date
    page = page_of(client, path)
    assert "Nov 20, 2026, 9:00 AM CST" in page and "Nov 19, 2026" in page and "Nov 25, 2026, 11:59 PM CST" in page
