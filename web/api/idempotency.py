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
- The request's effect and the mark that it happened (`applied_at`) commit in one transaction: the engine
  runs our write alongside each of its commits (`ProcessEngine.alongside_each_commit`), and so does the
  web's own session (comments, attachments). So a request killed before its commit left nothing done, and
  one killed after it left the mark.
- A key whose request died (no answer, no mark, held longer than `LEASE`) is taken over by the retry, which
  runs the request itself. The row names the request holding it (`holder`, a random token) and the mark is
  written only by that holder: if the first request was not dead but slow, its commit is refused (409) and
  nothing runs twice. A retry of a request that was carried out but died before answering is told so
  (409 "answer lost") and nothing runs again.
- An answer of 500 or more is not kept (the call did nothing, or nobody knows what), nor a 409 or 429 (a
  race lost, too many requests: nothing was done and it may work now): the row is removed, so a retry runs
  the call again, unless the effect was committed. Other refusals (4xx) are kept: the same request would
  be refused the same way.
- Keys are kept `KEPT_FOR` (24 hours); older rows are removed lazily, when a request with a key comes.

The body is compared by its content: JSON parsed and written in one order, so spacing and key order do
not matter; multipart uploads by their fields and each file's sha256, so a new boundary does not either.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from contextlib import ExitStack
from datetime import timedelta
from functools import partial

from flask import Response, g, has_request_context, request
from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine import Conflict, clock
from web.current import process_engine
from web.api.blueprint import bp
from web.api.errors import ApiError, error_response
from web.models import db
from web.models_api import ApiIdempotency

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_FOR = timedelta(hours=24)
TRY_AGAIN = (409, 429)          # a race lost or too many requests: nothing was done, and a retry may succeed
LEASE = timedelta(minutes=2)        # no request runs this long: a key held longer belongs to a request that died
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")
TABLE = ApiIdempotency.__table__
HELD = "api_idempotency_held"       # g: (row id, holder) of this request's key, while it runs
ALONGSIDE = "api_idempotency_alongside"     # g: the engine's hook running the mark alongside its commits


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
    holder = secrets.token_hex(16)
    try:
        with db.engine.begin() as connection:     # its own transaction, committed before the request runs
            connection.execute(delete(TABLE).where(TABLE.c.created_at < now - KEPT_FOR))
            row_id = connection.execute(insert(TABLE).values(
                account_id=account_id, idempotency_key=key, method=request.method, path=request.path,
                body_hash=body_hash, created_at=now, holder=holder)).inserted_primary_key[0]
    except IntegrityError:
        earlier = _row(account_id, key)
        refusal = _answer_for_a_retry(earlier, body_hash, now)
        if refusal is not None:
            return refusal
        if not _take_over(earlier, holder, now):
            return _in_progress()
        log.info("took over the Idempotency-Key of a request that died (staff account %s)", account_id)
        row_id = earlier.id
    _hold(row_id, holder)
    return None


@bp.after_request
def keep_the_answer(response: Response) -> Response:
    held = _release()
    if held is None:
        return response
    row_id, holder = held
    mine = (TABLE.c.id == row_id) & (TABLE.c.holder == holder)
    with db.engine.begin() as connection:
        if response.status_code >= 500 or response.status_code in TRY_AGAIN or not response.is_json:
            connection.execute(delete(TABLE).where(mine, TABLE.c.applied_at.is_(None)))
        else:
            connection.execute(update(TABLE).where(mine).values(
                status=response.status_code, response_body=response.get_data(as_text=True)))
    return response


@bp.teardown_request
def release_an_unanswered_key(_error=None) -> None:
    """A request that ended without an answer to keep (it crashed past the error handlers) frees its key,
    unless its effect was committed: then a retry is told so."""
    held = _release()
    if held is not None:
        row_id, holder = held
        with db.engine.begin() as connection:
            connection.execute(delete(TABLE).where(TABLE.c.id == row_id, TABLE.c.holder == holder,
                                                   TABLE.c.status.is_(None), TABLE.c.applied_at.is_(None)))


