"""Inbox pages: parse the request, call the engine, render. Access is by role and assignment."""
from __future__ import annotations

import math
from dataclasses import replace

from flask import flash, redirect, render_template, request, url_for

from city.rules.business_calendar import city_day
from engine import FormInvalid, TaskView, clock, form_validator, validate_submission
from web.current import city_data, process_engine, signed_in_staff, work_roles
from web.inbox.assignment import visible_task
from web.auth import is_safe_local_path, staff_only
from web.filestore import file_store, human_size
from web.inbox.blueprint import bp
from web.inbox.assignment import (claim_as_signed_in, follow_ups_due, follow_ups_on, is_supervisor, saved_filters,
                                  unclaim_as_signed_in)
from web.inbox.filters import DUE_CHOICES, PAGE_SIZE, SORT_CHOICES, InboxFilter, office_choices
from web.inbox.form_files import attach_form_files, kept_files_of, read_uploads
from web.inbox.form_values import (Submission, choice_label, prefilled_values, read_submission, rearranged,
                                    with_blank_rows)
from web.inbox.forms import FILE_ACCEPT, TABLE_WIDGETS, fields_of
from web.inbox.history import (deadline, history, process_words, request_summary, shown, task_values,
                               who_asked_for_what)
from city.defaults import DEFAULT_OFFICE_KEYS
from web.models_notes import COMMENT_MAX_CHARACTERS, attachments_of, comments_on


@bp.get("")
@staff_only
def index():
    staff = signed_in_staff()
    engine = process_engine()
    roles = work_roles(staff)
    chosen = InboxFilter.from_args(request.args)
    now = clock.now()
    supervisor = is_supervisor(staff)
    due_follow_ups = follow_ups_due(staff.id, city_day(now))

    def arguments(shown: InboxFilter, **changes):
        return shown.engine_arguments(roles, staff.username, now, follow_ups=due_follow_ups, supervisor=supervisor,
                                      **changes)

    counts = {due: engine.count_tasks(**arguments(chosen, due=due)) for due, _label in DUE_CHOICES}
    follow_up_count = engine.count_tasks(**arguments(replace(chosen, follow_up=True)))
    total = counts[chosen.due]
    pages = max(1, math.ceil(total / PAGE_SIZE))
    tasks = engine.list_tasks(**arguments(chosen), order=chosen.sort, limit=PAGE_SIZE + 1,
                              offset=(chosen.page - 1) * PAGE_SIZE)
    has_next = len(tasks) > PAGE_SIZE
    tasks = tasks[:PAGE_SIZE]
    processes = sorted({version.process_key: version.display_name or version.process_key
                        for version in engine.versions()}.items(), key=lambda item: item[1].lower())
    offices = office_choices(city_data()().get("custodian_register", {}), DEFAULT_OFFICE_KEYS)
    return render_template("inbox/index.html", tasks=tasks, roles=roles, chosen=chosen,
                           counts=counts, due_choices=DUE_CHOICES, sort_choices=SORT_CHOICES,
                           processes=processes, has_next=has_next, pages=pages, total=total, offices=offices,
                           supervisor=supervisor, follow_up_count=follow_up_count, today=city_day(now),
                           follow_ups=follow_ups_on(staff.id, [task.task_id for task in tasks]),
                           asked=who_asked_for_what(engine, {task.instance_id for task in tasks}),
                           saved=saved_filters(staff.id))


@bp.get("/tasks/<int:task_id>")
@staff_only
def task(task_id: int):
    return _task_page(visible_task(task_id))


@bp.post("/tasks/<int:task_id>/complete")
@staff_only
def complete(task_id: int):
    """Complete the task with its form; or, for "Add a row", show the form again with one more row."""
    staff = signed_in_staff()
    engine = process_engine()
    task = visible_task(task_id)
    fields = _form_fields(task)
    earlier = task_values(engine, task, engine.audit_trail(task.instance_id), {form_field.name for form_field in fields})
    submission = read_submission(fields, request.form, earlier)
    read_uploads(fields, request.files, request.form, task_id, file_store(), submission)
    table = request.form.get("add_row")
    if table:
        with_blank_rows([form_field for form_field in fields if form_field.name == table], submission.typed, blank=1)
        return _task_page(task, submission, field_errors=_upload_errors(fields, submission))
    if rearranged(fields, submission.typed, request.form.get("row_action", "")):
        return _task_page(task, submission, field_errors=_upload_errors(fields, submission))
    try:
        if submission.errors:   # unreadable values or a refused file: say so with every other problem, save nothing
            validate_submission(form_validator(engine.form_schema(task_id) or {}), submission.values, task.title)
            raise FormInvalid(f'"{task.title}" was not saved: {len(submission.errors)} field(s) need attention.', {})
        engine.complete_task(task_id, submission.values, actor=staff.username, roles=set(work_roles(staff)))
    except FormInvalid as invalid:
        return _task_page(task, submission, field_errors=submission.input_errors(invalid.field_errors),
                          message=invalid.user_message, status=422)
    attach_form_files(task.instance_id, fields, submission.values, staff.username)
    flash(f'Done: "{task.title}".', "info")
    return redirect(url_for(".index"))


