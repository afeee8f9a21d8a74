"""The OpenAPI 3.1 document of the REST API, as data (served at GET /api/openapi.json).

Every route of `web.api.views` is here and nothing else is: tests/web/test_api.py walks the app's
URL map and compares. Change both together.
"""
from __future__ import annotations

import copy
from typing import Any

from engine import INSTANCE_STATUSES
from web.id_bounds import MAX_ROW_ID

VERSION = "1.0.0"


_ROW_ID = {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID}     # no id column goes further


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": f"#/components/responses/{_ERROR_RESPONSES[status][0]}"} for status in statuses}


def _items(name: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": _ref(name)}}}


def _paged(name: str) -> dict[str, Any]:
    schema = _items(name)
    schema["properties"].update(limit={"type": "integer"}, offset={"type": "integer"})
    return schema


def _path_id(name: str, what: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s id.",
            "schema": dict(_ROW_ID)}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


_ERROR_RESPONSES = {
    400: ("BadRequest", "A query parameter or the body is not what the call takes (or a CSRF token is missing)."),
    401: ("Unauthorized", "No valid bearer token and no signed-in session."),
    403: ("Forbidden", "The account's roles do not allow this."),
    404: ("NotFound", "No such instance, task or incident, or nobody receives the message."),
    409: ("Conflict", "Someone changed it first, or its state does not allow this (suspended, finished, ...)."),
    422: ("Unprocessable", "The data does not satisfy the form or the call; `fields` says what is wrong where."),
    429: ("TooManyRequests", "Too many requests; wait and try again."),
    500: ("InternalError", "Something went wrong on the server; `reference` identifies it in the log."),
    503: ("DatabaseUnavailable", "The database cannot be reached just now; try again after `Retry-After` seconds."),
}
_COMMON = (401, 429, 500, 503)
_LIMIT = _query("limit", "At most this many (1 to 200, default 50).", {"type": "integer", "minimum": 1, "maximum": 200})
_OFFSET = _query("offset", "Skip this many.", {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID})
_INSTANCE_ID = _path_id("instance_id", "process instance")
_TASK_ID = _path_id("task_id", "task")
_INCIDENT_ID = _path_id("incident_id", "incident")
_REASON_BODY = {"required": False, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"reason": {"type": "string", "description": "Goes into the audit trail."}}}}}}
_ADMIN = "Needs the administrator role."
_OVERSEER = "Needs the administrator or analyst role."

