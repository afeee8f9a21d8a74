"""Settings: the city's closure days (K.S.A. 45-217: days the city declares holidays are not business days)
and the federal and Kansas holiday calendar the deadlines use (city.rules.business_calendar)."""
from __future__ import annotations

from datetime import date, timedelta

import holidays
from flask import flash, redirect, render_template, request, url_for

from city.citydata import add_closure, city_today, list_closures, remove_closure
from web.admin.blueprint import bp
from web.admin.settings import actor, change_city, day_in_path, parse_day, read_city
from web.auth import role_required
from web.access import ADMINISTRATOR

HOLIDAY_CALENDAR = ("US", "KS")   # as business_calendar reads it: the federal list plus Kansas's own


def upcoming_holidays(today: date, days: int = 365) -> list[tuple[date, str]]:
    """The federal and Kansas holidays (observed days included) from `today` for `days` days."""
    calendar = holidays.country_holidays(HOLIDAY_CALENDAR[0], subdiv=HOLIDAY_CALENDAR[1],
                                         years=range(today.year, (today + timedelta(days=days)).year + 1))
    return sorted((day, name) for day, name in calendar.items() if today <= day < today + timedelta(days=days))


@bp.route("/settings/calendar", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def settings_calendar():
    today = city_today()
    errors: dict[str, str] = {}
    values = {"day": "", "reason": ""}
    if request.method == "POST":
        values = {"day": request.form.get("day", "").strip(), "reason": request.form.get("reason", "").strip()}
        day = parse_day(values["day"], errors, "day")
        if day is not None and day < today:
            errors["day"] = (f"{day.isoformat()} is in the past; a closure day is today ({today.isoformat()}) or "
                             "later: deadlines already computed keep their dates.")
        if not values["reason"]:
            errors["reason"] = "Say why the city is closed (e.g. the resolution declaring the holiday)."
        elif len(values["reason"]) > 200:
            errors["reason"] = "Keep the reason to 200 characters or fewer."
        if not errors:
            refused = change_city(add_closure, day, values["reason"], actor=actor())
            if refused is None:
                flash(f"{day.isoformat()} is a closure day.", "info")
                return redirect(url_for(".settings_calendar"))
            errors["day"] = refused
        flash("The closure day was not added: correct the fields marked below.", "error")
    closures = read_city(list_closures)
    return render_template("admin/settings/calendar.html", today=today, values=values, errors=errors,
                           upcoming=[row for row in closures if row.day >= today],
                           past=[row for row in reversed(closures) if row.day < today],
                           holidays=upcoming_holidays(today)), 400 if errors else 200


@bp.post("/settings/calendar/<day>/remove")
@role_required(ADMINISTRATOR)
def remove_closure_day(day: str):
    chosen = day_in_path(day, f"{day} is not a closure day.")
    refused = change_city(remove_closure, chosen, actor=actor())
    flash(refused or f"{chosen.isoformat()} is no longer a closure day.", "error" if refused else "info")
    return redirect(url_for(".settings_calendar"))
