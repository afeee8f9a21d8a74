"""HTML injection (issue 14, "Prove it"): markup planted in every free-text field a requester, a member of
staff or an administrator can type (the portal's request form, the staff intake, task notes and grounds,
comments, a question to the requester and their answer, letter templates, an office's name) is shown as
text on every page staff and the public can reach, never run; a CSV download never starts a cell with
a formula."""
from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from records_office import STATUS_LINK, TRACKING

SCRIPT = '<script>alert("x1")</script>'
IMAGE = '"><img src=x onerror=alert(1)>'
ATTRIBUTE = "' onmouseover='alert(2)"
FORMULA = "=cmd|' /C calc'!A0"
# What may never be in an HTML answer: the payloads as markup. Escaped, they are harmless text.
UNESCAPED = ('<script>alert("x1")', "<img src=x onerror", "onmouseover='alert(2)")
EVERY_ROLE = ("administrator", "analyst", "city_clerk", "clerk", "finance", "records_manager", "city_attorney",
              "custodian", "custodian:city_clerk", "custodian:police")
CITY_CLERK_OFFICE = "city_clerk"
NOT_CRAWLED = ("/logout", "/static/", "/modeler")     # the modeler shows diagrams and forms, not request data


def payload(field: str) -> str:
    """A distinctive text for `field`, carrying every payload."""
    return f"{field} {SCRIPT} {IMAGE} {ATTRIBUTE}"


