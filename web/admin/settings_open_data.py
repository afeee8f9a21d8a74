"""Settings: open data (002; docs/open-data.md, "Where the two cities differ"). Who approves data sets and decides
reports on published data (Sacramento's Records Manager, the default, or Kansas City's Open Data Officer), who
catalogues and publishes an approved data set (Sacramento's IT Open Data Coordinator, the default, or Kansas City's
Open Data Officer), and the catalog's DCAT-US publisher name, bureauCode and programCode (`/data.json`).

A case reads the roles when it starts and keeps them: a change routes the cases started after it. The environment
overrides the catalog's three values when it sets them (shown read-only here; `web.catalog.metadata`). Each save is
a row of the settings change log (kind "open_data_setting"), in the same transaction.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from city.open_data.settings import (APPROVERS, DEFAULT_BUREAU_CODE, DEFAULT_PROGRAM_CODE, PUBLISHER_NAME_MAX,
                                     PUBLISHERS, OpenDataSettingsRefused, read_open_data_settings,
                                     set_open_data_settings)
from web.access import SETTINGS_ROLES
from web.admin.blueprint import bp
from web.admin.settings import actor, read_city
from web.auth import role_required
from web.catalog.metadata import ENVIRONMENT_KEYS, environment_overrides
from web.current import city_data

FIELDS = ("approver_role", "publisher_role", "publisher_name", "bureau_code", "program_code")


@bp.route("/settings/open-data", methods=["GET", "POST"])
@role_required(*SETTINGS_ROLES)
def settings_open_data():
    saved = read_city(read_open_data_settings)
    overridden = environment_overrides(current_app.config)
    values = {name: getattr(saved, name) for name in FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "").strip() for name in FIELDS}
        for name in overridden:                  # set in the environment: the page keeps what it had
            values[name] = getattr(saved, name)
        try:
            city_data().apply(set_open_data_settings, actor=actor(), **values)
        except OpenDataSettingsRefused as refused:
            errors[refused.field] = refused.user_message
            flash("Nothing was saved: correct the field marked below.", "error")
        else:
            flash("The open data settings are saved. Cases started from now follow them; running cases keep the "
                  "roles they started with.", "info")
            return redirect(url_for(".settings_open_data"))
    return render_template("admin/settings/open_data.html", values=values, errors=errors, approvers=APPROVERS,
                           publishers=PUBLISHERS, overridden=overridden, environment_keys=ENVIRONMENT_KEYS,
                           default_bureau_code=DEFAULT_BUREAU_CODE, default_program_code=DEFAULT_PROGRAM_CODE,
                           publisher_name_max=PUBLISHER_NAME_MAX), 400 if errors else 200
