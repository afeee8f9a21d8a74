"""A session ends when its account says so (issue 14): sign-out, a new password (set by an administrator or by the
administrator themself) and deactivation end every session of that account at once, a copied session cookie
included. Other accounts' sessions go on."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from web.models import StaffAccount, db

NEW_PASSWORD = "a different horse battery"


@pytest.fixture
def browser(app, make_staff, csrf_token, staff_password):
    """A new browser signed in as `username` (an account made with `roles` when it does not exist yet)."""
    def open_signed_in(username: str, *roles: str, password: str | None = None):
        if roles:
            make_staff(username, *roles)
        browser = app.test_client()
        response = browser.post("/login", data={"username": username, "password": password or staff_password,
                                                "csrf_token": csrf_token(browser)})
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser
    return open_signed_in


def copy_of(app, browser):
    """Another browser holding the same session cookie (as someone who copied it would)."""
    thief = app.test_client()
    thief.set_cookie("session", browser.get_cookie("session").value)
    assert thief.get("/inbox").status_code == 200
    return thief


def account_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalars(select(StaffAccount.id).where(StaffAccount.username == username)).one()


def is_signed_in(browser) -> bool:
    return browser.get("/inbox").status_code == 200


def test_signing_out_ends_a_copied_session_too(app, browser, csrf_token):
    clerk = browser("clerk", "clerk")
    thief = copy_of(app, clerk)
    assert clerk.post("/logout", data={"csrf_token": csrf_token(clerk, "/inbox")}).status_code == 302
    assert not is_signed_in(clerk)
    assert not is_signed_in(thief)
    assert thief.get("/inbox").headers["Location"].startswith("/login")


def test_signing_out_ends_the_accounts_other_sessions_but_no_one_elses(app, browser, csrf_token):
    at_the_desk = browser("clerk", "clerk")
    at_home = browser("clerk")
    colleague = browser("custodian", "custodian")
    at_the_desk.post("/logout", data={"csrf_token": csrf_token(at_the_desk, "/inbox")})
    assert not is_signed_in(at_home)
    assert is_signed_in(colleague)
    assert is_signed_in(browser("clerk"))                     # signing in again works


def test_a_new_password_set_by_an_administrator_ends_the_accounts_sessions(app, browser, csrf_token):
    clerk = browser("clerk", "clerk")
    thief = copy_of(app, clerk)
    colleague = browser("custodian", "custodian")
    admin = browser("admin", "administrator")
    user_id = account_id(app, "clerk")
    response = admin.post(f"/admin/users/{user_id}/password",
                          data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD,
                                "csrf_token": csrf_token(admin, f"/admin/users/{user_id}")})
    assert response.status_code == 302
    assert not is_signed_in(clerk) and not is_signed_in(thief)
    assert is_signed_in(colleague) and is_signed_in(admin)
    assert is_signed_in(browser("clerk", password=NEW_PASSWORD))


def test_an_administrator_setting_their_own_password_stays_signed_in_only_where_they_did_it(app, browser, csrf_token):
    admin = browser("admin", "administrator")
    thief = copy_of(app, admin)
    elsewhere = browser("admin")
    user_id = account_id(app, "admin")
    response = admin.post(f"/admin/users/{user_id}/password",
                          data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD,
                                "csrf_token": csrf_token(admin, f"/admin/users/{user_id}")})
    assert response.status_code == 302
    assert is_signed_in(admin)
    assert not is_signed_in(thief) and not is_signed_in(elsewhere)


def test_deactivation_ends_the_accounts_sessions_for_good(app, browser, csrf_token):
    clerk = browser("clerk", "clerk")
    thief = copy_of(app, clerk)
    admin = browser("admin", "administrator")
    user_id = account_id(app, "clerk")
    page = f"/admin/users/{user_id}"
    assert admin.post(f"{page}/deactivate", data={"csrf_token": csrf_token(admin, page)}).status_code == 302
    assert not is_signed_in(thief)
    assert admin.post(f"{page}/reactivate", data={"csrf_token": csrf_token(admin, page)}).status_code == 302
    assert not is_signed_in(thief)                            # reactivating does not bring the old cookie back
    assert not is_signed_in(clerk)
    assert is_signed_in(admin)
    assert is_signed_in(browser("clerk"))


def test_a_session_signed_in_before_the_upgrade_signs_in_again(app, browser):
    """A cookie without a session number (made before sessions had one) is not honoured."""
    clerk = browser("clerk", "clerk")
    with clerk.session_transaction() as session:
        del session["staff_session_epoch"]
    assert not is_signed_in(clerk)
