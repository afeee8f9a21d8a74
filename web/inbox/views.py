"""Inbox pages: parse the request, call the engine, render. Access is by role and assignment."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from engine import FormInvalid, NotAllowed, TaskView
from web import process_engine, signed_in_staff, work_roles
from web.auth import is_safe_local_path, staff_only
from web.inbox import bp
from web.inbox.forms import coerce_submission, fields_of, initial_values
from web.models import ADMINISTRATOR


@bp.get("")
@staff_only
def index():
    staff = signed_in_staff()
    engine = process_engine()
    roles = work_roles(staff)
    tasks = {task.task_id: task for task in engine.list_tasks(roles=set(roles), limit=200)}
    tasks.update({task.task_id: task for task in engine.list_tasks(assignee=staff.username, limit=200)})
    ordered = sorted(tasks.values(), key=lambda task: (task.due_at is None, task.due_at or task.created_at,
                                                       task.created_at, task.task_id))
    return render_template("inbox/index.html", tasks=ordered, roles=roles)


@bp.get("/tasks/<int:task_id>")
@staff_only
def task(task_id: int):
    task = _visible_task(task_id)
    fields = fields_of(process_engine().form_schema(task_id)) if task.status == "open" else []
    return _task_page(task, fields, initial_values(fields), {})


@bp.post("/tasks/<int:task_id>/complete")
@staff_only
def complete(task_id: int):
    staff = signed_in_staff()
    engine = process_engine()
    task = _visible_task(task_id)
    fields = fields_of(engine.form_schema(task_id))
    submission, field_errors = coerce_submission(fields, request.form)
    try:
        engine.complete_task(task_id, submission, actor=staff.username, roles=set(work_roles(staff)))
    except FormInvalid as invalid:
        typed = {form_field.name: request.form.get(form_field.name, "") for form_field in fields}
        return _task_page(task, fields, typed, {**invalid.field_errors, **field_errors},
                          message=invalid.user_message, status=422)
    flash(f'Done: "{task.title}".', "info")
    return redirect(url_for(".index"))


@bp.post("/tasks/<int:task_id>/claim")
@staff_only
def claim(task_id: int):
    staff = signed_in_staff()
    task = process_engine().claim_task(task_id, actor=staff.username, roles=set(work_roles(staff)))
    flash(f'"{task.title}" is yours now.', "info")
    return _back_to(url_for(".task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/unclaim")
@staff_only
def unclaim(task_id: int):
    staff = signed_in_staff()
    task = process_engine().unclaim_task(task_id, actor=staff.username, roles=set(work_roles(staff)),
                                         administrator=staff.has_role(ADMINISTRATOR))
    flash(f'"{task.title}" is back in the shared inbox.', "info")
    return _back_to(url_for(".index"))


def _visible_task(task_id: int) -> TaskView:
    """The task, if it is work for one of the person's roles, theirs, or they administer."""
    staff = signed_in_staff()
    task = process_engine().get_task(task_id)
    if (task.candidate_role is None or task.candidate_role in work_roles(staff) or task.assignee == staff.username
            or staff.has_role(ADMINISTRATOR)):
        return task
    raise NotAllowed(f'"{task.title}" is work for the {task.candidate_role} role.')


def _task_page(task: TaskView, fields, values, field_errors, *, message: str | None = None, status: int = 200):
    instance = process_engine().get_instance(task.instance_id)
    names = {form_field.name for form_field in fields}
    other_errors = {name: error for name, error in field_errors.items() if name not in names}
    return render_template("inbox/task.html", task=task, instance=instance, fields=fields, values=values,
                           field_errors=field_errors, other_errors=other_errors, message=message), status


def _back_to(default: str):
    target = request.form.get("return_to")
    return redirect(target if is_safe_local_path(target) else default)
