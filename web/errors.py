"""One place turns every failure of a request into a page (or JSON, when JSON was asked for).

A `ClerkflowError` is something a person can act on: its message is shown with its status.
HTTP errors (404, 403, ...) get a plain-words page; a 404 page sends staff back to their inbox and
anyone else to the public home page. Anything unexpected is a 500 page with a
reference id; the traceback is logged under that id and never shown. When the database cannot be
reached, every request answers 503 with `Retry-After` (a page, or JSON under /api); the log says once
that the outage began and once that it ended, never a traceback per request. Under /api every answer
is the API's JSON (`web.api.errors`), whether or not the address is one of its routes.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from typing import Protocol

from flask import Flask, current_app, g, has_request_context, jsonify, render_template, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from engine import ClerkflowError, FormInvalid
from web.filestore import human_size
from web.paths import is_api_request

log = logging.getLogger(__name__)

PLAIN_WORDS = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "Your roles do not open this page. Ask an administrator if you need it."),
    404: ("Not found", "There is no such page. Check the address, or go back to your inbox."),
    405: ("Not allowed", "That page cannot be used this way."),
    413: ("Too large", ("The upload is larger than Clerkflow accepts, so nothing was saved. Go back and choose a "
                        "smaller file (or split it into several).")),
}
# A member of the public has no inbox: the home page explains how to ask for records.
PUBLIC_NOT_FOUND = "There is no such page. Check the address, or start again from the home page."


DATABASE_UNAVAILABLE = ("The records system cannot reach its database just now. Nothing you sent was lost if you "
                        "see this page; try again in a minute.")
DATABASE_RETRY_AFTER = 30      # seconds, in the 503's Retry-After
# SQLite's words for "the file cannot be reached" (its other OperationalErrors are mistakes in the program).
SQLITE_UNREACHABLE = ("unable to open database file", "disk i/o error")


def init_errors(app: Flask) -> None:
    app.register_error_handler(ClerkflowError, render_clerkflow_error)
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(DBAPIError, render_database_failure)
    app.register_error_handler(DisconnectionError, render_database_failure)
    app.register_error_handler(Exception, render_unexpected_error)
    app.after_request(note_database_answered)
    if not event.contains(Engine, "engine_connect", _note_database_used):
        event.listen(Engine, "engine_connect", _note_database_used)


class ApiAnswers(Protocol):
    """How the API answers an error under /api (`web.api.errors`): JSON in its one shape, never a page."""

    def clerkflow_error(self, error: ClerkflowError): ...
    def http_error(self, error: HTTPException): ...
    def unexpected_error(self, error: Exception): ...
    def error_response(self, status: int, code: str, message: str): ...


_api_answers: list[ApiAnswers] = []


def answer_under_api_with(answers: ApiAnswers) -> None:
    """Errors at an address under /api that is none of the API's routes are answered by `answers`; the API
    registers itself here, so this module, which the API builds on, never imports it."""
    _api_answers[:] = [answers]


def _api_errors() -> ApiAnswers:
    if not _api_answers:
        raise RuntimeError("the API has not registered its error answers (web.api not imported)")
    return _api_answers[0]


def wants_json() -> bool:
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"


def render_clerkflow_error(error: ClerkflowError):
    if is_api_request():        # an address under /api that is none of its routes (its routes have their own)
        return _api_errors().clerkflow_error(error)
    if wants_json():
        body = {"error": type(error).__name__, "message": error.user_message, "details": error.details}
        if isinstance(error, FormInvalid):
            body["field_errors"] = error.field_errors
        return jsonify(body), error.status
    return _page(error.status, _title_for(error.status), error.user_message, details=error.details)


def render_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if is_api_request():
        return _api_errors().http_error(error)
    title, plain = PLAIN_WORDS.get(error.code, (error.name, error.description))
    if error.code == 413:
        plain = _too_large()
    elif error.code == 404 and g.get("staff") is None:
        plain = PUBLIC_NOT_FOUND
    # A view that aborts with its own description says something more useful than the generic text.
    message = error.description if error.description != type(error).description else plain
    if wants_json():
        return jsonify(error=error.name, message=message), error.code
    return _page(error.code, title, message)


def render_unexpected_error(error: Exception):
    if isinstance(error, HTTPException):     # only when no more specific handler took it
        return render_http_error(error)
    if is_api_request():
        return _api_errors().unexpected_error(error)
    reference = uuid.uuid4().hex[:12]
    log.error("unexpected error (reference %s) on %s %s", reference, request.method, request.path, exc_info=error)
    message = (f"Something went wrong on our side. Reload the page to see what was saved; if it happens again, "
               f"tell the administrator the reference {reference}.")
    if wants_json():
        return jsonify(error="internal_error", message=message, reference=reference), 500
    return _page(500, "Something went wrong", message, reference=reference)


# ----------------------------------------------------------------------------- the database out of reach

class _Outage:
    """Whether the last request that needed the database found it out of reach; one lock for the process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False

    def began(self, error: Exception) -> None:
        with self.lock:
            if self.down:
                return
            self.down = True
        log.warning("the database cannot be reached (%s: %s); answering 503 until it can", type(error).__name__,
                    _first_line(error))

    def ended(self) -> None:
        with self.lock:
            if not self.down:
                return
            self.down = False
        log.info("the database is reachable again; answering as usual")


OUTAGE = _Outage()


def database_unreachable(error: BaseException) -> bool:
    """True when `error` says the database cannot be reached (not that a statement was wrong)."""
    if isinstance(error, DisconnectionError):
        return True
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    if error.connection_invalidated:
        return True
    if isinstance(error.orig, sqlite3.Error):
        return any(words in str(error.orig).lower() for words in SQLITE_UNREACHABLE)
    return True


def render_database_failure(error: Exception):
    if not database_unreachable(error):
        return render_unexpected_error(error)
    OUTAGE.began(error)
    g.database_unreachable = True
    g.retry_after = DATABASE_RETRY_AFTER     # kept through the rate limiter's headers (web.api.limits)
    if is_api_request():
        response = _api_errors().error_response(503, "database_unavailable", DATABASE_UNAVAILABLE)
    else:
        response = current_app.make_response(_page(503, "Try again in a minute", DATABASE_UNAVAILABLE))
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def note_database_answered(response):
    """A request that used the database and was not refused for it ends an outage."""
    if OUTAGE.down and g.get("database_used") and not g.get("database_unreachable") and response.status_code < 500:
        OUTAGE.ended()
    return response


def _note_database_used(connection, *_args) -> None:
    if has_request_context():
        g.database_used = True


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0][:200] if text else ""


def _page(status: int, title: str, message: str, *, details=(), reference: str | None = None):
    return render_template("errors/error.html", status=status, title=title, message=message, details=details,
                           reference=reference), status


def _too_large() -> str:
    """The 413 text, naming the file size limit in force (`MAX_FILE_BYTES`, web/config.py)."""
    limit = current_app.config.get("MAX_FILE_BYTES")
    if not limit:
        return PLAIN_WORDS[413][1]
    return (f"The upload is larger than Clerkflow accepts (a file may be at most {human_size(int(limit))}), so "
            "nothing was saved. Go back and choose a smaller file, or split it into several.")


def _title_for(status: int) -> str:
    return {403: "Not allowed", 404: "Not found", 409: "Someone got there first", 422: "Please check the form"
            }.get(status, "That did not work")
