"""Settings, mail server (docs/mail.md, "Setting the mail server"): an administrator sets the SMTP server on the
page and the mail goes out through it, to a real local server (aiosmtpd); the password is kept only encrypted and
is never shown or logged; CLERKFLOW_SMTP_HOST in the environment wins; a changed secret key asks for the password
again."""
from __future__ import annotations

import json

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select, text

import test_admin_settings as settings_pages
import test_mail as mail_tests
from city.models import CityDataChange
from test_admin_settings import text_of, words_of
from web.mail import run_mail
from web.mail.outbox import queue
from web.mail.settings import FROM_ENVIRONMENT, FROM_SETTINGS_PAGE, decrypt_password, mail_settings
from web.models import StaffAccount, db
from web.models_mail import MailServer

# The Settings pages' fixtures (the seeded city on a Monday morning, an administrator signed in, a POST with a
# token) and test_mail's real SMTP server (`mailbox` listening on `smtp_port`).
office, admin, post = settings_pages.office, settings_pages.admin, settings_pages.post
smtp_port, mailbox = mail_tests.smtp_port, mail_tests.mailbox
PAGE = "/admin/settings/mail"
PASSWORD = "Tr0ub4dor&3-mail"
SENDER = "City Clerk <clerk@city.example>"
STAFF_ADDRESS = "pat@city.example"


@pytest.fixture(autouse=True)
def no_server_in_the_environment(app):
    """Whatever the machine running the tests has set, these tests start with no CLERKFLOW_SMTP_HOST."""
    app.config.update(SMTP_HOST="", SMTP_PASSWORD="", SMTP_USERNAME="", PUBLIC_BASE_URL="")


def server_form(port: int, **changes) -> dict[str, str]:
    return {"host": "127.0.0.1", "port": str(port), "security": "none", "username": "", "password": "",
            "sender": SENDER, "public_base_url": "https://records.city.example", **changes}


def queue_a_mail(app, recipient: str = STAFF_ADDRESS) -> None:
    with app.app_context():
        queue(db.session, kind="task", dedupe_key=f"task:test:{recipient}", recipient=recipient,
              subject="A new task", body="Review request R-2026-0001.")


def send_round(app):
    with app.app_context():
        return run_mail()


def settings_in_force(app):
    with app.app_context():
        return mail_settings(app.config, db.session)


def mail_server_changes(app) -> list[CityDataChange]:
    with app.app_context():
        changes = db.session.scalars(select(CityDataChange).where(CityDataChange.kind == "mail_server")
                                     .order_by(CityDataChange.id)).all()
        db.session.expunge_all()
        return changes


class SigningIn:
    """aiosmtpd authenticator: accepts `username` with `password`, and keeps what each sign-in sent."""

    def __init__(self, username: str, password: str):
        self.expected = (username.encode(), password.encode())
        self.tried = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.tried.append((auth_data.login, auth_data.password))
        return AuthResult(success=(auth_data.login, auth_data.password) == self.expected)


@pytest.fixture
def signing_in_server(smtp_port):
    """test_mail's Mailbox behind a server that wants a sign-in (AUTH offered without TLS, as on a local relay)."""
    authenticator = SigningIn("clerkflow", PASSWORD)
    inbox = mail_tests.Mailbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    yield inbox, authenticator
    controller.stop()


# -- the page's server is the one mail goes through --------------------------------------------------

def test_a_server_saved_on_the_page_is_the_one_the_runner_sends_through(admin, post, app, mailbox, smtp_port):
    queue_a_mail(app)
    assert send_round(app).delivery.waiting == 1          # no server yet: the mail waits
    response = post(admin, PAGE, server_form(smtp_port))
    assert response.status_code == 302
    assert "mail goes out through 127.0.0.1" in text_of(admin.get(PAGE))
    outcome = send_round(app)
    assert outcome.configured and outcome.delivery.sent == 1
    [message] = mailbox.wait_for(1)
    assert message["To"] == STAFF_ADDRESS and message["From"] == SENDER
    settings = settings_in_force(app)
    assert settings.source == FROM_SETTINGS_PAGE and settings.public_base_url == "https://records.city.example"


def test_the_test_mail_goes_through_the_server_saved_on_the_page(admin, post, app, mailbox, smtp_port):
    with app.app_context():
        account = db.session.scalars(select(StaffAccount).where(StaffAccount.username == "admin")).one()
        account.email = "admin@city.example"
        db.session.commit()
    post(admin, PAGE, server_form(smtp_port))
    response = post(admin, f"{PAGE}/test", follow_redirects=True)
    assert "A test mail is sent to admin@city.example" in text_of(response)
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Clerkflow test mail"
    assert f"through 127.0.0.1:{smtp_port} (none)" in message.get_content()


