"""The requester's side of a request (issue 13): records released online and downloaded from the status
page, the office's question answered there, and a request withdrawn by its requester."""
from __future__ import annotations

import html
import io
import re

import pytest

from records_office import REPO, REQUEST, STATUS_LINK, TRACKING

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CSV = b"meeting,vote\n2026-01-05,4-1\n"
CUSTODIAN = "custodian:city_clerk"


@pytest.fixture
def office(portal):
    portal.deploy_file(REPO / "processes" / "withdrawal_refund.bpmn", REPO / "forms", actor="analyst")
    return portal


@pytest.fixture
def file_online(client, csrf_token):
    """File a request through the portal; returns (tracking number, status path)."""
    def send():
        response = client.post("/request", data={**REQUEST, "csrf_token": csrf_token(client, "/request")})
        assert response.status_code == 302, response.get_data(as_text=True)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        return TRACKING.search(page).group(0), STATUS_LINK.search(page).group(1)
    return send


def task_of(engine, tracking_number, bpmn_id):
    [task] = [task for task in engine.list_tasks() if task.business_key == tracking_number and task.bpmn_id == bpmn_id]
    return task


def to_provide_records(engine, tracking_number):
    for bpmn_id, values in (("review_request", {"holds_record": True, "description_sufficient": True}),
                            ("estimate_fees", {"search_hours": [], "pages": 0}),
                            ("check_personal_privacy", {"personal_information": False}),
                            ("decide_request", {"decision": "grant"}),
                            ("prepare_records", {"delivery_method": "inspection"})):
        engine.complete_task(task_of(engine, tracking_number, bpmn_id).task_id, values, actor="custodian")
    return task_of(engine, tracking_number, "provide_records")


def plain(page) -> str:
    return html.unescape(re.sub(r"\s+", " ", page.get_data(as_text=True)))


