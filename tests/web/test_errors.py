"""Failures a person sees: plain-words pages, and for the unexpected a reference id, never a traceback."""
from __future__ import annotations

import logging
import re


def test_unexpected_error_shows_a_reference_id_and_logs_the_traceback_under_it(login_as, client, process_engine,
                                                                             monkeypatch, caplog):
    login_as("custodian")

    def broken(**_options):
        raise RuntimeError("connection string postgres://secret@db")
    monkeypatch.setattr(process_engine, "list_tasks", broken)

    response = client.get("/inbox")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    reference = re.search(r'<code class="reference">([0-9a-f]{12})</code>', page).group(1)
    assert "Traceback" not in page and "RuntimeError" not in page and "secret" not in page
    [record] = [each for each in caplog.records if reference in each.getMessage()]
    assert record.levelno == logging.ERROR and record.exc_info[0] is RuntimeError


def test_unexpected_error_as_json_carries_the_reference_too(login_as, client, process_engine, monkeypatch):
    login_as("custodian")
    monkeypatch.setattr(process_engine, "list_tasks", lambda **_options: 1 / 0)
    response = client.get("/inbox", headers={"Accept": "application/json"})
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"] == "internal_error" and re.fullmatch(r"[0-9a-f]{12}", body["reference"])
    assert "ZeroDivisionError" not in response.get_data(as_text=True)


def test_unknown_page_is_a_plain_404_for_signed_in_staff(login_as, client):
    login_as("custodian")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no such page" in response.get_data(as_text=True)


def test_pages_forbid_framing_and_are_not_cached_once_signed_in(login_as, client):
    login_as("custodian")
    response = client.get("/inbox")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
