"""The REST API (issue 5): bearer tokens of staff accounts, the same role checks as the pages, one JSON
error shape, and an OpenAPI document that lists exactly the API's routes."""
from __future__ import annotations

import io
import re

import pytest

from web.api import create_api_token, revoke_api_token
from web.models import StaffAccount, db
from web.models_api import ApiToken

BUSINESS_KEY = "R-2026-0142"   # the business key conftest starts the request with


@pytest.fixture
def token_for(app, make_staff):
    """A new account holding `roles` (named after the first) and a fresh API token of it."""
    def make(*roles: str, username: str | None = None) -> str:
        username = make_staff(username or roles[0], *roles)
        with app.app_context():
            account = db.session.scalars(db.select(StaffAccount).where(StaffAccount.username == username)).one()
            return create_api_token(account, f"{username} integration")
    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert isinstance(error["message"], str) and error["message"] and isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code
    return error


def test_no_token_is_401_json_for_every_api_route_but_the_document(client):
    for path in ("/api/tasks", "/api/processes", "/api/instances/1", "/api/no/such/route"):
        response = client.get(path)
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.post("/api/tasks/1/complete", json={"approved": True}), 401)
    assert client.get("/api/openapi.json").status_code == 200


def test_unknown_malformed_and_revoked_tokens_are_refused(app, client, token_for):
    token = token_for("custodian")
    assert client.get("/api/tasks", headers=bearer(token)).status_code == 200
    for wrong in ("cf_not-a-real-token", "", token + "x"):
        assert_error(client.get("/api/tasks", headers=bearer(wrong)), 401, "unauthorized")
    with app.app_context():
        [stored] = db.session.scalars(db.select(ApiToken)).all()
        assert stored.token_hash != token and token not in repr(stored)
        assert stored.last_used_at is not None
        revoke_api_token(stored.id)
    assert_error(client.get("/api/tasks", headers=bearer(token)), 401, "unauthorized")


def test_token_of_a_deactivated_account_is_refused(app, client, token_for):
    token = token_for("custodian")
    with app.app_context():
        db.session.execute(db.update(StaffAccount).values(active=False))
        db.session.commit()
    assert_error(client.get("/api/tasks", headers=bearer(token)), 401)


def test_custodian_token_lists_claims_and_completes_the_task(client, token_for, review_request, process_engine):
    headers = bearer(token_for("custodian"))
    listed = client.get("/api/tasks", headers=headers).get_json()["items"]
    assert [task["task_id"] for task in listed] == [review_request.task_id]
    assert listed[0]["business_key"] == BUSINESS_KEY

    detail = client.get(f"/api/tasks/{review_request.task_id}", headers=headers).get_json()
    assert detail["form_schema"]["required"] == ["approved", "pages"]

    claimed = client.post(f"/api/tasks/{review_request.task_id}/claim", headers=headers)
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "custodian"
    mine = client.get("/api/tasks?mine=true", headers=headers).get_json()["items"]
    assert [task["task_id"] for task in mine] == [review_request.task_id]

    done = client.post(f"/api/tasks/{review_request.task_id}/complete", headers=headers,
                       json={"approved": True, "pages": 3})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert process_engine.get_task(review_request.task_id).status == "completed"
    assert review_request.task_id not in [task["task_id"] for task in done.get_json()["open_tasks"]]


def test_bad_field_is_422_with_the_field_named(client, token_for, review_request, process_engine):
    response = client.post(f"/api/tasks/{review_request.task_id}/complete", headers=bearer(token_for("custodian")),
                           json={"approved": True, "pages": -2})
    error = assert_error(response, 422, "form_invalid")
    assert set(error["fields"]) == {"pages"}
    assert process_engine.get_task(review_request.task_id).status == "open"


