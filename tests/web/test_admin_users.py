"""Staff accounts and roles (issue 5, "Sign-in and roles"): only administrators manage them, passwords
are argon2 hashes (old werkzeug hashes still sign in and are upgraded), deactivated accounts cannot
sign in, and the last active administrator cannot lock themself out."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from web.models import StaffAccount, db

NEW_PASSWORD = "treasurer ledger lantern"


@pytest.fixture
def admin_client(login_as):
    return login_as("administrator", username="admin")


@pytest.fixture
def account(app):
    def find(username: str) -> StaffAccount:
        with app.app_context():
            found = db.session.scalars(select(StaffAccount).where(StaffAccount.username == username)).one()
            db.session.expunge(found)
            return found
    return find


def sign_in(app, csrf_token, username: str, password: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    return client, response


def create(client, post_form, **fields):
    data = {"username": "tess", "display_name": "Tess Treasurer", "roles": ["custodian:city_treasurer"],
            "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD, **fields}
    return post_form(client, "/admin/users/new", data, token_from="/admin/users/new")


def test_only_administrators_reach_the_user_pages(login_as, client, make_staff, post_form, account):
    make_staff("someone", "clerk")
    login_as("clerk", "city_clerk")
    someone = account("someone")
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{someone.id}"):
        assert client.get(path).status_code == 403, path
    for path in ("/admin/users/new", f"/admin/users/{someone.id}", f"/admin/users/{someone.id}/password",
                 f"/admin/users/{someone.id}/deactivate"):
        response = post_form(client, path, {"display_name": "X", "roles": ["administrator"],
                                            "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
        assert response.status_code == 403, path
    assert account("someone").active and account("someone").role_set == {"clerk"}


def test_user_forms_need_the_csrf_token(admin_client, account):
    response = admin_client.post("/admin/users/new", data={"username": "tess", "display_name": "Tess",
                                                           "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 400
    with pytest.raises(Exception):
        account("tess")


def test_new_user_form_offers_every_role_and_each_offices_custodian(admin_client):
    page = admin_client.get("/admin/users/new").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    for role in ("clerk", "city_clerk", "custodian", "city_attorney", "records_manager", "it_open_data_coordinator",
                 "open_data_officer", "open_data_liaison", "finance", "administrator", "analyst",
                 "custodian:city_treasurer",
                 "custodian:police", "custodian:municipal_court"):
        assert f'value="{role}"' in page, role


def test_administrator_creates_a_treasurer_custodian_who_then_signs_in(app, admin_client, post_form, account,
                                                                      csrf_token):
    response = create(admin_client, post_form, username=" Tess ")
    assert response.status_code == 302
    tess = account("tess")
    assert tess.role_set == {"custodian:city_treasurer"}
    assert tess.display_name == "Tess Treasurer" and tess.active
    assert tess.password_hash.startswith("$argon2id$")
    assert "tess" in admin_client.get("/admin/users").get_data(as_text=True)

    client, response = sign_in(app, csrf_token, "tess", NEW_PASSWORD)
    assert response.status_code == 302
    assert client.get("/inbox").status_code == 200
    with app.test_request_context():
        from web.current import work_roles
        assert "custodian:city_treasurer" in work_roles(account("tess"))
    assert client.get("/admin/users").status_code == 403


def test_bad_input_is_explained_and_nothing_typed_is_lost(admin_client, post_form, make_staff, account):
    make_staff("taken", "clerk")
    response = create(admin_client, post_form, username="taken", display_name="Kept Name",
                      roles=["finance", "custodian:police"], password="short", password_confirm="short")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is already an account &#34;taken&#34;" in page
    assert "at least 12 characters" in page
    assert 'value="taken"' in page and 'value="Kept Name"' in page
    assert 'value="finance" checked' in page and 'value="custodian:police" checked' in page
    assert 'value="short"' not in page                                   # a password is never echoed back

    response = create(admin_client, post_form, password_confirm="something else entirely")
    assert "The two passwords differ" in response.get_data(as_text=True)
    response = create(admin_client, post_form, roles=["emperor"])
    assert "There is no role emperor" in response.get_data(as_text=True)
    response = create(admin_client, post_form, display_name="  ")
    assert "Enter the person" in response.get_data(as_text=True)
    assert account("taken").role_set == {"clerk"}


def test_administrator_edits_roles_and_resets_a_password(app, admin_client, post_form, make_staff, account,
                                                         csrf_token):
    make_staff("casey", "clerk")
    casey = account("casey")
    page = f"/admin/users/{casey.id}"
    response = post_form(admin_client, page, {"display_name": "Casey C. Clerk",
                                              "roles": ["clerk", "records_manager", "custodian:city_clerk"]},
                         token_from=page)
    assert response.status_code == 302
    assert account("casey").role_set == {"clerk", "records_manager", "custodian:city_clerk"}
    assert account("casey").display_name == "Casey C. Clerk"

    response = post_form(admin_client, f"{page}/password", {"password": "tiny", "password_confirm": "tiny"},
                         token_from=page)
    assert response.status_code == 400 and "at least 12 characters" in response.get_data(as_text=True)
    response = post_form(admin_client, f"{page}/password", {"password": NEW_PASSWORD,
                                                            "password_confirm": NEW_PASSWORD}, token_from=page)
    assert response.status_code == 302
    assert sign_in(app, csrf_token, "casey", NEW_PASSWORD)[1].status_code == 302


def test_deactivated_user_cannot_sign_in_until_reactivated(app, admin_client, post_form, make_staff, account,
                                                           csrf_token, staff_password):
    make_staff("casey", "clerk")
    casey_client, response = sign_in(app, csrf_token, "casey", staff_password)
    assert response.status_code == 302
    page = f"/admin/users/{account('casey').id}"
    assert post_form(admin_client, f"{page}/deactivate", token_from=page).status_code == 302
    assert not account("casey").active
    assert casey_client.get("/inbox").status_code == 302        # the open session ends too
    _, response = sign_in(app, csrf_token, "casey", staff_password)
    assert response.status_code == 200
    assert "do not match an active staff account" in response.get_data(as_text=True)

    assert post_form(admin_client, f"{page}/reactivate", token_from=page).status_code == 302
    assert sign_in(app, csrf_token, "casey", staff_password)[1].status_code == 302


def test_last_administrator_cannot_lock_themself_out(admin_client, post_form, make_staff, account):
    me = account("admin")
    page = f"/admin/users/{me.id}"
    response = post_form(admin_client, f"{page}/deactivate", token_from=page, follow_redirects=True)
    assert "There must always be an active administrator" in response.get_data(as_text=True)
    assert account("admin").active

    response = post_form(admin_client, page, {"display_name": "Admin", "roles": ["clerk"]}, token_from=page)
    assert response.status_code == 400
    assert "There must always be an active administrator" in response.get_data(as_text=True)
    assert account("admin").role_set == {"administrator"}

    make_staff("former_admin", "administrator", active=False)     # an inactive administrator does not count
    response = post_form(admin_client, f"{page}/deactivate", token_from=page, follow_redirects=True)
    assert account("admin").active

    make_staff("second_admin", "administrator")
    response = post_form(admin_client, page, {"display_name": "Admin", "roles": ["clerk"]}, token_from=page)
    assert response.status_code == 302
    assert account("admin").role_set == {"clerk"}


def test_werkzeug_hash_still_signs_in_and_is_rehashed_to_argon2(app, make_staff, account, csrf_token,
                                                                staff_password):
    make_staff("veteran", "clerk")                     # conftest stores a werkzeug pbkdf2 hash
    assert account("veteran").password_hash.startswith("pbkdf2:")
    _, response = sign_in(app, csrf_token, "veteran", "wrong password")
    assert response.status_code == 200
    assert account("veteran").password_hash.startswith("pbkdf2:")   # a failed sign-in changes nothing
    _, response = sign_in(app, csrf_token, "veteran", staff_password)
    assert response.status_code == 302
    assert account("veteran").password_hash.startswith("$argon2id$")
    assert sign_in(app, csrf_token, "veteran", staff_password)[1].status_code == 302
    assert sign_in(app, csrf_token, "veteran", "wrong password")[1].status_code == 200


def test_deactivated_account_keeps_its_old_hash(app, make_staff, account, csrf_token, staff_password):
    make_staff("former", "clerk", active=False)
    assert sign_in(app, csrf_token, "former", staff_password)[1].status_code == 200
    assert account("former").password_hash.startswith("pbkdf2:")


def test_administrator_gives_a_new_account_an_email_address_and_a_daily_list(admin_client, post_form, account):
    response = create(admin_client, post_form, email=" tess@city.example ", notify="digest")
    assert response.status_code == 302
    tess = account("tess")
    assert (tess.email, tess.notify) == ("tess@city.example", "digest")


def test_administrator_changes_a_staff_email_address_and_how_they_hear_of_tasks(admin_client, post_form,
                                                                               make_staff, account):
    make_staff("jo", "clerk")
    jo = account("jo")
    page = admin_client.get(f"/admin/users/{jo.id}").get_data(as_text=True)
    assert 'name="email"' in page and 'value="immediate" checked' in page      # immediately, until changed
    path = f"/admin/users/{jo.id}"
    response = post_form(admin_client, path, {"display_name": "Jo", "roles": ["clerk"], "email": "jo@city.example",
                                              "notify": "none"}, token_from=path)
    assert response.status_code == 302
    assert (account("jo").email, account("jo").notify) == ("jo@city.example", "none")
    response = post_form(admin_client, path, {"display_name": "Jo", "roles": ["clerk"], "email": ""}, token_from=path)
    assert response.status_code == 302 and account("jo").email is None


def test_an_email_address_that_cannot_be_written_to_is_explained(admin_client, post_form, make_staff, account):
    make_staff("jo", "clerk")
    path = f"/admin/users/{account('jo').id}"
    response = post_form(admin_client, path, {"display_name": "Jo", "roles": ["clerk"], "email": "jo@@city",
                                              "notify": "sometimes"}, token_from=path)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter an e-mail address like name@city.example" in text and 'value="jo@@city"' in text
    assert "Choose one of the ways to hear of new tasks" in text
    assert account("jo").email is None
