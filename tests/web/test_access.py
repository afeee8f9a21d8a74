"""Who gets in: sign-in is needed everywhere but the sign-in page, the health check and static files;
roles open pages; a failed sign-in gives nothing away; every POST carries the session's CSRF token."""
from __future__ import annotations

import logging

import pytest
from werkzeug.routing import Rule

# The public portal (issue 5) is open to anyone: "/" (endpoint home) and the portal.* pages.
OPEN_ENDPOINTS = {"auth.login", "health.healthz", "health.healthz_web", "static", "home", "portal.new_request", "portal.received",
                  "portal.status", "portal.letter", "portal.letter_pdf", "portal.lost_link", "portal.released_record",
                  "portal.answer", "portal.withdraw", "api.openapi",
                  # a data privacy complaint and its private status page (000, issue 17)
                  "portal.privacy_complaint", "portal.privacy_received", "portal.privacy_status",
                  "portal.privacy_appeal"}
# The open data catalog (issue 16) is public too: its list, pages, downloads, data.json and the Terms of Use.
OPEN_ENDPOINTS |= {"catalog.index", "catalog.dataset", "catalog.download", "catalog.download_as_json",
                   "catalog.datapackage_json", "catalog.data_json", "catalog.terms",
                   # anyone reports a data set as inaccurate, misleading or protected, and follows the report
                   "catalog.report_dataset", "catalog.report_received", "catalog.report_status"}
# SpiffArena's connector (issue 19) says whether it is up to anyone, as its proxy protocol does.
OPEN_ENDPOINTS |= {"connector.liveness"}
# The REST API (issue 5) and SpiffArena's connector answer strangers with a 401 JSON body instead of the sign-in redirect.
API_PREFIX = ("api.", "connector.")
SAMPLE_ARGUMENTS = {"task_id": 1, "instance_id": 1, "incident_id": 1, "action": "suspend", "filename": "x",
                    "user_id": 1, "filter_id": 1, "attachment_id": 1, "number": 1,
                    "timer_id": 1, "process_key": "records_request", "version": 1,
                    "day": "2026-12-24", "effective_from": "2027-01-01", "office_key": "police",   # settings
                    "designation_id": 1, "code": "45-221(a)(6)", "name": "acknowledgement",
                    "table": "requests",   # dashboards
                    "slug": "no-such-data-set",   # the open data catalog's staff page
                    "entry_id": 1,   # an entry of a department's open data plan
                    "field_name": "compliance_report_pdf"}   # a file a task's form shows read-only

SAMPLE_ARGUMENTS.update({"process": "records_request", "file_name": "x.schema.json"})   # the modeler's form editor
SAMPLE_ARGUMENTS.update({"operator_name": "calendar.business_deadline"})   # the SpiffArena connector
MODELER_PAGES = {"modeler.index", "modeler.diagram", "modeler.bpmn", "modeler.compare", "modeler.operators",
                 "modeler.forms", "modeler.form"}
MODELER_ACTIONS = {"modeler.validate", "modeler.deploy", "modeler.form_preview"}

def closed_rules(app, *, api: bool = False) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint not in OPEN_ENDPOINTS and rule.endpoint.startswith(API_PREFIX) == api]


def url_of(rule: Rule) -> str:
    return rule.build({name: SAMPLE_ARGUMENTS[name] for name in rule.arguments}, append_unknown=False)[1]


def test_every_page_redirects_to_sign_in_when_signed_out(app, client):
    pages = [rule for rule in closed_rules(app) if "GET" in rule.methods]
    assert {rule.endpoint for rule in pages} >= {"inbox.index", "inbox.task", "admin.instances", "admin.instance",
                                               "admin.users", "admin.new_user", "admin.user", "inbox.attachment",
                                               "inbox.payment", "admin.dashboard", "admin.dashboard_csv"}
    assert {rule.endpoint for rule in pages} >= {"admin.processes", "admin.process_version"}   # monitoring
    assert {rule.endpoint for rule in pages} >= {"admin.settings", "admin.settings_fees", "admin.settings_calendar",
                                               "admin.settings_offices", "admin.settings_office",
                                               "admin.settings_custodians", "admin.settings_exemptions",
                                               "admin.settings_exemption", "admin.settings_letters",
                                               "admin.settings_letter", "admin.settings_mail"}   # settings
    for rule in pages:
        response = client.get(url_of(rule))
        assert response.status_code == 302, rule
        assert response.headers["Location"].startswith("/login?next="), rule


def test_every_action_redirects_to_sign_in_when_signed_out(app, client, csrf_token):
    actions = [rule for rule in closed_rules(app) if "GET" not in rule.methods]
    assert {rule.endpoint for rule in actions} >= {"inbox.assign", "inbox.follow_up", "inbox.save_filter",
                                                   "inbox.delete_filter"}
    assert {rule.endpoint for rule in actions} >= {"inbox.claim", "inbox.complete", "admin.change_status",
                                                   "admin.retry", "auth.logout", "admin.reset_password",
                                                   "admin.deactivate_user", "admin.reactivate_user", "inbox.comment",
                                                   "inbox.attach", "inbox.record_payment"}
    assert {rule.endpoint for rule in actions} >= {"admin.reassign", "admin.move_timer", "admin.deliver_message"}
    assert {rule.endpoint for rule in actions} >= {"admin.withdraw_fees", "admin.remove_closure_day",
                                                   "admin.end_custodian", "admin.send_test_mail"}   # settings
    token = csrf_token(client)
    for rule in actions:
        response = client.post(url_of(rule), data={"csrf_token": token})
        assert response.status_code == 302, rule
        assert response.headers["Location"].startswith("/login"), rule