# -- the password -------------------------------------------------------------------------------

def test_the_password_is_stored_encrypted_and_signs_in_at_the_server(admin, post, app, signing_in_server, smtp_port):
    inbox, authenticator = signing_in_server
    post(admin, PAGE, server_form(smtp_port, username="clerkflow", password=PASSWORD))
    with app.app_context():
        [stored] = db.session.execute(text("SELECT password_encrypted FROM mail_server")).scalars().all()
    assert PASSWORD not in stored and decrypt_password(stored, app.config["SECRET_KEY"]) == PASSWORD
    queue_a_mail(app)
    assert send_round(app).delivery.sent == 1
    assert authenticator.tried == [(b"clerkflow", PASSWORD.encode())] and len(inbox.wait_for(1)) == 1


def test_the_password_is_in_neither_the_page_nor_the_change_log(admin, post, app, smtp_port):
    post(admin, PAGE, server_form(smtp_port, username="clerkflow", password=PASSWORD))
    page = admin.get(PAGE)
    assert PASSWORD not in page.get_data(as_text=True)
    assert "clerkflow, password ••••••••" in words_of(page)
    assert "leave this empty to keep the current password" in words_of(page)
    [change] = mail_server_changes(app)
    assert PASSWORD not in json.dumps([change.before, change.after])
    log_page = admin.get("/admin/settings/changes?kind=mail_server")
    download = admin.get("/admin/settings/changes.csv?kind=mail_server")
    for shown in (log_page, download):
        assert PASSWORD not in shown.get_data(as_text=True)
    assert (f"Mail server: host “not set” → “127.0.0.1”; port “usual” → “{smtp_port}”; security “starttls” → "
            "“none”; username “not set” → “clerkflow”; sender “not set” → “City Clerk <clerk@city.example>”; links "
            "in mail “not set” → “https://records.city.example”; password set.") in text_of(log_page)


def test_an_empty_password_keeps_the_stored_one_and_the_box_clears_it(admin, post, app, smtp_port):
    post(admin, PAGE, server_form(smtp_port, username="clerkflow", password=PASSWORD))
    post(admin, PAGE, server_form(smtp_port, host="localhost", username="clerkflow"))
    assert settings_in_force(app).password == PASSWORD
    post(admin, PAGE, server_form(smtp_port, host="localhost", username="", clear_password="yes"))
    assert settings_in_force(app).password == ""
    added, kept, cleared = mail_server_changes(app)
    assert (added.action, kept.action, cleared.action) == ("added", "changed", "changed")
    assert kept.after["has_password"] and "password" not in kept.after
    assert cleared.after["password"] == "cleared"
    log_page = text_of(admin.get("/admin/settings/changes?kind=mail_server"))
    assert "Mail server: host “127.0.0.1” → “localhost”." in log_page
    assert "Mail server: username “clerkflow” → “not set”; password cleared." in log_page


def test_saving_the_server_unchanged_adds_nothing_to_the_change_log(admin, post, app, smtp_port):
    post(admin, PAGE, server_form(smtp_port))
    response = post(admin, PAGE, server_form(smtp_port), follow_redirects=True)
    assert "Nothing was changed." in text_of(response) and len(mail_server_changes(app)) == 1


def test_a_changed_secret_key_asks_for_the_password_again(admin, post, app, smtp_port, login_as):
    post(admin, PAGE, server_form(smtp_port, username="clerkflow", password=PASSWORD))
    app.config["SECRET_KEY"] = "a new secret key"
    settings = settings_in_force(app)
    assert settings.password == "" and settings.password_unreadable and settings.configured
    again = login_as("administrator", username="admin2")     # the old key's session cookie is void too
    page = again.get(PAGE)
    assert page.status_code == 200
    assert "The stored password can no longer be read: the secret key" in words_of(page)
    assert "has changed since it was saved. Enter the password again below" in words_of(page)
    assert "clerkflow, password (stored, cannot be read: enter it again)" in words_of(page)
    queue_a_mail(app, "nobody@city.example")
    outcome = send_round(app)                   # sending goes on without the password, never a traceback
    assert outcome.configured and outcome.delivery.retrying == 1
    post(again, PAGE, server_form(smtp_port, username="clerkflow", password=PASSWORD))
    assert not settings_in_force(app).password_unreadable and settings_in_force(app).password == PASSWORD


# -- the environment wins ---------------------------------------------------------------------------

