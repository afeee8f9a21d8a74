"""Task page: staff-only comments and attachments on a request, and the files a task's form shows read-only.

Both belong to the request (the process instance), so every task of it shows them; whoever may
open a task may read, add and download them. Comments are never edited or deleted
(`web/models_notes.py`). Files go to the content-addressed file store (`web/filestore.py`).
Nothing here logs the text of a comment or the name of a file: either may name the requester.
"""
from __future__ import annotations

from flask import flash, redirect, request, send_file, url_for

from engine import NotFound, text_problem
from engine.filestore import parse_file_reference

from web.current import process_engine, signed_in_staff
from web.inbox.assignment import visible_task
from web.auth import staff_only
from web.filestore import FileRefused, StoredFile, file_store
from web.inbox.blueprint import bp
from web.inbox.forms import fields_of
from web.inbox.history import task_values
from web.inbox.views import _task_page   # a refused note shows the task page again, with what was typed
from web.models_notes import COMMENT_MAX_CHARACTERS, add_attachments, add_comment, attachment_of


@bp.post("/tasks/<int:task_id>/comments")
@staff_only
def comment(task_id: int):
    task = visible_task(task_id)
    text = request.form.get("comment", "")
    problem = comment_problem(text)
    if problem:
        return _task_page(task, comment_text=text, notes_error=problem, status=422)
    add_comment(task.instance_id, signed_in_staff().username, text.strip())
    flash("Your comment was added.", "info")
    return redirect(url_for(".task", task_id=task_id, _anchor="comments"))


@bp.post("/tasks/<int:task_id>/attachments")
@staff_only
def attach(task_id: int):
    task = visible_task(task_id)
    uploads = [upload for upload in request.files.getlist("file") if upload.filename]
    if not uploads:
        return _task_page(task, notes_error="Choose a file to attach first.", status=422)
    stored, refusals = store_uploads(uploads)
    if refusals:   # all or nothing, so the list never holds half of what the person meant to attach
        return _task_page(task, notes_error=" ".join(refusals) + " Nothing was attached.", status=422)
    add_attachments(task.instance_id, stored, signed_in_staff().username)
    # Name the files when there are few: the flash message travels in the session cookie, which is small.
    named = ", ".join(each.filename for each in stored) if len(stored) <= 3 else f"{len(stored)} files"
    flash(f"Attached {named}.", "info")
    return redirect(url_for(".task", task_id=task_id, _anchor="attachments"))


@bp.get("/tasks/<int:task_id>/attachments/<int:attachment_id>")
@staff_only
def attachment(task_id: int, attachment_id: int):
    return attachment_download(visible_task(task_id).instance_id, attachment_id)


def attachment_download(instance_id: int, attachment_id: int):
    """The attachment's bytes as a download (the task page and the API); `NotFound` when the request has no
    such attachment or its file is gone from the store."""
    found = attachment_of(instance_id, attachment_id)
    if found is None:
        raise NotFound("This request has no such attachment.")
    return stored_file_download(StoredFile(found.sha256, found.filename, found.content_type, found.size),
                                f"attachment {found.id}")


@bp.get("/tasks/<int:task_id>/form-files/<field_name>")
@staff_only
def form_file(task_id: int, field_name: str):
    """A file the task's form shows read-only (the kept PDF of the yearly compliance report the City Manager
    receives): whoever may open the task downloads it."""
    task = visible_task(task_id)
    engine = process_engine()
    shown = {form_field.name: form_field for form_field in
             fields_of(engine.form_schema(task_id), engine.form_ui_schema(task_id))}
    if field_name not in shown or shown[field_name].widget != "file":
        raise NotFound("This task's form shows no such file.")
    stored = parse_file_reference(task_values(engine, task, engine.audit_trail(task.instance_id),
                                              {field_name}).get(field_name))
    if stored is None:
        raise NotFound("This task's form has no file there yet.")
    return stored_file_download(stored, f"{task.process_key}, {field_name}")


def stored_file_download(stored: StoredFile, named: str):
    """The stored file's bytes as a download; `NotFound` naming `named` for the administrator when the store lost it."""
    try:
        content = file_store().open(stored.sha256)
    except FileNotFoundError:
        raise NotFound(f"The file is missing from the file store. Tell the administrator ({named}).") from None
    # Always a download, never shown inline: an uploaded file must not run as a page of this site.
    return send_file(content, mimetype=stored.content_type, as_attachment=True, download_name=stored.filename)


def store_uploads(uploads) -> tuple[list[StoredFile], list[str]]:
    """Each upload put in the file store, and why any was refused (the caller attaches none if one was)."""
    store = file_store()
    stored, refusals = [], []
    for upload in uploads:
        try:
            stored.append(store.store(upload.stream, upload.filename))
        except FileRefused as refused:
            refusals.append(refused.user_message)
    return stored, refusals


def comment_problem(text: str) -> str | None:
    """What is wrong with a comment, in plain words (None: nothing)."""
    if not text.strip():
        return "Write the comment first; an empty comment was not added."
    if text_problem(text):
        return f"The comment was not added: it {text_problem(text)}. Your text is kept below."
    if len(text.strip()) > COMMENT_MAX_CHARACTERS:
        return (f"A comment may be at most {COMMENT_MAX_CHARACTERS} characters; this one has {len(text.strip())}. "
                "Shorten it or split it into two comments. Your text is kept below.")
    return None
