""""My notifications": each member of staff chooses how they hear of new tasks (issue 5, "Letters and mail").

Immediately (one e-mail per new task in one of their roles), once a day (a list of their open
tasks at the digest hour), or never. The address itself is set by an administrator on the staff
account (docs/administration.md), so nobody can send another person's task notices elsewhere.
"""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from web.current import signed_in_staff
from web.auth import staff_only
from web.mail.settings import MailSettingsInvalid, mail_settings
from web.models import NOTIFY_CHOICES, db

bp = Blueprint("account", __name__, url_prefix="/account")
log = logging.getLogger(__name__)


@bp.route("/notifications", methods=["GET", "POST"])
@staff_only
def notifications():
    staff = signed_in_staff()
    error = None
    if request.method == "POST":
        chosen = request.form.get("notify", "")
        if chosen in {value for value, _label in NOTIFY_CHOICES}:
            staff.notify = chosen
            db.session.commit()
            log.info("staff account %s chose notifications: %s", staff.id, chosen)
            flash("Your notification preference is saved.", "info")
            return redirect(url_for(".notifications"))
        error = "Choose one of the three ways."
    return render_template("account/notifications.html", choices=NOTIFY_CHOICES, chosen=staff.notify,
                           error=error, mail_sent=_mail_is_sent()), 400 if error else 200


def _mail_is_sent() -> bool:
    try:
        return mail_settings(current_app.config, db.session).configured
    except MailSettingsInvalid:
        return False
