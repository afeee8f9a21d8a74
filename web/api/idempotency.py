"""`Idempotency-Key` on every POST under /api, as payment APIs have it: a client that lost the answer (a
timeout, a dropped connection) sends the same request with the same key again and gets the first answer,
and nothing runs twice (no second payment).

- The key is the client's (a UUID, say): 1 to 255 printable ASCII characters, kept per account (two
  accounts never collide). A POST without the header runs as it always did.
- The first request with a key writes its row (`web.models_api.ApiIdempotency`: method, path, sha256 of
  the body) in a transaction of its own before it runs, so a second request with that key finds it.
  When it has run, its status and JSON answer are stored in the row.
- A retry with the same key and the same request (method, path, body) gets the stored answer again, with
  `Idempotent-Replayed: true`; the same key on a different request is 422; a retry while the first is
  still running is 409 "in progress" (try again shortly).
- An answer of 500 or more is not kept (the call did nothing, or nobody knows what): the row is removed,
  so a retry runs the call again. Refusals (4xx) are kept: the same request would be refused the same way.
- Keys are kept `KEPT_FOR` (24 hours); older rows are removed lazily, when a request with a key comes.

The body is compared by its content: JSON parsed and written in one order, so spacing and key order do
not matter; multipart uploads by their fields and each file's sha256, so a new boundary does not either.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import timedelta

from flask import Response, g, request
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine import clock
from web.api.blueprint import bp
from web.api.errors import ApiError, error_response
from web.models import db
from web.models_api import ApiIdempotency

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_FOR = timedelta(hours=24)
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")
TABLE = ApiIdempotency.__table__
PENDING = "api_idempotency_row"     # g: the row of this request's key, while it runs


@bp.before_request
def replay_or_hold():
    """A POST with a key: the stored answer of an earlier identical request, or a refusal; else hold the key."""
    if request.method != "POST" or HEADER not in request.headers or g.get("staff") is None:
        return None
    key = request.headers[HEADER]
    if not KEY_PATTERN.fullmatch(key):
        raise ApiError(f"The {HEADER} header must be 1 to 255 printable characters (a UUID, for example).",
                       status=400, fields={HEADER: "1 to 255 printable ASCII characters."})
    account_id = g.staff.id
    body_hash = _body_hash()
    now = clock.now()
    try:
        with db.engine.begin() as connection:     # its own transaction, committed before the request runs
            connection.execute(delete(TABLE).where(TABLE.c.created_at < now - KEPT_FOR))
            row_id = connection.execute(insert(TABLE).values(
                account_id=account_id, idempotency_key=key, method=request.method, path=request.path,
                body_hash=body_hash, created_at=now)).inserted_primary_key[0]
    except IntegrityError:
        return _earlier_answer(account_id, key, body_hash)
    g.setdefault(PENDING, row_id)
    return None


@bp.after_request
def keep_the_answer(response: Response) -> Response:
    row_id = g.pop(PENDING, None)
    if row_id is None:
        return response
    with db.engine.begin() as connection:
        if response.status_code >= 500 or not response.is_json:
            connection.execute(delete(TABLE).where(TABLE.c.id == row_id))
        else:
            connection.execute(update(TABLE).where(TABLE.c.id == row_id).values(
                status=response.status_code, response_body=response.get_data(as_text=True)))
    return response


@bp.teardown_request
def release_an_unanswered_key(_error=None) -> None:
    """A request that ended without an answer to keep (it crashed past the error handlers) frees its key."""
    row_id = g.pop(PENDING, None)
    if row_id is not None:
        with db.engine.begin() as connection:
            connection.execute(delete(TABLE).where(TABLE.c.id == row_id, TABLE.c.status.is_(None)))


def _earlier_answer(account_id: int, key: str, body_hash: str) -> Response:
    with db.engine.connect() as connection:
        row = connection.execute(select(TABLE).where(TABLE.c.account_id == account_id,
                                                     TABLE.c.idempotency_key == key)).one_or_none()
    if row is None:      # it expired (or its request failed) between our insert and this read: say try again
        return _in_progress()
    if (row.method, row.path, row.body_hash) != (request.method, request.path, body_hash):
        return error_response(422, "idempotency_key_reused", f"This {HEADER} was used for a different request "
                              f"({row.method} {row.path} with another body). Use a new key for a new request.",
                              fields={HEADER: "Used for a different request."})
    if row.status is None:
        return _in_progress()
    log.info("replayed the answer kept for an Idempotency-Key of staff account %s", account_id)
    response = Response(row.response_body, status=row.status, mimetype="application/json")
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _in_progress() -> Response:
    return error_response(409, "idempotency_key_in_progress", f"A request with this {HEADER} is in progress; "
                          "try again in a moment to get its answer.", fields={HEADER: "In progress."})


def _body_hash() -> str:
    """sha256 of the request's content: canonical JSON, or multipart fields with each file's sha256, or the bytes."""
    if request.mimetype == "multipart/form-data":
        files = []
        for name, upload in request.files.items(multi=True):
            digest = hashlib.sha256(upload.stream.read()).hexdigest()
            upload.stream.seek(0)
            files.append([name, upload.filename or "", digest])
        content = json.dumps({"form": sorted(request.form.items(multi=True)), "files": sorted(files)})
        return hashlib.sha256(content.encode()).hexdigest()
    raw = request.get_data(cache=True)
    try:
        content = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode() if raw else b""
    except ValueError:
        content = raw
    return hashlib.sha256(content).hexdigest()
