"""Starting an instance by hand (administrators): the latest version of a process, with the data it
starts on typed as JSON. What an analyst's new diagram needs before anyone files through the portal,
and how an administrator starts a process that has no form of its own. The engine audits the start
with the administrator's name.
"""
from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for

from engine import ClerkflowError
from web.current import process_engine, signed_in_staff
from web.admin.blueprint import bp
from web.auth import role_required
from web.access import ADMINISTRATOR

MAX_BUSINESS_KEY = 100


def start_problems(data_text: str, business_key: str) -> tuple[dict, dict[str, str]]:
    """The start data as an object, and what is wrong with the form by field ({} when it may start)."""
    problems: dict[str, str] = {}
    data: dict = {}
    if data_text.strip():
        try:
            data = json.loads(data_text)
        except json.JSONDecodeError as err:
            problems["data"] = f"This is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}."
        else:
            if not isinstance(data, dict):
                data = {}
                problems["data"] = 'Give a JSON object, such as {"received_at": "2026-11-20T09:00:00-06:00"}.'
    if len(business_key) > MAX_BUSINESS_KEY:
        problems["business_key"] = f"A business key is at most {MAX_BUSINESS_KEY} characters."
    return data, problems


@bp.route("/processes/<process_key>/start", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def start_instance(process_key: str):
    engine = process_engine()
    versions = engine.versions(process_key)
    if not versions:
        abort(404, description=f'No process "{process_key}" is deployed.')
    latest = versions[-1]
    data_text = request.form.get("data", "{}")
    business_key = request.form.get("business_key", "").strip()
    problems: dict[str, str] = {}
    if request.method == "POST":
        data, problems = start_problems(data_text, business_key)
        if not problems:
            try:
                instance = engine.start_instance(process_key, data, actor=signed_in_staff().username,
                                                 business_key=business_key or None)
            except ClerkflowError as refused:
                problems["data"] = str(refused)
            else:
                flash(f"Started instance {instance.instance_id} of {latest.display_name}, version {latest.version}; "
                      f"it is {instance.status} now.", "success")
                return redirect(url_for(".instance", instance_id=instance.instance_id))
    return render_template("admin/start_instance.html", version=latest, data_text=data_text,
                           business_key=business_key, problems=problems), 422 if problems else 200
