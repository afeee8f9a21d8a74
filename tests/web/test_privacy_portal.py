"""A resident files a data privacy complaint or breach report on the portal and follows it by a private link (000).

"Report to the contracting city department and the City Clerk using the posted reporting or complaint channels;
include evidence and timestamps." The evidence goes to the file store and is shown only to the staff working the
case; the complainant gets a tracking number and a private status link, as a records requester does.
"""
from __future__ import annotations

import io
import logging
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
PAGE = "/privacy/complaint"
MONDAY = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
LINK = re.compile(r'href="(http://localhost/privacy/status/[^"]+)"')
BREACH = {"report_kind": "breach_report", "responsible_department": "Police Department",
          "contractor_involved": "false", "what_happened": "The incident map shows home addresses.",
          "happened_on": "2026-11-20", "complainant_name": "Pat Doe",
          "complainant_address": "12 Elm Street, Kansas City MO 64106"}


@pytest.fixture
def deployed(process_engine, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    process_engine.deploy_file(REPO / "processes" / "privacy_complaint.bpmn", REPO / "forms", actor="analyst")
    return process_engine


def send(client, csrf_token, *, submission_id="privacy-form-0000000001", files=(), **fields):
    data = {"csrf_token": csrf_token(client, PAGE), "submission_id": submission_id, **BREACH, **fields,
            "evidence": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(PAGE, data=data, content_type="multipart/form-data")


def test_a_resident_files_a_breach_report_with_evidence_and_follows_it_by_a_private_link(client, csrf_token, deployed,
                                                                                       caplog):
    caplog.set_level(logging.DEBUG)
    answer = send(client, csrf_token, files=[("server-log.txt", b"2026-11-20 09:40 export of addresses\n")])
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/privacy/complaint/received")
    received = client.get("/privacy/complaint/received")
    page = received.get_data(as_text=True)
    assert "PC-2026-00001" in page and received.headers["Cache-Control"] == "no-store"
    link = LINK.search(page).group(1)

    status = client.get(link.removeprefix("http://localhost")).get_data(as_text=True)
    assert "Breach report PC-2026-00001" in status and "Route the complaint to the responsible department" in status
    # The evidence is the staff's to open, and never in the logs; the complainant sees only how many files came.
    assert "server-log.txt" not in status and "<dd>1</dd>" in status
    assert "server-log.txt" not in caplog.text and "incident map" not in caplog.text


def test_sending_the_form_twice_files_one_complaint_with_one_link(client, csrf_token, deployed):
    send(client, csrf_token)
    first = LINK.search(client.get("/privacy/complaint/received").get_data(as_text=True)).group(1)
    send(client, csrf_token)
    again = client.get("/privacy/complaint/received").get_data(as_text=True)
    assert LINK.search(again).group(1) == first
    assert [instance.business_key for instance in deployed.list_instances(process_key="privacy_complaint")] == \
        ["PC-2026-00001"]


def test_a_records_request_number_the_city_never_gave_is_refused_beside_its_field(client, csrf_token, deployed):
    answer = send(client, csrf_token, records_request_tracking_number="R-2026-09999")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "not the tracking number of a records request" in page
    assert 'value="Pat Doe"' in page      # what was typed is kept


def test_a_status_link_that_opens_no_complaint_is_not_found(client, deployed):
    assert client.get("/privacy/status/not-a-token").status_code == 404


def test_the_evidence_is_listed_for_the_staff_working_the_case_and_no_one_else(client, csrf_token, deployed,
                                                                             login_as):
    send(client, csrf_token, files=[("contract-terms.pdf", b"%PDF-1.4\n%%EOF\n")])
    instance = deployed.list_instances(process_key="privacy_complaint")[0]
    route = next(task for task in deployed.list_tasks(instance_id=instance.instance_id))
    login_as("city_clerk", username="clerk.ann")
    page = client.get(f"/inbox/tasks/{route.task_id}").get_data(as_text=True)
    assert "contract-terms.pdf" in page and "sha256:" not in page     # named, never the store's reference
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    login_as("custodian:fire", username="fire.custodian")
    assert client.get(f"/inbox/tasks/{route.task_id}").status_code == 403


def test_the_city_clerks_office_enters_a_complaint_received_by_mail_and_gets_its_private_link(client, csrf_token,
                                                                                            deployed, login_as):
    login_as("clerk", username="clerk.bo")
    assert "Enter a privacy complaint" in client.get("/inbox").get_data(as_text=True)
    answer = client.post("/inbox/privacy/new", data={
        "csrf_token": csrf_token(client, "/inbox/privacy/new"), "submission_id": "privacy-staff-000000001",
        "received_via": "mail", **BREACH}, content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Complaint PC-2026-00001 entered" in page
    assert "http://localhost/privacy/status/" in page
    instance = deployed.list_instances(process_key="privacy_complaint")[0]
    assert instance.started_by == "clerk.bo"


def test_a_custodian_does_not_enter_privacy_complaints(client, login_as, deployed):
    login_as("custodian:police", username="police.custodian")
    assert client.get("/inbox/privacy/new").status_code == 403
    assert "Enter a privacy complaint" not in client.get("/inbox").get_data(as_text=True)


def decided(engine, time_machine, client, csrf_token, **complaint):
    """A complaint filed on the portal and dismissed on Tuesday 1 December under a rule with a 30-day appeal period;
    its status page's path."""
    from city.privacy_rules import set_privacy_rule
    engine.operators.settings.apply(set_privacy_rule, "Code Sec. 2-1234", actor="admin", title="Personal data",
                                    appeal_limit_days=30)
    send(client, csrf_token, **complaint)
    status_path = LINK.search(client.get("/privacy/complaint/received").get_data(as_text=True)).group(1) \
        .removeprefix("http://localhost")
    instance_id = engine.list_instances(process_key="privacy_complaint")[0].instance_id

    def do(bpmn_id, data, role):
        task = next(task for task in engine.list_tasks(instance_id=instance_id) if task.bpmn_id == bpmn_id)
        engine.complete_task(task.task_id, data, actor="staff", roles={role})
    do("route_complaint", {"office_key": "police", "contractor_involved": False}, "city_clerk")
    do("review_as_department", {"department_review": "Seen.", "processing_continues": False}, "custodian:police")
    do("review_as_city_clerk", {"clerk_review": "Seen.", "bring_in_city_manager": False,
                                "bring_in_information_technology": False, "enforcing_office": "city_clerk"},
       "city_clerk")
    do("investigate_complaint", {"findings": "No address was shown.", "breach_confirmed": False}, "custodian:police")
    time_machine.move_to(datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc), tick=False)
    do("decide_complaint", {"decision": "dismissed", "rule_relied_on": "Code Sec. 2-1234",
                            "decision_reasons": "The map never showed the address."}, "city_clerk")
    return status_path


def test_the_complainant_reads_the_decision_and_appeals_in_time_from_the_status_page(client, csrf_token, deployed,
                                                                                   time_machine):
    status_path = decided(deployed, time_machine, client, csrf_token)
    page = client.get(status_path).get_data(as_text=True)
    assert "The complaint is dismissed under Code Sec. 2-1234." in page and "within 30 days" in page
    time_machine.move_to(datetime(2026, 12, 20, 16, 0, tzinfo=timezone.utc), tick=False)
    empty = client.post(status_path + "/appeal", data={"csrf_token": csrf_token(client, status_path),
                                                       "appeal_grounds": " "})
    assert empty.status_code == 422 and "your appeal was not sent" in empty.get_data(as_text=True)
    client.post(status_path + "/appeal", data={"csrf_token": csrf_token(client, status_path),
                                               "appeal_grounds": "The map showed my street on 20 November."})
    page = client.get(status_path).get_data(as_text=True)
    assert "Review the appeal" in page and "Appeal this decision" not in page


def test_an_appeal_sent_after_the_window_closed_is_refused_as_late_on_the_status_page(client, csrf_token, deployed,
                                                                                    time_machine):
    status_path = decided(deployed, time_machine, client, csrf_token)
    time_machine.move_to(datetime(2027, 1, 1, 6, 0, 1, tzinfo=timezone.utc), tick=False)
    assert deployed.fire_due_timers() == 1
    # The window closed with no appeal: the case closed by itself and no longer offers the appeal form.
    page = client.get(status_path).get_data(as_text=True)
    assert "Closed" in page and "Send my appeal" not in page
    time_machine.move_to(datetime(2027, 1, 4, 16, 0, tzinfo=timezone.utc), tick=False)
    # Sent from a page left open (its form's token taken from another of the portal's forms, as a fresh one)
    late = client.post(status_path + "/appeal", data={"csrf_token": csrf_token(client, "/privacy/complaint"),
                                                      "appeal_grounds": "I was away over the holidays."})
    assert late.status_code == 422
    assert ("The appeal was filed on 2027-01-04, after the appeal period under Code Sec. 2-1234 ended on 2026-12-31: "
            "it is refused as late.") in late.get_data(as_text=True)


def test_an_appeal_sent_after_the_period_ended_but_before_the_window_closed_is_refused_by_the_case(
        client, csrf_token, deployed, time_machine):
    """The scheduler had not yet fired the window's timer: the case still waits, receives it, and refuses it as late
    with the reason, which the status page shows (and the mail round sends as appeal_refusal_letter)."""
    status_path = decided(deployed, time_machine, client, csrf_token)
    time_machine.move_to(datetime(2027, 1, 4, 16, 0, tzinfo=timezone.utc), tick=False)
    client.post(status_path + "/appeal", data={"csrf_token": csrf_token(client, status_path),
                                               "appeal_grounds": "I was away over the holidays."})
    page = client.get(status_path).get_data(as_text=True)
    assert "after the appeal period under Code Sec. 2-1234 ended on 2026-12-31: it is refused as late." in page
    assert deployed.fire_due_timers() == 0


def test_a_complainant_who_gives_an_e_mail_address_is_mailed_the_link_and_then_the_decision(app, client, csrf_token,
                                                                                          deployed, time_machine):
    from web.mail.dispatch import queue_requester_mail
    from web.models import db
    from web.models_mail import MailOutbox
    status_path = decided(deployed, time_machine, client, csrf_token, complainant_email="pat@example.org")
    with app.app_context():
        queue_requester_mail(db.session, datetime(2026, 12, 1, 16, 5, tzinfo=timezone.utc), deployed)
        mails = {mail.subject: mail for mail in db.session.query(MailOutbox).filter_by(recipient="pat@example.org")}
    link = mails["Your data privacy complaint PC-2026-00001"]
    assert link.private_link == "http://localhost" + status_path
    decision = mails["Decision on your data privacy complaint PC-2026-00001"]
    assert "The complaint is dismissed under Code Sec. 2-1234." in decision.body
    assert "This is a letter about your data privacy complaint PC-2026-00001" in decision.body


def test_a_complaints_private_link_opens_no_records_request_page(client, csrf_token, deployed):
    send(client, csrf_token)
    token = LINK.search(client.get("/privacy/complaint/received").get_data(as_text=True)).group(1).rsplit("/", 1)[1]
    assert client.get(f"/status/{token}").status_code == 404
    assert client.get(f"/status/{token}/withdraw").status_code == 404
    assert client.get(f"/privacy/status/{token}").status_code == 200


def test_a_complainant_who_lost_the_link_is_mailed_a_new_one_to_the_complaints_page(app, client, csrf_token, deployed):
    from web.models import db
    from web.models_mail import MailOutbox
    send(client, csrf_token, complainant_email="pat@example.org")
    old = LINK.search(client.get("/privacy/complaint/received").get_data(as_text=True)).group(1)
    client.post("/status/lost", data={"csrf_token": csrf_token(client, "/status/lost"),
                                      "tracking_number": "pc-2026-00001", "email": "pat@example.org"})
    with app.app_context():
        mail = db.session.query(MailOutbox).filter_by(
            subject="A new status link for your data privacy complaint PC-2026-00001").one()
        new_link = mail.private_link
    assert new_link.startswith("http://localhost/privacy/status/") and new_link != old
    assert client.get(new_link.removeprefix("http://localhost")).status_code == 200
    assert client.get(old.removeprefix("http://localhost")).status_code == 404


def test_one_connection_files_at_most_the_hourly_limit_of_complaints(app, client, csrf_token, deployed):
    app.config["PORTAL_SUBMISSIONS_PER_HOUR"] = 2
    refused = send(client, csrf_token, complainant_name="")
    assert refused.status_code == 422                   # a form sent back does not count
    for number in (1, 2):
        assert send(client, csrf_token, submission_id=f"privacy-form-limit-{number:08d}").status_code == 302
    assert send(client, csrf_token, submission_id="privacy-form-limit-00000003").status_code == 429
    assert len(deployed.list_instances(process_key="privacy_complaint")) == 2


APPEAL_PAGE = "/inbox/privacy/appeal"


def record_appeal(client, csrf_token, **fields):
    return client.post(APPEAL_PAGE, data={"csrf_token": csrf_token(client, APPEAL_PAGE), **fields})


def test_the_city_clerks_office_records_an_appeal_received_by_post_in_time(client, csrf_token, deployed, time_machine,
                                                                          login_as):
    status_path = decided(deployed, time_machine, client, csrf_token)
    time_machine.move_to(datetime(2026, 12, 22, 16, 0, tzinfo=timezone.utc), tick=False)
    login_as("city_clerk", username="city.clerk")
    number = deployed.list_instances(process_key="privacy_complaint")[0].business_key
    answer = record_appeal(client, csrf_token, tracking_number=number.lower(), received_at="2026-12-21T09:30",
                           appeal_grounds="The map showed my street on 20 November.")
    assert answer.status_code == 302
    assert "Review the appeal" in client.get(status_path).get_data(as_text=True)


def test_an_appeal_received_by_post_after_the_period_is_refused_by_the_case_with_the_rules_reason(
        client, csrf_token, deployed, time_machine, login_as):
    status_path = decided(deployed, time_machine, client, csrf_token)
    time_machine.move_to(datetime(2027, 1, 4, 16, 0, tzinfo=timezone.utc), tick=False)   # the timer not yet fired
    login_as("clerk", username="front.desk")
    number = deployed.list_instances(process_key="privacy_complaint")[0].business_key
    record_appeal(client, csrf_token, tracking_number=number, received_at="2027-01-02T10:00",
                  appeal_grounds="I was away over the holidays.")
    assert ("The appeal was filed on 2027-01-02, after the appeal period under Code Sec. 2-1234 ended on 2026-12-31"
            in client.get(status_path).get_data(as_text=True))


def test_an_appeal_entered_with_a_wrong_number_or_a_future_time_is_refused_and_keeps_what_was_typed(
        client, csrf_token, deployed, time_machine, login_as):
    decided(deployed, time_machine, client, csrf_token)
    login_as("city_clerk", username="city.clerk")
    answer = record_appeal(client, csrf_token, tracking_number="PC-2026-09999", received_at="2026-12-09T09:00",
                           appeal_grounds="The grounds as the letter gives them.")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "No privacy complaint has the tracking number PC-2026-09999." in page
    assert "The appeal cannot have been received in the future" in page
    assert "The grounds as the letter gives them." in page
    [case] = deployed.list_instances(process_key="privacy_complaint")
    assert [subscription.message_name for subscription in deployed.subscriptions(instance_id=case.instance_id)] == [
        "privacy_appeal"]                                                     # still waiting for the appeal


def test_a_custodian_does_not_record_privacy_appeals(client, login_as, deployed):
    login_as("custodian:police", username="police.custodian")
    assert client.get(APPEAL_PAGE).status_code == 403
