"""Where ids and paging numbers enter, numbers no row can have are refused before any query runs.

Every table's id is a 32-bit integer (PostgreSQL `integer`), so an id past `MAX_ROW_ID` names no row:
such an address is simply not found (404), after sign-in is checked as for any address. (The check is
here rather than a `max` on the converter: werkzeug answers 405 when a route for another method
matches the same address, and an id is not a method.) A
query-string number of the paging and filter kind (`offset`, `limit`, `page`, `instance_id`, ...) that
large is a bad request (400, JSON under /api) instead of reaching the database and failing there
(SQLite cannot even bind an integer past 64 bits).
"""
from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

from web.paths import is_api_request

MAX_ROW_ID = 2**31 - 1
# The numbers that reach a query: paging (API and pages) and the id filters (query string and admin forms).
BOUNDED_ARGUMENTS = ("offset", "limit", "page", "instance_id", "task_id", "from", "to")


class RowIdConverter(IntegerConverter):
    """`<int:name>` that turns any run of digits into a number, however long (`MAX_ROW_ID + 1` past 18
    digits, where Python would refuse thousands of them); `refuse_numbers_out_of_range` answers 404."""

    def to_python(self, value: str) -> int:
        return MAX_ROW_ID + 1 if len(value) > 18 else super().to_python(value)


def out_of_range(raw: str | None) -> bool:
    """True for a whole number (as sent) no row id, offset or page can reach: negative, or past `MAX_ROW_ID`."""
    text = (raw or "").strip()
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):      # not a whole number: the view says so
        return False
    return (text.startswith("-") and int(digits) > 0) or len(digits) > 10 or int(digits) > MAX_ROW_ID


def refuse_numbers_out_of_range() -> None:
    if any(isinstance(value, int) and value > MAX_ROW_ID for value in (request.view_args or {}).values()):
        abort(404)
    sent = [(name, request.args.get(name)) for name in BOUNDED_ARGUMENTS]
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent.append(("instance_id", request.form.get("instance_id")))
    for name, raw in sent:
        if out_of_range(raw):
            message = f"{name} must be a whole number from 0 to {MAX_ROW_ID}; nothing has a larger one."
            if is_api_request():
                from web.api.errors import ApiError    # the API's JSON shape; web.api imports this app's pages
                raise ApiError(message, fields={name: f"0 to {MAX_ROW_ID}."})
            abort(400, description=message)


def init_id_bounds(app: Flask) -> None:
    """Before any route is added (the app's `int` converter is `RowIdConverter`) and after sign-in."""
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(refuse_numbers_out_of_range)
