"""What the public pages that start a case by its start form share: the privacy complaint (web.portal.privacy) and
the report on a published data set (web.catalog.report).

The start form of the deployed process, drawn like a task's form; once the case is started, its private status link
(a `RequesterAccess` row, the link by mail to an address given, committed together); and the case behind a link.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlalchemy import select

from engine import InstanceView
from web.current import process_engine
from web.inbox.forms import FormField, fields_of
from web.mail import queue as queue_mail
from web.mail import valid_email_address
from web.models import db
from web.models_portal import RequesterAccess
from web.portal.filing import public_link, token_hash

# The cases started this way, by their tracking prefix: what a mail calls the case, and the page its link opens.
# Any other tracking number is a records request's (web.portal.views).
STATUS_PAGES = {"PC": ("data privacy complaint", "portal.privacy_status"),
                "DT": ("report on a published data set", "catalog.report_status")}
RECORDS_REQUEST_PAGE = ("records request", "portal.status")


@dataclass(frozen=True)
class StartForm:
    schema: dict[str, Any] | None       # None: the process is not deployed
    fields: list[FormField]


def deployed_start_form(process_key: str) -> StartForm:
    """The start form (and its UI schema) of the latest deployed version of `process_key`."""
    engine = process_engine()
    needs = engine.start_needs(process_key) if engine.versions(process_key) else None
    schema = engine.latest_form(process_key, needs.form_file) if needs and needs.form_file else None
    ui = engine.latest_form(process_key, needs.form_file.replace(".schema.json", ".ui.json")) if schema else None
    return StartForm(schema, fields_of(schema, ui) if schema else [])


def give_private_link(instance: InstanceView, token: str, email: str, receipt_mail: tuple[str, str],
                      status_endpoint: str) -> bool:
    """The case's private link, and it by mail when `email` is an address (`receipt_mail`: subject, body); committed.
    False when the case has its link already (the same form sent twice: the first sending gave it)."""
    if db.session.scalars(select(RequesterAccess).where(RequesterAccess.instance_id == instance.instance_id)).first():
        return False
    address = valid_email_address(email) or None
    access = RequesterAccess(tracking_number=instance.business_key, instance_id=instance.instance_id,
                             token_hash=token_hash(token), email=address)
    db.session.add(access)
    if address:       # the link by mail, committed with the access row (the outcome follows as a letter)
        subject, body = receipt_mail
        queue_mail(db.session, kind="status_link", dedupe_key=f"link:{instance.business_key}:{access.token_hash[:16]}",
                   recipient=address, subject=subject, body=body, instance_id=instance.instance_id, commit=False,
                   private_link=public_link(url_for(status_endpoint, token=token)))
    db.session.commit()
    return True


def case_behind(token: str, process_key: str) -> InstanceView | None:
    """The case of `process_key` a private link opens; None for any other link."""
    access = db.session.scalars(select(RequesterAccess).where(RequesterAccess.token_hash == token_hash(token))).first()
    instance = process_engine().get_instance(access.instance_id) if access else None
    return instance if instance is not None and instance.process_key == process_key else None


def status_page_of(tracking_number: str) -> tuple[str, str]:
    """(what the case is called, the endpoint of its status page) for a tracking number (PC-2026-00001)."""
    return STATUS_PAGES.get(tracking_number.split("-", 1)[0], RECORDS_REQUEST_PAGE)
