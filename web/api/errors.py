"""Every failure of an API call as `{"error": {"code", "message", "fields"}}` with its HTTP status.

The blueprint's handlers take precedence over the app's pages (`web.errors`) for every request
routed to the API, including refusals raised before the view (CSRF, roles). Addresses under /api
that match no route reach them through the app's handlers (`web.errors`): JSON 404, or 405 with
`Allow`, for anyone signed in or holding a valid token, 401 for a stranger; a POST there is answered
so too, never with the CSRF refusal, since nothing could have run. A database out of reach is 503
with `Retry-After` (`web.errors.render_database_failure`).
"""
from __future__ import annotations

import logging
import uuid
from types import SimpleNamespace

from flask import g, jsonify, request, session
from sqlalchemy.exc import DBAPIError, DisconnectionError
from werkzeug.exceptions import HTTPException

from engine import (ClerkflowError, Conflict, DeployRefused, FormInvalid, InvalidState, MessageNotDeliverable,
                           NotAllowed, NotFound, json_too_deep)
from web import errors as pages
from web.api.blueprint import bp
from web.auth import SESSION_KEY, load_signed_in_staff, to_sign_in
from web.csrf import CsrfRefused

log = logging.getLogger(__name__)

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "unprocessable", 429: "too_many_requests",
         500: "internal_error", 503: "database_unavailable"}
ERROR_CODES = ((FormInvalid, "form_invalid"), (MessageNotDeliverable, "message_not_deliverable"),
               (InvalidState, "invalid_state"), (Conflict, "conflict"), (NotAllowed, "forbidden"),
               (NotFound, "not_found"), (DeployRefused, "deploy_refused"), (CsrfRefused, "csrf_refused"))


class ApiError(ClerkflowError):
    """A refusal of the API itself (a bad query parameter or body): `status`, `code` and per-field problems."""

    def __init__(self, message: str, *, status: int = 400, code: str | None = None,
                 fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.fields = dict(fields or {})


def refuse_a_body_too_deep() -> None:
    """Refuse (422) a JSON body nested deeper than task data may be, before it is parsed: parsing it would
    run out of Python's stack."""
    if problem := json_too_deep(request.get_data(cache=True), "The request body"):
        raise ApiError(problem, status=422)


def error_response(status: int, code: str, message: str, *, fields: dict | None = None, **extra):
    response = jsonify(error={"code": code, "message": message, "fields": dict(fields or {}), **extra})
    response.status_code = status
    return response


@bp.errorhandler(ClerkflowError)
def clerkflow_error(error: ClerkflowError):
    if isinstance(error, CsrfRefused) and request.routing_exception is not None:
        # No route takes this address (or this method): nothing could have run, so say that (404, or 405
        # with Allow) to whoever the credentials name, and 401 to a stranger, as for a GET.
        load_signed_in_staff()
        return http_error(request.routing_exception) if g.staff is not None else to_sign_in()
    if isinstance(error, CsrfRefused) and session.get(SESSION_KEY) is None:
        # Refused before anyone looked at credentials: a caller with neither a token nor a session needs to
        # hear that it must authenticate (401), not that a form expired. Nothing ran either way.
        return to_sign_in()
    if isinstance(error, ApiError):
        return error_response(error.status, error.code, error.user_message, fields=error.fields)
    code = next((name for kind, name in ERROR_CODES if isinstance(error, kind)), CODES.get(error.status, "error"))
    fields = error.field_errors if isinstance(error, FormInvalid) else {}
    extra = {"details": error.details} if error.details and not fields else {}
    return error_response(error.status, code, error.user_message, fields=fields, **extra)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    _title, plain = pages.PLAIN_WORDS.get(error.code, (error.name, error.description))
    message = error.description if error.description != type(error).description else plain
    response = error_response(error.code, CODES.get(error.code, "error"), message)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


@bp.errorhandler(DBAPIError)
@bp.errorhandler(DisconnectionError)
def database_failure(error: Exception):
    return pages.render_database_failure(error)


@bp.errorhandler(Exception)
def unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return http_error(error)
    reference = uuid.uuid4().hex[:12]
    log.error("unexpected error (reference %s) on %s %s", reference, request.method, request.path, exc_info=error)
    return error_response(500, "internal_error", "Something went wrong on our side. If it happens again, tell the "
                          f"administrator the reference {reference}.", reference=reference)


# Errors at an address under /api that is none of these routes reach the app's handlers (web.errors),
# which answer them with these.
pages.answer_under_api_with(SimpleNamespace(clerkflow_error=clerkflow_error, http_error=http_error,
                                            unexpected_error=unexpected_error, error_response=error_response))
