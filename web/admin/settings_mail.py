"""Settings: mail (docs/mail.md, "Setting the mail server"). The mail server in force is the environment's when
CLERKFLOW_SMTP_HOST is set (shown here read-only), else the one an administrator sets on this page: kept in
`mail_server`, the password only encrypted (web/mail/settings.py). Each save is a "mail_server" row in the settings
change log, in the same transaction, saying whether a password was set or cleared but never the password. The page
also counts the outbox like `clerkflow mail status` and sends a test mail to the signed-in administrator through
the server in force."""
from __future__ import annotations

import ipaddress
import logging
import re
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from engine import Conflict, clock
from city.change_log import record_change
from web.current import signed_in_staff
from web.admin.blueprint import bp
from web.admin.settings import actor
from web.auth import role_required
from web.mail.outbox import outbox_counts
from web.mail.sending import connect
from web.mail.settings import (DEFAULT_PORTS, SECURITY_CHOICES, MailSettings, MailSettingsInvalid, encrypt_password,
                               environment_sets_server, mail_settings, valid_sender)
from web.access import ADMINISTRATOR
from web.models import db
from web.models_mail import MAIL_SERVER_ROW, MailServer

log = logging.getLogger("clerkflow.mail")

MAIL_SERVER = "mail_server"          # the change log's kind (city.change_log.CHANGE_KINDS)
SERVER_FIELDS = ("host", "port", "security", "username", "sender", "public_base_url")
SECURITY_LABELS = {"starttls": "STARTTLS: plain connection made secure (usually port 587)",
                   "ssl": "SSL/TLS from the start (usually port 465)",
                   "none": "None: only for a server on the same machine (usually port 25)"}
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
_LINE_BREAK = re.compile(r"[\r\n\x00]")


def _settings() -> tuple[MailSettings | None, str | None]:
    try:
        return mail_settings(current_app.config, db.session), None
    except MailSettingsInvalid as invalid:
        return None, invalid.user_message


def server_facts(row: MailServer | None) -> dict[str, Any]:
    """What the change log keeps of the page's mail server: everything but the password, and whether one is kept."""
    if row is None:
        return {"host": "", "port": None, "security": "starttls", "username": "", "sender": "", "public_base_url": "",
                "has_password": False}
    return {"host": row.host, "port": row.port, "security": row.security, "username": row.username,
            "sender": row.sender, "public_base_url": row.public_base_url, "has_password": bool(row.password_encrypted)}


def _form_values(row: MailServer | None) -> dict[str, str]:
    facts = server_facts(row)
    return {name: "" if facts[name] is None else str(facts[name]) for name in SERVER_FIELDS}


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST.match(host))
    return True


def _valid_public_url(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc and not parts.query
            and not parts.fragment and not re.search(r"\s", url))


def _checked_port(values: dict[str, str], errors: dict[str, str]) -> int | None:
    """The port typed, or None for the security's usual port; a message in `errors["port"]` when it is not one."""
    typed = values["port"]
    if not typed:
        return None
    if typed.isdigit() and 1 <= int(typed) <= 65535:
        return int(typed)
    usual = f" (or leave it empty for {DEFAULT_PORTS[values['security']]})" if "security" not in errors else ""
    errors["port"] = f'"{typed}" is not a port; give a whole number from 1 to 65535{usual}.'
    return None


def _checked_server(values: dict[str, str], password: str, clear_password: bool, keeps_password: bool,
                    errors: dict[str, str]) -> int | None:
    """Check the form as typed, a message in `errors` at each field that is wrong; the port to store."""
    if values["security"] not in SECURITY_CHOICES:
        errors["security"] = "Choose how the connection is secured: STARTTLS, SSL/TLS or none."
    port = _checked_port(values, errors)
    if values["host"] and not _valid_host(values["host"]):
        errors["host"] = (f'"{values["host"]}" is not a server name; give a host name such as smtp.city.example or an '
                          "IP address, without smtp:// and with the port in its own field.")
    if len(values["username"]) > 200 or _LINE_BREAK.search(values["username"]):
        errors["username"] = "Give the username on one line, 200 characters or fewer."
    if _LINE_BREAK.search(password) or len(password) > 500:
        errors["password"] = "Give the password on one line, 500 characters or fewer."
    elif password and clear_password:
        errors["password"] = "Either type a new password or tick “Clear the stored password”, not both."
    elif (password or (keeps_password and not clear_password)) and not values["username"]:
        errors["username"] = ("Enter the username the password belongs to; a server that needs no sign-in needs "
                              "neither (tick “Clear the stored password”).")
    if values["host"] and not values["sender"]:
        errors["sender"] = 'Enter the address mail is sent from, e.g. "City Clerk <clerk@city.example>".'
    elif values["sender"] and (len(values["sender"]) > 400 or not valid_sender(values["sender"])):
        errors["sender"] = (f'"{values["sender"]}" is not an address mail can be sent from; write it like '
                            '"City Clerk <clerk@city.example>".')
    values["public_base_url"] = values["public_base_url"].rstrip("/")
    if values["public_base_url"] and (len(values["public_base_url"]) > 500
                                      or not _valid_public_url(values["public_base_url"])):
        errors["public_base_url"] = ("Give the site's public address starting with https://, e.g. "
                                     "https://records.city.example, or leave it empty.")
    return port


