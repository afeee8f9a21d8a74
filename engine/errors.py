"""Errors a person can act on.

Every error the engine raises on purpose is a `ClerkflowError`: its message says what
happened and what to do, in the clerk's words. Web and command line show the message;
neither ever shows a traceback. `status` is the HTTP status a web view should use.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from engine.nesting import MAX_DEPTH, depth_of, too_deep_message


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
    """Refuse data that cannot be stored: task data is JSON (SpiffWorkflow keeps it so), dates as ISO text,
    and text holds no control character but tab and line breaks (`FormInvalid`, naming each field).

    Every way in goes through here (the portal, task forms, the API, the command line), so a NUL byte
    is refused with the same words on every database instead of failing PostgreSQL's insert; and data
    nested deeper than `nesting.MAX_DEPTH` levels, which no step could copy or store."""
    if depth_of(data) > MAX_DEPTH:
        raise ClerkflowError(too_deep_message(what) + ". Send the values flatter.")
    try:
        json.dumps(data)
    except (TypeError, ValueError) as err:
        raise ClerkflowError(f"{what} cannot be stored: {err}. Give plain values (text, numbers, true/false, "
                             "lists, objects); write a date as ISO 8601 text, e.g. 2026-11-20T09:00:00-06:00.") from None
    field_errors = dict(_unstorable_text(data, ""))
    if field_errors:
        named = ", ".join(f'"{field}"' for field in field_errors)
        raise FormInvalid(f"{what} was not saved: {named} {'holds' if len(field_errors) == 1 else 'hold'} a "
                          "character that cannot be stored (an invisible control character, such as the NUL "
                          "byte). Remove it and send it again; tabs and line breaks are fine.", field_errors)


# C0 control characters but tab, line feed and carriage return; and halves of surrogate pairs, which
# are not text at all (JSON can spell them, "\ud800", and no database encodes them).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _unstorable_text(data: Any, path: str) -> Iterator[tuple[str, str]]:
    """(field path, problem) for each text in `data` holding a character no database stores; a path is
    dotted as form errors are ("search_hours.1.hours")."""
    if isinstance(data, str):
        found = _UNSTORABLE.search(data)
        if found:
            yield path or "(value)", _problem_with(found.group())
    elif isinstance(data, dict):
        for key, value in data.items():
            shown = _UNSTORABLE.sub("\ufffd", str(key))   # never repeat the character in the message
            field = f"{path}.{shown}" if path else shown
            if isinstance(key, str) and _UNSTORABLE.search(key):
                yield field, "has a name holding a character that cannot be stored"
            yield from _unstorable_text(value, field)
    elif isinstance(data, (list, tuple)):
        for index, value in enumerate(data):
            yield from _unstorable_text(value, f"{path}.{index}" if path else str(index))


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, in plain words ("holds an invisible control character ..."), or None."""
    found = _UNSTORABLE.search(text)
    return _problem_with(found.group()) if found else None


def without_unstorable(text: str) -> str:
    """`text` with every character no database stores taken out (for a search, which stores nothing)."""
    return _UNSTORABLE.sub("", text)


def _problem_with(character: str) -> str:
    code = f"U+{ord(character):04X}"
    if "\ud800" <= character <= "\udfff":
        return f"holds a broken character ({code}, half of a pair) that cannot be stored: remove it"
    return (f"holds an invisible control character ({code}) that cannot be stored: remove it "
            "(tabs and line breaks are fine)")
