"""One place turns every failure of a request into a page (or JSON, when JSON was asked for).

A `ClerkflowError` is something a person can act on: its message is shown with its status.
HTTP errors (404, 403, ...) get a plain-words page; a 404 page sends staff back to their inbox and
anyone else to the public home page. Anything unexpected is a 500 page with a
reference id; the traceback is logged under that id and never shown.
"""
from __future__ import annotations

import logging
import uuid

from flask import Flask, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from engine import ClerkflowError, FormInvalid
from web.filestore import human_size

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


def init_errors(app: Flask) -> None:
    app.register_error_handler(ClerkflowError, render_clerkflow_error)
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(Exception, render_unexpected_error)


def wants_json() -> bool:
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"


def render_clerkflow_error(error: ClerkflowError):
    if wants_json():
        body = {"error": type(error).__name__, "message": error.user_message, "details": error.details}
        if isinstance(error, FormInvalid):
            body["field_errors"] = error.field_errors
        return jsonify(body), error.status
    return _page(error.status, _title_for(error.status), error.user_message, details=error.details)


def render_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
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
    reference = uuid.uuid4().hex[:12]
    log.error("unexpected error (reference %s) on %s %s", reference, request.method, request.path, exc_info=error)
    message = (f"Something went wrong on our side. Reload the page to see what was saved; if it happens again, "
               f"tell the administrator the reference {reference}.")
    if wants_json():
        return jsonify(error="internal_error", message=message, reference=reference), 500
    return _page(500, "Something went wrong", message, reference=reference)


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
