"""Guessing staff passwords is slowed down, and nobody can use that to lock staff out (docs/operations.md, "Sign-in";
issue 14). Failures are counted for the username from one address, for the username from anywhere and from one
address: the guesser's own address is refused for that username until the window passes; guesses from addresses
the account has never signed in from wait longer and longer (window / limit, then doubling, at most the window);
an address
past its limit gets no more guesses at usernames it failed at. The right password from an address the account
signs in from, or for an account that did not fail, is not refused. Nothing typed is logged."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

START = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
OFFICE, ATTACKER, NEW_LAPTOP = "192.0.2.10", "203.0.113.66", "198.51.100.20"


@pytest.fixture
def strict(app):
    app.config.update(SIGN_IN_FAILURES_PER_ACCOUNT=3, SIGN_IN_FAILURES_PER_ADDRESS=5, SIGN_IN_WINDOW_MINUTES=15)
    return app


def sign_in(client, csrf_token, username, password, address=OFFICE):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(client)},
                       environ_base={"REMOTE_ADDR": address})


def signs_in(app, csrf_token, username, password, address=OFFICE) -> int:
    """The status of a sign-in from a fresh browser (302: signed in, 200: wrong password, 429: refused)."""
    return sign_in(app.test_client(), csrf_token, username, password, address).status_code


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

    time_machine.move_to(START + timedelta(minutes=14), tick=False)
    assert sign_in(client, csrf_token, "custodian", staff_password).status_code == 429
    time_machine.move_to(START + timedelta(minutes=16), tick=False)
    assert sign_in(client, csrf_token, "custodian", staff_password).status_code == 302


def test_failures_for_one_account_do_not_lock_out_another(strict, client, make_staff, csrf_token, staff_password,
                                                          time_machine):
    time_machine.move_to(START, tick=False)
    make_staff("custodian", "custodian")
    make_staff("clerk", "clerk")
    for _ in range(3):
        sign_in(client, csrf_token, "custodian", "guess")
    assert signs_in(strict, csrf_token, "clerk", staff_password, address="198.51.100.7") == 302
    assert signs_in(strict, csrf_token, "clerk", staff_password) == 302                 # the same address too


def test_thirty_failures_for_one_account_from_a_shared_address_do_not_block_another(
        app, make_staff, csrf_token, staff_password, time_machine):
    """The office's one address (a NAT, a proxy not trusted): the defaults, 10 per account and 30 per address."""
    time_machine.move_to(START, tick=False)
    make_staff("analyst", "analyst")
    make_staff("admin", "administrator")
    for _ in range(30):
        signs_in(app, csrf_token, "analyst", "guess")
    assert signs_in(app, csrf_token, "analyst", staff_password) == 429
    assert signs_in(app, csrf_token, "admin", staff_password) == 302


def test_an_address_past_its_limit_gets_no_second_guess_at_any_username(strict, make_staff, csrf_token,
                                                                        staff_password, time_machine):
    time_machine.move_to(START, tick=False)
    make_staff("clerk", "clerk")
    for number in range(5):
        assert signs_in(strict, csrf_token, f"guess{number}", "guess") == 200
    assert signs_in(strict, csrf_token, "guess0", "guess") == 429                     # tried here before: refused
    assert signs_in(strict, csrf_token, "clerk", "guess") == 200                      # one guess, counted
    assert signs_in(strict, csrf_token, "clerk", "guess") == 429
    assert signs_in(strict, csrf_token, "clerk", staff_password) == 429               # even the right password
    assert signs_in(strict, csrf_token, "clerk", staff_password, address=NEW_LAPTOP) == 302


def test_guessing_at_the_administrator_from_elsewhere_does_not_lock_them_out_at_their_desk(
        app, make_staff, csrf_token, staff_password, time_machine):
    time_machine.move_to(START, tick=False)
    make_staff("admin", "administrator")
    assert signs_in(app, csrf_token, "admin", staff_password, address=OFFICE) == 302   # their usual address
    time_machine.move_to(START + timedelta(days=3), tick=False)
    for _ in range(30):
        signs_in(app, csrf_token, "admin", "guess", address=ATTACKER)
    assert signs_in(app, csrf_token, "admin", staff_password, address=ATTACKER) == 429
    assert signs_in(app, csrf_token, "admin", staff_password, address=OFFICE) == 302
    assert signs_in(app, csrf_token, "admin", staff_password, address=NEW_LAPTOP) == 429   # never signed in from


def test_guessing_at_one_account_from_many_addresses_waits_longer_and_longer(
        strict, make_staff, csrf_token, staff_password, time_machine):
    time_machine.move_to(START, tick=False)
    make_staff("clerk", "clerk")
    botnet = (f"203.0.113.{number}" for number in range(1, 250))
    for _ in range(3):
        assert signs_in(strict, csrf_token, "clerk", "guess", next(botnet)) == 200
    assert signs_in(strict, csrf_token, "clerk", staff_password, next(botnet)) == 429   # refused unchecked
    now = START
    for wait in (5, 10, 15, 15):                      # 15 min / 3, doubling at each failure, at most the window
        now += timedelta(minutes=wait) - timedelta(seconds=1)
        time_machine.move_to(now, tick=False)
        assert signs_in(strict, csrf_token, "clerk", "guess", next(botnet)) == 429
        now += timedelta(seconds=1)
        time_machine.move_to(now, tick=False)
        assert signs_in(strict, csrf_token, "clerk", "guess", next(botnet)) == 200
    time_machine.move_to(now + timedelta(minutes=15), tick=False)     # never longer than the window
    assert signs_in(strict, csrf_token, "clerk", staff_password, next(botnet)) == 302


def test_a_guesser_spread_over_many_addresses_gets_few_guesses_an_hour(strict, make_staff, csrf_token, time_machine):
    """Trying every minute from a new address, the guesses checked in an hour stay near what the window allows
    (3 per 15 minutes here: 12 an hour), far from the 60 tried."""
    make_staff("clerk", "clerk")
    checked = 0
    for minute in range(60):
        time_machine.move_to(START + timedelta(minutes=minute), tick=False)
        checked += signs_in(strict, csrf_token, "clerk", "guess", f"203.0.113.{minute + 1}") == 200
    assert checked <= 12
    time_machine.move_to(START + timedelta(minutes=61), tick=False)
    assert signs_in(strict, csrf_token, "clerk", "guess", "203.0.113.99") == 429      # and still slowed an hour on


def test_a_refused_sign_in_says_how_long_to_wait(strict, client, make_staff, csrf_token, time_machine):
    time_machine.move_to(START, tick=False)
    make_staff("clerk", "clerk")
    for number in range(3):
        sign_in(client, csrf_token, "clerk", "guess", address=f"203.0.113.{number}")
    page = sign_in(client, csrf_token, "clerk", "guess", address=NEW_LAPTOP).get_data(as_text=True)
    assert "wait 5 minutes and try again" in page