def _save_server(row: MailServer | None, values: dict[str, str], port: int | None, password: str,
                 clear_password: bool) -> bool:
    """Store the server and its change-log row in one transaction; False (nothing stored) when nothing changed."""
    before, action = server_facts(row), "added" if row is None else "changed"
    if row is None:
        row = MailServer(id=MAIL_SERVER_ROW)
        db.session.add(row)
    row.host, row.port, row.security, row.username, row.sender, row.public_base_url = (
        values["host"], port, values["security"], values["username"], values["sender"], values["public_base_url"])
    after = server_facts(row)
    if password:
        row.password_encrypted = encrypt_password(password, current_app.config["SECRET_KEY"])
        after.update(has_password=True, password="set")
    elif clear_password and row.password_encrypted:
        row.password_encrypted = None
        after.update(has_password=False, password="cleared")
    if after == before:
        db.session.rollback()
        return False
    now, who = clock.now(), actor()
    row.updated_at, row.updated_by = now, who
    record_change(db.session, at=now, actor=who, kind=MAIL_SERVER, subject_key=MAIL_SERVER, action=action,
                  before=before, after=after)
    try:
        db.session.commit()
    except IntegrityError:             # another administrator saved the first server at the same moment
        db.session.rollback()
        raise Conflict("Someone else saved the mail server at the same moment: look at what is set now, "
                       "then save again.") from None
    log.info("mail server set on the Settings page by staff account %s", signed_in_staff().id)
    return True


def _saved_row() -> MailServer | None:
    return db.session.get(MailServer, MAIL_SERVER_ROW)


@bp.route("/settings/mail", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def settings_mail():
    row = _saved_row()
    values, errors, status = _form_values(row), {}, 200
    from_environment = environment_sets_server(current_app.config)
    if request.method == "POST" and from_environment:
        flash("Nothing was saved: the mail server is set in the environment (CLERKFLOW_SMTP_HOST), which wins over "
              "this page. Remove the CLERKFLOW_SMTP_* variables and restart Clerkflow to set it here.", "error")
        status = 409
    elif request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in SERVER_FIELDS}
        password, clear_password = request.form.get("password", ""), request.form.get("clear_password") == "yes"
        port = _checked_server(values, password, clear_password, bool(row and row.password_encrypted), errors)
        if not errors:
            try:
                saved = _save_server(row, values, port, password, clear_password)
            except Conflict as conflict:
                flash(conflict.user_message, "error")
                return redirect(url_for(".settings_mail"))
            if not saved:
                flash("Nothing was changed.", "info")
            elif values["host"]:
                flash(f"The mail server is saved: mail goes out through {values['host']} from the next round "
                      "(within a minute).", "info")
            else:
                flash("The mail server is saved without a host: mail waits in the outbox until one is set.", "info")
            return redirect(url_for(".settings_mail"))
        flash("Nothing was saved: correct the fields marked below.", "error")
        status = 400
    settings, problem = _settings()
    return render_template("admin/settings/mail.html", settings=settings, problem=problem,
                           counts=outbox_counts(db.session), my_address=signed_in_staff().email,
                           from_environment=from_environment, row=row, values=values, errors=errors,
                           security_labels=SECURITY_LABELS), status


def _test_message(settings: MailSettings, recipient: str, username: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = settings.sender, recipient
    message["Subject"] = "Clerkflow test mail"
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=settings.sender_domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(f"This is a test mail from Clerkflow, sent by {username} from the Settings page "
                        f"through {settings.host}:{settings.port} ({settings.security}).\n")
    return message


@bp.post("/settings/mail/test")
@role_required(ADMINISTRATOR)
def send_test_mail():
    settings, problem = _settings()
    staff = signed_in_staff()
    if problem:
        flash(f"No test mail was sent: {problem}", "error")
    elif not settings.configured:
        flash("No test mail was sent: no mail server is set (on this page or in CLERKFLOW_SMTP_HOST); mail waits in "
              "the outbox.", "error")
    elif not staff.email:
        flash("No test mail was sent: your account has no e-mail address. Set one on your staff account first.",
              "error")
    else:
        try:
            connection = connect(settings)
            try:
                connection.send_message(_test_message(settings, staff.email, staff.username))
            finally:
                connection.quit()
        except (OSError, smtplib.SMTPException) as err:
            log.warning("test mail failed (%s)", type(err).__name__)
            unreadable = " The stored password can no longer be read: enter it again." \
                if settings.password_unreadable else ""
            flash(f"The test mail could not be sent ({type(err).__name__}: {err}). Check the mail server settings "
                  f"and that the server can be reached.{unreadable}", "error")
        else:
            log.info("test mail sent by staff account %s", staff.id)
            flash(f"A test mail is sent to {staff.email}.", "info")
    return redirect(url_for(".settings_mail"))
