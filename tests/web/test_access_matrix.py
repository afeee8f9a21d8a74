"""Every route x every role (issue 14): who may use a route is read from its view (`@public`,
`@staff_only`, `@role_required` record it as `view.clerkflow_roles`, web/auth.py), plus the few views
that decide inside (NARROWED_INSIDE). Each role requests each route, pages with a session and the API
with a token: a role not allowed never gets a 2xx (403 for staff, the sign-in page or 401 for a
stranger), an allowed role never gets a 403 nor the sign-in page. A route with no rule fails, named."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from engine import Sender
from web.auth import ANY_STAFF
from web.current import process_engine

STRANGER = "stranger"
# The roles each account holds; a custodian of one office works only that office.
ROLE_ACCOUNTS = {
    STRANGER: (),
    "clerk": ("clerk",),
    "custodian_police": ("custodian:police",),
    "city_attorney": ("city_attorney",),
    "analyst": ("analyst",),
    "administrator": ("administrator",),
    "finance": ("finance",),
    "records_manager": ("records_manager",),
    "connector": ("connector",),     # a SpiffArena server's account (issue 19): the connector's routes
}
PUBLIC = "public"
SIGN_OUT = "auth.logout"         # its answer to an allowed role is the sign-in page, as it should be
MISSING = 2_000_000_000          # an id no row has: a 404 is as good a pass as a 200 for an allowed role


def _payments(roles: frozenset[str]) -> bool:
    from city.message_rules import PAYMENT_RECEIVED
    return process_engine().message_rules.refusal(PAYMENT_RECEIVED, Sender("someone", roles), None) is None


def _intake(roles: frozenset[str]) -> bool:
    from web.access import may_enter_requests
    return may_enter_requests(roles)


def _monitoring(roles: frozenset[str]) -> bool:
    from web.access import MONITORING_ROLES
    return bool(roles & MONITORING_ROLES)


def _deployers(roles: frozenset[str]) -> bool:
    from web.access import DEPLOYERS
    return bool(roles & set(DEPLOYERS))


# Views behind @staff_only whose own code narrows who may use them: (endpoint, method or None for all)
# to the same predicate the view asks (web.admin.views.monitoring, web.inbox.intake, web.inbox.payments,
# web.modeler.views.may_deploy).
NARROWED_INSIDE: dict[tuple[str, str | None], Callable[[frozenset[str]], bool]] = {
    ("admin.index", None): _monitoring, ("admin.instances", None): _monitoring,
    ("admin.instance", None): _monitoring, ("admin.processes", None): _monitoring,
    ("admin.process_version", None): _monitoring,
    ("inbox.intake", None): _intake, ("inbox.intake_received", None): _intake, ("inbox.handed_out", None): _intake,
    ("inbox.payment", None): _payments, ("inbox.record_payment", None): _payments,
    ("modeler.form", "POST"): _deployers,
}


def declared_rule(app, endpoint: str, method: str):
    """PUBLIC, ANY_STAFF, a frozenset of roles or a predicate on the roles; None when the route declares none."""
    for key in ((endpoint, method), (endpoint, None)):
        if key in NARROWED_INSIDE:
            return NARROWED_INSIDE[key]
    view = app.view_functions[endpoint]
    if endpoint == "static" or getattr(view, "clerkflow_public", False):
        return PUBLIC
    return getattr(view, "clerkflow_roles", None)


def is_allowed(rule, roles: frozenset[str]) -> bool:
    if rule == PUBLIC:
        return True
    if not roles:
        return False
    if rule == ANY_STAFF:
        return True
    if callable(rule):
        return rule(roles)
    return bool(roles & rule)


def routes(app):
    """(rule, method) for every route and method, signing out last."""
    found = [(rule, method) for rule in app.url_map.iter_rules()
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda pair: (pair[0].endpoint == "auth.logout", pair[0].endpoint, pair[1]))


def test_every_route_declares_who_may_use_it(app):
    undeclared = sorted({f"{rule.endpoint} {method} {rule.rule}" for rule, method in routes(app)
                         if declared_rule(app, rule.endpoint, method) is None})
    assert not undeclared, ("these routes have no access rule: decorate the view with @public, @staff_only or "
                            f"@role_required(...), or add it to NARROWED_INSIDE: {undeclared}")


def test_a_new_route_without_a_rule_is_named(app):
    app.add_url_rule("/inbox/forgotten", "inbox_forgotten", lambda: "open?")
    with pytest.raises(AssertionError, match="inbox_forgotten GET /inbox/forgotten"):
        test_every_route_declares_who_may_use_it(app)


@pytest.fixture
def rows(app, portal, review_request, failing_request, make_staff):
    """Ids of real rows (and the city's offices, letters and exemptions) for the path parameters; tasks, attachments and filters by an id no row has, since
    whether a staff member sees one task is the task's candidate role, not the route's (tests/web/test_access.py)."""
    from web.models import StaffAccount, db
    make_staff("target_of_admin_pages", "clerk")
    with app.app_context():
        target = db.session.scalar(db.select(StaffAccount.id).where(StaffAccount.username == "target_of_admin_pages"))
    [incident] = failing_request.incidents
    return {"task_id": MISSING, "instance_id": review_request.instance_id, "user_id": target,
            "incident_id": incident.incident_id, "attachment_id": MISSING,
            "filter_id": MISSING, "timer_id": MISSING, "number": 1, "action": "suspend",
            "process_key": "request_shaped", "version": 1, "process": "records_request",
            "file_name": "x.schema.json", "day": "2026-12-24", "effective_from": "2027-01-01",
            "office_key": "police", "designation_id": MISSING, "code": "45-221(a)(6)", "name": "acknowledgement",
            "table": "requests", "token": "no-such-token", "filename": "clerkflow.css",
            "slug": "no-such-data-set", "file_id": MISSING, "entry_id": MISSING, "field_name": "compliance_report_pdf",
            "operator_name": "calendar.business_deadline"}


def signed_in(app, client, csrf_token, staff_password, make_staff, account: str, roles: tuple[str, ...]):
    """Headers for the API and the CSRF token for pages, for a client signed in as `account` (none for a stranger)."""
    if not roles:
        return {}, csrf_token(client)
    from web.api import create_api_token
    from web.models import StaffAccount, db
    make_staff(account, *roles)
    response = client.post("/login", data={"username": account, "password": staff_password,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    with app.app_context():
        token = create_api_token(db.session.scalars(db.select(StaffAccount).filter_by(username=account)).one(), "matrix")
    return {"Authorization": f"Bearer {token}"}, csrf_token(client, "/inbox")


def _sent_to_sign_in(response, api: bool) -> bool:
    if api:
        return response.status_code == 401
    return response.status_code in (302, 303) and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("account", list(ROLE_ACCOUNTS))
def test_each_role_gets_exactly_the_routes_its_rule_allows(app, client, csrf_token, staff_password, make_staff,
                                                           rows, forms_copy, account):
    roles = frozenset(ROLE_ACCOUNTS[account])
    bearer, token = signed_in(app, client, csrf_token, staff_password, make_staff, account, ROLE_ACCOUNTS[account])
    wrong = []
    for rule, method in routes(app):
        declared = declared_rule(app, rule.endpoint, method)
        assert declared is not None, f"{rule.endpoint} has no access rule (test_every_route_declares_who_may_use_it)"
        api = rule.endpoint.startswith(("api.", "connector."))
        path = rule.build({name: rows[name] for name in rule.arguments}, append_unknown=False)[1]
        if method == "GET":
            response = client.open(path, method="GET", headers=bearer if api else {})
        elif api:
            response = client.open(path, method=method, headers=bearer if roles else {"X-CSRF-Token": token},
                                   json={})
        else:
            response = client.open(path, method=method, data={"csrf_token": token})
        response.close()
        status = response.status_code
        with app.app_context():
            allowed = is_allowed(declared, roles)
        if allowed:
            if status == 403 or (declared != PUBLIC and rule.endpoint != SIGN_OUT and _sent_to_sign_in(response, api)):
                wrong.append(f"{method} {path} ({rule.endpoint}): allowed, answered {status}")
        elif 200 <= status < 300:
            wrong.append(f"{method} {path} ({rule.endpoint}): not allowed, answered {status}")
        elif roles and status != 403:
            wrong.append(f"{method} {path} ({rule.endpoint}): not allowed, answered {status} instead of 403")
        elif not roles and not _sent_to_sign_in(response, api):
            wrong.append(f"{method} {path} ({rule.endpoint}): a stranger got {status}, not the sign-in page or 401")
    assert not wrong, "\n".join(wrong)