_DATE_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
_NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "examples": ["not_found", "form_invalid", "forbidden"]},
                "message": {"type": "string", "description": "What happened and what to do, in plain words."},
                "fields": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "Field name -> its problem (for 422s)."},
                "details": {"type": "array", "items": {"type": "string"}},
                "reference": {"type": "string", "description": "Only on 500s: quote it to the administrator."},
            }}},
    },
    "Version": {
        "type": "object",
        "properties": {"version_id": {"type": "integer"}, "process_key": {"type": "string"},
                       "version": {"type": "integer"}, "display_name": {"type": "string"},
                       "file_name": {"type": "string"}, "checksum": {"type": "string"},
                       "deployed_by": {"type": "string"}, "deployed_at": _DATE_TIME,
                       "forms": {"type": "array", "items": {"type": "string"}}},
    },
    "Task": {
        "type": "object",
        "properties": {"task_id": {"type": "integer"}, "task_guid": {"type": "string"},
                       "instance_id": {"type": "integer"}, "process_key": {"type": "string"},
                       "bpmn_id": {"type": "string"}, "title": {"type": "string"}, "lane": _NULLABLE_STRING,
                       "candidate_role": _NULLABLE_STRING, "assignee": _NULLABLE_STRING,
                       "form_file": _NULLABLE_STRING, "ui_form_file": _NULLABLE_STRING,
                       "status": {"type": "string", "enum": ["open", "completed", "cancelled"]},
                       "created_at": _DATE_TIME, "due_at": _NULLABLE_DATE_TIME, "completed_by": _NULLABLE_STRING,
                       "completed_at": _NULLABLE_DATE_TIME, "business_key": _NULLABLE_STRING,
                       "instance_title": {"type": "string"}},
    },
    "Comment": {
        "type": "object",
        "properties": {"comment_id": {"type": "integer"}, "instance_id": {"type": "integer"},
                       "author": {"type": "string"}, "written_at": _DATE_TIME, "text": {"type": "string"}},
    },
    "Attachment": {
        "type": "object",
        "properties": {"attachment_id": {"type": "integer"}, "instance_id": {"type": "integer"},
                       "filename": {"type": "string"}, "content_type": {"type": "string"},
                       "size": {"type": "integer", "description": "Bytes."},
                       "sha256": {"type": "string", "description": "Names the file in the content-addressed store."},
                       "attached_by": {"type": "string"}, "attached_at": _DATE_TIME,
                       "form_field": {**_NULLABLE_STRING, "description": "The form field that brought it, if any."}},
    },
    "TaskWithForm": {
        "allOf": [_ref("Task"), {"type": "object", "properties": {
            "form_schema": {"type": ["object", "null"], "description": "The form's JSON Schema."},
            "form_ui_schema": {"type": ["object", "null"]}}}],
    },
    "Incident": {
        "type": "object",
        "properties": {"incident_id": {"type": "integer"}, "instance_id": {"type": "integer"},
                       "process_key": {"type": "string"}, "bpmn_id": {"type": "string"},
                       "task_title": {"type": "string"}, "file_name": {"type": "string"},
                       "error_type": {"type": "string"}, "error_message": {"type": "string"},
                       "data_seen": {"type": "object"}, "status": {"type": "string", "enum": ["open", "resolved"]},
                       "created_at": _DATE_TIME, "resolved_at": _NULLABLE_DATE_TIME,
                       "resolved_by": _NULLABLE_STRING},
    },
    "Instance": {
        "type": "object",
        "properties": {"instance_id": {"type": "integer"}, "process_key": {"type": "string"},
                       "version": {"type": "integer"}, "business_key": _NULLABLE_STRING, "title": {"type": "string"},
                       "status": {"type": "string",
                                  "enum": list(INSTANCE_STATUSES)},
                       "current_steps": {"type": "array", "items": {"type": "string"}},
                       "next_due_at": _NULLABLE_DATE_TIME, "started_by": {"type": "string"},
                       "started_at": _DATE_TIME, "updated_at": _DATE_TIME, "ended_at": _NULLABLE_DATE_TIME,
                       "lock_version": {"type": "integer"},
                       "open_tasks": {"type": "array", "items": _ref("Task")},
                       "incidents": {"type": "array", "items": _ref("Incident")}},
    },
    "AuditEvent": {
        "type": "object",
        "properties": {"at": _DATE_TIME, "actor": {"type": "string"}, "action": {"type": "string"},
                       "bpmn_id": _NULLABLE_STRING, "changes": {"type": "object"}, "detail": {"type": "string"}},
    },
    "Timer": {
        "type": "object",
        "properties": {"timer_id": {"type": "integer"}, "instance_id": {"type": ["integer", "null"]},
                       "process_key": {"type": "string"}, "bpmn_id": {"type": "string"}, "kind": {"type": "string"},
                       "due_at": _DATE_TIME},
    },
    "Message": {
        "type": "object", "required": ["name"],
        "properties": {"name": {"type": "string", "description": "The BPMN message name."},
                       "correlation": {"type": "object", "description": "Correlation property -> value."},
                       "payload": {"type": "object", "description": "Data the receiving instance gets."}},
    },
}

