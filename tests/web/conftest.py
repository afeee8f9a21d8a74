"""Fixtures for the HTTP tests: an app on a fresh, migrated SQLite file, staff who sign in, and
the request-shaped test process with one instance waiting at "Review request"."""
from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from web import ENGINE_EXTENSION, create_app
from web.models import StaffAccount, db

REPO = Path(__file__).parents[2]
DIAGRAMS = Path(__file__).parents[1] / "engine" / "diagrams"
# The test requests are received on Friday 20 November 2026, 9:00 in the city; their three business days
# to respond run to the end of Wednesday the 25th. Tests work them on the Monday between, on a clock of
# their own, so that a page reads the same whatever day the suite runs.
RECEIVED_AT = "2026-11-20T15:00:00+00:00"
DURING_REVIEW = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)      # Monday 10:00 in the city
BUSINESS_KEY = "R-2026-0142"
PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CLERKFLOW_INSTANCE_DIR", str(tmp_path / "instance"))
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test"})
    yield app
    app.extensions[ENGINE_EXTENSION].database.dispose()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def forms_copy(app, tmp_path):
    """The forms editor writes into a copy of forms/, never into the repository's."""
    copy = tmp_path / "forms"
    shutil.copytree(REPO / "forms", copy)
    app.config["FORMS_DIR"] = str(copy)
    return copy


@pytest.fixture
def portal(process_engine):
    """The city's data seeded and the records request process deployed with its forms."""
    from records_office import open_records_office
    return open_records_office(process_engine)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def process_engine(app):
    return app.extensions[ENGINE_EXTENSION]


@pytest.fixture
def csrf_token():
    """The CSRF token a page hands its forms (the sign-in page when no path is given)."""
    def fetch(client, path: str = "/login") -> str:
        page = client.get(path)
        found = CSRF_FIELD.search(page.get_data(as_text=True))
        assert found, f"no CSRF token on {path} (status {page.status_code})"
        return found.group(1)
    return fetch


@pytest.fixture
def make_staff(app):
    def make(username: str, *roles: str, active: bool = True) -> str:
        with app.app_context():
            account = StaffAccount(username=username, display_name=username.title(), active=active)
            account.set_roles(roles)
            # A cheap hash keeps the tests fast; signing in checks it like any other (scrypt is the default).
            account.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
            db.session.add(account)
            db.session.commit()
        return username
    return make


@pytest.fixture
def login_as(client, make_staff, csrf_token):
    """Sign `client` in as a new account holding `roles` (named after the first role)."""
    def sign_in(*roles: str, username: str | None = None):
        username = username or roles[0]
        make_staff(username, *roles)
        response = client.post("/login", data={"username": username, "password": PASSWORD,
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client
    return sign_in


@pytest.fixture
def post_form(csrf_token):
    """POST `data` to `path` with the token from the page at `token_from` (the inbox by default)."""
    def post(client, path: str, data: dict | None = None, *, token_from: str = "/inbox", **options):
        return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, token_from)}, **options)
    return post


@pytest.fixture
def deployed(process_engine):
    return process_engine.deploy_file(DIAGRAMS / "request_shaped.bpmn", DIAGRAMS / "forms", actor="tests")

@pytest.fixture
def review_week(time_machine):
    """The clock on the Monday after the test requests came in, before their deadline, and running."""
    time_machine.move_to(DURING_REVIEW)
    return time_machine


@pytest.fixture
def failing_request(process_engine, deployed, review_week):
    """An instance stopped by an incident: its received_at cannot be read as a date."""
    instance = process_engine.start_instance("request_shaped", {"received_at": "last Tuesday"}, actor="tests",
                                             business_key="R-2026-0143")
    assert instance.status == "incident"
    return instance


@pytest.fixture
def review_request(process_engine, deployed, review_week):
    """The open "Review request" task (candidate role custodian) of a freshly started request."""
    instance = process_engine.start_instance("request_shaped", {"received_at": RECEIVED_AT}, actor="tests",
                                             business_key=BUSINESS_KEY)
    [task] = instance.open_tasks
    assert task.bpmn_id == "review_request"
    return task


@pytest.fixture
def staff_password():
    """The password `make_staff` gives every account."""
    return PASSWORD
