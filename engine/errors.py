"""Errors a person can act on.

Every error the engine raises on purpose is a `ClerkflowError`: its message says what
happened and what to do, in the clerk's words. Web and command line show the message;
neither ever shows a traceback. `status` is the HTTP status a web view should use.
"""
from __future__ import annotations

import json
from typing import Any


class ClerkflowError(Exception):
    """Something a person can act on; `user_message` says what happened and what to do."""

    status = 400

    def __init__(self, user_message: str, *, details: list[str] | None = None):
        super().__init__(user_message)
        self.user_message = user_message
        self.details = list(details or [])

    def __str__(self) -> str:
        if not self.details:
            return self.user_message
        return self.user_message + "\n" + "\n".join(f"  - {line}" for line in self.details)


class NotFound(ClerkflowError):
    status = 404


class DeployRefused(ClerkflowError):
    """A diagram (or a form it names) failed validation; `details` lists each located problem."""

    status = 422


class FormInvalid(ClerkflowError):
    """Submitted task data does not satisfy the task's form; `field_errors` maps field -> message."""

    status = 422

    def __init__(self, user_message: str, field_errors: dict[str, str]):
        super().__init__(user_message, details=[f"{field}: {message}" for field, message in field_errors.items()])
        self.field_errors = dict(field_errors)


class Conflict(ClerkflowError):
    """Someone else changed the same instance or task first; reload and try again."""

    status = 409


class NotAllowed(ClerkflowError):
    """The actor may not do this (wrong role, task claimed by someone else)."""

    status = 403


class InvalidState(ClerkflowError):
    """The instance or task is not in a state that allows this (suspended, finished, ...)."""

    status = 409


class MessageNotDeliverable(ClerkflowError):
    """No instance waits for the message and no process starts on it."""

    status = 404


def require_plain_data(what: str, data: Any) -> None:
    """Refuse data that cannot be stored: task data is JSON (SpiffWorkflow keeps it so), dates as ISO text."""
    try:
        json.dumps(data)
    except (TypeError, ValueError) as err:
        raise ClerkflowError(f"{what} cannot be stored: {err}. Give plain values (text, numbers, true/false, "
                             "lists, objects); write a date as ISO 8601 text, e.g. 2026-11-20T09:00:00-06:00.") from None

