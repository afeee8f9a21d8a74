"""Settings: the rules a data privacy decision may cite, with their appeal limits and fines (000; city.privacy_rules).

The seed publishes neither: "Monetary fines: not specified on the cited page", "specific appeal periods are not
specified on the cited page". An administrator enters each figure as the city publishes it; a figure left
empty is shown as "not set", and a decision under that rule says appeal instructions were requested in writing
(no limit) or cannot order a fine (no amount).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from city.privacy_rules import APPEAL_LIMIT_MAX_DAYS, PrivacyRuleRefused, list_privacy_rules, set_privacy_rule
from city.rules.privacy import NOT_SET, OFFENCES
from web.access import ADMINISTRATOR
from web.admin.blueprint import bp
from web.admin.settings import actor, read_city
from web.auth import role_required
from web.current import city_data

FIELDS = ("rule_ref", "title", "appeal_limit_days", *(f"fine_{offence}" for offence in OFFENCES))


@bp.route("/settings/privacy-rules", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def settings_privacy_rules():
    errors: dict[str, str] = {}
    values = {name: "" for name in FIELDS}
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in FIELDS}
        days = _days(values["appeal_limit_days"], errors)
        if not errors:
            try:
                city_data().apply(set_privacy_rule, values["rule_ref"], actor=actor(), title=values["title"],
                                  appeal_limit_days=days,
                                  fines={offence: values[f"fine_{offence}"] for offence in OFFENCES})
            except PrivacyRuleRefused as refused:
                errors[_field_of(refused.user_message)] = refused.user_message
            else:
                flash(f'{values["rule_ref"]} is saved.', "info")
                return redirect(url_for(".settings_privacy_rules"))
        flash("Nothing was saved: correct the fields marked below.", "error")
    return render_template("admin/settings/privacy_rules.html", rules=read_city(list_privacy_rules), values=values,
                           errors=errors, offences=OFFENCES, not_set=NOT_SET,
                           max_days=APPEAL_LIMIT_MAX_DAYS), 400 if errors else 200


def _days(text: str, errors: dict[str, str]) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= APPEAL_LIMIT_MAX_DAYS:
        errors["appeal_limit_days"] = (f'"{text}" is not a number of days from 1 to {APPEAL_LIMIT_MAX_DAYS}; leave it '
                                       "empty when the rule publishes none.")
        return None
    return int(text)


def _field_of(message: str) -> str:
    for offence in OFFENCES:
        if f"a {offence} offence is" in message:
            return f"fine_{offence}"
    return "title" if message.startswith("Give the title") else "rule_ref"