class FormReader(HTMLParser):
    """The values a browser would send back for each named control of a page's forms."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.values[name] = attributes.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.values[name] = attributes.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self.values[self._select] = attributes.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(page: str) -> dict[str, str]:
    reader = FormReader()
    reader.feed(page)
    return reader.values


LINK = re.compile(r'(?:href|action)="([^"#]+)')


def crawl(client, starts: list[str], *, limit: int = 400) -> dict[str, object]:
    """GET every same-site page reachable from `starts` by a link (at most `limit`): {path: response}."""
    seen: dict[str, object] = {}
    queue = list(starts)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or path.startswith(NOT_CRAWLED):
            continue
        response = client.get(path)
        seen[path] = response
        if response.mimetype == "text/html":
            for link in LINK.findall(response.get_data(as_text=True)):
                link = link.replace("&amp;", "&")
                parts = urlsplit(urljoin(path, link))
                if parts.netloc and parts.netloc != "localhost":
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target not in seen:
                    queue.append(target)
    return seen


def assert_nothing_unescaped(pages: dict[str, object]) -> None:
    problems = []
    for path, response in pages.items():
        assert response.status_code < 500, f"{path}: {response.status_code}"
        if response.mimetype in ("application/json", "application/pdf", "text/plain", "text/csv"):
            continue
        text = response.get_data(as_text=True)
        problems.extend(f"{path}: {marker}" for marker in UNESCAPED if marker in text)
    assert problems == []


@pytest.fixture
def office(portal, review_week):
    return portal


@pytest.fixture
def staff(login_as):
    return login_as(*EVERY_ROLE, username="admin")


def post_page(client, csrf_token, path: str, changes: dict, *, page: str | None = None):
    """POST the form on `page` (default `path`) as a browser would, with `changes` typed into it."""
    values = form_values(client.get(page or path).get_data(as_text=True))
    values["csrf_token"] = csrf_token(client, page or path)
    return client.post(path, data={**values, **changes})


def task_of(engine, tracking_number: str, bpmn_id: str):
    [task] = [task for task in engine.list_tasks() if task.business_key == tracking_number and task.bpmn_id == bpmn_id]
    return task


def work_a_request(engine, client, requester, csrf_token, text) -> tuple[str, str]:
    """File a records request on the portal and work it: notes, a comment, a question and its answer, the
    estimate, a prepayment, the privacy check, a partial denial with grounds, the records prepared and
    provided. `text(field)` is what is typed into each free-text field. Returns (tracking number, status path).
    The staff `client` is signed in with every role; `requester` is another browser."""
    response = requester.post("/request", data={
        "requester_name": text("requester_name"), "requester_address": text("requester_address"),
        "records_description": text("records_description"), "office_key": CITY_CLERK_OFFICE,
        "csrf_token": csrf_token(requester, "/request")})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = requester.get(response.headers["Location"]).get_data(as_text=True)
    tracking_number, status_path = TRACKING.search(page).group(0), STATUS_LINK.search(page).group(1)

    review = task_of(engine, tracking_number, "review_request")
    task_path = f"/inbox/tasks/{review.task_id}"
    token = csrf_token(client, task_path)
    assert client.post(f"{task_path}/comments", data={"comment": text("comment"), "csrf_token": token}).status_code == 302
    assert client.post(f"{task_path}/ask", data={"question": text("question"), "csrf_token": token}).status_code == 302
    answered = requester.post(f"{status_path}/answer", data={"answer": text("answer"),
                                                              "csrf_token": csrf_token(requester, status_path)})
    assert answered.status_code == 302
    completed = post_page(client, csrf_token, f"{task_path}/complete", {
        "holds_record": "true", "description_sufficient": "true", "review_note": text("review_note"),
        "identification_note": text("identification_note")}, page=task_path)
    assert completed.status_code == 302, completed.get_data(as_text=True)[-3000:]

    steps = (
        ("estimate_fees", {"search_hours": [{"employee": text("employee"), "hours": 2}], "pages": 0,
                           "waiver_reason": text("waiver_reason")}),
    )
    for bpmn_id, values in steps:
        engine.complete_task(task_of(engine, tracking_number, bpmn_id).task_id, values, actor="admin")
    paid = post_page(client, csrf_token, "/inbox/payments", {"tracking_number": tracking_number, "amount": "30.00",
                                                             "method": "check"},
                     page=f"/inbox/payments?tracking_number={tracking_number}")
    assert paid.status_code == 302, paid.get_data(as_text=True)[-3000:]
    for bpmn_id, values in (
        ("check_personal_privacy", {"personal_information": False, "privacy_reason": text("privacy_reason")}),
        ("decide_request", {"decision": "partial", "exemption_codes": ["45-221(a)(14)"],
                            "grounds_text": text("grounds_text")}),
        ("apportion_search_time", {"released_search_hours": [{"employee": text("employee"), "hours": 1}],
                                   "apportion_note": text("apportion_note")}),
        ("prepare_records", {"delivery_method": "inspection", "no_reproduction_reason": text("no_reproduction")}),
        ("provide_records", {"provided_on": "2026-11-24", "supervised_by": text("supervised_by"),
                             "provision_note": text("provision_note")}),
    ):
        open_steps = [task.bpmn_id for task in engine.list_tasks() if task.business_key == tracking_number]
        if bpmn_id in open_steps:
            view = engine.complete_task(task_of(engine, tracking_number, bpmn_id).task_id, values, actor="admin")
            assert view.incidents == (), view.incidents
    return tracking_number, status_path


def test_payloads_in_every_free_text_field_are_shown_escaped_on_every_page(office, app, client, staff, csrf_token):
    saved = post_page(client, csrf_token, "/admin/settings/letters/acknowledgement", {
        "subject": f"Request {{tracking_number}} {SCRIPT}", "action": "save",
        "body": f"Dear {{requester_name}},\n{IMAGE}\nWe will answer by {{response_due_at}}.\n"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[-3000:]
    renamed = post_page(client, csrf_token, "/admin/settings/offices/police", {"name": f"{FORMULA} Police {SCRIPT}"})
    assert renamed.status_code == 302, renamed.get_data(as_text=True)[-3000:]
    assert post_page(client, csrf_token, "/admin/settings/exemptions",
                     {"code": "45-221(a)(99)", "citation": "K.S.A. 45-221(a)(99)",
                      "summary": payload("exemption")}).status_code == 302

    requester = app.test_client()
    tracking_number, status_path = work_a_request(office, client, requester, csrf_token, payload)
    entered = post_page(client, csrf_token, "/inbox/intake", {
        "requester_name": payload("intake_name"), "requester_address": payload("intake_address"),
        "records_description": f"{FORMULA} {payload('intake_description')}", "received_via": "counter",
        "received_at": "2026-11-23T10:00", "office_key": "police", "email": ""})
    assert entered.status_code == 302, entered.get_data(as_text=True)[-3000:]
    second = TRACKING.search(client.get(entered.headers["Location"]).get_data(as_text=True)).group(0)

    # Staff: everything reachable from the inbox, the administration, the dashboard and the settings.
    staff_pages = crawl(client, ["/", "/inbox", "/inbox?status=all", "/admin", "/admin/instances",
                                 "/admin/instances?status=completed", "/admin/dashboard", "/admin/settings",
                                 "/admin/settings/changes", "/admin/settings/letters",
                                 "/admin/settings/letters/acknowledgement", "/admin/settings/offices",
                                 "/admin/settings/exemptions", "/admin/users",
                                 f"/inbox/payments?tracking_number={tracking_number}",
                                 f"/inbox/payments?tracking_number={second}", "/account/notifications"])
    visited = set(staff_pages)
    assert any(path.startswith("/inbox/tasks/") for path in visited)
    assert any(re.fullmatch(r"/admin/instances/\d+", path) for path in visited)
    assert_nothing_unescaped(staff_pages)
    # The payloads did reach the pages, as text.
    shown = "".join(response.get_data(as_text=True) for response in staff_pages.values()
                    if response.mimetype == "text/html")
    for field in ("review_note", "comment", "question", "answer", "intake_name", "exemption"):
        assert f"{field} &lt;script&gt;alert(" in shown, field

    # The requester: the status page and everything it links to (letters as text and PDF, released records).
    public_pages = crawl(requester, [status_path, "/", "/request", "/status/lost", f"{status_path}/withdraw"])
    assert_nothing_unescaped(public_pages)
    assert any(path.endswith(".txt") for path in public_pages)
    status = public_pages[status_path].get_data(as_text=True)
    assert "answer &lt;script&gt;alert(" in status or "question &lt;script&gt;alert(" in status
    for path, response in {**public_pages, **staff_pages}.items():
        if response.mimetype in ("text/plain", "application/pdf"):
            assert response.headers.get("X-Content-Type-Options") == "nosniff", path
            assert "html" not in (response.content_type or ""), path


def test_csv_downloads_never_start_a_cell_with_a_formula(office, app, client, staff, csrf_token):
    """The dashboard and change-log downloads say they neutralise formulas (web/admin/dashboard.py csv_safe)."""
    assert post_page(client, csrf_token, "/admin/settings/offices/police",
                     {"name": f"{FORMULA} Police"}).status_code == 302
    assert post_page(client, csrf_token, "/admin/settings/exemptions",
                     {"code": "45-221(a)(98)", "citation": "+K.S.A. 45-221(a)(98)",
                      "summary": f"{FORMULA} -1+1 @SUM(A1)"}).status_code == 302
    work_a_request(office, client, app.test_client(), csrf_token,
                   lambda field: f"{FORMULA} {field}" if field != "employee" else f"@SUM(1) {field}")
    pages = crawl(client, ["/admin/dashboard", "/admin/settings/changes"])
    downloads = {path: response for path, response in pages.items() if response.mimetype == "text/csv"}
    assert any("dashboard" in path for path in downloads) and any("changes" in path for path in downloads)
    for path, response in downloads.items():
        for row in csv.reader(io.StringIO(response.get_data(as_text=True))):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"{path}: {cell!r}"
    assert any(FORMULA in response.get_data(as_text=True) for response in downloads.values())
