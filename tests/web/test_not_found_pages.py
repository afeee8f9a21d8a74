"""A public address that does not exist is a 404 page, not the staff sign-in (issue 13): an unknown
address gets the 404 page for anyone, signed in or not, while a real staff page still sends a stranger
to sign in."""
from __future__ import annotations

import pytest

UNKNOWN = ["/no/such/page", "/requests", "/status", "/request/recieved", "/inbox/no/such/page",
           "/admin/settings/nothing-here"]


@pytest.mark.parametrize("path", UNKNOWN)
def test_an_unknown_address_is_a_404_page_for_a_stranger(client, path):
    response = client.get(path)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "There is no such page" in page and "start again from the home page" in page
    assert "your inbox" not in page and 'name="password"' not in page
    assert 'href="/">Go to the home page</a>' in page


@pytest.mark.parametrize("path", UNKNOWN)
def test_an_unknown_address_is_a_404_page_for_staff(login_as, client, path):
    login_as("clerk")
    response = client.get(path)
    assert response.status_code == 404
    assert "go back to your inbox" in response.get_data(as_text=True)


def test_an_unknown_address_asked_as_json_is_a_404_in_json(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"


def test_a_post_to_an_unknown_address_is_a_404_too(client, csrf_token):
    token = csrf_token(client)          # the sign-in page hands a stranger a token
    assert client.post("/no/such/page", data={"x": "1", "csrf_token": token}).status_code == 404


@pytest.mark.parametrize("path", ["/inbox", "/admin/settings", "/modeler", "/modeler/records_request/1",
                                  "/inbox/tasks/12345"])
def test_a_real_staff_page_still_sends_a_stranger_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_a_staff_page_with_a_wrong_method_does_not_tell_a_stranger_more_than_sign_in(client):
    response = client.get("/logout")        # a POST-only page: not a 404, and nothing but the sign-in
    assert response.status_code in (302, 405)
    assert response.status_code != 404


def test_the_public_pages_still_open_for_a_stranger(client):
    assert client.get("/status/lost").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)


def test_the_api_still_answers_a_stranger_401_at_any_address(client):
    # The API has no public pages: tests/web/test_api.py keeps a stranger's unknown /api address a 401.
    assert client.get("/api/no/such/thing").status_code == 401
