"""Settings, cash floats (003, Art. 6: "the city clerk is hereby authorized to provide ... sufficient cash to enable
the making of change"): the float each office holds, every float it held, issuing and taking back, an amount in
dollars and cents above zero, every change in the change log; administrators and the City Clerk only."""
from __future__ import annotations

from decimal import Decimal

import pytest

import test_admin_settings as settings_pages
from city.citydata import list_cash_floats
from test_admin_settings import changes, text_of, words_of

# The Settings pages' fixtures: the seeded city on a Monday morning, an administrator signed in, a POST with a token.
office, admin, post = settings_pages.office, settings_pages.admin, settings_pages.post
PAGE = "/admin/settings/cash-floats"


def floats(engine, office_key="police"):
    with engine.database.read() as session:
        return [(row.amount, row.issued_by, row.returned_at is None)
                for row in list_cash_floats(session, office_key, in_force_only=False)]


def test_issuing_a_float_replaces_the_one_in_force_and_keeps_it_in_history(admin, post, office):
    assert post(admin, PAGE, {"office_key": "police", "amount": "50"}).status_code == 302
    response = post(admin, PAGE, {"office_key": "police", "amount": "$75.50"}, follow_redirects=True)
    assert "The Police Department now holds a cash float of $75.50; the $50.00 float it held is returned." \
        in text_of(response)
    assert floats(office) == [(Decimal("50.00"), "admin", False), (Decimal("75.50"), "admin", True)]
    page = words_of(response)
    assert "Police Department $75.50 Nov 23, 2026, 9:00 AM CST by admin Take back" in page   # in force (Monday 09:00)
    assert "Police Department $50.00 Nov 23, 2026, 9:00 AM CST by admin Nov 23, 2026, 9:00 AM CST by admin" in page  # history
    assert [(actor, subject, action) for actor, subject, action, _, _ in changes(office, "cash_float")] == [
        ("admin", "police", "changed"), ("admin", "police", "added")]


def test_taking_a_float_back_leaves_the_office_without_one_and_is_logged(admin, post, office):
    post(admin, PAGE, {"office_key": "fire", "amount": "20.00"})
    response = post(admin, f"{PAGE}/fire/return", follow_redirects=True)
    assert "The float is taken back" in text_of(response)
    assert floats(office, "fire")[0][2] is False
    assert "Fire Department none" in words_of(response)
    again = post(admin, f"{PAGE}/fire/return", follow_redirects=True)
    assert 'Office "fire" holds no cash float to return.' in text_of(again)
    assert [action for _, _, action, _, _ in changes(office, "cash_float")] == ["returned", "added"]


@pytest.mark.parametrize("typed, message", [
    ("", "Enter an amount in dollars and cents, e.g. 50.00."),
    ("fifty", '"fifty" is not an amount; write dollars and cents, e.g. 50.00.'),
    ("1e3", '"1e3" is not an amount'),
    ("0", "The amount must be more than zero, not 0."),
    ("-5.00", "The amount must be more than zero, not -5.00."),
    ("50.005", '"50.005" has more than two decimals: give dollars and cents, e.g. 50.25.'),
    ("1,000.00", 'Write "1,000.00" without commas, e.g. 1250.00.'),
    ("100000000", "100000000 is more than the largest amount kept (99999999.99)"),
])
def test_a_float_is_dollars_and_cents_above_zero_or_nothing_is_issued(admin, post, office, typed, message):
    response = post(admin, PAGE, {"office_key": "police", "amount": typed})
    page = text_of(response)
    assert response.status_code == 400
    assert message in page and "No float was issued" in page
    assert f'value="{typed}"' in page and '<option value="police" selected>' in page
    assert floats(office) == [] and changes(office, "cash_float") == []


def test_an_inactive_office_is_not_offered_and_is_refused(admin, post, office):
    post(admin, "/admin/settings/offices/fire", settings_pages.hours_form(name="Fire Department",
                                                                          official_custodian="Fire Chief", active=""))
    assert '<option value="fire"' not in admin.get(PAGE).get_data(as_text=True)
    response = post(admin, PAGE, {"office_key": "fire", "amount": "10.00"})
    assert response.status_code == 400 and "Choose one of the active offices." in text_of(response)


def test_the_city_clerk_issues_floats_without_the_rest_of_settings(office, login_as, client, post_form):
    login_as("city_clerk", username="carla")
    page = client.get(PAGE)
    assert page.status_code == 200 and 'href="/admin/settings"' not in page.get_data(as_text=True)
    assert post_form(client, PAGE, {"office_key": "city_clerk", "amount": "100.00"}, token_from=PAGE).status_code == 302
    assert floats(office, "city_clerk") == [(Decimal("100.00"), "carla", True)]
    assert client.get("/admin/settings").status_code == 403


@pytest.mark.parametrize("roles", [("clerk",), ("custodian",), ("finance",)])
def test_other_staff_get_403_and_change_nothing(office, login_as, client, post_form, roles):
    login_as(*roles)
    assert client.get(PAGE).status_code == 403
    assert post_form(client, PAGE, {"office_key": "police", "amount": "50.00"}).status_code == 403
    assert post_form(client, f"{PAGE}/police/return").status_code == 403
    assert floats(office) == []


def test_signed_out_is_sent_to_sign_in_and_a_post_needs_the_token(app, admin, office):
    assert app.test_client().get(PAGE).headers["Location"].startswith("/login")
    response = admin.post(PAGE, data={"office_key": "police", "amount": "50.00"})
    assert response.status_code == 400 and floats(office) == []


def test_the_settings_index_links_the_cash_floats(admin):
    assert f'href="{PAGE}"' in admin.get("/admin/settings").get_data(as_text=True)