def test_the_environment_wins_when_it_names_a_server(admin, post, app, mailbox, smtp_port):
    post(admin, PAGE, server_form(smtp_port, host="smtp.page.example", password=PASSWORD, username="page"))
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, SMTP_SECURITY="none", SMTP_FROM=SENDER)
    settings = settings_in_force(app)
    assert (settings.source, settings.host, settings.username, settings.password) == (
        FROM_ENVIRONMENT, "127.0.0.1", "", "")
    page = admin.get(PAGE)
    assert "The mail server is set in the environment" in words_of(page)
    assert "those settings are in force and are shown here read-only" in words_of(page)
    assert 'name="host"' not in page.get_data(as_text=True)        # shown read-only: no form
    refused = post(admin, PAGE, server_form(smtp_port, host="smtp.other.example"))
    assert refused.status_code == 409 and "Nothing was saved" in text_of(refused)
    with app.app_context():
        assert db.session.get(MailServer, 1).host == "smtp.page.example"
    queue_a_mail(app)
    assert send_round(app).delivery.sent == 1 and len(mailbox.wait_for(1)) == 1


# -- bad input, who may ------------------------------------------------------------------------------

def test_bad_input_is_shown_beside_each_field_with_everything_typed_kept(admin, post, app):
    typed = {"host": "smtp://mail.city.example", "port": "58x7", "security": "starttls", "username": "clerkflow",
             "password": PASSWORD, "sender": "the clerk", "public_base_url": "http://records.city.example"}
    response = post(admin, PAGE, typed)
    assert response.status_code == 400
    page = text_of(response)
    assert "Nothing was saved: correct the fields marked below." in page
    assert '"smtp://mail.city.example" is not a server name' in page
    assert '"58x7" is not a port; give a whole number from 1 to 65535 (or leave it empty for 587).' in page
    assert '"the clerk" is not an address mail can be sent from' in page
    assert "Give the site's public address starting with https://" in page
    body = response.get_data(as_text=True)
    for name in ("host", "port", "username", "sender", "public_base_url"):
        assert f'name="{name}" type="text" value="{typed[name]}"' in body, name
    assert PASSWORD not in body                       # a password is never sent back
    with app.app_context():
        assert db.session.get(MailServer, 1) is None
    assert mail_server_changes(app) == []


def test_a_server_without_a_sender_or_a_password_without_a_username_is_refused(admin, post, smtp_port):
    response = post(admin, PAGE, server_form(smtp_port, sender="", password=PASSWORD, security="tls"))
    page = text_of(response)
    assert response.status_code == 400
    assert 'Enter the address mail is sent from, e.g. "City Clerk <clerk@city.example>".' in page
    assert "Enter the username the password belongs to" in page
    assert "Choose how the connection is secured" in page


@pytest.mark.parametrize("roles", [("clerk", "city_clerk"), ("custodian",), ("analyst",)])
def test_only_administrators_see_or_set_the_mail_server(office, login_as, post_form, app, smtp_port, roles):
    client = login_as(*roles)
    assert client.get(PAGE).status_code == 403
    assert post_form(client, PAGE, server_form(smtp_port)).status_code == 403
    with app.app_context():
        assert db.session.get(MailServer, 1) is None


def test_a_post_without_the_csrf_token_is_refused(admin, app, smtp_port):
    response = admin.post(PAGE, data=server_form(smtp_port))
    assert response.status_code == 400 and "nothing was changed" in text_of(response)
    with app.app_context():
        assert db.session.get(MailServer, 1) is None


def test_status_links_mailed_from_the_portal_use_the_public_address_saved_on_the_page(
        admin, post, app, smtp_port, csrf_token):
    from records_office import REQUEST
    from web.models_mail import MailOutbox
    assert post(admin, PAGE, server_form(smtp_port, public_base_url="https://records.city.example")).status_code == 302
    public = app.test_client()
    filed = public.post("/request", data={**REQUEST, "email": "pat@example.org",
                                          "csrf_token": csrf_token(public, "/request")})
    assert filed.status_code == 302
    with app.app_context():
        links = [row.private_link for row in db.session.scalars(select(MailOutbox)) if row.private_link]
    assert links and all(link.startswith("https://records.city.example/status/") for link in links)


def test_two_first_saves_at_once_say_so_and_keep_the_one_saved(admin, post, app, smtp_port, monkeypatch):
    import web.admin.settings_mail as page
    assert post(admin, PAGE, server_form(smtp_port, host="first.city.example")).status_code == 302
    monkeypatch.setattr(page, "_saved_row", lambda: None)    # as if the other save had not landed when this one read
    answer = post(admin, PAGE, server_form(smtp_port, host="second.city.example"))
    assert answer.status_code == 302
    monkeypatch.undo()
    assert "Someone else saved the mail server at the same moment" in text_of(admin.get(PAGE))
    assert settings_in_force(app).host == "first.city.example"
