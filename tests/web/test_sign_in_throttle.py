"""Guessing staff passwords is slowed down (docs/operations.md, "Sign-in"): after too many failed
sign-ins for one username, or from one address, within the window, sign-in is refused with a 429
page (even with the right password) until the oldest failure leaves the window. Nothing typed is
logged, and other accounts can still sign in from elsewhere."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

START = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def strict(app):
    app.config.update(SIGN_IN_FAILURES_PER_ACCOUNT=3, SIGN_IN_FAILURES_PER_ADDRESS=5, SIGN_IN_WINDOW_MINUTES=15)
    return app


def sign_in(client, csrf_token, username, password, address="192.0.2.10"):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(client)},
                       environ_base={"REMOTE_ADDR": address})


def test_an_account_is_refused_after_too_many_failures_until_the_window_passes(
        strict, client, make_staff, csrf_token, staff_password, time_machine, caplog):
    time_machine.move_to(START, tick=False)
    make_staff("custodian", "custodian")
    caplog.set_level(logging.DEBUG)
    for _ in range(3):
        assert sign_in(client, csrf_token, "custodian", "guess").status_code == 200
    refused = sign_in(client, csrf_token, "custodian", staff_password)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302                     # the right password did not sign in
    assert "guess" not in caplog.text and "custodian" not in caplog.text

    time_machine.move_to(START + timedelta(minutes=16), tick=False)
    assert sign_in(client, csrf_token, "custodian", staff_password).status_code == 302


def test_failures_for_one_account_do_not_lock_out_another(strict, client, make_staff, csrf_token, staff_password,
                                                          time_machine):
    time_machine.move_to(START, tick=False)
    make_staff("custodian", "custodian")
    make_staff("clerk", "clerk")
    for _ in range(3):
        sign_in(client, csrf_token, "custodian", "guess")
    assert sign_in(client, csrf_token, "clerk", staff_password, address="198.51.100.7").status_code == 302


def test_one_address_trying_many_usernames_is_refused(strict, client, make_staff, csrf_token, staff_password,
                                                      time_machine):
    time_machine.move_to(START, tick=False)
    make_staff("clerk", "clerk")
    for number in range(5):
        assert sign_in(client, csrf_token, f"guess{number}", "guess").status_code == 200
    assert sign_in(client, csrf_token, "clerk", staff_password).status_code == 429
    assert sign_in(client, csrf_token, "clerk", staff_password, address="198.51.100.7").status_code == 302
