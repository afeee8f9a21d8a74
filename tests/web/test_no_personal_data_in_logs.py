"""Personal data never in the logs (issue 14, "Prove it"): a request with a distinctive name, address,
e-mail address, identification and complaint evidence is filed on the portal, worked through its tasks,
mailed (the server first refusing the address, then taking it), paid, and has its errors (a refused form,
an incident); no log record at any level, from any logger, carries any of those values: not in its
message, its arguments, its exception or the extra fields a structured formatter would print.

The test client does not go through werkzeug's server, so there are no access-log lines here; no page
takes personal data in its query string (the status link is a random token, the payments page takes a
tracking number), so an access log never records any either."""
from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from records_office import STATUS_LINK, TRACKING
from tests.web.test_mail import free_port
from web import ENGINE_EXTENSION
from web.mail import run_mail
from web.models import db

NAME = "Zebulon Quixotic-Farnsworth"
ADDRESS = "4417 Marigold Terrace, Wichita KS 67299"
EMAIL = "zebulon.farnsworth@example.org"
IDENTIFICATION = "Kansas driver licence K07-551-903"
EVIDENCE = "Photo of the Marigold gate, hinge snapped"
ANSWER = "Yes, the Marigold Terrace file from 2019"
PERSONAL = (NAME, ADDRESS, EMAIL, IDENTIFICATION, EVIDENCE, ANSWER)
# Parts that would still give a person away when a value is cut or reformatted.
FRAGMENTS = ("Zebulon", "Quixotic", "Farnsworth", "Marigold", "K07-551-903", "hinge snapped")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CUSTODIAN = "custodian:city_clerk"
TEST_SERVERS = ("mail.log", "aiosmtpd")       # the test's own SMTP server logs what it receives


class PickyServer:
    """aiosmtpd handler: refuses every recipient while `refusing`, then takes the mail."""

    def __init__(self):
        self.refusing = True
        self.delivered: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.delivered.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp(app):
    port = free_port()
    server = PickyServer()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none",
                      SMTP_FROM="City Clerk <clerk@city.example>", PUBLIC_BASE_URL="https://records.city.example")
    yield server
    controller.stop()


