"""How deep task data may nest: lists and objects inside each other, at most `MAX_DEPTH` levels.

Deeper data cannot be copied, stored or shown without running out of Python's stack (a
RecursionError), so every way in refuses it first: scripts (engine/script_limits.py), the
data of a start, a task's form and a message (`errors.require_plain_data`), and JSON text
before it is parsed (`text_depth`, for the API and the forms that take JSON).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

MAX_DEPTH = 100


def depth_of(value, limit: int = MAX_DEPTH) -> int:
    """How many lists and dicts deep `value` goes, counted without recursion; stops counting past `limit`."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, Mapping):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > limit:
            return deepest
        pending.extend((child, level + 1) for child in children)
    return deepest


def text_depth(text: str | bytes, limit: int = MAX_DEPTH) -> int:
    """How deep the arrays and objects of JSON text go (its strings skipped), read without parsing it;
    stops counting past `limit`. Malformed text is counted all the same: parsing it says what is wrong."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    level = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        level += 1 if bracket in "[{" else -1
        if level > deepest:
            deepest = level
            if deepest > limit:
                break
    return deepest


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def json_too_deep(text: str | bytes, what: str) -> str | None:
    """What is wrong with JSON text nested deeper than task data may be (read before parsing it, which would run
    out of Python's stack), naming it `what`; None when it is not."""
    return too_deep_message(what) + "." if text_depth(text) > MAX_DEPTH else None


def too_deep_message(what: str) -> str:
    return (f"{what} is nested more than {MAX_DEPTH} levels deep (lists and objects inside each other); "
            f"at most {MAX_DEPTH} levels can be stored")
