"""Staff enter a records request received by mail, telephone, e-mail, fax or at the counter (issue 13): the
portal's form and checks, how and when it came, who took it; it is filed as the portal files one, and its
K.S.A. 45-218(d) deadline counts from the day received. A process started by hand gets what its start
event needs, or is refused naming what is missing."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import DiagramSource
from records_office import REQUEST, TRACKING, open_records_office
from web.models import db
from web.models_mail import MailOutbox

# The clock stands on Monday 23 November 2026, 10:00 in the city (conftest's DURING_REVIEW).
NOW_IN_THE_CITY = "2026-11-23T10:00"
FRIDAY_MORNING = "2026-11-20T09:00"                       # received by mail three days before it is entered
# Three business days after the day received, to the end of the day (Thanksgiving, Thursday the 26th, not counted).
DUE_FROM_MONDAY = datetime(2026, 11, 28, 5, 59, 59, tzinfo=timezone.utc)     # end of Friday 27 November, CST
DUE_FROM_FRIDAY = datetime(2026, 11, 26, 5, 59, 59, tzinfo=timezone.utc)     # end of Wednesday 25 November, CST
INTAKE = "/inbox/intake"
STAFF_LINK = re.compile(r'href="https?://[^/"]+(/status/[A-Za-z0-9_-]+)"')
NAV = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.S)


@pytest.fixture
def records_office(review_week, process_engine):
    """The city seeded and records_request deployed, with the clock on the Monday of the review week."""
    return open_records_office(process_engine)


@pytest.fixture
def enter(client, post_form):
    """Send the intake form as the signed-in person; returns the response (not followed)."""
    def send(**changes):
        data = {**REQUEST, "received_via": "counter", "received_at": NOW_IN_THE_CITY, "office_key": "", "email": "",
                **changes}
        return post_form(client, INTAKE, data, token_from=INTAKE)
    return send


def text_of(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def test_city_clerk_enters_a_counter_request_that_reaches_the_custodian_with_its_deadline(
        client, login_as, post_form, enter, records_office, review_week):
    login_as("city_clerk", username="carla")
    form = client.get(INTAKE)
    assert form.status_code == 200
    assert "Enter a request received by mail, telephone, e-mail or at the counter" in text_of(form)
    assert f'value="{NOW_IN_THE_CITY}"' in form.get_data(as_text=True)      # received: now, in the city's time

    entered = enter(received_via="counter")
    assert entered.status_code == 302, entered.get_data(as_text=True)
    page = text_of(client.get(entered.headers["Location"]))
    tracking_number = TRACKING.search(page).group(0)
    assert tracking_number == "R-2026-00001"
    assert "(at the counter)" in page and "<dt>Taken by</dt><dd>Carla</dd>" in page
    assert "The requester gave no e-mail address" in page and STAFF_LINK.search(page)
    assert f"Your records request {tracking_number}" in page               # the acknowledgement, to print
    # A reload shows the link again (the printer jammed); an hour later the page is gone.
    assert STAFF_LINK.search(text_of(client.get("/inbox/intake/received"))).group(0) == STAFF_LINK.search(page).group(0)
    review_week.shift(timedelta(minutes=61))
    assert client.get("/inbox/intake/received").headers["Location"].endswith(INTAKE)

    [instance] = records_office.list_instances()
    assert (instance.business_key, instance.started_by) == (tracking_number, "carla")
    [task] = records_office.get_instance(instance.instance_id).open_tasks
    assert (task.bpmn_id, task.candidate_role, task.due_at) == ("review_request", "custodian:city_clerk",
                                                                 DUE_FROM_MONDAY)

    post_form(client, "/logout")
    login_as("custodian:city_clerk", username="cody")
    assert tracking_number in client.get("/inbox").get_data(as_text=True)
    task_page = client.get(f"/inbox/tasks/{task.task_id}").get_data(as_text=True)
    assert "<dt>How it came</dt><dd>At the counter</dd>" in task_page
    assert "<dt>Received</dt><dd>Nov 23, 2026, 10:00 AM CST</dd>" in task_page
    assert "<dt>Taken by</dt><dd>carla</dd>" in task_page


def test_a_request_received_by_mail_three_days_ago_is_due_three_business_days_from_that_day(
        client, login_as, enter, records_office):
    login_as("clerk")
    entered = enter(received_via="mail", received_at=FRIDAY_MORNING, office_key="police")
    assert entered.status_code == 302, entered.get_data(as_text=True)
    page = text_of(client.get(entered.headers["Location"]))
    assert "Nov 20, 2026, 9:00 AM CST (by mail)" in page
    assert "Nov 25, 2026, 11:59 PM CST" in page
    [task] = records_office.list_tasks(roles={"custodian:police"})
    assert task.due_at == DUE_FROM_FRIDAY


def test_a_receipt_in_the_future_is_refused_and_nothing_typed_is_lost(client, login_as, enter, records_office):
    login_as("city_clerk")
    refused = enter(received_via="mail", received_at="2026-11-24T09:00", office_key="police")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "The day and time received cannot be in the future: it is now Nov 23, 2026, 10:00 AM CST in the city" in page
    assert 'value="Pat Doe"' in page and "Council minutes of January 2026</textarea>" in page
    assert 'value="2026-11-24T09:00"' in page
    assert '<option value="mail" selected>' in page and '<option value="police" selected>' in page
    assert records_office.list_instances() == []


def test_the_portals_checks_hold_and_a_channel_must_be_chosen(client, login_as, enter, records_office):
    login_as("clerk")
    refused = enter(requester_address="", received_via="", email="not an address")
    page = text_of(refused)
    assert refused.status_code == 422
    assert "Your address is required" in page
    assert "Choose how the request reached the office." in page
    assert "E-mail address cannot be written to" in page
    assert records_office.list_instances() == []


def test_a_request_entered_for_a_company_is_refused_until_a_person_is_named(client, login_as, enter,
                                                                           records_office):
    """Art. 6: "In all cases the party so requesting must be an individual person or persons"."""
    login_as("clerk")
    refused = enter(requester_name="Springfield Gazette Newspaper", received_via="mail")
    page = text_of(refused).replace("&#34;", '"')
    assert refused.status_code == 422
    assert 'Your name names an organisation ("Newspaper")' in page
    assert 'value="Springfield Gazette Newspaper"' in page and '<option value="mail" selected>' in page
    assert records_office.list_instances() == []

    assert enter(requester_name="Robin Reporter", received_via="mail").status_code == 302
    assert len(records_office.list_instances()) == 1


def test_a_custodian_enters_a_request_handed_in_at_their_office_and_it_is_mailed(
        app, client, login_as, enter, records_office):
    login_as("custodian:police", username="pat-police")
    assert "Enter a request" in NAV.search(client.get("/inbox").get_data(as_text=True)).group(1)
    entered = enter(received_via="telephone", office_key="police", email="pat@example.org")
    assert entered.status_code == 302, entered.get_data(as_text=True)
    page = text_of(client.get(entered.headers["Location"]))
    assert "It is being e-mailed, with the acknowledgement, to <strong>pat@example.org</strong>" in page
    [instance] = records_office.list_instances()
    assert instance.started_by == "pat-police"
    with app.app_context():
        [mail] = db.session.scalars(select(MailOutbox)).all()
    assert mail.recipient == "pat@example.org" and instance.business_key in mail.subject
    assert STAFF_LINK.search(page).group(1) in mail.private_link


def test_an_analyst_cannot_enter_a_request_nor_sees_the_link(client, login_as, enter, records_office):
    login_as("analyst")
    assert "Enter a request" not in NAV.search(client.get("/inbox").get_data(as_text=True)).group(1)
    assert client.get(INTAKE).status_code == 403
    assert enter().status_code == 403
    assert records_office.list_instances() == []


def test_the_page_says_so_when_the_records_request_is_not_deployed(client, login_as):
    login_as("clerk")
    page = client.get(INTAKE)
    assert page.status_code == 200 and "the records request process is not deployed" in text_of(page)


# -- starting any process by hand ------------------------------------------------------------------------

def test_a_hand_start_without_the_variables_the_first_steps_read_is_refused_naming_them(
        client, login_as, post_form, process_engine, deployed, review_week):
    login_as("administrator", username="adele")
    path = "/admin/processes/request_shaped/start"
    assert "The process reads <strong>received_at</strong> at its start" in text_of(client.get(path))
    refused = post_form(client, path, {"data": '{"note": "by hand"}'}, token_from=path)
    assert refused.status_code == 422
    assert "give received_at in the start data" in text_of(refused)
    assert "by hand" in refused.get_data(as_text=True)                           # what was typed is kept
    assert process_engine.list_instances() == []
    started = post_form(client, path, {"data": '{"received_at": "2026-11-20T09:00:00-06:00"}'}, token_from=path)
    assert started.status_code == 302
    [instance] = process_engine.list_instances()
    assert [task.bpmn_id for task in process_engine.get_instance(instance.instance_id).open_tasks] == ["review_request"]


START_FORM_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="copy_definitions" targetNamespace="http://clerkflow.example/bpmn">
  <bpmn:process id="certified_copy" name="Certified copy" isExecutable="true">
    <bpmn:startEvent id="copy_asked" name="Copy asked for">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="copy_asked.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:outgoing>to_note</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:scriptTask id="note_copy" name="Note the copy">
      <bpmn:incoming>to_note</bpmn:incoming>
      <bpmn:outgoing>to_done</bpmn:outgoing>
      <bpmn:script>label = document_title + " (" + str(copies) + ")"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="copied" name="Copied"><bpmn:incoming>to_done</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="to_note" sourceRef="copy_asked" targetRef="note_copy" />
    <bpmn:sequenceFlow id="to_done" sourceRef="note_copy" targetRef="copied" />
  </bpmn:process>
</bpmn:definitions>"""
START_FORM = b"""{"title": "Copy asked for", "type": "object", "required": ["document_title"], "properties": {
  "document_title": {"type": "string", "minLength": 1, "title": "Document"}}}"""


