"""The open data catalog for its officers: every data set whatever its status, the ones that appeared without
approval first. "Any data sets appearing on the City's Open Data Portal that are not approved by the City's
Records Manager will be removed until the data is properly vetted" (Sacramento, Enforcement): a data set
published with no approval case stays withdrawn until an Open Data Officer (KCMO Sec. 2-2134: oversees the
portal) or an administrator vets it here. A published data set may be withdrawn here, with the reason.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from city.open_data.catalog import all_datasets, any_dataset, vet_dataset, withdraw_dataset
from web.access import CATALOG_ROLES
from web.admin.blueprint import bp
from web.auth import role_required
from web.current import signed_in_staff
from web.models import db

MAX_REASON = 1000


@bp.route("/open-data")
@role_required(*CATALOG_ROLES)
def open_data_catalog():
    """Every data set in the catalog, with what an officer may do to each."""
    return render_template("admin/open_data_catalog.html", datasets=all_datasets(db.session.connection()),
                           errors={}, reasons={})


@bp.post("/open-data/<slug>/vet")
@role_required(*CATALOG_ROLES)
def vet_open_dataset(slug: str):
    entry = _dataset(slug)
    if entry.status != "withdrawn":
        flash(f'"{entry.title}" is {entry.status}; only a withdrawn data set is vetted.', "error")
        return redirect(url_for(".open_data_catalog"))
    vet_dataset(db.session.connection(), slug, actor=signed_in_staff().username)
    db.session.commit()
    flash(f'"{entry.title}" is vetted and on the public catalog again.', "info")
    return redirect(url_for(".open_data_catalog"))


@bp.post("/open-data/<slug>/withdraw")
@role_required(*CATALOG_ROLES)
def withdraw_open_dataset(slug: str):
    entry = _dataset(slug)
    reason = " ".join(request.form.get("reason", "").split())
    problem = None
    if entry.status != "published":
        problem = f'"{entry.title}" is {entry.status} already.'
    elif not reason:
        problem = "Say why the data set is withdrawn; the reason stays in its history."
    elif len(reason) > MAX_REASON:
        problem = f"The reason is longer than {MAX_REASON} characters."
    if problem:
        flash(f"Nothing was withdrawn: {problem}", "error")
        return render_template("admin/open_data_catalog.html", datasets=all_datasets(db.session.connection()),
                               errors={slug: problem}, reasons={slug: reason}), 400
    withdraw_dataset(db.session.connection(), slug, reason, actor=signed_in_staff().username)
    db.session.commit()
    flash(f'"{entry.title}" is withdrawn from the public catalog.', "info")
    return redirect(url_for(".open_data_catalog"))


def _dataset(slug: str):
    entry = any_dataset(db.session.connection(), slug)
    if entry is None:
        abort(404, description="There is no such data set in the catalog.")
    return entry