PATHS: dict[str, Any] = {
    "/api/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document.", "security": [],
        "responses": {"200": _ok("The OpenAPI 3.1 document.", {"type": "object"})}}},
    "/api/processes": {"get": {
        "operationId": "processes", "summary": "Deployed process versions.",
        "parameters": [_query("process", "Only this process key.", {"type": "string"})],
        "responses": {"200": _ok("Every version, by process key and number.", _items("Version")), **_errors(*_COMMON)}}},
    "/api/instances": {"get": {
        "operationId": "instances", "summary": "Process instances, most recently changed first.",
        "description": _OVERSEER,
        "parameters": [_query("status", "Only instances in this status.", {"type": "string",
                                                                      "enum": list(INSTANCE_STATUSES)}),
                       _query("process", "Only this process key.", {"type": "string"}),
                       _query("business_key", "Only this business key (tracking number).", {"type": "string"}),
                       _LIMIT, _OFFSET],
        "responses": {"200": _ok("A page of instances (without their tasks).", _paged("Instance")),
                      **_errors(400, 403, *_COMMON)}}},
    "/api/instances/{instance_id}": {"get": {
        "operationId": "instance", "summary": "One instance with its open tasks and incidents.",
        "description": _OVERSEER, "parameters": [_INSTANCE_ID],
        "responses": {"200": _ok("The instance.", _ref("Instance")), **_errors(403, 404, *_COMMON)}}},
    "/api/instances/{instance_id}/audit": {"get": {
        "operationId": "audit", "summary": "The instance's audit trail, oldest first.",
        "description": _OVERSEER, "parameters": [_INSTANCE_ID],
        "responses": {"200": _ok("Who did what, when, and the data it changed.", _items("AuditEvent")),
                      **_errors(403, 404, *_COMMON)}}},
    "/api/tasks": {"get": {
        "operationId": "tasks", "summary": "Tasks for the caller's roles (every task for an administrator).",
        "parameters": [_query("status", "Task status (default open).", {"type": "string", "enum": [
                           "open", "completed", "cancelled"]}),
                       _query("mine", "Only tasks assigned to the caller.", {"type": "boolean"}),
                       _query("instance_id", "Only this instance's tasks.", _ROW_ID),
                       _LIMIT, _OFFSET],
        "responses": {"200": _ok("A page of tasks, oldest first.", _paged("Task")), **_errors(400, *_COMMON)}}},
    "/api/tasks/{task_id}": {"get": {
        "operationId": "task", "summary": "One task with its form's JSON Schema.", "parameters": [_TASK_ID],
        "responses": {"200": _ok("The task.", _ref("TaskWithForm")), **_errors(403, 404, *_COMMON)}}},
    "/api/tasks/{task_id}/claim": {"post": {
        "operationId": "claim_task", "summary": "Assign the task to the caller.", "parameters": [_TASK_ID],
        "responses": {"200": _ok("The claimed task.", _ref("Task")), **_errors(400, 403, 404, 409, *_COMMON)}}},
    "/api/tasks/{task_id}/unclaim": {"post": {
        "operationId": "unclaim_task", "summary": "Put the task back in the shared inbox.", "parameters": [_TASK_ID],
        "responses": {"200": _ok("The task, unassigned.", _ref("Task")), **_errors(400, 403, 404, 409, *_COMMON)}}},
    "/api/tasks/{task_id}/assign": {"post": {
        "operationId": "assign_task", "summary": "Delegate or reassign the task.",
        "description": "The person who claimed the task may delegate it to another active member of staff who "
                       "holds its candidate role; a supervisor (administrator, city_clerk, records_manager) may "
                       "reassign any open task to such a person, or put it back in the shared inbox "
                       "(`assignee: null`). One audit event names who gave it to whom.",
        "parameters": [_TASK_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["assignee"],
            "properties": {"assignee": {"type": ["string", "null"],
                                        "description": "The username of the new assignee; null: the shared inbox."}}}}}},
        "responses": {"200": _ok("The task, with its new assignee.", _ref("Task")),
                      **_errors(400, 403, 404, 409, 422, *_COMMON)}}},
    "/api/tasks/{task_id}/complete": {"post": {
        "operationId": "complete_task", "summary": "Complete the task with its form's data.",
        "parameters": [_TASK_ID],
        "requestBody": {"required": True, "description": "The form data; GET /api/tasks/{task_id} gives its schema.",
                        "content": {"application/json": {"schema": {"type": "object"}}}},
        "responses": {"200": _ok("The instance after the task (and every automatic step after it).",
                                 _ref("Instance")), **_errors(400, 403, 404, 409, 422, *_COMMON)}}},
    "/api/tasks/{task_id}/comments": {
        "get": {"operationId": "comments", "summary": "The staff-only comments on the task's request, oldest first.",
                "parameters": [_TASK_ID],
                "responses": {"200": _ok("The comments.", _items("Comment")), **_errors(403, 404, *_COMMON)}},
        "post": {"operationId": "add_task_comment", "summary": "Add a comment to the task's request (never edited).",
                 "parameters": [_TASK_ID],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {
                     "type": "object", "required": ["text"],
                     "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 5000}}}}}},
                 "responses": {"201": _ok("The comment.", _ref("Comment")),
                               **_errors(400, 403, 404, 422, *_COMMON)}}},
    "/api/tasks/{task_id}/attachments": {
        "get": {"operationId": "attachments", "summary": "The files attached to the task's request.",
                "parameters": [_TASK_ID],
                "responses": {"200": _ok("The attachments.", _items("Attachment")), **_errors(403, 404, *_COMMON)}},
        "post": {"operationId": "attach_files", "summary": "Attach files to the task's request, all or none.",
                 "description": "PDF, PNG, JPEG, plain text, CSV and office documents, each within the size limit; "
                                "the type is checked from the content as well as the name.",
                 "parameters": [_TASK_ID],
                 "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                     "type": "object", "required": ["file"],
                     "properties": {"file": {"type": "array", "items": {"type": "string",
                                                                         "contentMediaType": "application/octet-stream"}}}}}}},
                 "responses": {"201": _ok("The new attachments.", _items("Attachment")),
                               **_errors(400, 403, 404, 422, *_COMMON)}}},
    "/api/tasks/{task_id}/attachments/{attachment_id}": {"get": {
        "operationId": "attachment_content", "summary": "Download one attachment (always as a download).",
        "parameters": [_TASK_ID, _path_id("attachment_id", "attachment")],
        "responses": {"200": {"description": "The file's bytes, with its content type.",
                              "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                  "contentMediaType": "application/octet-stream"}}}},
                      **_errors(403, 404, *_COMMON)}}},
    "/api/messages": {"post": {
        "operationId": "deliver_message", "summary": "Deliver a message to the instances waiting for it.",
        "description": "As the account, with its roles: the city's message rules decide who may send which message "
                       "(403) and check its payload (422 naming the field). payment_received: clerks, the City "
                       "Clerk, finance, records custodians and administrators (an office's custodian for its "
                       "requests only); amount as text such as \"30.00\", more than 0.00, at most two decimals, "
                       "at most 100,000.00 (docs/api.md).",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Message")}}},
        "responses": {"200": _ok("The instances that received it.", {
                          "type": "object", "properties": {"instance_ids": {"type": "array",
                                                                            "items": {"type": "integer"}}}}),
                      **_errors(400, 403, 404, 409, 422, *_COMMON)}}},
    "/api/timers": {"get": {
        "operationId": "timers", "summary": "Waiting timers, soonest first.", "description": _OVERSEER,
        "parameters": [_query("instance_id", "Only this instance's timers.", _ROW_ID), _LIMIT],
        "responses": {"200": _ok("The timers.", _items("Timer")), **_errors(400, 403, *_COMMON)}}},
    "/api/incidents": {"get": {
        "operationId": "incidents", "summary": "Incidents, newest first.", "description": _OVERSEER,
        "parameters": [_query("status", "open (default), resolved or all.", {"type": "string", "enum": [
                           "open", "resolved", "all"]}),
                       _query("instance_id", "Only this instance's incidents.", _ROW_ID), _LIMIT],
        "responses": {"200": _ok("The incidents.", _items("Incident")), **_errors(400, 403, *_COMMON)}}},
    "/api/incidents/{incident_id}/retry": {"post": {
        "operationId": "retry_incident", "summary": "Run the failed task again.", "description": _ADMIN,
        "parameters": [_INCIDENT_ID],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"data_patch": {"type": "object",
                                                            "description": "Corrected data, set first."}}}}}},
        "responses": {"200": _ok("The instance after the retry (status incident if it failed again).",
                                 _ref("Instance")), **_errors(400, 403, 404, 409, 422, *_COMMON)}}},
}
for _action, _summary in (("suspend", "Suspend the instance."), ("resume", "Resume a suspended instance."),
                          ("terminate", "Terminate the instance (a reason is required).")):
    PATHS[f"/api/instances/{{instance_id}}/{_action}"] = {"post": {
        "operationId": f"{_action}_instance", "summary": _summary, "description": _ADMIN,
        "parameters": [_INSTANCE_ID], "requestBody": _REASON_BODY,
        "responses": {"200": _ok("The instance, changed.", _ref("Instance")),
                      **_errors(400, 403, 404, 409, 422, *_COMMON)}}}