def test_a_process_with_a_start_form_is_started_on_that_form_and_its_missing_fields_named(
        client, login_as, post_form, process_engine):
    process_engine.deploy_source(DiagramSource("certified_copy.bpmn", START_FORM_DIAGRAM.encode(),
                                               {"copy_asked.schema.json": START_FORM}), actor="analyst")
    login_as("administrator")
    path = "/admin/processes/certified_copy/start"
    page = client.get(path).get_data(as_text=True)
    assert '<label for="field-document_title">Document' in page
    refused = post_form(client, path, {"document_title": "", "data": "{}"}, token_from=path)
    text = text_of(refused)
    assert refused.status_code == 422
    assert "Document is required" in text and "give copies in the start data" in text
    assert process_engine.list_instances() == []
    started = post_form(client, path, {"document_title": "Deed 14", "data": '{"copies": 2}'}, token_from=path)
    assert started.status_code == 302
    [instance] = process_engine.list_instances()
    assert instance.status == "completed"


def test_a_records_request_is_not_started_by_hand_but_on_the_intake_page(
        client, login_as, post_form, records_office):
    login_as("administrator")
    path = "/admin/processes/records_request/start"
    page = client.get(path)
    assert page.status_code == 200 and f'href="{INTAKE}"' in page.get_data(as_text=True)
    refused = post_form(client, path, {"data": '{"requester_name": "Pat"}'}, token_from=path)
    assert refused.status_code == 422 and "a records request is entered on its own page" in text_of(refused)
    assert records_office.list_instances() == []

