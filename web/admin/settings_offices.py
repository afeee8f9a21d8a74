"""Settings: offices (name, official custodian, office hours in city time, active) and the City Clerk's register
of designated record custodians (003, Art. 6; city.citydata.set_office, designate_custodian, end_designation).

A designation is entered from today or later; a first day in the past only when the administrator says it records
a designation made earlier (city.citydata.designation_dates_refusal has the whole rule)."""
from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from city.citydata import (WEEKDAYS, CityDataRefused, check_hours, city_today, designate_custodian,
                             designation_dates_refusal, end_designation, list_designations, list_offices,
                             register_opened, set_office)
from web.admin.blueprint import bp
from web.admin.settings import actor, change_city, parse_day, read_city
from web.auth import role_required
from web.access import ADMINISTRATOR
from web.models import StaffAccount, db

DAY_NAMES = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")))
SPANS_PER_DAY = 2          # e.g. 08:00-12:00 and 13:00-17:00 (a lunch closure)
_TIME = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _office_or_404(office_key: str):
    office = next((office for office in read_city(list_offices) if office.office_key == office_key), None)
    if office is None:
        abort(404, description=f'There is no office "{office_key}".')
    return office


def _hours_values(hours: dict) -> dict[str, str]:
    values = {}
    for day in WEEKDAYS:
        spans = (hours or {}).get(day) or []
        for number in range(SPANS_PER_DAY):
            opens, closes = spans[number] if number < len(spans) else ("", "")
            values[f"{day}_{number}_opens"], values[f"{day}_{number}_closes"] = opens, closes
    return values


def _typed_hours(values: dict[str, str], errors: dict[str, str]) -> dict[str, list[list[str]]]:
    """The hours typed in the per-weekday editor; a message at each time that is wrong."""
    hours: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        hours[day] = []
        for number in range(SPANS_PER_DAY):
            opens_name, closes_name = f"{day}_{number}_opens", f"{day}_{number}_closes"
            opens, closes = values[opens_name], values[closes_name]
            if not opens and not closes:
                continue
            for name, typed in ((opens_name, opens), (closes_name, closes)):
                if not typed:
                    errors[name] = "Give both the opening and the closing time, or leave both empty (closed)."
                elif not _TIME.match(typed):
                    errors[name] = f'"{typed}" is not a time; write it as HH:MM, e.g. 08:00 (24:00 for midnight).'
            if opens_name not in errors and closes_name not in errors and closes <= opens:
                errors[closes_name] = f"{DAY_NAMES[day]}: closing ({closes}) must be after opening ({opens})."
            hours[day].append([opens, closes])
    if not errors:
        try:
            check_hours(hours)
        except CityDataRefused as refused:
            day = next((day for day in WEEKDAYS if f"for {day}" in refused.user_message), WEEKDAYS[0])
            errors[f"{day}_1_opens"] = refused.user_message
    return hours


@bp.route("/settings/offices", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def settings_offices():
    offices = read_city(list_offices)
    errors: dict[str, str] = {}
    values = {"office_key": "", "name": "", "official_custodian": ""}
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in values}
        if not _KEY.match(values["office_key"]):
            errors["office_key"] = ('Use lower-case letters, digits and underscores, starting with a letter '
                                    '(e.g. "parks"); it names the custodian role custodian:<key>.')
        elif values["office_key"] in {office.office_key for office in offices}:
            errors["office_key"] = f'There is already an office "{values["office_key"]}"; change it on its page.'
        for name, what in (("name", "the office's name"), ("official_custodian", "its official custodian")):
            if not values[name]:
                errors[name] = f"Enter {what}."
            elif len(values[name]) > 200:
                errors[name] = "Keep it to 200 characters or fewer."
        if not errors:
            refused = change_city(set_office, values["office_key"], actor=actor(), name=values["name"],
                                  official_custodian=values["official_custodian"])
            if refused is None:
                flash(f"The {values['name']} is added, open Monday to Friday 08:00 to 17:00; set its hours here.",
                      "info")
                return redirect(url_for(".settings_office", office_key=values["office_key"]))
            errors["office_key"] = refused
        flash("No office was added: correct the fields marked below.", "error")
    return render_template("admin/settings/offices.html", offices=offices, day_names=DAY_NAMES, values=values,
                           errors=errors), 400 if errors else 200


