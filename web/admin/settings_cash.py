"""Settings: the cash floats. "The city clerk is hereby authorized to provide the clerk's office, and the office of
each record custodian, with sufficient cash to enable the making of change for record fee purposes" (003, Art. 6):
a float is not fee money and is never transmitted (city.citydata.issue_cash_float, return_cash_float).

The article gives the floats to the City Clerk, so the city_clerk role may issue and take back floats here as
well as administrators; every other page of Settings stays the administrators'.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from city.citydata import issue_cash_float, list_cash_floats, list_offices, return_cash_float
from web.current import signed_in_staff
from web.admin.blueprint import bp
from web.admin.settings import actor, change_city, parse_money, read_city
from web.access import CASH_FLOAT_ROLES
from web.auth import role_required
from web.access import ADMINISTRATOR


def _in_force(floats) -> dict:
    return {row.office_key: row for row in floats if row.returned_at is None}


@bp.route("/settings/cash-floats", methods=["GET", "POST"])
@role_required(*CASH_FLOAT_ROLES)
def settings_cash_floats():
    offices = read_city(list_offices)
    names = {office.office_key: office.name for office in offices}
    floats = read_city(list_cash_floats, in_force_only=False)
    errors: dict[str, str] = {}
    values = {"office_key": request.args.get("office_key", ""), "amount": ""}
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in values}
        if values["office_key"] not in {office.office_key for office in offices if office.active}:
            errors["office_key"] = "Choose one of the active offices."
        amount = parse_money(values["amount"], errors, "amount")
        if not errors:
            replaced = _in_force(floats).get(values["office_key"])
            refused = change_city(issue_cash_float, values["office_key"], amount, issued_by=actor())
            if refused is None:
                flash(f"The {names[values['office_key']]} now holds a cash float of ${amount}"
                      + (f"; the ${replaced.amount} float it held is returned." if replaced else "."), "info")
                return redirect(url_for(".settings_cash_floats"))
            errors["amount"] = refused
        flash("No float was issued: correct the fields marked below.", "error")
    in_force = _in_force(floats)
    return render_template("admin/settings/cash_floats.html", offices=offices, names=names, in_force=in_force,
                           history=sorted(floats, key=lambda row: (row.issued_at, row.id), reverse=True),
                           office_choices=[(office.office_key, office.name) for office in offices if office.active],
                           values=values, errors=errors,
                           shows_settings=ADMINISTRATOR in signed_in_staff().role_set), 400 if errors else 200


@bp.post("/settings/cash-floats/<office_key>/return")
@role_required(*CASH_FLOAT_ROLES)
def return_float(office_key: str):
    refused = change_city(return_cash_float, office_key, returned_by=actor())
    flash(refused or "The float is taken back: the office holds no cash float now.", "error" if refused else "info")
    return redirect(url_for(".settings_cash_floats"))
