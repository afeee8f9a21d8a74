"""The other ways a records request goes, in the browser (issue 13): a full denial citing two grounds
with the City Attorney's copy, a refusal without a search under K.S.A. 45-218(e), and a request the
City Clerk enters at the counter and works herself from review to the records provided.

Every page is checked with axe-core; screenshots go to docs/screenshots/ (listed in its README).
"""
from __future__ import annotations

import re

import pytest

from test_records_request_walk import (CITY_TODAY, REQUEST, TRACKING_NUMBER, answer, complete_task, open_task,
                                       row_of, sign_in)

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def file_on_the_portal(requester, description: str) -> tuple[str, str]:
    """The requester files a request for the City Clerk's Office; (tracking number, status link)."""
    page = requester.go("/request")
    for label, text in {**REQUEST, "The records you ask for": description}.items():
        page.get_by_label(label).fill(text)
    page.get_by_label("The office that keeps the records (if you know)").select_option(label="City Clerk's Office")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", name="We received your request")).to_be_visible()
    requester.audit()
    tracking_number = TRACKING_NUMBER.search(page.locator("dl.facts").inner_text()).group(0)
    return tracking_number, page.locator("a[href*='/status/']").get_attribute("href")


def review(visit, tracking_number: str, *, refuse: bool = False):
    task = open_task(visit, tracking_number, "Review the request")
    answer(task, "This office holds the record", "Yes")
    answer(task, "The description lets us find the record", "Yes")
    if refuse:
        answer(task, "Refuse without a search", "Yes")
    return task


def to_the_decision(visit, tracking_number: str):
    """Review (held here, described enough), estimate nothing to pay (inspection only), no privacy concern:
    the request waits at "Decide the request"."""
    review(visit, tracking_number)
    complete_task(visit, "Review the request")
    task = open_task(visit, tracking_number, "Estimate the fees")
    task.get_by_label(re.compile("^Pages to copy")).fill("0")
    complete_task(visit, "Estimate the fees")
    task = open_task(visit, tracking_number, "Check personal privacy")
    answer(task, "Personal information at stake", "No")
    complete_task(visit, "Check personal privacy")


def tick_ground(task, code: str):
    task.get_by_role("group", name=re.compile("^Grounds")).get_by_label(
        re.compile(r"K\.S\.A\. " + re.escape(code) + " —")).check()


def test_a_full_denial_cites_two_grounds_and_copies_the_city_attorney(person):
    requester, custodian, attorney = person("requester"), person("custodian"), person("attorney")
    tracking_number, status_link = file_on_the_portal(requester, "Personnel files of the parks staff, 2025")

    sign_in(custodian, "custodian")
    to_the_decision(custodian, tracking_number)

    task = open_task(custodian, tracking_number, "Decide the request")
    task.get_by_label(re.compile("^Decision")).select_option("deny")
    tick_ground(task, "45-221(a)(4)")
    tick_ground(task, "45-221(a)(30)")
    task.get_by_label(re.compile("^Grounds in your words")).fill("The files are personnel records of named staff.")
    custodian.audit()
    custodian.shot("20-task-deny-with-two-grounds")
    complete_task(custodian, "Decide the request")

    # The City Attorney receives the copy of the denial in her inbox.
    sign_in(attorney, "attorney")
    task = open_task(attorney, tracking_number, "Receive the copy of the denial")
    attorney.shot("21-task-city-attorney-copy")
    complete_task(attorney, "Receive the copy of the denial")

    status = requester.go(status_link)
    denial = status.locator("article.letter").filter(has_text="K.S.A. 45-221(a)(4)")
    expect(denial).to_contain_text("K.S.A. 45-221(a)(30)")
    expect(status.get_by_text("Amount due")).to_have_count(0)
    requester.audit()
    requester.shot("22-status-denial-letter")


def test_a_request_that_places_an_unreasonable_burden_is_refused_without_a_search(person):
    requester, custodian = person("requester"), person("custodian")
    tracking_number, status_link = file_on_the_portal(requester, "Every e-mail sent by any city employee since 2010")

    sign_in(custodian, "custodian")
    review(custodian, tracking_number, refuse=True)
    complete_task(custodian, "Review the request")
    task = open_task(custodian, tracking_number, "State the grounds for denial")
    tick_ground(task, "45-218(e)")
    task.get_by_label(re.compile("^Grounds in your words")).fill("About four million messages would have to be read.")
    custodian.audit()
    custodian.shot("23-task-refuse-under-45-218e")
    complete_task(custodian, "State the grounds for denial")

    status = requester.go(status_link)
    expect(status.locator("article.letter").filter(has_text="K.S.A. 45-218(e)")).to_contain_text("four million")
    requester.audit()


