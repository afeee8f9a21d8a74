"""Behind a reverse proxy (CLERKFLOW_TRUSTED_PROXIES): links and the portal's limit use what the proxy saw."""
from __future__ import annotations

import re
import pytest

from records_office import REQUEST, open_records_office
from web import ENGINE_EXTENSION, create_app
from web.models import db

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PROXY_HEADERS = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https",
                 "X-Forwarded-Host": "records.springfield.example"}


def portal_app(database_url, trusted_proxies: int):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test",
                      "TRUSTED_PROXIES": trusted_proxies, "PORTAL_SUBMISSIONS_PER_HOUR": 1})
    open_records_office(app.extensions[ENGINE_EXTENSION])
    return app


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CLERKFLOW_INSTANCE_DIR", str(tmp_path / "instance"))
    made = []

    def make(trusted_proxies: int):
        made.append(portal_app(database_url, trusted_proxies))
        return made[-1]
    yield make
    for app in made:
        app.extensions[ENGINE_EXTENSION].database.dispose()
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


def file_request(client, headers):
    token = CSRF_FIELD.search(client.get("/request", headers=headers).get_data(as_text=True)).group(1)
    return client.post("/request", data={**REQUEST, "csrf_token": token}, headers=headers)


def test_status_link_uses_the_public_address_the_proxy_was_asked_for(make_app):
    client = make_app(trusted_proxies=1).test_client()
    response = file_request(client, PROXY_HEADERS)
    page = client.get(response.headers["Location"], headers=PROXY_HEADERS).get_data(as_text=True)
    assert re.search(r'href="https://records\.springfield\.example/status/[A-Za-z0-9_-]+"', page)


def test_each_requester_behind_the_proxy_has_their_own_limit(make_app):
    app = make_app(trusted_proxies=1)
    assert file_request(app.test_client(), PROXY_HEADERS).status_code == 302
    assert file_request(app.test_client(), PROXY_HEADERS).status_code == 429
    neighbour = {**PROXY_HEADERS, "X-Forwarded-For": "203.0.113.9"}
    assert file_request(app.test_client(), neighbour).status_code == 302


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(make_app):
    app = make_app(trusted_proxies=0)
    assert file_request(app.test_client(), PROXY_HEADERS).status_code == 302
    forged = {**PROXY_HEADERS, "X-Forwarded-For": "203.0.113.9"}
    assert file_request(app.test_client(), forged).status_code == 429     # same real address: same limit
    page = app.test_client().get("/request", headers=forged).get_data(as_text=True)
    assert "records.springfield.example" not in page
