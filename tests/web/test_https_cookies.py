"""Served over HTTPS, the session cookie is Secure and answers carry Strict-Transport-Security (issue 14); HTTPS is
the request's own scheme or a trusted proxy's X-Forwarded-Proto. Plain HTTP on localhost (`make run`) gets neither,
and CLERKFLOW_SESSION_COOKIE_SECURE forces the cookie's flag either way."""
from __future__ import annotations

import pytest

from web import ENGINE_EXTENSION, create_app
from web.https import on_off_or_auto
from web.models import db

THROUGH_HTTPS_PROXY = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https",
                       "X-Forwarded-Host": "records.springfield.example"}
ONE_YEAR = 365 * 24 * 60 * 60


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CLERKFLOW_INSTANCE_DIR", str(tmp_path / "instance"))
    made = []

    def make(**settings):
        made.append(create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test", **settings}))
        return made[-1]
    yield make
    for app in made:
        app.extensions[ENGINE_EXTENSION].database.dispose()
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


def session_cookie(response) -> str:
    [cookie] = [header for header in response.headers.getlist("Set-Cookie") if header.startswith("session=")]
    return cookie


def is_secure(cookie: str) -> bool:
    return "secure" in [part.strip().lower() for part in cookie.split(";")]


def test_behind_a_trusted_https_proxy_the_cookie_is_secure_and_hsts_is_sent(make_app):
    client = make_app(TRUSTED_PROXIES=1).test_client()
    response = client.get("/login", headers=THROUGH_HTTPS_PROXY)
    assert is_secure(session_cookie(response))
    assert response.headers["Strict-Transport-Security"] == f"max-age={ONE_YEAR}"


def test_served_over_https_directly_the_cookie_is_secure(make_app):
    response = make_app().test_client().get("/login", base_url="https://localhost")
    assert is_secure(session_cookie(response))
    assert response.headers["Strict-Transport-Security"] == f"max-age={ONE_YEAR}"


def test_plain_http_on_localhost_keeps_a_cookie_it_can_send_back_and_no_hsts(client, csrf_token, make_staff,
                                                                             staff_password):
    response = client.get("/login")
    assert not is_secure(session_cookie(response))
    assert "Strict-Transport-Security" not in response.headers
    make_staff("clerk", "clerk")
    signed_in = client.post("/login", data={"username": "clerk", "password": staff_password,
                                            "csrf_token": csrf_token(client)})
    assert signed_in.status_code == 302 and not is_secure(session_cookie(signed_in))
    assert client.get("/inbox").status_code == 200


def test_a_forwarded_proto_from_an_untrusted_client_is_ignored(make_app):
    response = make_app(TRUSTED_PROXIES=0).test_client().get("/login", headers=THROUGH_HTTPS_PROXY)
    assert not is_secure(session_cookie(response))
    assert "Strict-Transport-Security" not in response.headers


def test_the_setting_forces_a_secure_cookie_over_plain_http(make_app, monkeypatch):
    monkeypatch.setenv("CLERKFLOW_SESSION_COOKIE_SECURE", "true")
    response = make_app().test_client().get("/login")
    assert is_secure(session_cookie(response))
    assert "Strict-Transport-Security" not in response.headers     # HSTS only ever on HTTPS answers


def test_the_setting_can_force_the_secure_flag_off(make_app):
    response = make_app(SESSION_COOKIE_SECURE=False).test_client().get("/login", base_url="https://localhost")
    assert not is_secure(session_cookie(response))


def test_hsts_can_cover_subdomains_or_be_turned_off(make_app):
    covering = make_app(HSTS_INCLUDE_SUBDOMAINS=True, HSTS_MAX_AGE=600).test_client()
    assert covering.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"] == \
        "max-age=600; includeSubDomains"
    off = make_app(HSTS_MAX_AGE=0).test_client()
    assert "Strict-Transport-Security" not in off.get("/login", base_url="https://localhost").headers


def test_the_setting_reads_on_off_and_auto():
    assert [on_off_or_auto(value) for value in (True, "on", "1", False, "off", "0", None, "", "auto")] == \
        [True, True, True, False, False, False, None, None, None]
    with pytest.raises(ValueError):
        on_off_or_auto("sometimes")