@bp.post("/tasks/<int:task_id>/claim")
@staff_only
def claim(task_id: int):
    task = claim_as_signed_in(task_id)
    flash(f'"{task.title}" is yours now.', "info")
    return _back_to(url_for(".task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/unclaim")
@staff_only
def unclaim(task_id: int):
    task = unclaim_as_signed_in(task_id)
    flash(f'"{task.title}" is back in the shared inbox.', "info")
    return _back_to(url_for(".index"))


def _may_complete(task: TaskView) -> bool:
    """Whether the signed-in person may do the task themself (the engine's rule): a supervisor or an
    administrator sees every task page, but does the work only of their own roles."""
    staff = signed_in_staff()
    if task.assignee:
        return task.assignee == staff.username
    return task.candidate_role is None or task.candidate_role in work_roles(staff)


def _task_page(task: TaskView, submission: Submission | None = None, *, field_errors=None,
               message: str | None = None, status: int = 200, comment_text: str = "", notes_error: str | None = None):
    """The task page; with `submission`, the form as the person left it (after a refusal or "Add a row")."""
    engine = process_engine()
    instance = engine.get_instance(task.instance_id)
    trail = engine.audit_trail(task.instance_id)
    fields = _form_fields(task)
    field_errors = field_errors or {}
    names = {form_field.name for form_field in fields}
    if submission is None:
        values = prefilled_values(fields, task_values(engine, task, trail, names))
    else:
        values = {form_field.name: submission.typed.get(form_field.name, "") for form_field in fields}
    tables = {form_field.name for form_field in fields if form_field.widget in TABLE_WIDGETS}
    other_errors = {name: error for name, error in field_errors.items()
                    if name not in names and name.partition("-")[0] not in tables}
    kept_files = kept_files_of(fields, values, task.task_id)
    words = process_words(engine, instance.process_key)
    entries, letters = history(trail, words)
    return render_template("inbox/task.html", task=task, instance=instance, fields=fields, values=values,
                           summary=request_summary(trail, words, instance.business_key),
                           may_complete=_may_complete(task),
                           field_errors=field_errors, other_errors=other_errors, message=message,
                           kept_files=kept_files, choice_label=choice_label,
                           deadline=deadline(task.due_at, clock.now(), _city_closures()),
                           history=entries, letters=letters, shown=shown,
                           comments=comments_on(task.instance_id), attachments=attachments_of(task.instance_id),
                           comment_text=comment_text, notes_error=notes_error,
                           comment_limit=COMMENT_MAX_CHARACTERS, human_size=human_size,
                           attachment_accept=FILE_ACCEPT, attachment_limit=human_size(file_store().max_bytes)), status


def _form_fields(task: TaskView):
    """The task's form fields (none once the task is done: the page then shows what was recorded)."""
    if task.status != "open":
        return []
    engine = process_engine()
    return fields_of(engine.form_schema(task.task_id), engine.form_ui_schema(task.task_id))


def _upload_errors(fields, submission: Submission) -> dict[str, str]:
    """Only the refused files: "Add a row" is no time to report half-typed values."""
    files = {form_field.name for form_field in fields if form_field.widget in ("file", "files")}
    return {name: error for name, error in submission.errors.items() if name in files}


def _city_closures():
    """The city's closure days (business days exclude them); none when the settings cannot be read."""
    try:
        return city_data()().get("city_closures", ())
    except Exception:   # noqa: BLE001 - a missing setting must not hide the task page
        return ()


def _back_to(default: str):
    target = request.form.get("return_to")
    return redirect(target if is_safe_local_path(target) else default)
