"""The rules a privacy decision may cite, as city data: their appeal time limits and fines (000, Penalties).

"Monetary fines: not specified on the cited page"; "specific appeal periods are not specified on the cited
page and must be confirmed in the controlling ordinance or rule". An administrator enters each rule as the
city publishes it; a figure left empty stays empty ("not set") and no default stands in for it. Every change
goes to the change log (kind "privacy_rule") with who, when, before and after, like the rest of the city data.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from city.change_log import record_change
from city.models import PrivacyRule as PrivacyRuleRow
from city.rules.fees import cents, in_cents
from city.rules.privacy import OFFENCES, PrivacyRule
from engine import clock
from engine.errors import ClerkflowError

APPEAL_LIMIT_MAX_DAYS = 3650


class PrivacyRuleRefused(ClerkflowError):
    """A privacy rule cannot be entered as asked; the message says what to fix."""

    status = 422


def load_privacy_rules(session: Session) -> dict[str, PrivacyRule]:
    """The active rules by reference, as `city.rules.privacy` takes them (no rows: none; nothing is invented)."""
    return {row.rule_ref: to_privacy_rule(row)
            for row in session.scalars(select(PrivacyRuleRow).where(PrivacyRuleRow.active)
                                       .order_by(PrivacyRuleRow.rule_ref))}


def to_privacy_rule(row: PrivacyRuleRow) -> PrivacyRule:
    return PrivacyRule(row.rule_ref, row.title, row.appeal_limit_days,
                       {offence: getattr(row, f"fine_{offence}") for offence in OFFENCES})


def list_privacy_rules(session: Session) -> list[PrivacyRuleRow]:
    return list(session.scalars(select(PrivacyRuleRow).order_by(PrivacyRuleRow.rule_ref)))


def set_privacy_rule(session: Session, rule_ref: str, *, actor: str, title: str, appeal_limit_days: int | None = None,
                     fines: dict[str, Decimal | str | None] | None = None, active: bool = True,
                     now: datetime | None = None) -> PrivacyRuleRow:
    """Enter or change a rule; a figure given as None (or empty text) is "not set"."""
    now = now or clock.now()
    if not isinstance(actor, str) or not actor.strip():
        raise PrivacyRuleRefused("Say who makes this change (a username).")
    rule_ref = " ".join((rule_ref or "").split())
    if not rule_ref or len(rule_ref) > 100:
        raise PrivacyRuleRefused('A rule is cited as it is published, such as "Code Sec. 2-1234" (at most 100 '
                                 "characters).")
    if not (title or "").strip():
        raise PrivacyRuleRefused(f"Give the title of {rule_ref}, as the code or the rule names it.")
    if appeal_limit_days is not None and not (isinstance(appeal_limit_days, int) and
                                              0 < appeal_limit_days <= APPEAL_LIMIT_MAX_DAYS):
        raise PrivacyRuleRefused(f"An appeal time limit is a number of days from 1 to {APPEAL_LIMIT_MAX_DAYS}; "
                                 "leave it empty when the rule publishes none.")
    unknown = sorted(set(fines or {}) - set(OFFENCES))
    if unknown:
        raise PrivacyRuleRefused(f'A rule sets fines for a {", ".join(OFFENCES)} offence, not "{unknown[0]}".')
    amounts = {offence: _fine(offence, (fines or {}).get(offence)) for offence in OFFENCES}
    row = session.get(PrivacyRuleRow, rule_ref)
    before = _values(row) if row else None
    if row is None:
        row = PrivacyRuleRow(rule_ref=rule_ref)
        session.add(row)
    row.title, row.appeal_limit_days, row.active = title.strip(), appeal_limit_days, active
    for offence, amount in amounts.items():
        setattr(row, f"fine_{offence}", amount)
    row.updated_by, row.updated_at = actor, now
    record_change(session, at=now, actor=actor, kind="privacy_rule", subject_key=rule_ref,
                  action="added" if before is None else "changed", before=before, after=_values(row))
    return row


def _fine(offence: str, amount: Decimal | str | None) -> Decimal | None:
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        return None
    try:
        value = Decimal(str(amount).strip().lstrip("$"))
    except InvalidOperation:
        raise PrivacyRuleRefused(f'The fine for a {offence} offence is an amount such as "500.00", not {amount!r}.') \
            from None
    if value < 0 or not in_cents(value):
        raise PrivacyRuleRefused(f"The fine for a {offence} offence is zero or more, in dollars and cents.")
    return cents(value)


def _values(row: PrivacyRuleRow) -> dict[str, Any]:
    return {"title": row.title, "appeal_limit_days": row.appeal_limit_days, "active": row.active,
            **{f"fine_{offence}": getattr(row, f"fine_{offence}") for offence in OFFENCES}}
