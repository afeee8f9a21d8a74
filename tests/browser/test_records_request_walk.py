"""A records request from start to finish, in the browser, as a new user would do it (issue 5).

A member of the public files a request on the portal; the custodian finds it in the inbox, claims
it, reviews it and estimates the fees over 25.00; the requester's status page shows the amount due;
the clerk records the payment; the custodian checks privacy, grants the request, prepares and
provides the records; the requester sees the request closed and downloads a letter. Every page is
checked with axe-core, and each step leaves a screenshot in docs/screenshots/ (listed in its README).
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from browsing import DEMO_PASSWORD, SCREENSHOTS

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect
TRACKING_NUMBER = re.compile(r"R-\d{4}-\d{5}")
REQUEST = {"Your name": "Jordan Public", "Your address": "77 Walnut Street, Springfield KS 66000",
           "The records you ask for": "Building permits issued for 12 Elm Street, 2020 to 2026"}
CITY_TODAY = datetime.now(ZoneInfo("America/Chicago")).date().isoformat()


def sign_in(visit, username: str):
    page = visit.go("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    return visit.audit()


def row_of(page, tracking_number: str):
    return page.get_by_role("row").filter(has_text=tracking_number)


def open_task(visit, tracking_number: str, title: str):
    """From the inbox, open the request's task by its name."""
    page = visit.go("/inbox")
    row_of(page, tracking_number).get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    return visit.audit()


def answer(page, question: str, choice: str):
    page.get_by_role("group", name=re.compile(re.escape(question))).get_by_label(choice, exact=True).check()


def complete_task(visit, title: str):
    page = visit.page
    page.get_by_role("button", name="Complete task").click()
    expect(page.get_by_text(f'Done: "{title}".')).to_be_visible()
    return visit.audit()


def test_a_request_goes_from_the_portal_to_the_released_records(person):
    requester, custodian, clerk = person("requester"), person("custodian"), person("clerk")

    # The public: how to ask, then the form.
    public = requester.go("/")
    expect(public.get_by_role("heading", name="How to request public records", level=1)).to_be_visible()
    requester.shot("01-portal-home")
    public.get_by_role("link", name="Fill in the request form").click()
    requester.audit()
    for label, text in REQUEST.items():
        public.get_by_label(label).fill(text)
    public.get_by_label("The office that keeps the records (if you know)").select_option(label="City Clerk's Office")
    requester.shot("02-portal-request-form")
    public.get_by_role("button", name="Send my request").click()
    expect(public.get_by_role("heading", name="We received your request")).to_be_visible()
    tracking_number = TRACKING_NUMBER.search(public.locator("dl.facts").inner_text()).group(0)
    status_link = public.locator("a[href*='/status/']").get_attribute("href")
    requester.shot("03-portal-request-received")

    # The custodian signs in and finds the new request in the inbox.
    inbox = sign_in(custodian, "custodian")
    row = row_of(inbox, tracking_number)
    expect(row.get_by_role("link", name="Review the request")).to_be_visible()
    custodian.shot("04-inbox-new-request")
    row.get_by_role("button", name="Claim").click()
    expect(inbox.get_by_text('"Review the request" is yours now.')).to_be_visible()
    expect(row_of(inbox, tracking_number)).to_contain_text("custodian")
    custodian.shot("05-inbox-task-claimed")

    task = open_task(custodian, tracking_number, "Review the request")
    answer(task, "This office holds the record", "Yes")
    answer(task, "The description lets us find the record", "Yes")
    custodian.shot("06-task-review-the-request")
    complete_task(custodian, "Review the request")

    # The estimate: one hour of search (15.00) and 60 pages (15.00) is 30.00, over 25.00: prepayment.
    task = open_task(custodian, tracking_number, "Estimate the fees")
    search = task.get_by_role("group", name=re.compile("Search time"))
    search.get_by_label(re.compile("Employee")).first.fill("Jordan Records")
    search.get_by_label(re.compile("Hours")).first.fill("1")
    task.get_by_label(re.compile("^Pages to copy")).fill("60")
    custodian.shot("07-task-estimate-the-fees")
    complete_task(custodian, "Estimate the fees")

    # The requester's status page shows what is due.
    status = requester.go(status_link)
    expect(status.locator("p.notice")).to_have_text("Waiting for your prepayment of $30.00.")
    expect(status.locator("dl.facts")).to_contain_text("Amount due")
    expect(status.locator("dl.facts")).to_contain_text("30.00")
    requester.shot("08-status-amount-due")

    # The clerk records the payment at the counter.
    sign_in(clerk, "clerk")
    clerk.page.get_by_role("link", name="Record a payment").click()
    payment = clerk.audit()
    payment.get_by_label(re.compile("^Tracking number")).fill(tracking_number)
    payment.get_by_role("button", name="Find the request").click()
    clerk.audit()
    expect(payment.get_by_label(re.compile("^Amount paid"))).to_have_value("30.00")
    payment.get_by_label(re.compile("^Paid by")).select_option(label="Check")
    clerk.shot("09-record-a-payment")
    payment.get_by_role("button", name="Record the payment").click()
    expect(payment.get_by_text(f"Payment of $30.00 (check) recorded for {tracking_number}.")).to_be_visible()
    clerk.shot("10-payment-recorded")

    # The custodian finishes the request: privacy, decision, preparing and providing the records.
    task = open_task(custodian, tracking_number, "Check personal privacy")
    answer(task, "Personal information at stake", "No")
    custodian.shot("11-task-check-personal-privacy")
    complete_task(custodian, "Check personal privacy")

    task = open_task(custodian, tracking_number, "Decide the request")
    task.get_by_label(re.compile("^Decision")).select_option("grant")
    custodian.shot("12-task-decide-the-request")
    complete_task(custodian, "Decide the request")

    task = open_task(custodian, tracking_number, "Prepare the records")
    task.get_by_label(re.compile("^How the requester gets the records")).select_option("copies")
    custodian.shot("13-task-prepare-the-records")
    complete_task(custodian, "Prepare the records")

    task = open_task(custodian, tracking_number, "Provide the records")
    task.get_by_label(re.compile("^Provided on")).fill(CITY_TODAY)
    task.get_by_label(re.compile("^Supervised by")).fill("Morgan Custodian")
    custodian.shot("14-task-provide-the-records")
    complete_task(custodian, "Provide the records")
    expect(row_of(custodian.page, tracking_number)).to_have_count(0)      # nothing left to do

    # The requester sees the records provided and the request closed, and downloads a letter.
    status = requester.go(status_link)
    expect(status.locator("dl.facts")).to_contain_text("Closed")
    expect(status.get_by_text("The records were provided")).to_be_visible()
    expect(status.get_by_text("Amount due")).to_have_count(0)
    requester.shot("15-status-records-provided")
    letter = status.locator("article.letter").filter(has_text="estimate").first
    link = letter.get_by_role("link", name=re.compile("Download"))
    with status.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert tracking_number in download.suggested_filename
    served = status.request.get(link.get_attribute("href"))
    kind = served.headers["content-type"]
    body = served.body()
    assert served.ok and body, (served.status, kind)
    if kind.startswith("application/pdf"):
        assert body.startswith(b"%PDF")
    else:
        assert kind.startswith("text/plain") and tracking_number in body.decode()

    listed = (SCREENSHOTS / "README.md").read_text()
    for screenshot in sorted(SCREENSHOTS.glob("[0-9][0-9]-*.png")):
        assert screenshot.name in listed, f"{screenshot.name} is not listed in docs/screenshots/README.md"
