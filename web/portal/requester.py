"""The requester's own actions on the status page: download a record released online, answer the office's
question, withdraw the request (web/portal/correspondence.py says what each means). Found only through the
token of the status link, as the status page is; nothing a requester types is logged."""
from __future__ import annotations

import io
import logging

from flask import abort, flash, redirect, render_template, request, send_file, url_for

from web.auth import public
from web.current import process_engine
from web.filestore import file_store
from web.models_correspondence import ANSWERED, REQUESTER, add_message, open_question, record_download
from web.portal.blueprint import bp
from web.portal.correspondence import message_problem, released_records, withdraw_request
from web.portal.views import _access_for, private_page, _status_of, status_page

log = logging.getLogger(__name__)


# -- the requester's pages ---------------------------------------------------------------------------

@bp.get("/status/<token>/records/<int:number>")
@public
def released_record(token: str, number: int):
    """One record released online, as a download for the holder of the link (recorded, never cached)."""
    access = _access_for(token)
    released = released_records(process_engine().audit_trail(access.instance_id))
    if not 1 <= number <= len(released):
        abort(404, description="There is no such record for this request.")
    chosen = released[number - 1].stored
    try:
        with file_store().open(chosen.sha256) as handle:
            content = io.BytesIO(handle.read())
    except FileNotFoundError:
        abort(404, description="This record is no longer kept online. Call or visit the office to get a copy.")
    record_download(access.instance_id, chosen.sha256, chosen.filename)
    log.info("portal: released record %s of %s downloaded", number, access.tracking_number)
    response = send_file(content, mimetype=chosen.content_type, as_attachment=True, download_name=chosen.filename,
                         max_age=0)
    return private_page(response)


@bp.post("/status/<token>/answer")
@public
def answer(token: str):
    """The requester's answer to the office's open question."""
    access = _access_for(token)
    question = open_question(access.instance_id)
    text = request.form.get("answer", "")
    if question is None:
        return status_page(token, access, answer_error="There is no question waiting for your answer.",
                           status=409)
    problem = message_problem(text)
    if problem:
        return status_page(token, access, answer_text=text, answer_error=problem, status=422)
    add_message(access.instance_id, ANSWERED, REQUESTER, text.strip(), task_id=question.task_id,
                answers_id=question.id)
    log.info("portal: the requester of %s answered a question", access.tracking_number)
    flash("Thank you: your answer was sent to the office.", "info")
    return redirect(url_for(".status", token=token, _anchor="messages"))


@bp.route("/status/<token>/withdraw", methods=["GET", "POST"])
@public
def withdraw(token: str):
    """Withdraw the request: a page that asks to confirm, then the request ends as withdrawn."""
    access = _access_for(token)
    status = _status_of(access)
    if not status.may_withdraw:
        return private_page(render_template("portal/withdraw.html", status=status, token=token, refused=True)), 409
    if request.method == "GET":
        return private_page(render_template("portal/withdraw.html", status=status, token=token, refused=False))
    if request.form.get("confirm") != "yes":
        return private_page(render_template("portal/withdraw.html", status=status, token=token, refused=False,
                                        confirm_error="Tick the box to confirm that you withdraw the request.")), 422
    withdraw_request(access.instance_id, access.tracking_number)
    flash("Your request is withdrawn. Nothing more will be done on it.", "info")
    return redirect(url_for(".status", token=token))
