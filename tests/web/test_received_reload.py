"""The confirmation survives a reload (issue 13): after filing, /request/received shows the tracking number
and the private status link again in the same browser for a while (a requester without e-mail has no other
copy), and never in another browser, after the time, in an address, a log line or a referrer."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from records_office import REQUEST, STATUS_LINK, TRACKING


@pytest.fixture
def file_request(client, csrf_token, portal):
    def send(data=None):
        token = csrf_token(client, "/request")
        response = client.post("/request", data={**REQUEST, **(data or {}), "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        assert "/status/" not in response.headers["Location"]      # the link is never in an address
        return response.headers["Location"]
    return send


def test_a_reload_shows_the_tracking_number_and_private_link_again(client, file_request):
    confirmation = file_request()
    first = client.get(confirmation).get_data(as_text=True)
    tracking_number, status_path = TRACKING.search(first).group(0), STATUS_LINK.search(first).group(1)
    for _reload in range(3):
        again = client.get(confirmation)
        assert again.status_code == 200
        page = again.get_data(as_text=True)
        assert tracking_number in page and status_path in page
    assert client.get(status_path).status_code == 200          # and the link still works


def test_the_confirmation_page_is_private(client, file_request):
    response = client.get(file_request())
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_another_browser_does_not_see_the_confirmation(client, app, file_request):
    confirmation = file_request()
    stranger = app.test_client()
    assert stranger.get(confirmation).headers["Location"] == "/"


def test_after_an_hour_the_confirmation_is_no_longer_shown(client, file_request, time_machine):
    time_machine.move_to("2026-11-23T16:00:00+00:00", tick=False)
    confirmation = file_request()
    time_machine.shift(timedelta(minutes=59))
    assert client.get(confirmation).status_code == 200
    time_machine.shift(timedelta(minutes=2))
    assert client.get(confirmation).headers["Location"] == "/"
    time_machine.shift(timedelta(minutes=-30))                 # gone for good, even if the clock goes back
    assert client.get(confirmation).headers["Location"] == "/"


def test_the_time_is_a_setting(client, app, file_request, time_machine):
    app.config["PORTAL_RECEIPT_MINUTES"] = 5
    time_machine.move_to("2026-11-23T16:00:00+00:00", tick=False)
    confirmation = file_request()
    assert "for 5 minutes" in " ".join(client.get(confirmation).get_data(as_text=True).split())
    time_machine.shift(timedelta(minutes=6))
    assert client.get(confirmation).headers["Location"] == "/"


def test_a_second_request_replaces_the_first(client, file_request):
    first = client.get(file_request()).get_data(as_text=True)
    second = client.get(file_request({"records_description": "Council minutes of February 2026"}))
    page = second.get_data(as_text=True)
    assert TRACKING.search(page).group(0) != TRACKING.search(first).group(0)
    assert STATUS_LINK.search(page).group(1) != STATUS_LINK.search(first).group(1)


def test_the_link_is_not_logged(client, file_request, caplog):
    caplog.set_level(logging.DEBUG)
    page = client.get(file_request()).get_data(as_text=True)
    client.get("/request/received")
    token = STATUS_LINK.search(page).group(1).removeprefix("/status/")
    assert all(token not in record.getMessage() for record in caplog.records)