def test_every_api_route_is_401_json_when_signed_out(app, client, csrf_token):
    rules = closed_rules(app, api=True)
    assert {rule.endpoint for rule in rules} >= {"api.tasks", "api.complete_task", "api.suspend_instance",
                                                 "api.assign_task"}
    token = csrf_token(client)
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url_of(rule), method=method, headers={"X-CSRF-Token": token})
            assert response.status_code == 401, (rule, method)
            assert response.get_json()["error"]["code"] == "unauthorized", (rule, method)


def test_unknown_address_is_a_404_for_strangers_too(client):
    # issue 13: a mistyped public link is the 404 page, not the staff sign-in (tests/web/test_not_found_pages.py)
    assert client.get("/no/such/page").status_code == 404


def test_signed_out_json_request_gets_401_not_a_redirect(client):
    response = client.get("/inbox", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "sign_in_required"


def test_sign_in_page_health_check_and_stylesheet_are_open(client):
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz/web").status_code == 200
    with client.get("/static/clerkflow.css") as stylesheet:   # a file response: close it
        assert stylesheet.status_code == 200


def test_signing_in_returns_to_the_page_asked_for(client, make_staff, csrf_token, staff_password):
    make_staff("custodian", "custodian")
    response = client.post("/login", data={"username": " Custodian ", "password": staff_password,
                                           "next": "/admin/instances", "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/admin/instances"


@pytest.mark.parametrize("next_page", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "inbox"])
def test_signing_in_never_redirects_off_site(client, make_staff, csrf_token, staff_password, next_page):
    make_staff("custodian", "custodian")
    response = client.post("/login", data={"username": "custodian", "password": staff_password, "next": next_page,
                                           "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/inbox"


def test_failed_sign_in_says_the_same_for_unknown_user_wrong_password_and_inactive_account(
        client, make_staff, csrf_token, staff_password, caplog):
    make_staff("custodian", "custodian")
    make_staff("former", "custodian", active=False)
    caplog.set_level(logging.DEBUG)
    pages = []
    for username, password in (("nobody", staff_password), ("custodian", "wrong password"), ("former", staff_password)):
        response = client.post("/login", data={"username": username, "password": password,
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True).replace(f'value="{username}"', 'value="…"'))
        assert client.get("/inbox").status_code == 302    # still signed out
    assert "do not match an active staff account" in pages[0]
    assert pages[0] == pages[1] == pages[2]
    assert "wrong password" not in caplog.text and "nobody" not in caplog.text and staff_password not in caplog.text


def test_deactivated_account_is_signed_out_on_its_next_request(app, login_as, client):
    from web.models import StaffAccount, db
    login_as("custodian")
    assert client.get("/inbox").status_code == 200
    with app.app_context():
        db.session.execute(db.update(StaffAccount).values(active=False))
        db.session.commit()
    assert client.get("/inbox").status_code == 302


def test_signing_out_ends_the_session(login_as, client, post_form):
    login_as("custodian")
    response = post_form(client, "/logout")
    assert response.headers["Location"] == "/login"
    assert client.get("/inbox").status_code == 302


def test_clerk_cannot_open_administration(login_as, client, review_request, post_form):
    login_as("clerk", "city_clerk")
    for path in ("/admin", "/admin/instances", f"/admin/instances/{review_request.instance_id}", "/admin/users",
                 "/admin/users/new", "/admin/users/1", "/admin/settings", "/admin/settings/fees",
                 "/admin/settings/letters/acknowledgement"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "administrator role" in response.get_data(as_text=True)
    response = post_form(client, f"/admin/instances/{review_request.instance_id}/terminate", {"reason": "x"})
    assert response.status_code == 403
    assert client.get("/inbox").status_code == 200


def test_clerk_cannot_open_a_custodian_task(login_as, client, review_request):
    login_as("clerk")
    response = client.get(f"/inbox/tasks/{review_request.task_id}")
    assert response.status_code == 403
    assert "custodian role" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused_and_changes_nothing(login_as, client, review_request, process_engine):
    login_as("custodian")
    response = client.post(f"/inbox/tasks/{review_request.task_id}/complete", data={"approved": "true", "pages": "3"})
    assert response.status_code == 400
    assert "This form has expired or was not sent from a Clerkflow page" in response.get_data(as_text=True)
    assert process_engine.get_task(review_request.task_id).status == "open"


def test_post_with_another_sessions_token_is_refused(app, login_as, client, review_request, csrf_token):
    stolen = csrf_token(app.test_client())
    login_as("custodian")
    response = client.post(f"/inbox/tasks/{review_request.task_id}/claim", data={"csrf_token": stolen})
    assert response.status_code == 400


def test_sign_in_without_csrf_token_is_refused(client, make_staff, staff_password):
    make_staff("custodian", "custodian")
    response = client.post("/login", data={"username": "custodian", "password": staff_password})
    assert response.status_code == 400
    assert client.get("/inbox").status_code == 302


def test_session_cookie_is_http_only_and_same_site_lax(client, csrf_token):
    csrf_token(client)
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_modeler_routes_are_all_walked(app):
    """The modeler's pages and actions are among the routes the tests above walk signed out."""
    endpoints = {rule.endpoint for rule in closed_rules(app)}
    assert endpoints >= MODELER_PAGES | MODELER_ACTIONS
