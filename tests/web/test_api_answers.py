"""What the API (and the pages) answer at their edges (issue 14): ids and offsets no row can have, addresses
and methods no route takes, Retry-After only where a client must wait, and full task views after a change."""
from __future__ import annotations

import pytest

from tests.web.test_api import BUSINESS_KEY, assert_error, bearer, token_for  # noqa: F401  (fixture)

TOO_LARGE = "99999999999999999999"          # past 64 bits
PAST_ANY_ROW = str(2**31)                   # fits 64 bits, but no id column reaches it


@pytest.mark.parametrize("path", [f"/api/instances/{TOO_LARGE}", f"/api/instances/{PAST_ANY_ROW}/audit",
                                  f"/api/tasks/{TOO_LARGE}", f"/api/tasks/1/attachments/{TOO_LARGE}"])
def test_an_id_no_row_can_have_is_a_json_404(client, token_for, path):
    assert_error(client.get(path, headers=bearer(token_for("administrator"))), 404, "not_found")


def test_posting_to_an_id_no_row_can_have_is_a_json_404(client, token_for):
    assert_error(client.post(f"/api/incidents/{TOO_LARGE}/retry", headers=bearer(token_for("administrator"))),
                 404, "not_found")


@pytest.mark.parametrize("query", [f"offset={TOO_LARGE}", f"limit={TOO_LARGE}", f"instance_id={TOO_LARGE}",
                                   f"offset={PAST_ANY_ROW}", f"offset=-{TOO_LARGE}"])
def test_a_paging_number_out_of_range_is_a_json_400_naming_it(client, token_for, query):
    error = assert_error(client.get(f"/api/instances?{query}", headers=bearer(token_for("administrator"))), 400,
                         "bad_request")
    assert query.split("=")[0] in error["fields"]


def test_pages_answer_404_and_400_for_such_numbers_too(login_as, client):
    login_as("administrator")
    assert client.get(f"/inbox/tasks/{TOO_LARGE}").status_code == 404
    assert client.get(f"/admin/instances/{TOO_LARGE}").status_code == 404
    page = client.get(f"/admin/instances?page={TOO_LARGE}")
    assert page.status_code == 400 and "page must be a whole number" in page.get_data(as_text=True)


def test_unknown_route_and_wrong_method_are_json_for_a_token_holder_even_when_posting(client, token_for):
    headers = bearer(token_for("clerk"))
    assert_error(client.post("/api/no/such/route", headers=headers, json={}), 404, "not_found")
    assert_error(client.delete("/api/tasks/1", headers=headers), 405, "method_not_allowed")
    wrong = client.post("/api/tasks", headers=headers, json={})
    assert_error(wrong, 405, "method_not_allowed")
    assert wrong.headers["Allow"]
    assert "POST" not in wrong.headers["Allow"] and "GET" in wrong.headers["Allow"]


def test_unknown_route_is_json_for_a_signed_in_browser_posting_without_a_csrf_token(login_as, client):
    login_as("clerk")
    assert_error(client.post("/api/no/such/route", json={}), 404, "not_found")
    assert_error(client.get("/api/no/such/route"), 404, "not_found")


def test_a_stranger_gets_401_json_at_every_address_under_api_whatever_the_method(client):
    for response in (client.post("/api/no/such/route"), client.post("/api/tasks"), client.delete("/api/tasks/1"),
                     client.get("/api/messages")):
        assert_error(response, 401, "unauthorized")
    assert_error(client.post("/api/tasks/1/claim", headers=bearer("cf_forged")), 401, "unauthorized")
    assert_error(client.post("/api/no/such/route", headers=bearer("cf_forged")), 401, "unauthorized")


def test_retry_after_only_on_a_refusal_to_wait_for(client, token_for):
    headers = bearer(token_for("custodian"))
    ok = client.get("/api/tasks", headers=headers)
    assert ok.status_code == 200 and "X-RateLimit-Remaining" in ok.headers
    assert "Retry-After" not in ok.headers
    assert "Retry-After" not in client.get("/api/tasks/99999", headers=headers).headers


def test_retry_after_stays_on_a_429(app, client, token_for):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    headers = bearer(token_for("custodian"))
    statuses = [client.get("/api/tasks", headers=headers) for _ in range(3)]
    assert [each.status_code for each in statuses] == [200, 200, 429]
    assert "Retry-After" not in statuses[0].headers and int(statuses[2].headers["Retry-After"]) > 0


def _has_business_key_and_title(view: dict) -> None:
    assert view["business_key"] == BUSINESS_KEY
    assert view["instance_title"]


def test_claim_unclaim_and_assign_return_the_full_task_view(client, token_for, make_staff, review_request):
    make_staff("bob", "custodian")
    headers = bearer(token_for("custodian", username="ann"))
    task = f"/api/tasks/{review_request.task_id}"
    claimed = client.post(f"{task}/claim", headers=headers)
    assert claimed.status_code == 200, claimed.get_data(as_text=True)
    assert claimed.get_json()["assignee"] == "ann"
    _has_business_key_and_title(claimed.get_json())
    given = client.post(f"{task}/assign", headers=headers, json={"assignee": "bob"}).get_json()
    assert given["assignee"] == "bob"
    _has_business_key_and_title(given)
    supervisor = bearer(token_for("records_manager", username="rita"))
    released = client.post(f"{task}/unclaim", headers=supervisor)
    assert released.status_code == 200, released.get_data(as_text=True)
    assert released.get_json()["assignee"] is None
    _has_business_key_and_title(released.get_json())


def test_a_supervisor_unclaims_a_task_claimed_by_someone_else_as_docs_api_says(client, token_for, process_engine,
                                                                             make_staff, review_request):
    """Still true after issue 13's change to claiming (web.inbox.assignment.unclaim_as_signed_in)."""
    make_staff("bob", "custodian")
    for role in ("administrator", "city_clerk", "records_manager"):
        process_engine.claim_task(review_request.task_id, actor="bob")
        response = client.post(f"/api/tasks/{review_request.task_id}/unclaim",
                               headers=bearer(token_for(role, username=f"{role}_1")))
        assert response.status_code == 200, (role, response.get_data(as_text=True))
        assert response.get_json()["assignee"] is None
    process_engine.claim_task(review_request.task_id, actor="bob")
    other = client.post(f"/api/tasks/{review_request.task_id}/unclaim", headers=bearer(token_for("custodian")))
    assert_error(other, 403)
