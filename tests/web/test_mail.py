"""Mail (issue 5, "Letters and mail"): letters to requesters and task notices to staff, delivered over SMTP
to a real local server (aiosmtpd) and read back from it. Time is moved, never slept."""
from __future__ import annotations

import re
import socket
import time
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from records_office import REQUEST, TRACKING, open_records_office
from web.mail import run_mail
from web.models import StaffAccount, db
from web.models_mail import MailOutbox
from city.office import city_data_of

REQUESTER = "pat.doe@example.org"
MAILED_LINK = re.compile(r"https://records\.city\.example(/status/[A-Za-z0-9_-]+)")
MONDAY_9AM = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)        # 09:00 in the city (US Central)
MONDAY_6AM = MONDAY_9AM - timedelta(hours=3)


class Mailbox:
    """aiosmtpd handler: keeps every message the server accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def to(self, address: str) -> list:
        return [message for message in self.messages if message["To"] == address]

    def wait_for(self, count: int, seconds: float = 5.0) -> list:
        """The messages, once at least `count` have arrived (bounded: the server answers in its own thread)."""
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int) -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def mailbox(smtp_port):
    controller, mailbox = start_server(smtp_port)
    yield mailbox
    controller.stop()


@pytest.fixture
def mail_app(app, smtp_port):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, SMTP_SECURITY="none",
                      SMTP_FROM="City Clerk <clerk@city.example>", PUBLIC_BASE_URL="https://records.city.example")
    return app


@pytest.fixture
def portal(process_engine, time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    return open_records_office(process_engine)


@pytest.fixture
def send_mail(mail_app):
    def send():
        with mail_app.app_context():
            return run_mail()
    return send


@pytest.fixture
def file_request(client, csrf_token):
    def send(**data) -> str:
        """File a request on the portal; returns its tracking number."""
        response = client.post("/request", data={**REQUEST, **data, "csrf_token": csrf_token(client, "/request")})
        assert response.status_code == 302, response.get_data(as_text=True)
        return TRACKING.search(client.get(response.headers["Location"]).get_data(as_text=True)).group(0)
    return send


@pytest.fixture
def staff_with_mail(app, make_staff):
    def make(username: str, role: str, *, notify: str = "immediate") -> str:
        make_staff(username, role)
        with app.app_context():
            account = db.session.scalars(select(StaffAccount).where(StaffAccount.username == username)).one()
            account.email, account.notify = f"{username}@city.example", notify
            db.session.commit()
        return f"{username}@city.example"
    return make


def outbox_rows(app) -> list[MailOutbox]:
    with app.app_context():
        rows = db.session.scalars(select(MailOutbox).order_by(MailOutbox.id)).all()
        db.session.expunge_all()
        return rows


def estimate_over_25(engine, tracking_number: str) -> None:
    """The custodian holds the record and estimates 47.50: the requester is told and asked to prepay."""
    [review] = engine.list_tasks()
    engine.complete_task(review.task_id, {"holds_record": True, "description_sufficient": True}, actor="custodian")
    [estimate] = engine.list_tasks()
    engine.complete_task(estimate.task_id, {"search_hours": [{"employee": "Jo Records", "hours": 2}], "pages": 70},
                         actor="custodian")


# -- requesters -----------------------------------------------------------------------------------

def test_requester_is_mailed_the_acknowledgement_with_the_tracking_number_and_status_link(
        client, portal, mailbox, send_mail, file_request, mail_app, caplog):
    caplog.set_level("DEBUG")
    tracking_number = file_request(email=REQUESTER)
    outcome = send_mail()
    assert outcome.delivery.sent == 1
    [message] = mailbox.wait_for(1)
    assert message["To"] == REQUESTER and message["From"] == "City Clerk <clerk@city.example>"
    assert tracking_number in message["Subject"]
    body = message.get_content()
    assert f"Its tracking number is {tracking_number}" in body        # the acknowledgement letter itself
    status_path = MAILED_LINK.search(body).group(1)
    assert tracking_number in client.get(status_path).get_data(as_text=True)
    [row] = outbox_rows(mail_app)
    assert row.status == "sent" and row.private_link is None          # the link is not kept once mailed
    ours = "\n".join(record.getMessage() for record in caplog.records   # not the test server's own log
                     if record.name.startswith(("clerkflow", "web", "engine")))
    assert f"mail {row.id} sent" in ours
    assert REQUESTER not in ours and "Pat Doe" not in ours and status_path not in ours


def test_requester_who_gave_no_email_address_is_mailed_nothing(client, portal, mailbox, send_mail, file_request):
    file_request()
    assert send_mail().dispatched.total == 0
    assert mailbox.messages == []


def test_an_email_address_that_cannot_be_written_to_is_refused_beside_the_field(client, portal, csrf_token):
    response = client.post("/request", data={**REQUEST, "email": "pat at example", "csrf_token": csrf_token(client, "/request")})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "E-mail address cannot be written to: an address looks like name@example.com" in text and 'value="pat at example"' in text
    assert portal.list_instances() == []


def test_requester_is_mailed_the_fee_estimate_and_the_prepayment_demand_without_the_link_again(
        client, portal, mailbox, send_mail, file_request):
    tracking_number = file_request(email=REQUESTER)
    send_mail()
    estimate_over_25(portal, tracking_number)
    send_mail()
    messages = mailbox.wait_for(4)      # the acknowledgement; the estimate, the demand and why access waits for it
    assert len(messages) == 4
    later = messages[1:]
    bodies = " ".join(message.get_content() for message in later)
    assert "47.50" in bodies
    assert any("will be available" in message["Subject"] for message in later)      # K.S.A. 45-218(d)
    assert all(tracking_number in message["Subject"] for message in later)
    assert {message["Subject"] for message in later} != {messages[0]["Subject"]}
    assert not any(MAILED_LINK.search(message.get_content()) for message in later)


def test_nothing_is_mailed_twice(client, portal, mailbox, send_mail, file_request, mail_app):
    tracking_number = file_request(email=REQUESTER)
    send_mail()
    estimate_over_25(portal, tracking_number)
    for _ in range(3):
        send_mail()
    assert len(mailbox.wait_for(4)) == 4
    with mail_app.app_context():       # even a dispatcher that forgot how far it had read queues nothing new
        from web.models_mail import MailCursor
        db.session.query(MailCursor).delete()
        db.session.commit()
    assert send_mail().dispatched.letters == 0
    assert len(mailbox.messages) == 4


def test_mail_waits_when_the_mail_server_is_down_and_goes_out_later(client, portal, smtp_port, send_mail,
                                                                    file_request, time_machine, mail_app):
    tracking_number = file_request(email=REQUESTER)
    outcome = send_mail()
    assert (outcome.delivery.sent, outcome.delivery.retrying) == (0, 1)
    controller, mailbox = start_server(smtp_port)
    try:
        assert send_mail().delivery.sent == 0                   # not due again yet: it waits its minute
        time_machine.shift(timedelta(minutes=1, seconds=1))
        assert send_mail().delivery.sent == 1
        [message] = mailbox.wait_for(1)
        assert tracking_number in message["Subject"] and MAILED_LINK.search(message.get_content())
        time_machine.shift(timedelta(hours=2))
        send_mail()
        assert len(mailbox.messages) == 1
    finally:
        controller.stop()
    [row] = outbox_rows(mail_app)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_mail_is_marked_failed_after_its_last_try_and_loses_its_link(client, portal, send_mail, file_request,
                                                                    time_machine, mail_app):
    mail_app.config["MAIL_MAX_ATTEMPTS"] = 3
    file_request(email=REQUESTER)
    for _ in range(3):
        send_mail()
        time_machine.shift(timedelta(hours=1))
    [row] = outbox_rows(mail_app)
    assert (row.status, row.attempts, row.private_link) == ("failed", 3, None)
    assert row.last_error in ("ConnectionRefusedError", "SMTPConnectError", "SMTPServerDisconnected")


def test_failed_mail_is_queued_again_on_the_administrators_word(client, portal, send_mail, file_request,
                                                               time_machine, mail_app, smtp_port, database_url,
                                                               monkeypatch, capsys):
    mail_app.config["MAIL_MAX_ATTEMPTS"] = 1
    file_request(email=REQUESTER)
    send_mail()
    from web.commands import main
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["mail", "retry"]) == 0
    assert "queued again: 1 failed mail(s)" in capsys.readouterr().out
    controller, mailbox = start_server(smtp_port)
    try:
        assert send_mail().delivery.sent == 1
        [message] = mailbox.wait_for(1)
        assert "Its tracking number is" in message.get_content()
        assert not MAILED_LINK.search(message.get_content())    # the link was erased when the mail failed
    finally:
        controller.stop()


def test_a_mail_another_sender_has_taken_is_not_sent_twice(client, portal, mailbox, file_request, mail_app,
                                                            process_engine):
    from web.mail.sending import send_due
    from web.mail.settings import MailSettings
    file_request(email=REQUESTER)
    with mail_app.app_context():
        from web.mail.dispatch import queue_requester_mail
        queue_requester_mail(db.session, MONDAY_9AM, process_engine)
        settings = MailSettings.from_config(mail_app.config)
        first_look = db.session.scalars(select(MailOutbox)).all()
        assert send_due(db.session, settings, MONDAY_9AM).sent == 1
        # A second sender that read the row before the first one sent it finds it taken.
        from web.mail import sending
        [row] = first_look
        assert sending._claim(db.session, row, MONDAY_9AM) is False
    assert len(mailbox.wait_for(1)) == 1


def test_without_a_mail_server_mail_waits_in_the_outbox_and_the_command_says_so(
        client, portal, file_request, database_url, monkeypatch, capsys, mail_app):
    mail_app.config["SMTP_HOST"] = ""
    file_request(email=REQUESTER)
    from web.commands import main
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("CLERKFLOW_SMTP_HOST", raising=False)
    assert main(["mail", "send"]) == 0
    out = capsys.readouterr().out
    assert "not sent: no mail server is set (Settings, Mail, or CLERKFLOW_SMTP_HOST); 1 mail(s) wait in the outbox" in out
    assert main(["mail", "status"]) == 0
    assert "waiting: 1; sent: 0; failed: 0" in capsys.readouterr().out


def test_a_bad_mail_setting_is_a_message_not_a_traceback(database_url, monkeypatch, capsys):
    from web.commands import main
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CLERKFLOW_SMTP_HOST", "mail.city.example")
    monkeypatch.setenv("CLERKFLOW_SMTP_SECURITY", "tls-please")
    assert main(["mail", "send"]) == 2
    assert "CLERKFLOW_SMTP_SECURITY" in capsys.readouterr().err


# -- a lost status link ---------------------------------------------------------------------------

def test_lost_link_mails_a_new_link_and_the_old_one_stops_working(client, portal, mailbox, send_mail,
                                                                  file_request, csrf_token):
    tracking_number = file_request(email=REQUESTER)
    send_mail()
    old_path = MAILED_LINK.search(mailbox.wait_for(1)[0].get_content()).group(1)
    response = client.post("/status/lost", data={"tracking_number": tracking_number.lower(),
                                                 "email": "Pat.Doe@Example.org",
                                                 "csrf_token": csrf_token(client, "/status/lost")})
    assert response.status_code == 200 and "Check your e-mail" in response.get_data(as_text=True)
    send_mail()
    [_, message] = mailbox.wait_for(2)
    assert message["To"] == REQUESTER and tracking_number in message["Subject"]
    new_path = MAILED_LINK.search(message.get_content()).group(1)
    assert client.get(old_path).status_code == 404
    assert tracking_number in client.get(new_path).get_data(as_text=True)


def test_lost_link_gives_the_same_answer_when_nothing_matches_and_mails_nobody(client, portal, mailbox, send_mail,
                                                                              file_request, csrf_token, mail_app):
    tracking_number = file_request(email=REQUESTER)
    file_request()                                                   # a request without an address
    send_mail()
    answers = set()
    for asked in ({"tracking_number": tracking_number, "email": "someone.else@example.org"},
                  {"tracking_number": "R-2026-09999", "email": REQUESTER},
                  {"tracking_number": tracking_number.replace("00001", "00002"), "email": REQUESTER}):
        response = client.post("/status/lost", data={**asked, "csrf_token": csrf_token(client, "/status/lost")})
        assert response.status_code == 200
        answers.add(response.get_data(as_text=True))
    assert len(answers) == 1
    send_mail()
    assert len(mailbox.messages) == 1 and len(outbox_rows(mail_app)) == 1


def test_lost_link_form_explains_what_is_wrong(client, portal, csrf_token):
    response = client.post("/status/lost", data={"tracking_number": "my request", "email": "",
                                                 "csrf_token": csrf_token(client, "/status/lost")})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the tracking number from your confirmation" in text and "Enter the e-mail address you gave" in text


def test_lost_link_asks_are_limited_per_connection_and_hour(client, portal, csrf_token, app, time_machine):
    app.config["PORTAL_LINK_REQUESTS_PER_HOUR"] = 2
    ask = {"tracking_number": "R-2026-00001", "email": REQUESTER}
    for _ in range(2):
        assert client.post("/status/lost", data={**ask, "csrf_token": csrf_token(client, "/status/lost")}).status_code == 200
    refused = client.post("/status/lost", data={**ask, "csrf_token": csrf_token(client, "/status/lost")})
    assert refused.status_code == 429 and "new links in the last hour" in refused.get_data(as_text=True)
    time_machine.shift(timedelta(hours=1, seconds=1))
    assert client.post("/status/lost", data={**ask, "csrf_token": csrf_token(client, "/status/lost")}).status_code == 200


# -- staff ------------------------------------------------------------------------------------------

def test_custodian_is_mailed_at_once_of_a_new_task_in_their_lane_only(client, portal, mailbox, send_mail,
                                                                      file_request, staff_with_mail):
    officer = staff_with_mail("officer", "custodian:police")
    treasurer = staff_with_mail("treasurer", "custodian:city_treasurer")
    daily = staff_with_mail("daily", "custodian:police", notify="digest")
    quiet = staff_with_mail("quiet", "custodian:police", notify="none")
    tracking_number = file_request(office_key="police")
    [task] = portal.list_tasks(roles={"custodian:police"})
    send_mail()
    send_mail()
    notices = [message for message in mailbox.wait_for(1) if message["Subject"].startswith("New task")]
    assert [message["To"] for message in notices] == [officer]
    assert notices[0]["Subject"] == f"New task: {task.title} ({tracking_number})"
    assert f"https://records.city.example/inbox/tasks/{task.task_id}" in notices[0].get_content()
    assert not mailbox.to(treasurer) and not mailbox.to(quiet)
    assert [message["Subject"] for message in mailbox.to(daily)] == ["Your open tasks on Monday 23 November 2026: 1"]


def test_designated_custodian_hears_of_their_offices_tasks(client, portal, mailbox, send_mail, file_request,
                                                          staff_with_mail):
    from city.citydata import designate_custodian
    clerk = staff_with_mail("jo", "clerk")
    with portal.database.write() as session:
        designate_custodian(session, "fire", "jo", designated_by="admin")
    city_data_of(portal).invalidate()
    file_request(office_key="fire")
    send_mail()
    assert [message["To"] for message in mailbox.wait_for(1)] == [clerk]


def test_daily_list_of_open_tasks_goes_out_once_a_day_from_the_digest_hour(client, portal, mailbox, send_mail,
                                                                          file_request, staff_with_mail,
                                                                          time_machine):
    daily = staff_with_mail("daily", "custodian:police", notify="digest")
    time_machine.move_to(MONDAY_6AM, tick=False)
    first = file_request(office_key="police")
    second = file_request(office_key="police", requester_name="Sam Roe")
    send_mail()
    assert mailbox.to(daily) == []                        # 06:00 in the city: before the digest hour
    time_machine.move_to(MONDAY_9AM - timedelta(hours=1, minutes=30), tick=False)     # 07:30
    send_mail()
    send_mail()
    [digest] = mailbox.wait_for(1)
    body = digest.get_content()
    assert digest["To"] == daily and digest["Subject"] == "Your open tasks on Monday 23 November 2026: 2"
    assert first in body and second in body and "https://records.city.example/inbox/tasks/" in body
    time_machine.shift(timedelta(days=1))
    send_mail()
    assert len(mailbox.wait_for(2)) == 2 and "Tuesday 24 November 2026" in mailbox.messages[1]["Subject"]


def test_staff_choose_how_they_hear_of_new_tasks(client, portal, login_as, csrf_token, app):
    login_as("custodian:police", username="officer")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "none yet: ask an administrator" in page and 'value="immediate" checked' in page
    response = client.post("/account/notifications", data={"notify": "digest",
                                                           "csrf_token": csrf_token(client, "/account/notifications")})
    assert response.status_code == 302
    assert 'value="digest" checked' in client.get("/account/notifications").get_data(as_text=True)
    refused = client.post("/account/notifications", data={"notify": "hourly",
                                                          "csrf_token": csrf_token(client, "/account/notifications")})
    assert refused.status_code == 400 and "Choose one of the three ways" in refused.get_data(as_text=True)
    assert client.post("/account/notifications", data={"notify": "none"}).status_code in (400, 403)
    with app.app_context():
        assert db.session.scalars(select(StaffAccount.notify).where(StaffAccount.username == "officer")).one() == "digest"


def test_a_subject_cannot_smuggle_in_another_header(mail_app):
    from web.mail.sending import build_message
    from web.mail.settings import MailSettings
    row = MailOutbox(id=7, kind="letter", recipient=REQUESTER, subject="Hello\r\nBcc: everyone@example.org",
                     body="Text", private_link=None)
    message = build_message(row, MailSettings.from_config(mail_app.config), MONDAY_9AM)
    assert message["Bcc"] is None and message["Subject"] == "Hello Bcc: everyone@example.org"


def work(engine, bpmn_id: str, answers: dict) -> None:
    """Complete the request's one open task `bpmn_id` as its custodian."""
    [task] = [task for task in engine.list_tasks() if task.bpmn_id == bpmn_id]
    view = engine.complete_task(task.task_id, answers, actor="custodian")
    assert view.incidents == ()


