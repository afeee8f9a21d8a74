"""After a server-side refusal, focus moves to an error summary (issue 13, accessibility beyond axe): a form the
server refused shows, at its top, a summary announced as an alert and focused on load (autofocus on a box
focusable by script only), listing each error as a link to its field; each field in error carries
aria-invalid="true" and aria-describedby naming its message."""
from __future__ import annotations

import re

import pytest
from records_office import REQUEST
from test_staff_intake import enter, records_office  # noqa: F401  (fixtures)
from test_task_forms import estimate_page, estimate_task, submit_estimate  # noqa: F401  (fixtures)

SUMMARY = re.compile(r'<div class="flash flash-error error-summary" id="error-summary" role="alert" tabindex="-1" '
                     r'autofocus>(.*?)</div>', re.S)


def summary_links(page: str) -> list[tuple[str, str]]:
    found = SUMMARY.search(page)
    assert found, "no error summary"
    return [(target, " ".join(words.split())) for target, words in
            re.findall(r'<a href="#([^"]+)">(.*?)</a>', found.group(1), re.S)]


def tag_of(page: str, element_id: str) -> str:
    found = re.search(rf'<(?:input|select|textarea|fieldset)[^>]*\bid="{re.escape(element_id)}"[^>]*>', page)
    assert found, f"no control {element_id}"
    return found.group(0)


def assert_invalid_and_described(page: str, element_id: str) -> None:
    tag = tag_of(page, element_id)
    assert 'aria-invalid="true"' in tag, tag
    described = re.search(r'aria-describedby="([^"]*)"', tag).group(1).split()
    assert f"{element_id}-error" in described
    assert f'id="{element_id}-error"' in page


@pytest.fixture
def send_request(client, csrf_token, portal):
    def send(data):
        return client.post("/request", data={**REQUEST, **data, "csrf_token": csrf_token(client, "/request")})
    return send


def test_a_refused_portal_request_summarises_each_error_with_a_link_to_its_field(send_request):
    page = send_request({"requester_address": "", "email": "not an address"}).get_data(as_text=True)
    links = summary_links(page)
    assert [target for target, _ in links] == ["field-requester_address", "field-email"]
    assert links[0][1].endswith("is required") and links[1][1].startswith("E-mail address")
    for target, _ in links:
        assert_invalid_and_described(page, target)
    assert 'aria-invalid' not in tag_of(page, "field-requester_name")       # a field without an error is not marked


def test_the_request_form_before_sending_has_no_summary_and_nothing_invalid(client, portal):
    page = client.get("/request").get_data(as_text=True)
    assert "error-summary" not in page and "aria-invalid" not in page


def test_a_refused_task_form_links_to_the_row_cell_in_error(submit_estimate):
    response = submit_estimate({"search_hours-rows": "2", "search_hours-0-employee": "J. Ortiz",
                                "search_hours-0-hours": "two", "pages": "12"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    links = summary_links(page)
    assert ("field-search_hours-0-hours" in [target for target, _ in links])
    assert_invalid_and_described(page, "field-search_hours-0-hours")


def test_a_refused_intake_summarises_its_errors(client, login_as, enter, records_office):
    login_as("city_clerk", username="carla")
    response = enter(received_via="", requester_name="")
    page = response.get_data(as_text=True)
    targets = [target for target, _ in summary_links(page)]
    assert {"field-received_via", "field-requester_name"} <= set(targets)
    for target in ("field-received_via", "field-requester_name"):
        assert_invalid_and_described(page, target)


def test_a_refused_settings_form_marks_its_field_invalid(client, login_as, csrf_token, portal):
    login_as("administrator", username="ada")
    token = csrf_token(client, "/admin/settings/letters/acknowledgement")
    page = client.post("/admin/settings/letters/acknowledgement",
                       data={"subject": "", "body": "Dear {requester_name}", "action": "save",
                             "csrf_token": token}).get_data(as_text=True)
    assert_invalid_and_described(page, "field-subject")
    assert 'aria-invalid' not in tag_of(page, "field-body")