# Repairs (issue 18, web/api/repairs.py): migrate to another version, skip a step, move back.
_WAIT = {"type": "object", "properties": {
    "bpmn_id": {"type": "string"}, "title": {"type": "string"},
    "kind": {"type": "string", "enum": ["user task", "timer", "message", "incident", "sub-process", "step"]},
    "target_bpmn_id": {**_NULLABLE_STRING, "description": "Where it goes in the target; null: nowhere, map it."},
    "restarts": {"type": "boolean", "description": "Its element changed (or it failed): it starts again."}}}
SCHEMAS["MigrationCheck"] = {"type": "object", "properties": {
    "instance_id": {"type": "integer"}, "title": {"type": "string"}, "from_version": {"type": "integer"},
    "to_version": {"type": "integer"}, "waits": {"type": "array", "items": _WAIT},
    "problem": {"type": "string", "description": "Why it cannot move (empty when it can)."},
    "movable": {"type": "boolean"}}}
SCHEMAS["MigrationOutcome"] = {"type": "object", "properties": {
    "instance_id": {"type": "integer"}, "title": {"type": "string"}, "moved": {"type": "boolean"},
    "message": {"type": "string", "description": "Its status after the move, or why it did not move."}}}
_MIGRATION_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["to_version"], "properties": {
        "to_version": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID,
                       "description": "The version of the same process to move to."},
        "mapping": {"type": "object", "additionalProperties": {"type": "string"},
                    "description": "For each step the target lacks: the target's step it goes to."},
        "reason": {"type": "string", "description": "Goes into the audit trail."},
        "dry_run": {"type": "boolean", "description": "Only check: say what would move, change nothing."}}}}}}