@event.listens_for(db.session, "before_commit")
def _the_web_sessions_effect_commits_with_its_mark(session) -> None:
    if has_request_context() and (held := g.get(HELD)) is not None:
        _mark_applied(session, *held)


def _hold(row_id: int, holder: str) -> None:
    """Run the mark alongside every engine commit of this request, and the web session's (the listener)."""
    alongside = ExitStack()
    alongside.enter_context(process_engine().alongside_each_commit(partial(_mark_applied, row_id=row_id,
                                                                           holder=holder)))
    g.setdefault(HELD, (row_id, holder))
    g.setdefault(ALONGSIDE, alongside)


def _release() -> tuple[int, str] | None:
    alongside = g.pop(ALONGSIDE, None)
    if alongside is not None:
        alongside.close()
    return g.pop(HELD, None)


def _mark_applied(executor, row_id: int, holder: str) -> None:
    """Inside the effect's transaction: the key's request was carried out. Refuses the commit (Conflict)
    when a retry has taken the key over, so the effect cannot happen twice."""
    marked = executor.execute(update(TABLE).where(TABLE.c.id == row_id, TABLE.c.holder == holder)
                              .values(applied_at=func.coalesce(TABLE.c.applied_at, clock.now())))
    if marked.rowcount != 1:
        raise Conflict(f"This request took so long that a retry with its {HEADER} took it over; this one "
                       "changed nothing. The retry's answer is the one that counts.")


def _row(account_id: int, key: str):
    with db.engine.connect() as connection:
        return connection.execute(select(TABLE).where(TABLE.c.account_id == account_id,
                                                      TABLE.c.idempotency_key == key)).one_or_none()


def _answer_for_a_retry(row, body_hash: str, now) -> Response | None:
    """What a retry is told about its key's earlier request; None when that request died and the key is free."""
    if row is None:      # it expired (or its request failed) between our insert and this read: say try again
        return _in_progress()
    if (row.method, row.path, row.body_hash) != (request.method, request.path, body_hash):
        return error_response(422, "idempotency_key_reused", f"This {HEADER} was used for a different request "
                              f"({row.method} {row.path} with another body). Use a new key for a new request.",
                              fields={HEADER: "Used for a different request."})
    if row.status is not None:
        log.info("replayed the answer kept for an Idempotency-Key of staff account %s", row.account_id)
        response = Response(row.response_body, status=row.status, mimetype="application/json")
        response.headers[REPLAYED_HEADER] = "true"
        return response
    if row.applied_at is not None:
        return error_response(409, "idempotency_key_answer_lost", f"The request with this {HEADER} was carried "
                              f"out at {clock.as_utc(row.applied_at).isoformat()}, but the server stopped before "
                              "it could answer. It will not be carried out again; read what it changed (the "
                              "instance or the task) to see its result.", fields={HEADER: "Carried out already."})
    if clock.as_utc(row.created_at) > now - LEASE:
        return _in_progress()
    return None


def _take_over(row, holder: str, now) -> bool:
    """Hold the key of a request that died; False when another retry took it first (or it woke up)."""
    held_by_it = TABLE.c.holder == row.holder if row.holder is not None else TABLE.c.holder.is_(None)
    with db.engine.begin() as connection:
        taken = connection.execute(update(TABLE).where(
            TABLE.c.id == row.id, held_by_it, TABLE.c.status.is_(None), TABLE.c.applied_at.is_(None),
            TABLE.c.created_at < now - LEASE).values(holder=holder, created_at=now))
    return taken.rowcount == 1


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
        form = sorted(request.form.items(multi=True), key=lambda item: (str(item[0]), str(item[1])))   # None sorts too
        content = json.dumps({"form": form, "files": sorted(files, key=str)})
        return hashlib.sha256(content.encode()).hexdigest()
    raw = request.get_data(cache=True)
    try:
        content = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode() if raw else b""
    except (ValueError, RecursionError):   # not JSON, or nested too deep to read (the view refuses it)
        content = raw
    return hashlib.sha256(content).hexdigest()