@pytest.fixture
def every_log_record(caplog):
    """Every record at DEBUG and above that the application lets through: the root and Clerkflow's own loggers
    at DEBUG, the libraries' loggers at the levels the application gives them (SpiffWorkflow's task logger
    would attach the task's data at DEBUG, so the engine keeps it at WARNING unless an operator opts in)."""
    caplog.set_level(logging.DEBUG)
    for name in ("clerkflow", "web", "engine", "city", "werkzeug"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def everything_logged(records) -> list[str]:
    """What a formatter could print of each record: message, arguments, exception, stack and extra fields."""
    formatter = logging.Formatter()
    plain = logging.makeLogRecord({}).__dict__.keys()
    texts = []
    for record in records:
        if record.name.startswith(TEST_SERVERS):
            continue
        texts.append(f"{record.name}: {record.getMessage()} {record.args!r}")
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
        if record.exc_text:
            texts.append(record.exc_text)
        if record.stack_info:
            texts.append(record.stack_info)
        texts.extend(f"{record.name} extra {key}={value!r}" for key, value in record.__dict__.items()
                     if key not in plain and key not in ("message", "asctime"))
    return texts


def task_of(engine, tracking_number, bpmn_id):
    [task] = [task for task in engine.list_tasks() if task.business_key == tracking_number and task.bpmn_id == bpmn_id]
    return task


def test_a_full_request_leaves_no_personal_data_in_the_logs(app, client, portal, deployed, review_week, smtp,
                                                            login_as, csrf_token, every_log_record):
    engine = portal
    requester = app.test_client()

    def send_mail():
        with app.app_context():
            return run_mail()

    # A refused form, then the request filed.
    refused = requester.post("/request", data={"requester_name": NAME, "requester_address": "",
                                                "records_description": EVIDENCE, "email": EMAIL,
                                                "csrf_token": csrf_token(requester, "/request")})
    assert refused.status_code == 422
    filed = requester.post("/request", data={"requester_name": NAME, "requester_address": ADDRESS,
                                              "records_description": f"Complaint file: {EVIDENCE}", "email": EMAIL,
                                              "office_key": "city_clerk", "csrf_token": csrf_token(requester, "/request")})
    assert filed.status_code == 302, filed.get_data(as_text=True)
    page = requester.get(filed.headers["Location"]).get_data(as_text=True)
    tracking_number, status_path = TRACKING.search(page).group(0), STATUS_LINK.search(page).group(1)

    # The mail server refuses the address (the acknowledgement fails for good); later mail goes out.
    send_mail()
    assert smtp.delivered == []
    smtp.refusing = False

    # Staff work it: a comment and evidence attached, a question answered, a refused task form.
    login_as(CUSTODIAN, "clerk", username="jo")
    review = task_of(engine, tracking_number, "review_request")
    task_path = f"/inbox/tasks/{review.task_id}"
    token = csrf_token(client, task_path)
    assert client.post(f"{task_path}/comments", data={"comment": f"{NAME} called: {EVIDENCE}",
                                                      "csrf_token": token}).status_code == 302
    assert client.post(f"{task_path}/attachments", content_type="multipart/form-data", data={
        "file": [(io.BytesIO(PDF), f"{NAME} evidence.pdf")], "csrf_token": token}).status_code == 302
    bad_file = client.post(f"{task_path}/attachments", content_type="multipart/form-data", data={
        "file": [(io.BytesIO(b"MZ"), f"{NAME}.pdf")], "csrf_token": token})
    assert bad_file.status_code == 422
    assert client.post(f"{task_path}/ask", data={"question": f"Is {ADDRESS} your address?",
                                                 "csrf_token": token}).status_code == 302
    assert requester.post(f"{status_path}/answer", data={
        "answer": ANSWER, "csrf_token": csrf_token(requester, status_path)}).status_code == 302
    refused_task = client.post(f"{task_path}/complete", data={
        "holds_record": "maybe", "identification_note": IDENTIFICATION, "review_note": NAME, "csrf_token": token})
    assert refused_task.status_code == 422
    engine.complete_task(review.task_id, {"holds_record": True, "description_sufficient": True,
                                          "identification_checked": True, "identification_note": IDENTIFICATION,
                                          "review_note": f"{NAME} of {ADDRESS}"}, actor="jo")
    engine.complete_task(task_of(engine, tracking_number, "estimate_fees").task_id,
                         {"search_hours": [{"employee": "Jo Records", "hours": 2}], "pages": 0}, actor="jo")

    # Paid at the counter.
    paid = client.post("/inbox/payments", data={"tracking_number": tracking_number, "amount": "30.00",
                                                "method": "cash", "csrf_token": csrf_token(client, "/inbox/payments")})
    assert paid.status_code == 302, paid.get_data(as_text=True)

    for bpmn_id, values in (
        ("check_personal_privacy", {"personal_information": True, "privacy_reason": f"{NAME}'s {EVIDENCE}"}),
    ):
        engine.complete_task(task_of(engine, tracking_number, bpmn_id).task_id, values, actor="jo")
    review_week.shift(timedelta(hours=2))
    send_mail()
    assert smtp.delivered          # the fee estimate and the prepayment demand

    # An incident: a step that cannot read what it was given (the value names the requester).
    broken = engine.start_instance("request_shaped", {"received_at": f"{NAME}, {ADDRESS}"}, actor="tests",
                                   business_key="R-2026-0143")
    assert broken.status == "incident"

    texts = everything_logged(every_log_record.records)
    assert texts, "nothing was logged at all: the capture is not working"
    leaks = [text for text in texts for value in (*PERSONAL, *FRAGMENTS) if value.lower() in text.lower()]
    assert leaks == []



def test_a_failing_statement_does_not_put_its_values_in_the_error_logged(app):
    """An unexpected database error is logged with its traceback (a 500 with a reference id); the statement's
    values, which may be a requester's, are hidden from its message, on the web app's database and the engine's."""
    with app.app_context():
        with pytest.raises(DBAPIError) as failed:
            db.session.execute(text("INSERT INTO no_such_table VALUES (:requester_name)"), {"requester_name": NAME})
        db.session.rollback()
    assert NAME not in str(failed.value) and "hidden" in str(failed.value)
    assert app.extensions[ENGINE_EXTENSION].database.engine.hide_parameters