_MIGRATION_ANSWER = {"anyOf": [_ref("Instance"), _ref("MigrationCheck")]}
PATHS["/api/instances/{instance_id}/migrate"] = {"post": {
    "operationId": "migrate_instance", "summary": "Move the instance to another version of its process.",
    "description": _ADMIN + " Checked first: every step it waits at must be in the target, or mapped. With dry_run, "
                   "the check alone.",
    "parameters": [_INSTANCE_ID], "requestBody": _MIGRATION_BODY,
    "responses": {"200": _ok("The instance on its new version (dry run: the check).", _MIGRATION_ANSWER),
                  **_errors(400, 403, 404, 409, 422, *_COMMON)}}}
PATHS["/api/processes/{process_key}/versions/{version}/migrate"] = {"post": {
    "operationId": "migrate_version", "summary": "Move every running instance of a version, each on its own.",
    "description": _ADMIN + " Each instance is checked and moved in a transaction of its own; one that cannot move "
                   "stays and says why. With dry_run, each one's check.",
    "parameters": [{"name": "process_key", "in": "path", "required": True, "schema": {"type": "string"}},
                   _path_id("version", "process version number")],
    "requestBody": _MIGRATION_BODY,
    "responses": {"200": _ok("What became of each instance (dry run: each one's check).",
                             {"type": "object", "properties": {"items": {"type": "array", "items": {
                                 "anyOf": [_ref("MigrationOutcome"), _ref("MigrationCheck")]}}}}),
                  **_errors(400, 403, 404, 409, 422, *_COMMON)}}}
for _action, _summary in (("skip", "Complete the step the instance waits at without running it."),
                          ("move_back", "Take the instance back to a step it completed; it runs again.")):
    PATHS[f"/api/instances/{{instance_id}}/{_action}"] = {"post": {
        "operationId": f"{_action}_step", "summary": _summary, "description": _ADMIN,
        "parameters": [_INSTANCE_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["bpmn_id", "reason"], "properties": {
                "bpmn_id": {"type": "string", "description": "The step's id in the diagram."},
                "reason": {"type": "string", "description": "Required; goes into the audit trail."}}}}}},
        "responses": {"200": _ok("The instance, changed.", _ref("Instance")),
                      **_errors(400, 403, 404, 409, 422, *_COMMON)}}}

# Every POST takes an Idempotency-Key (docs/api.md "Retrying a POST safely", web/api/idempotency.py).
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "A key the client makes for this one request (a UUID, say), kept 24 hours for the account: a retry "
                   "with the same key and the same request gets the first answer again (header Idempotent-Replayed: "
                   "true) without running twice; the same key on a different request is 422 "
                   "(idempotency_key_reused), and while the first still runs 409 (idempotency_key_in_progress). A "
                   "retry of a request that died before committing runs it after two minutes; of one that died "
                   "after, is 409 (idempotency_key_answer_lost) and runs nothing.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]+$"}}
for _path_item in PATHS.values():
    if "post" in _path_item:
        _post = _path_item["post"]
        _post["parameters"] = [*_post.get("parameters", []), _IDEMPOTENCY_KEY]
        _post["responses"] = {**_post["responses"], **_errors(400, 409, 422)}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Clerkflow API", "version": VERSION,
             "description": "JSON for the inbox and the administration of Clerkflow (docs/api.md)."},
    "servers": [{"url": "/"}],
    "security": [{"bearerToken": []}, {"session": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {
            "bearerToken": {"type": "http", "scheme": "bearer",
                            "description": "A staff account's API token (`flask api create-token`)."},
            "session": {"type": "apiKey", "in": "cookie", "name": "session",
                        "description": "A signed-in browser; POSTs also need the X-CSRF-Token header."},
        },
        "schemas": SCHEMAS,
        "responses": {name: {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}
                      for name, description in _ERROR_RESPONSES.values()},
    },
}


def document() -> dict[str, Any]:
    """A copy of the document (callers may change theirs)."""
    return copy.deepcopy(DOCUMENT)
