"""The open data catalog for its officers: every data set whatever its status, the ones that appeared without
approval first. "Any data sets appearing on the City's Open Data Portal that are not approved by the City's
Records Manager will be removed until the data is properly vetted" (Sacramento, Enforcement): a data set
published with no approval case stays withdrawn until an Open Data Officer (KCMO Sec. 2-2134: oversees the
portal) or an administrator vets it here. A published data set may be withdrawn here, with the reason, and so
may one earlier version of it (a version found to hold protected data after a correction): it stays listed on the
data set's page with the date and the reason, its files no longer served. The current version is never withdrawn
alone: the page says to remove the data set instead (or to publish a corrected version first).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from city.open_data.catalog import (all_datasets, any_dataset, files_of, served_versions, vet_dataset,
                                    withdraw_dataset, withdraw_version)
from city.rules.registry import OperatorArgumentError
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
    return _catalog_page({}, {})


def _catalog_page(errors: dict[str, str], reasons: dict[str, str], status: int = 200):
    connection = db.session.connection()
    datasets = all_datasets(connection)
    versions = {entry.slug: _versions(connection, entry) for entry in datasets}
    return render_template("admin/open_data_catalog.html", datasets=datasets, versions=versions, errors=errors,
                           reasons=reasons), status


def _versions(connection, entry) -> dict[str, object]:
    """What the page says of a data set's versions: the current one, those withdrawn, and the earlier ones that
    may still be withdrawn."""
    files = files_of(connection, entry.dataset_id)
    served = served_versions(connection, entry.slug)
    withdrawn = sorted({file.version for file in files if file.withdrawn_at is not None})
    current = max(served, default=None)
    return {"current": current, "withdrawn": withdrawn, "withdrawable": [v for v in served if v != current]}


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
        return _catalog_page({slug: problem}, {slug: reason}, 400)
    withdraw_dataset(db.session.connection(), slug, reason, actor=signed_in_staff().username)
    db.session.commit()
    flash(f'"{entry.title}" is withdrawn from the public catalog.', "info")
    return redirect(url_for(".open_data_catalog"))


@bp.post("/open-data/<slug>/versions/withdraw")
@role_required(*CATALOG_ROLES)
def withdraw_open_dataset_version(slug: str):
    """Withdraw one earlier version of a data set, with the reason its page shows."""
    entry = _dataset(slug)
    reason = " ".join(request.form.get("reason", "").split())
    key = f"{slug}/version"
    problem = None
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        version, problem = 0, "Choose the version to withdraw."
    if problem is None and not reason:
        problem = "Say why the version is withdrawn; the reason is shown on the data set's page."
    elif problem is None and len(reason) > MAX_REASON:
        problem = f"The reason is longer than {MAX_REASON} characters."
    if problem is None:
        try:
            withdraw_version(db.session.connection(), slug, version, reason, actor=signed_in_staff().username)
        except OperatorArgumentError as refused:
            db.session.rollback()
            problem = _sentence(str(refused))
    if problem:
        flash(f"No version was withdrawn: {problem}", "error")
        return _catalog_page({key: problem}, {key: reason}, 400)
    db.session.commit()
    flash(f'Version {version} of "{entry.title}" is withdrawn: it stays listed with the reason, and its files '
          "are no longer served.", "info")
    return redirect(url_for(".open_data_catalog"))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _dataset(slug: str):
    entry = any_dataset(db.session.connection(), slug)
    if entry is None:
        abort(404, description="There is no such data set in the catalog.")
    return entry
