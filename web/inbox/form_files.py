"""File fields of a task's form: the upload goes into the file store and the form's value is a
reference to it, a string (so the schema's `"type": "string"` holds, docs/forms.md):

    sha256:<64 hex digits>;size=<bytes>;type=<content type>;name=<file name, percent-encoded>

A field of several files (an array of such strings, widget "files": the records released online
at "Provide the records") takes one upload of many files; its value is the list of references.

A file stored while another field was wrong is not lost: the page comes back with the file
named and a signed `<field>-kept` token (one per file), so the person does not choose it again. The token is
signed with the app's secret key, so a browser cannot point a form at a file it never uploaded.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import FileStorage

from engine.filestore import file_reference, parse_file_reference
from web.filestore import FileRefused, FileStore, StoredFile
from web.inbox.form_values import Submission
from web.inbox.forms import FormField
from web.models_notes import add_attachments, attachments_of

KEPT_SALT = "clerkflow-kept-file"


def read_uploads(fields: list[FormField], files: Mapping[str, FileStorage], form: Mapping[str, str],
                 task_id: int, store: FileStore, submission: Submission) -> list[StoredFile]:
    """Store each file field's upload (or take the file kept from the last try) into `submission`;
    returns the files newly stored."""
    stored: list[StoredFile] = []
    for form_field in fields:
        if form_field.widget == "files" and not form_field.readonly:
            stored.extend(_read_several(form_field, files, form, task_id, store, submission))
        if form_field.widget != "file" or form_field.readonly:
            continue
        upload = files.get(form_field.name)
        reference = None
        if upload is not None and upload.filename:
            try:
                new_file = store.store(upload.stream, upload.filename)
            except FileRefused as refused:
                submission.errors[form_field.name] = refused.user_message
            else:
                stored.append(new_file)
                reference = file_reference(new_file)
        if reference is None:
            reference = kept_reference(form.get(f"{form_field.name}-kept", ""), task_id)
        if reference is not None:
            submission.values[form_field.name] = reference
            submission.typed[form_field.name] = reference
    return stored


def _read_several(form_field: FormField, files, form, task_id: int, store: FileStore,
                  submission: Submission) -> list[StoredFile]:
    """A field of several files: the files kept from the last try (the boxes left ticked), then each new
    upload. A refused file names itself; the others are kept for the next try."""
    kept = form.getlist(f"{form_field.name}-kept") if hasattr(form, "getlist") else []
    references = [reference for token in kept if (reference := kept_reference(token, task_id))]
    stored: list[StoredFile] = []
    refused: list[str] = []
    uploads = files.getlist(form_field.name) if hasattr(files, "getlist") else [files.get(form_field.name)]
    for upload in uploads:
        if upload is None or not upload.filename:
            continue
        try:
            new_file = store.store(upload.stream, upload.filename)
        except FileRefused as refusal:
            refused.append(refusal.user_message)
            continue
        stored.append(new_file)
        references.append(file_reference(new_file))
    references = list(dict.fromkeys(references))[:form_field.max_rows]    # the same file chosen twice counts once
    if refused:
        submission.errors[form_field.name] = " ".join(refused)
    if references:
        submission.values[form_field.name] = references
    submission.typed[form_field.name] = references
    return stored


def kept_files_of(fields: list[FormField], values: Mapping[str, object], task_id: int) -> dict[str, object]:
    """What the page shows as chosen already: per file field (stored file, signed token); per field of
    several files a list of them."""
    kept: dict[str, object] = {}
    for form_field in fields:
        if form_field.widget == "file" and (stored := parse_file_reference(values.get(form_field.name))):
            kept[form_field.name] = (stored, kept_token(values[form_field.name], task_id))
        elif form_field.widget == "files" and isinstance(values.get(form_field.name), list):
            kept[form_field.name] = [(stored, kept_token(reference, task_id)) for reference in values[form_field.name]
                                     if (stored := parse_file_reference(reference))]
    return kept


def form_files_of(fields: list[FormField], values: Mapping[str, object]) -> list[tuple[str, StoredFile]]:
    """(field name, stored file) of every file a completed form names."""
    found: list[tuple[str, StoredFile]] = []
    for form_field in fields:
        value = values.get(form_field.name)
        if form_field.widget == "file":
            value = [value]
        elif form_field.widget != "files" or not isinstance(value, list):
            continue
        found.extend((form_field.name, stored) for reference in value if (stored := parse_file_reference(reference)))
    return found


def attach_form_files(instance_id: int, fields: list[FormField], values: Mapping[str, object], attached_by: str) -> None:
    """List the files a completed form named among the request's attachments, each once per form field."""
    listed = {(each.form_field, each.sha256) for each in attachments_of(instance_id)}
    for field_name, stored in form_files_of(fields, values):
        if (field_name, stored.sha256) not in listed:
            add_attachments(instance_id, [stored], attached_by, form_field=field_name)
            listed.add((field_name, stored.sha256))


def kept_token(reference: str, task_id: int) -> str:
    """The signed token a page carries for a file already chosen for this task's form."""
    return _serializer().dumps({"task": task_id, "reference": reference})


def kept_reference(token: str, task_id: int) -> str | None:
    if not token:
        return None
    try:
        kept = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(kept, dict) or kept.get("task") != task_id or parse_file_reference(kept.get("reference")) is None:
        return None
    return kept["reference"]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=KEPT_SALT)