def to_decision(engine) -> None:
    work(engine, "review_request", {"holds_record": True, "description_sufficient": True})
    work(engine, "estimate_fees", {"search_hours": [], "pages": 0})
    work(engine, "check_personal_privacy", {"personal_information": False})


def test_requester_is_mailed_the_denial_with_its_grounds(client, portal, mailbox, send_mail, file_request):
    tracking_number = file_request(email=REQUESTER)
    to_decision(portal)
    work(portal, "decide_request", {"decision": "deny", "exemption_codes": ["45-221(a)(14)"],
                                    "grounds_text": "Correspondence with a private individual."})
    send_mail()
    denial = [message for message in mailbox.wait_for(2) if "K.S.A. 45-221(a)(14)" in message.get_content()]
    assert len(denial) == 1 and tracking_number in denial[0]["Subject"]


def test_requester_is_told_when_the_records_are_provided(client, portal, mailbox, send_mail, file_request):
    tracking_number = file_request(email=REQUESTER)
    to_decision(portal)
    work(portal, "decide_request", {"decision": "grant"})
    work(portal, "prepare_records", {"delivery_method": "inspection"})
    send_mail()
    assert len(mailbox.wait_for(1)) == 1                 # nothing but the acknowledgement so far
    work(portal, "provide_records", {"provided_on": "2026-11-24", "supervised_by": "Jo Records"})
    send_mail()
    [_, provided] = mailbox.wait_for(2)
    assert provided["Subject"] == f"The records of your request {tracking_number} were provided"
    assert "were provided on 2026-11-24" in provided.get_content()