def test_records_released_online_are_downloaded_only_with_their_own_link(office, client, file_online, login_as,
                                                                       csrf_token, app):
    tracking_number, status_path = file_online()
    _other_number, other_status_path = file_online()
    provide = to_provide_records(office, tracking_number)
    login_as(CUSTODIAN, username="jo")
    task_path = f"/inbox/tasks/{provide.task_id}"
    response = client.post(f"{task_path}/complete", data={
        "provided_on": "2026-11-23", "supervised_by": "Jo Records", "csrf_token": csrf_token(client, task_path),
        "released_records": [(io.BytesIO(PDF), "minutes-january.pdf"), (io.BytesIO(CSV), "votes.csv")]},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert office.get_instance(provide.instance_id).status == "completed"

    requester = app.test_client()
    page = plain(requester.get(status_path))
    assert "Download minutes-january.pdf" in page and "Download votes.csv" in page
    first = requester.get(f"{status_path}/records/1")
    assert first.status_code == 200 and first.data == PDF
    assert first.headers["Content-Disposition"].startswith("attachment")
    assert "minutes-january.pdf" in first.headers["Content-Disposition"]
    assert first.headers["Cache-Control"] == "no-store"
    second = requester.get(f"{status_path}/records/2")
    assert second.status_code == 200 and second.data == CSV
    assert requester.get(f"{status_path}/records/3").status_code == 404
    assert requester.get(f"{other_status_path}/records/1").status_code == 404      # another request's link
    assert requester.get("/status/not-a-token/records/1").status_code == 404

    staff_page = plain(client.get(task_path))
    assert "Records released online" in staff_page
    assert re.search(r"minutes-january\.pdf \(48 bytes\): released .* by jo to Pat Doe, on their status page",
                     re.sub(r"<[^>]+>", "", staff_page))
    assert staff_page.count("downloaded by the requester") == 2


def test_question_asked_on_the_task_is_answered_on_the_status_page(office, client, file_online, login_as, csrf_token,
                                                                  app, caplog):
    tracking_number, status_path = file_online()
    review = task_of(office, tracking_number, "review_request")
    login_as(CUSTODIAN, username="jo")
    task_path = f"/inbox/tasks/{review.task_id}"
    page = plain(client.get(task_path))
    assert "Ask the requester" in page
    response = client.post(f"{task_path}/ask", data={"question": "Do you mean the regular meetings only?",
                                                     "csrf_token": csrf_token(client, task_path)})
    assert response.status_code == 302

    requester = app.test_client()
    status = plain(requester.get(status_path))
    assert "Do you mean the regular meetings only?" in status and "The office asked you a question" in status
    assert "Waiting for your answer to our question" in status
    empty = requester.post(f"{status_path}/answer", data={"answer": "  ", "csrf_token": csrf_token(requester, status_path)})
    assert empty.status_code == 422 and "Write your answer first." in plain(empty)
    with caplog.at_level("INFO"):
        answered = requester.post(f"{status_path}/answer", data={"answer": "Yes, regular meetings only.",
                                                                  "csrf_token": csrf_token(requester, status_path)})
    assert answered.status_code == 302
    assert "regular meetings only" not in caplog.text          # no personal data in the logs
    status = plain(requester.get(status_path))
    assert "You answered the office's question" in status and "Send my answer" not in status

    page = plain(client.get(task_path))
    assert "The requester answered" in page and "Yes, regular meetings only." in page
    history = page[page.index('id="history-heading"'):]
    assert "Asked the requester (by jo)" in history and "The requester answered" in history
    assert office.get_instance(review.instance_id).open_tasks[0].bpmn_id == "review_request"   # the clock runs on


def test_withdrawn_request_ends_and_leaves_the_inbox(office, client, file_online, login_as, csrf_token, app,
                                                     make_staff, staff_password):
    tracking_number, status_path = file_online()
    review = task_of(office, tracking_number, "review_request")
    requester = app.test_client()
    assert "Withdraw my request" in plain(requester.get(status_path))
    confirm_page = f"{status_path}/withdraw"
    assert "I withdraw my request" in plain(requester.get(confirm_page))
    unconfirmed = requester.post(confirm_page, data={"csrf_token": csrf_token(requester, confirm_page)})
    assert unconfirmed.status_code == 422 and office.get_instance(review.instance_id).status == "active"
    done = requester.post(confirm_page, data={"confirm": "yes", "csrf_token": csrf_token(requester, confirm_page)})
    assert done.status_code == 302

    assert office.get_instance(review.instance_id).status == "terminated"
    status = plain(requester.get(status_path))
    assert "Withdrawn by you" in status and "You withdrew your request" in status
    assert "Withdraw my request" not in status
    assert requester.get(confirm_page).status_code == 409

    login_as(CUSTODIAN, username="jo")
    assert tracking_number not in plain(client.get("/inbox"))
    page = plain(client.get(f"/inbox/tasks/{review.task_id}"))
    assert "Withdrawn by the requester on" in page

    # An administrator sees why it was terminated, in the list and on the instance page.
    admin = app.test_client()
    make_staff("ada", "administrator")
    admin.post("/login", data={"username": "ada", "password": staff_password, "csrf_token": csrf_token(admin)})
    listed = plain(admin.get("/admin/instances?status=terminated"))
    assert tracking_number in listed and 'terminated</span> <span class="muted">withdrawn by the requester' in listed
    assert "withdrawn by the requester" in plain(admin.get(f"/admin/instances/{review.instance_id}"))


def test_withdrawal_after_a_prepayment_gives_the_custodian_the_refund(office, file_online, csrf_token, app):
    tracking_number, status_path = file_online()
    office.complete_task(task_of(office, tracking_number, "review_request").task_id,
                         {"holds_record": True, "description_sufficient": True}, actor="custodian")
    office.complete_task(task_of(office, tracking_number, "estimate_fees").task_id,
                         {"search_hours": [{"employee": "Jo Records", "hours": 2}], "pages": 0}, actor="custodian")
    office.deliver_message("payment_received", {"tracking_number": tracking_number}, {"amount": "30.00"},
                           actor="cashier")
    requester = app.test_client()
    confirm_page = f"{status_path}/withdraw"
    requester.post(confirm_page, data={"confirm": "yes", "csrf_token": csrf_token(requester, confirm_page)})
    refund = task_of(office, tracking_number, "refund_prepayment")
    assert (refund.title, refund.candidate_role) == ("Refund the prepayment", CUSTODIAN)
