"""The public portal (issue 5): how to ask, the request form, the private status link, the limit."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from city.citydata import add_fee_schedule, city_today
from records_office import REQUEST, STATUS_LINK, TRACKING
from city.office import city_data_of



@pytest.fixture
def file_request(client, csrf_token):
    """Send the request form as a member of the public; returns the response (not followed)."""
    def send(data=None, **options):
        token = csrf_token(client, "/request")
        return client.post("/request", data={**REQUEST, **(data or {}), "csrf_token": token}, **options)
    return send


def filed(client, file_request, data=None) -> tuple[str, str, str]:
    """(tracking number, status path, confirmation page) of a request filed through the form."""
    response = file_request(data)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return TRACKING.search(page).group(0), STATUS_LINK.search(page).group(1), page


def test_front_page_explains_the_fees_in_force_and_office_hours(client, portal):
    with portal.database.write() as session:
        add_fee_schedule(session, effective_from=portal_today(portal), created_by="admin",
                         search_rate_per_hour=Decimal("17.50"), copy_fee_per_page=Decimal("0.30"))
    city_data_of(portal).invalidate()
    page = client.get("/")
    text = " ".join(page.get_data(as_text=True).split())
    assert page.status_code == 200
    for words in ("17.50 per hour", "minimum charge of 5.00", "under 1.00", "0.30 per page",
                  "over 25.00", "third business day", "K.S.A. 45-218(d)", "72 hours",
                  "Police Department", "Monday to Friday", "08:00–17:00", 'href="/request"'):
        assert words in text, words
    assert "15.00 per hour" not in text     # the schedule superseded today is not the one in force


def test_signed_in_staff_see_the_front_page_and_keep_their_inbox(client, portal, login_as):
    login_as("custodian")
    assert "How to request public records" in client.get("/").get_data(as_text=True)
    assert client.get("/inbox").status_code == 200


def test_missing_field_shows_its_error_and_keeps_what_was_typed(client, portal, file_request):
    response = file_request({"requester_address": "", "office_key": "police"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Your address is required" in text
    assert 'value="Pat Doe"' in text and "Council minutes of January 2026</textarea>" in text
    assert '<option value="police" selected>' in text
    assert portal.list_instances() == []


def test_a_request_for_an_organisation_asks_for_the_persons_name_and_keeps_what_was_typed(client, portal,
                                                                                         file_request):
    """Art. 6: "In all cases the party so requesting must be an individual person or persons"."""
    response = file_request({"requester_name": "Acme Title LLC", "office_key": "police"})
    text = " ".join(response.get_data(as_text=True).split())
    assert response.status_code == 422
    assert ('Your name names an organisation ("LLC"): a request is made by one or more individual persons'
            in text.replace("&#34;", '"'))
    assert 'value="Acme Title LLC"' in text and "Council minutes of January 2026</textarea>" in text
    assert '<option value="police" selected>' in text
    assert portal.list_instances() == []


def test_unknown_office_is_refused_beside_the_field(client, portal, file_request):
    response = file_request({"office_key": "treasury_of_atlantis"})
    assert response.status_code == 422
    assert "Office choose one of the offices" in response.get_data(as_text=True)


def test_request_is_numbered_reaches_the_custodian_and_is_acknowledged(client, portal, file_request):
    tracking_number, status_path, page = filed(client, file_request, {"office_key": "police"})
    year = portal_today(portal).year
    assert tracking_number == f"R-{year}-00001"
    assert "Keep it now" in page and "shows it again in this browser for 60 minutes" in " ".join(page.split())
    assert f"Your records request {tracking_number}" in page        # the acknowledgement letter
    [task] = portal.list_tasks(roles={"custodian:police"})
    assert (task.business_key, task.bpmn_id) == (tracking_number, "review_request")
    [instance] = portal.list_instances()
    assert instance.started_by == "portal"
    # A reload shows the confirmation again in the same browser (tests/web/test_received_reload.py), never in another.
    assert tracking_number in client.get("/request/received").get_data(as_text=True)
    assert client.application.test_client().get("/request/received").headers["Location"] == "/"


def test_status_link_shows_the_request_its_deadline_and_letters(client, portal, file_request):
    tracking_number, status_path, _ = filed(client, file_request)
    response = client.get(status_path)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert tracking_number in text and "We act on it by" in text
    assert "We received your request" in text and "We acknowledged your request" in text
    assert f"Your records request {tracking_number}" in text
    download = client.get(f"{status_path}/letters/1.txt")
    assert download.mimetype == "text/plain"
    assert download.get_data(as_text=True).startswith(f"Your records request {tracking_number}")
    assert client.get(f"{status_path}/letters/9.txt").status_code == 404


def test_status_shows_the_prepayment_awaited(client, portal, file_request):
    tracking_number, status_path, _ = filed(client, file_request)
    [review] = portal.list_tasks()
    portal.complete_task(review.task_id, {"holds_record": True, "description_sufficient": True}, actor="custodian")
    [estimate] = portal.list_tasks()
    portal.complete_task(estimate.task_id, {"search_hours": [{"employee": "Jo Records", "hours": 2}],
                                            "pages": 70}, actor="custodian")
    text = client.get(status_path).get_data(as_text=True)
    assert "Waiting for your prepayment of $47.50" in text
    assert "We sent you an estimate of the fees" in text and "We asked for a prepayment" in text
    portal.deliver_message("payment_received", {"tracking_number": tracking_number}, {"amount": "20.00"},
                           actor="cashier")
    text = client.get(status_path).get_data(as_text=True)
    assert "paid so far: $20.00" in text and "Waiting for your prepayment of $27.50" in text


def test_wrong_token_is_not_found(client, portal, file_request):
    filed(client, file_request)
    response = client.get("/status/not-the-token")
    assert response.status_code == 404
    assert "There is no request behind this link" in response.get_data(as_text=True)
    assert client.get("/status/not-the-token/letters/1.txt").status_code == 404


def test_one_requesters_link_never_shows_anothers_request(client, portal, file_request):
    first, first_path, _ = filed(client, file_request)
    second, second_path, _ = filed(client, file_request, {"requester_name": "Lee Roe",
                                                          "records_description": "Police budget 2025"})
    assert first != second and first_path != second_path
    first_page = client.get(first_path).get_data(as_text=True)
    second_page = client.get(second_path).get_data(as_text=True)
    assert first in first_page and second not in first_page and "Lee Roe" not in first_page
    assert second in second_page and first not in second_page
    assert client.get(f"/status/{first}").status_code == 404      # no lookup by tracking number


def test_sixth_request_in_an_hour_from_one_address_is_refused(client, portal, file_request):
    for _ in range(5):
        assert file_request().status_code == 302
    refused = file_request()
    assert refused.status_code == 429
    assert "already filed 5 requests in the last hour" in refused.get_data(as_text=True)
    assert len(portal.list_instances()) == 5
    other = file_request(environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert other.status_code == 302                                 # counted per address


def test_limit_is_set_in_the_config_and_counts_in_the_database(app, client, portal, file_request):
    app.config["PORTAL_SUBMISSIONS_PER_HOUR"] = 1
    assert file_request().status_code == 302
    again = app.test_client()                                       # another session, same address
    token = re.search(r'name="csrf_token" value="([^"]+)"', again.get("/request").get_data(as_text=True)).group(1)
    assert again.post("/request", data={**REQUEST, "csrf_token": token}).status_code == 429


def test_post_without_csrf_token_is_refused(client, portal):
    client.get("/request")
    response = client.post("/request", data=REQUEST)
    assert response.status_code == 400
    assert portal.list_instances() == []


def test_personal_details_are_not_logged(client, portal, file_request, caplog):
    caplog.set_level("DEBUG")
    filed(client, file_request)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Pat Doe" not in logged and "Elm Street" not in logged and "Council minutes" not in logged


def portal_today(engine):
    return city_today()


PORTAL_ENDPOINTS = {"home", "portal.new_request", "portal.received", "portal.status", "portal.letter",
                    "portal.letter_pdf", "portal.lost_link", "portal.released_record", "portal.answer",
                    "portal.withdraw", "portal.privacy_complaint", "portal.privacy_received", "portal.privacy_status"}


def test_only_the_portal_pages_are_open_to_strangers(app, client):
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    assert PORTAL_ENDPOINTS <= set(rules)
    for endpoint in PORTAL_ENDPOINTS:
        assert getattr(app.view_functions[endpoint], "clerkflow_public", False), endpoint
    closed = [rule for rule in app.url_map.iter_rules()
              if rule.endpoint not in PORTAL_ENDPOINTS | {"auth.login", "health.healthz", "health.healthz_web", "static"}
              and not rule.endpoint.startswith("api.")   # the REST API answers strangers 401 (test_api.py)
              and not rule.endpoint.startswith("connector.")   # so does SpiffArena's connector (test_connector.py)
              and not rule.endpoint.startswith("catalog.")   # the open data catalog is public (issue 16)
              and "GET" in rule.methods]
    assert {"inbox.index", "inbox.task", "admin.instances"} <= {rule.endpoint for rule in closed}
    from test_access import SAMPLE_ARGUMENTS as samples   # one table of sample arguments for every route
    for rule in closed:
        path = rule.build({name: samples[name] for name in rule.arguments}, append_unknown=False)[1]
        assert client.get(path).headers["Location"].startswith("/login?next="), rule


def test_request_form_asks_for_an_email_address_but_does_not_require_it(client, portal, file_request):
    page = client.get("/request").get_data(as_text=True)
    assert "Your e-mail address (optional)" in page and 'name="email" type="email"' in page
    assert 'href="/status/lost"' in page                        # the way to a new status link
    tracking_number, status_path, _ = filed(client, file_request, {"email": ""})
    assert tracking_number in client.get(status_path).get_data(as_text=True)


def test_status_page_offers_each_letter_as_pdf_and_as_text(client, portal, file_request):
    _, status_path, _ = filed(client, file_request)
    page = client.get(status_path).get_data(as_text=True)
    # Each link names the letter it fetches, as the page lists several.
    assert re.search(f'href="{status_path}/letters/1.pdf" aria-label="Download as PDF: Your records request '
                     r'R-\d{4}-\d{5} has been received">Download as PDF', page)
    assert re.search(f'href="{status_path}/letters/1.txt" aria-label="as text: Your records request', page)



def test_confirmation_says_the_link_is_also_emailed_only_when_an_address_was_given(client, portal, file_request):
    *_, with_address = filed(client, file_request, {"email": "pat@example.org"})
    *_, without_address = filed(client, file_request, {"email": ""})
    assert "sending this link and our acknowledgement to the e-mail address you gave" in " ".join(with_address.split())
    assert "e-mail address you gave" not in " ".join(without_address.split())