def test_a_new_address_brings_notices_of_new_tasks_not_of_older_ones(client, portal, mailbox, send_mail,
                                                                     file_request, staff_with_mail, time_machine,
                                                                     app):
    older = file_request(office_key="police")
    send_mail()                                            # nobody to tell yet: the dispatcher reads on
    time_machine.shift(timedelta(hours=1))
    officer = staff_with_mail("officer", "custodian:police")
    newer = file_request(office_key="police", requester_name="Sam Roe")
    send_mail()
    subjects = [message["Subject"] for message in mailbox.wait_for(1) if message["To"] == officer]
    assert [subject for subject in subjects if subject.startswith("New task")] == [
        f"New task: Review the request ({newer})"]
    assert not any(older in subject for subject in subjects)


class RefusingMailbox(Mailbox):
    """A server that refuses the requester's address (550: no such mailbox)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 no such mailbox"


def test_an_address_the_server_refuses_fails_after_its_one_try_and_says_so(client, portal, file_request, mail_app,
                                                                          process_engine, smtp_port, caplog):
    from web.mail.sending import send_due
    from web.mail.settings import MailSettings
    controller = Controller(RefusingMailbox(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        file_request(email=REQUESTER)
        with mail_app.app_context():
            from web.mail.dispatch import queue_requester_mail
            queue_requester_mail(db.session, MONDAY_9AM, process_engine)
            delivery = send_due(db.session, MailSettings.from_config(mail_app.config), MONDAY_9AM)
            [row] = db.session.scalars(select(MailOutbox)).all()
            assert (delivery.failed, row.status, row.attempts) == (1, "failed", 1)
    finally:
        controller.stop()
    assert f"mail {row.id} failed for good after 1 tries" in caplog.text
