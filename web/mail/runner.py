"""One round of mail: dispatch what is owed, then send what is due (the scheduler's job, `clerkflow mail send`).

Runs inside an app context: it uses the app's session, engine and config.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from engine import clock
from web.mail.dispatch import Dispatched, dispatch
from web.mail.sending import Delivery, send_due
from web.mail.settings import mail_settings
from web.current import process_engine, work_roles
from web.models import db


@dataclass(frozen=True)
class MailRun:
    configured: bool
    dispatched: Dispatched
    delivery: Delivery


def run_mail(now: datetime | None = None) -> MailRun:

    now = now or clock.now()
    settings = mail_settings(current_app.config, db.session)
    dispatched = dispatch(db.session, settings, now, engine=process_engine(), work_roles=work_roles)
    delivery = send_due(db.session, settings, now)
    return MailRun(settings.configured, dispatched, delivery)
