"""Starting an instance by hand (administrators): the latest version of a process, on the data its start
event needs. What an analyst's new diagram needs before anyone files through a form of its own, and how an
administrator starts a process that has no other way in. The engine audits the start with the
administrator's name.

The start gets every variable its start event needs, or is refused naming the missing ones
(`ProcessEngine.start_needs`, issue 13): the start event's form, drawn as the inbox draws a task's and checked
against its JSON Schema, and the variables the first automatic steps read before anything sets them,
typed as a JSON object. A records request is not started here: the staff intake page files it as the portal
does (tracking number, the requester's status link, the acknowledgement).
"""
from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from engine import ClerkflowError, FormInvalid, json_too_deep, ProcessEngine, StartNeeds, missing_variables
from web.access import ADMINISTRATOR
from web.admin.blueprint import bp
from web.auth import role_required
from web.current import process_engine, signed_in_staff
from web.inbox.form_values import choice_label, prefilled_values, read_submission
from web.inbox.forms import FormField, fields_of
from web.portal.filing import PROCESS_KEY as RECORDS_REQUEST

MAX_BUSINESS_KEY = 100


def start_problems(data_text: str, business_key: str) -> tuple[dict, dict[str, str]]:
    """The start data as an object, and what is wrong with the form by field ({} when it may start)."""
    problems: dict[str, str] = {}
    data: dict = {}
    if too_deep := json_too_deep(data_text, "This JSON"):
        problems["data"] = too_deep
    elif data_text.strip():
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


def refused_start(engine: ProcessEngine, process_key: str, data: dict[str, Any]) -> dict[str, str]:
    """What the engine refuses a start on (its start form's checks, its required fields among them, and the
    city's start rules), by field ({} when nothing)."""
    try:
        engine.check_start(process_key, data)
    except FormInvalid as invalid:
        return invalid.field_errors
    return {}


def missing_start_data(needs: StartNeeds, schema: dict[str, Any] | None, data: dict[str, Any], *,
                       form_drawn: bool, refused: dict[str, str]) -> dict[str, str]:
    """What `data` lacks of what the start event needs: what the start is `refused` on, by field when the form
    is drawn, and each variable the first steps read before setting it, under "data" ({} when it may start)."""
    problems = dict(refused)
    on_form = set(schema.get("properties", {})) if schema and form_drawn else set()
    for name in needs.variables:
        if name in on_form and name not in data:
            problems.setdefault(name, "is needed: the process reads it at its start")
    messages = [] if form_drawn else [f"{name} {message}" for name, message in problems.items()]
    missing = [name for name in missing_variables(needs, data) if name not in problems]
    if missing:
        messages.append(f"The process reads {_names(missing)} at its start, before anything sets "
                        f"{'them' if len(missing) > 1 else 'it'}: give {_names(missing)} in the start data.")
    if messages:
        problems = problems if form_drawn else {}
        problems["data"] = " ".join(f"{message.rstrip('.')}." for message in messages)
    return problems


def drawable(fields: list[FormField]) -> bool:
    """Whether the start form can be drawn here: a table's "Add a row" and a file upload post to a task."""
    return bool(fields) and not any(field.columns or field.widget == "file" for field in fields)


@bp.route("/processes/<process_key>/start", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def start_instance(process_key: str):
    engine = process_engine()
    versions = engine.versions(process_key)
    if not versions:
        abort(404, description=f'No process "{process_key}" is deployed.')
    latest = versions[-1]
    if process_key == RECORDS_REQUEST:      # numbered and given a status link only through the filing path
        return render_template("admin/start_instance.html", version=latest, intake=True), \
            422 if request.method == "POST" else 200
    needs = engine.start_needs(process_key)
    schema = engine.latest_form(process_key, needs.form_file) if needs.form_file else None
    fields = fields_of(schema, engine.latest_form(process_key, needs.ui_form_file) if needs.ui_form_file else None)
    fields = fields if drawable(fields) else []
    data_text = request.form.get("data", "{}")
    business_key = request.form.get("business_key", "").strip()
    values, problems = prefilled_values(fields, {}), {}
    if request.method == "POST":
        data, problems = start_problems(data_text, business_key)
        submission = read_submission(fields, request.form)
        values = submission.typed
        data = {**data, **submission.values}
        if not problems:
            problems = submission.input_errors(missing_start_data(
                needs, schema, data, form_drawn=bool(fields), refused=refused_start(engine, process_key, data)))
        if not problems:
            try:
                instance = engine.start_instance(process_key, data, actor=signed_in_staff().username,
                                                 business_key=business_key or None)
            except FormInvalid as refused:     # text no database stores: beside its field where it has one
                drawn = {field.name for field in fields}
                problems = {name: message for name, message in submission.input_errors(refused.field_errors).items()
                            if name in drawn}
                if len(problems) < len(refused.field_errors):
                    problems["data"] = str(refused)
            except ClerkflowError as refused:
                problems["data"] = str(refused)
            else:
                flash(f"Started instance {instance.instance_id} of {latest.display_name}, version {latest.version}; "
                      f"it is {instance.status} now.", "success")
                return redirect(url_for(".instance", instance_id=instance.instance_id))
    on_form = {field.name for field in fields}
    return render_template("admin/start_instance.html", version=latest, intake=False, data_text=data_text,
                           business_key=business_key, problems=problems, fields=fields, values=values,
                           field_errors=problems, kept_files={}, choice_label=choice_label,
                           schema_title=(schema or {}).get("title"), form_not_drawn=bool(schema) and not fields,
                           needed=[name for name in needs.variables if name not in on_form]), \
        422 if problems else 200


def _names(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