def test_the_city_clerk_enters_a_counter_request_and_works_it_to_the_end(person):
    clerk = person("clerk")
    inbox = sign_in(clerk, "clerk")
    inbox.get_by_role("link", name="Enter a request").click()
    intake = clerk.audit()
    for label, text in REQUEST.items():
        intake.get_by_label(label).fill(text)
    intake.get_by_label(re.compile("^Received")).select_option(label="At the counter")
    clerk.shot("24-intake-counter-request")
    intake.get_by_role("button", name="Enter the request").click()
    expect(intake.get_by_role("heading", name=re.compile(r"^Request R-\d{4}-\d{5} entered"))).to_be_visible()
    clerk.audit()
    tracking_number = TRACKING_NUMBER.search(intake.locator("dl.facts").inner_text()).group(0)
    clerk.shot("25-intake-request-entered")

    # Her own office's request is in her inbox, and she may claim it.
    inbox = clerk.go("/inbox")
    row = row_of(inbox, tracking_number)
    row.get_by_role("button", name=f"Claim {tracking_number}").click()
    expect(inbox.get_by_text('"Review the request" is yours now.')).to_be_visible()
    to_the_decision(clerk, tracking_number)
    task = open_task(clerk, tracking_number, "Decide the request")
    task.get_by_label(re.compile("^Decision")).select_option("grant")
    complete_task(clerk, "Decide the request")
    task = open_task(clerk, tracking_number, "Prepare the records")
    task.get_by_label(re.compile("^How the requester gets the records")).select_option("inspection")
    complete_task(clerk, "Prepare the records")
    task = open_task(clerk, tracking_number, "Provide the records")
    task.get_by_label(re.compile("^Provided on")).fill(CITY_TODAY)
    task.get_by_label(re.compile("^Supervised by")).fill("Casey Clerk")
    clerk.shot("26-city-clerk-provides-the-records")
    complete_task(clerk, "Provide the records")
    expect(row_of(clerk.page, tracking_number)).to_have_count(0)


def test_a_partial_grant_releases_records_online_and_the_requester_downloads_them(person, tmp_path):
    requester, custodian = person("requester"), person("custodian")
    tracking_number, status_link = file_on_the_portal(requester, "Council minutes of 2026, without closed sessions")
    released = [tmp_path / "minutes-january.pdf", tmp_path / "minutes-february.pdf"]
    for number, path in enumerate(released):
        path.write_bytes(b"%PDF-1.4\n% council minutes " + str(number).encode() + b"\n%%EOF\n")

    sign_in(custodian, "custodian")
    to_the_decision(custodian, tracking_number)
    task = open_task(custodian, tracking_number, "Decide the request")
    task.get_by_label(re.compile("^Decision")).select_option("partial")
    tick_ground(task, "45-221(a)(2)")
    task.get_by_label(re.compile("^Grounds in your words")).fill("The minutes of closed sessions are withheld.")
    complete_task(custodian, "Decide the request")
    open_task(custodian, tracking_number, "Apportion the search time")     # prefilled with the estimate's time
    complete_task(custodian, "Apportion the search time")
    task = open_task(custodian, tracking_number, "Prepare the records")
    task.get_by_label(re.compile("^How the requester gets the records")).select_option("copies")
    complete_task(custodian, "Prepare the records")
    task = open_task(custodian, tracking_number, "Provide the records")
    task.get_by_label(re.compile("^Provided on")).fill(CITY_TODAY)
    task.get_by_label(re.compile("^Supervised by")).fill("Morgan Custodian")
    task.get_by_label(re.compile("^Records released online")).set_input_files([str(path) for path in released])
    custodian.audit()
    custodian.shot("27-task-release-records-online")
    complete_task(custodian, "Provide the records")

    status = requester.go(status_link)
    expect(status.locator("article.letter").filter(has_text="K.S.A. 45-221(a)(2)")).to_have_count(1)
    link = status.get_by_role("link", name="Download minutes-january.pdf")
    requester.audit()
    requester.shot("28-status-released-records")
    with status.expect_download() as download_info:
        link.click()
    assert download_info.value.suggested_filename == "minutes-january.pdf"
    served = status.request.get(link.get_attribute("href"))
    assert served.ok and served.body() == released[0].read_bytes()


def test_the_office_asks_the_requester_and_the_answer_reaches_the_task(person):
    requester, custodian = person("requester"), person("custodian")
    tracking_number, status_link = file_on_the_portal(requester, "The permits for the house on Elm Street")

    sign_in(custodian, "custodian")
    task = open_task(custodian, tracking_number, "Review the request")
    task.get_by_label("Ask the requester").fill("Which house number on Elm Street, and which years?")
    task.get_by_role("button", name="Ask the requester").click()
    custodian.audit()

    status = requester.go(status_link)
    expect(status.get_by_text("Which house number on Elm Street, and which years?")).to_be_visible()
    status.get_by_label("Your answer to the office's question").fill("Number 12, from 2020 to 2026.")
    requester.shot("29-status-answer-a-question")
    status.get_by_role("button", name="Send my answer").click()
    expect(status.get_by_text("Number 12, from 2020 to 2026.")).to_be_visible()
    requester.audit()

    task = open_task(custodian, tracking_number, "Review the request")
    expect(task.locator("#correspondence")).to_contain_text("The requester answered")
    expect(task.locator("#correspondence")).to_contain_text("Number 12, from 2020 to 2026.")
    custodian.shot("30-task-the-requesters-answer")


def test_a_requester_withdraws_a_request_and_the_office_stops_work_on_it(person):
    requester, custodian = person("requester"), person("custodian")
    tracking_number, status_link = file_on_the_portal(requester, "Police reports of the Main Street accident")

    status = requester.go(status_link)
    status.get_by_role("link", name="Withdraw my request").click()
    requester.audit()
    status.get_by_label(f"I withdraw my request {tracking_number}").check()
    requester.shot("31-withdraw-a-request")
    status.get_by_role("button", name="Withdraw my request").click()
    expect(status.get_by_text(re.compile("[Ww]ithdrawn"))).not_to_have_count(0)
    requester.audit()
    requester.shot("32-status-withdrawn")

    inbox = sign_in(custodian, "custodian")
    expect(row_of(inbox, tracking_number)).to_have_count(0)