def test_body_that_is_not_a_json_object_is_400(client, token_for, review_request):
    response = client.post(f"/api/tasks/{review_request.task_id}/complete", headers=bearer(token_for("custodian")),
                           data="[1, 2]", content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_clerk_token_cannot_see_or_complete_a_custodian_task(client, token_for, review_request, process_engine):
    headers = bearer(token_for("clerk"))
    assert client.get("/api/tasks", headers=headers).get_json()["items"] == []
    assert_error(client.get(f"/api/tasks/{review_request.task_id}", headers=headers), 403, "forbidden")
    response = client.post(f"/api/tasks/{review_request.task_id}/complete", headers=headers,
                           json={"approved": True, "pages": 3})
    assert_error(response, 403, "forbidden")
    assert process_engine.get_task(review_request.task_id).status == "open"


def test_administrator_suspends_resumes_and_reads_instances(client, token_for, review_request):
    headers = bearer(token_for("administrator"))
    instance_id = review_request.instance_id
    listed = client.get(f"/api/instances?business_key={BUSINESS_KEY}", headers=headers).get_json()["items"]
    assert [each["instance_id"] for each in listed] == [instance_id]

    suspended = client.post(f"/api/instances/{instance_id}/suspend", headers=headers, json={"reason": "audit"})
    assert suspended.status_code == 200 and suspended.get_json()["status"] == "suspended"
    assert client.get("/api/instances?status=suspended", headers=headers).get_json()["items"][0]["instance_id"] \
        == instance_id
    assert_error(client.post(f"/api/instances/{instance_id}/terminate", headers=headers), 422)
    assert client.post(f"/api/instances/{instance_id}/resume", headers=headers).get_json()["status"] == "active"

    detail = client.get(f"/api/instances/{instance_id}", headers=headers).get_json()
    assert [task["task_id"] for task in detail["open_tasks"]] == [review_request.task_id]
    actions = [event["action"] for event in client.get(f"/api/instances/{instance_id}/audit",
                                                       headers=headers).get_json()["items"]]
    assert len(actions) >= 3
    assert client.get("/api/incidents", headers=headers).get_json() == {"items": []}
    assert client.get("/api/timers", headers=headers).status_code == 200
    assert client.get("/api/processes", headers=headers).get_json()["items"][0]["process_key"] == "request_shaped"
    assert_error(client.get("/api/instances/99999", headers=headers), 404, "not_found")
    assert_error(client.get("/api/instances?status=lost", headers=headers), 400, "bad_request")


def test_only_an_administrator_changes_an_instance(client, token_for, review_request):
    headers = bearer(token_for("custodian"))
    assert_error(client.post(f"/api/instances/{review_request.instance_id}/suspend", headers=headers), 403)
    assert_error(client.get("/api/instances", headers=headers), 403)


def test_message_with_no_receiver_is_404_json(client, token_for):
    response = client.post("/api/messages", headers=bearer(token_for("clerk")),
                           json={"name": "nobody_waits_for_this", "correlation": {"tracking_number": "R-1"}})
    assert_error(response, 404, "message_not_deliverable")
    assert_error(client.post("/api/messages", headers=bearer(token_for("analyst")), json={"payload": []}), 422)


def test_signed_in_browser_may_call_the_api_but_its_posts_need_the_csrf_token(
        login_as, client, csrf_token, review_request, process_engine):
    login_as("custodian")
    assert [task["task_id"] for task in client.get("/api/tasks").get_json()["items"]] == [review_request.task_id]
    path = f"/api/tasks/{review_request.task_id}/complete"
    assert_error(client.post(path, json={"approved": True, "pages": 3}), 400, "csrf_refused")
    assert process_engine.get_task(review_request.task_id).status == "open"
    response = client.post(path, json={"approved": True, "pages": 3}, headers={"X-CSRF-Token": csrf_token(client, "/inbox")})
    assert response.status_code == 200
    assert process_engine.get_task(review_request.task_id).status == "completed"


def test_a_bearer_header_does_not_exempt_browser_pages_from_csrf(login_as, client, review_request, process_engine):
    login_as("custodian")
    response = client.post(f"/inbox/tasks/{review_request.task_id}/complete", data={"approved": "true", "pages": "3"},
                           headers=bearer("cf_anything"))
    assert response.status_code == 400
    assert process_engine.get_task(review_request.task_id).status == "open"


def test_a_bearer_header_is_judged_alone_never_with_the_session(login_as, client, review_request):
    login_as("custodian")                      # the session would open the API ...
    response = client.post(f"/api/tasks/{review_request.task_id}/claim", headers=bearer("cf_forged"))
    assert_error(response, 401)                # ... but a request with a token is judged by the token


def test_unknown_api_route_is_a_json_404_for_a_token(client, token_for):
    assert_error(client.get("/api/no/such/route", headers=bearer(token_for("clerk"))), 404, "not_found")
    assert_error(client.get("/api/messages", headers=bearer(token_for("analyst"))), 405, "method_not_allowed")


def test_unexpected_error_is_500_json_with_a_reference(client, token_for, process_engine, monkeypatch):
    monkeypatch.setattr(process_engine, "list_tasks", lambda **_options: 1 / 0)
    error = assert_error(client.get("/api/tasks", headers=bearer(token_for("custodian"))), 500, "internal_error")
    assert re.fullmatch(r"[0-9a-f]{12}", error["reference"])


def test_create_token_command_prints_the_token_once(app, make_staff, client):
    make_staff("payments", "clerk")
    result = app.test_cli_runner().invoke(args=["api", "create-token", "payments", "payments gateway"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("cf_")
    assert client.get("/api/processes", headers=bearer(token)).status_code == 200
    listing = app.test_cli_runner().invoke(args=["api", "tokens", "payments"])
    assert "payments gateway" in listing.output and token not in listing.output


def _openapi_path(rule_path: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule_path)


def test_openapi_document_lists_exactly_the_api_routes(app, client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, operations in document["paths"].items() for method in operations}
    routed = {(_openapi_path(rule.rule), method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented
    for path, operations in document["paths"].items():
        for operation in operations.values():
            names = {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "path"}
            assert names == set(re.findall(r"{(\w+)}", path)), path
    references = set(re.findall(r'"#/components/(\w+)/(\w+)"', str(document).replace("'", '"')))
    for kind, name in references:
        assert name in document["components"][kind], name


def test_claimant_delegates_a_task_through_the_api(client, token_for, make_staff, review_request, process_engine):
    make_staff("bob", "custodian")
    headers = bearer(token_for("custodian", username="ann"))
    client.post(f"/api/tasks/{review_request.task_id}/claim", headers=headers)
    response = client.post(f"/api/tasks/{review_request.task_id}/assign", headers=headers, json={"assignee": "bob"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["assignee"] == "bob"
    last = process_engine.audit_trail(review_request.instance_id)[-1]
    assert (last.actor, last.action, last.detail) == ("ann", "delegate", "from ann to bob")


@pytest.mark.parametrize("body, field_problem", [
    ({}, "Required: a username, or null."),
    ({"assignee": 7}, "A username, or null."),
    ({"assignee": "carl"}, "Carl cannot be given \"Review request\": it is work for the custodian role"),
    ({"assignee": "nobody"}, "There is no active staff account \"nobody\""),
])
def test_assigning_to_someone_who_cannot_take_the_task_is_422_naming_the_field(
        client, token_for, make_staff, review_request, process_engine, body, field_problem):
    make_staff("carl", "clerk")
    headers = bearer(token_for("custodian", username="ann"))
    process_engine.claim_task(review_request.task_id, actor="ann")
    error = assert_error(client.post(f"/api/tasks/{review_request.task_id}/assign", headers=headers, json=body),
                         422)
    assert error["fields"]["assignee"].startswith(field_problem)
    assert process_engine.get_task(review_request.task_id).assignee == "ann"


def test_supervisor_token_reassigns_and_returns_a_task_to_the_shared_inbox(client, token_for, make_staff,
                                                                           review_request, process_engine):
    make_staff("bob", "custodian")
    make_staff("dot", "custodian")
    process_engine.claim_task(review_request.task_id, actor="bob")
    custodian = bearer(token_for("custodian", username="ann"))
    assert_error(client.post(f"/api/tasks/{review_request.task_id}/assign", headers=custodian,
                             json={"assignee": "dot"}), 403, "forbidden")
    assert_error(client.post(f"/api/tasks/{review_request.task_id}/assign", headers=custodian,
                             json={"assignee": None}), 403, "forbidden")
    supervisor = bearer(token_for("records_manager", username="rita"))
    moved = client.post(f"/api/tasks/{review_request.task_id}/assign", headers=supervisor, json={"assignee": "dot"})
    assert moved.get_json()["assignee"] == "dot"
    back = client.post(f"/api/tasks/{review_request.task_id}/assign", headers=supervisor, json={"assignee": None})
    assert back.get_json()["assignee"] is None
    assert_error(client.post(f"/api/tasks/{review_request.task_id}/assign", headers=supervisor,
                             json={"assignee": None}), 409)


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_comments_and_attachments_through_the_api_are_the_requests_own(client, token_for, review_request):
    custodian = bearer(token_for("custodian"))
    notes = f"/api/tasks/{review_request.task_id}"
    added = client.post(f"{notes}/comments", json={"text": "  Called the requester; the file is in the basement. "},
                        headers=custodian)
    assert added.status_code == 201
    assert (added.get_json()["author"], added.get_json()["text"]) == (
        "custodian", "Called the requester; the file is in the basement.")
    uploaded = client.post(f"{notes}/attachments", data={"file": [(io.BytesIO(PDF), "signed estimate.pdf")]},
                           content_type="multipart/form-data", headers=custodian)
    assert uploaded.status_code == 201
    [attachment] = uploaded.get_json()["items"]
    assert (attachment["filename"], attachment["content_type"], attachment["size"]) == (
        "signed estimate.pdf", "application/pdf", len(PDF))

    assert [c["text"] for c in client.get(f"{notes}/comments", headers=custodian).get_json()["items"]] == [
        "Called the requester; the file is in the basement."]
    assert client.get(f"{notes}/attachments", headers=custodian).get_json()["items"] == [attachment]
    with client.get(f"{notes}/attachments/{attachment['attachment_id']}", headers=custodian) as download:
        assert download.data == PDF and download.headers["Content-Disposition"].startswith("attachment;")
    # Someone whose roles do not open the task reads nothing of its request.
    attorney = bearer(token_for("city_attorney"))
    assert_error(client.get(f"{notes}/comments", headers=attorney), 403)
    assert_error(client.get(f"{notes}/attachments/{attachment['attachment_id']}", headers=attorney), 403)


def test_api_refuses_an_empty_comment_and_a_program_with_field_errors(client, token_for, review_request):
    custodian = bearer(token_for("custodian"))
    notes = f"/api/tasks/{review_request.task_id}"
    assert "text" in assert_error(client.post(f"{notes}/comments", json={"text": "  "}, headers=custodian), 422)["fields"]
    refused = client.post(f"{notes}/attachments", data={"file": [(io.BytesIO(PDF), "ok.pdf"),
                                                                 (io.BytesIO(b"MZ\x90\x00"), "tool.exe")]},
                          content_type="multipart/form-data", headers=custodian)
    assert "Nothing was attached." in assert_error(refused, 422)["fields"]["file"]
    assert client.get(f"{notes}/attachments", headers=custodian).get_json()["items"] == []
    assert_error(client.get(f"{notes}/attachments/999", headers=custodian), 404, "not_found")
