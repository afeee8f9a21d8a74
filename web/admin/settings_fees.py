"""Settings: fee schedules (Art. 6 fees "set by resolution"). A schedule is never edited: a new version takes
effect on its own date (today or later), and one not yet in force can be withdrawn (city.citydata)."""
from __future__ import annotations


from flask import flash, redirect, render_template, request, url_for

from city.citydata import (BY_RESOLUTION, SCHEDULE_AMOUNTS, SCHEDULE_FIELDS, add_fee_schedule, city_today,
                           list_fee_schedules, withdraw_fee_schedule)
from web.admin.blueprint import bp
from web.admin.settings import actor, change_city, day_in_path, parse_day, read_city
from city.rules.fees import FEE_AMOUNTS
from web.auth import role_required
from web.access import ADMINISTRATOR

AMOUNT_LABELS = {amount.name: amount.label for amount in FEE_AMOUNTS}


@bp.route("/settings/fees", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def settings_fees():
    schedules = read_city(list_fee_schedules)
    today = city_today()
    errors: dict[str, str] = {}
    latest = schedules[-1] if schedules else None
    values = {name: ("" if latest is None or getattr(latest, name) is None else str(getattr(latest, name)))
              for name in SCHEDULE_FIELDS}
    values["effective_from"] = today.isoformat()
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in ("effective_from", *SCHEDULE_FIELDS)}
        effective_from = parse_day(values["effective_from"], errors, "effective_from")
        for name in SCHEDULE_AMOUNTS:
            if not values[name] and name != BY_RESOLUTION:   # set by resolution: empty until the city has one
                errors[name] = "Enter an amount in dollars and cents, e.g. 0.25."
        if not errors:
            refused = change_city(add_fee_schedule, effective_from=effective_from, created_by=actor(),
                                  **{name: values[name] for name in SCHEDULE_FIELDS})
            if refused is None:
                flash(f"The fee schedule from {effective_from.isoformat()} is added.", "info")
                return redirect(url_for(".settings_fees"))
            # The field named first in the message (the resolution's date before its number, the longer name).
            named = sorted(SCHEDULE_FIELDS, key=len, reverse=True)
            errors[next((name for name in named if refused.startswith(name)), "effective_from")] = refused
        flash("The fee schedule was not added: correct the fields marked below.", "error")
    in_force = max((row.effective_from for row in schedules if row.effective_from <= today), default=None)
    return render_template("admin/settings/fees.html", schedules=schedules, today=today, labels=AMOUNT_LABELS,
                           in_force=in_force, values=values, by_resolution=BY_RESOLUTION,
                           errors=errors), 400 if errors else 200


@bp.post("/settings/fees/<effective_from>/withdraw")
@role_required(ADMINISTRATOR)
def withdraw_fees(effective_from: str):
    day = day_in_path(effective_from, f"There is no fee schedule of {effective_from}.")
    refused = change_city(withdraw_fee_schedule, day, actor=actor())
    if refused:
        flash(refused, "error")
    else:
        flash(f"The fee schedule of {day.isoformat()} is withdrawn.", "info")
    return redirect(url_for(".settings_fees"))
