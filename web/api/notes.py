"""The API's staff-only comments and attachments on a request, reached through one of its tasks.

The same rules as the task page (`web.inbox.notes`): whoever may open a task may read and add the
request's comments and attachments; comments are never edited; uploads go to the file store with
its size and type limits, all or nothing; a download is always an attachment, never inline.
"""
from __future__ import annotations

from flask import jsonify, request

from web.current import signed_in_staff
from web.inbox.assignment import visible_task
from web.api.blueprint import bp
from web.api.errors import ApiError, refuse_a_body_too_deep
from web.auth import staff_only
from web.inbox.notes import attachment_download, comment_problem, store_uploads
from web.models_notes import (RequestAttachment, RequestComment, add_attachments, add_comment, attachments_of, comments_on)


@bp.get("/tasks/<int:task_id>/comments")
@staff_only
def comments(task_id: int):
    task = visible_task(task_id)
    return jsonify(items=[_comment(each) for each in comments_on(task.instance_id)])


@bp.post("/tasks/<int:task_id>/comments")
@staff_only
def add_task_comment(task_id: int):
    task = visible_task(task_id)
    refuse_a_body_too_deep()
    body = request.get_json(silent=True)
    text = body.get("text") if isinstance(body, dict) else None
    problem = comment_problem(text) if isinstance(text, str) else "Send the comment as {\"text\": \"...\"}."
    if problem:
        raise ApiError(problem, status=422, fields={"text": problem})
    return jsonify(_comment(add_comment(task.instance_id, signed_in_staff().username, text.strip()))), 201


@bp.get("/tasks/<int:task_id>/attachments")
@staff_only
def attachments(task_id: int):
    task = visible_task(task_id)
    return jsonify(items=[_attachment(each) for each in attachments_of(task.instance_id)])


@bp.post("/tasks/<int:task_id>/attachments")
@staff_only
def attach_files(task_id: int):
    """multipart/form-data with one or more `file` parts."""
    task = visible_task(task_id)
    uploads = [upload for upload in request.files.getlist("file") if upload.filename]
    if not uploads:
        raise ApiError("Send the files as multipart/form-data parts named \"file\".", status=422,
                       fields={"file": "At least one file is required."})
    stored, refusals = store_uploads(uploads)
    if refusals:
        message = " ".join(refusals) + " Nothing was attached."
        raise ApiError(message, status=422, fields={"file": message})
    added = add_attachments(task.instance_id, stored, signed_in_staff().username)
    return jsonify(items=[_attachment(each) for each in added]), 201


@bp.get("/tasks/<int:task_id>/attachments/<int:attachment_id>")
@staff_only
def attachment_content(task_id: int, attachment_id: int):
    return attachment_download(visible_task(task_id).instance_id, attachment_id)


def _comment(comment: RequestComment) -> dict:
    return {"comment_id": comment.id, "instance_id": comment.instance_id, "author": comment.author,
            "written_at": comment.written_at.isoformat(), "text": comment.text}


def _attachment(attachment: RequestAttachment) -> dict:
    return {"attachment_id": attachment.id, "instance_id": attachment.instance_id, "filename": attachment.filename,
            "content_type": attachment.content_type, "size": attachment.size, "sha256": attachment.sha256,
            "attached_by": attachment.attached_by, "attached_at": attachment.attached_at.isoformat(),
            "form_field": attachment.form_field}