@bp.route("/settings/offices/<office_key>", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def settings_office(office_key: str):
    office = _office_or_404(office_key)
    errors: dict[str, str] = {}
    values = {"name": office.name, "official_custodian": office.official_custodian, "active": office.active,
              **_hours_values(office.hours)}
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in values if name != "active"}
        values["active"] = request.form.get("active") == "yes"
        for name, what in (("name", "the office's name"), ("official_custodian", "its official custodian")):
            if not values[name]:
                errors[name] = f"Enter {what}."
            elif len(values[name]) > 200:
                errors[name] = "Keep it to 200 characters or fewer."
        hours = _typed_hours(values, errors)
        if not errors:
            refused = change_city(set_office, office_key, actor=actor(), name=values["name"],
                                  official_custodian=values["official_custodian"], hours=hours,
                                  active=values["active"])
            if refused is None:
                flash(f"The {values['name']} is saved.", "info")
                return redirect(url_for(".settings_office", office_key=office_key))
            errors["name"] = refused
        flash("Nothing was saved: correct the fields marked below.", "error")
    return render_template("admin/settings/office.html", office=office, values=values, errors=errors,
                           day_names=DAY_NAMES, spans=range(SPANS_PER_DAY)), 400 if errors else 200


def _staff_usernames() -> list[str]:
    return list(db.session.scalars(select(StaffAccount.username).where(StaffAccount.active.is_(True))
                                   .order_by(func.lower(StaffAccount.username))))


@bp.route("/settings/custodians", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def settings_custodians():
    offices = read_city(list_offices)
    people = _staff_usernames()
    today = city_today()
    errors: dict[str, str] = {}
    values = {"office_key": "", "person": "", "since": today.isoformat(), "until": "", "recorded_late": False}
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in values}
        values["recorded_late"] = values["recorded_late"] == "yes"
        if values["office_key"] not in {office.office_key for office in offices}:
            errors["office_key"] = "Choose one of the offices."
        if values["person"] not in people:
            errors["person"] = "Choose a person from the active staff accounts."
        since = parse_day(values["since"], errors, "since")
        until = parse_day(values["until"], errors, "until", required=False)
        if since and "until" not in errors:
            opened = None if "office_key" in errors else read_city(register_opened, values["office_key"])
            refusal = designation_dates_refusal(since, until, today=today, register_opened=opened,
                                                recorded_late=values["recorded_late"])
            if refusal is not None:
                errors[refusal.field] = refusal.message
        if not errors:
            refused = change_city(designate_custodian, values["office_key"], values["person"], designated_by=actor(),
                                  since=since, until=until, recorded_late=values["recorded_late"])
            if refused is None:
                late = f", recorded late on {today.isoformat()}" if since < today else ""
                flash(f"{values['person']} is entered in the register from {since.isoformat()}{late}.", "info")
                return redirect(url_for(".settings_custodians"))
            errors["person"] = refused
        flash("Nothing was entered: correct the fields marked below.", "error")
    register = read_city(list_designations)
    return render_template("admin/settings/custodians.html", offices=offices, today=today,
                           office_choices=[(office.office_key, office.name) for office in offices],
                           person_choices=[(person, person) for person in people],
                           register={office.office_key: [row for row in register
                                                        if row.office_key == office.office_key]
                                     for office in offices},
                           recorded_late={row.id for row in register if city_today(row.created_at) > row.since},
                           values=values, errors=errors), 400 if errors else 200


@bp.post("/settings/custodians/<int:designation_id>/end")
@role_required(ADMINISTRATOR)
def end_custodian(designation_id: int):
    errors: dict[str, str] = {}
    until = parse_day(request.form.get("until", ""), errors, "until", required=False)
    refused = errors.get("until") or change_city(end_designation, designation_id, ended_by=actor(), until=until)
    flash(refused or "The designation is ended.", "error" if refused else "info")
    return redirect(url_for(".settings_custodians"))
