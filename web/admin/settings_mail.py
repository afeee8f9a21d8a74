"""Settings: mail. The SMTP settings come from the environment (CLERKFLOW_SMTP_*; docs/mail.md) by design, so
the password stays out of the database; this page shows them (password masked), counts the outbox like
`clerkflow mail status`, and sends a test mail to the signed-in administrator."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, flash, redirect, render_template, url_for

from engine import clock
from web import signed_in_staff
from web.admin import bp
from web.auth import role_required
from web.mail.outbox import outbox_counts
from web.mail.sending import connect
from web.mail.settings import MailSettings, MailSettingsInvalid
from web.models import ADMINISTRATOR, db

log = logging.getLogger("clerkflow.mail")


def _settings() -> tuple[MailSettings | None, str | None]:
    try:
        return MailSettings.from_config(current_app.config), None
    except MailSettingsInvalid as invalid:
        return None, invalid.user_message


@bp.get("/settings/mail")
@role_required(ADMINISTRATOR)
def settings_mail():
    settings, problem = _settings()
    return render_template("admin/settings/mail.html", settings=settings, problem=problem, counts=outbox_counts(db.session),
                           my_address=signed_in_staff().email)


@bp.post("/settings/mail/test")
@role_required(ADMINISTRATOR)
def send_test_mail():
    settings, problem = _settings()
    staff = signed_in_staff()
    if problem:
        flash(f"No test mail was sent: {problem}", "error")
    elif not settings.configured:
        flash("No test mail was sent: no mail server is set (CLERKFLOW_SMTP_HOST); mail waits in the outbox.",
              "error")
    elif not staff.email:
        flash("No test mail was sent: your account has no e-mail address. Set one on your staff account first.",
              "error")
    else:
        message = EmailMessage()
        now = clock.now()
        message["From"], message["To"] = settings.sender, staff.email
        message["Subject"] = "Clerkflow test mail"
        message["Date"] = format_datetime(now)
        message["Message-ID"] = make_msgid(domain=settings.sender_domain)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(f"This is a test mail from Clerkflow, sent by {staff.username} from the Settings page "
                            f"through {settings.host}:{settings.port} ({settings.security}).\n")
        try:
            connection = connect(settings)
            try:
                connection.send_message(message)
            finally:
                connection.quit()
        except (OSError, smtplib.SMTPException) as err:
            log.warning("test mail failed (%s)", type(err).__name__)
            flash(f"The test mail could not be sent ({type(err).__name__}: {err}). Check the CLERKFLOW_SMTP_* "
                  "settings and that the server can be reached.", "error")
        else:
            log.info("test mail sent by staff account %s", staff.id)
            flash(f"A test mail is sent to {staff.email}.", "info")
    return redirect(url_for(".settings_mail"))
