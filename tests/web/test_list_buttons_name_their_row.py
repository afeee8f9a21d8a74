"""A button or link repeated on each row of a list says what it acts on (issue 13; WCAG 2.4.6 and 2.5.3): "Remove
closure day 2026-11-24", "Withdraw the fee schedule from 2027-01-01", "Retry incident 12 at Review the request", so
a screen reader's list of controls never offers two "Remove" that do different things. The accessible name starts
with the visible text (axe's label-content-name-mismatch), and no two controls with the same visible text on a page
share a name. Each page is shown with two or more rows, made through the pages and the engine."""
from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
import test_admin_settings as settings_pages
from conftest import DIAGRAMS
from test_admin_settings import AMOUNTS, TODAY, file_request

office, admin = settings_pages.office, settings_pages.admin     # the records office on a Monday, its administrator

CONTROLS = {"a", "button"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Controls(HTMLParser):
    """Each link (with an href) and button: its visible text and its accessible name (aria-label, else its text
    with what is visually hidden), as a screen reader's list of controls reads them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.controls: list[tuple[str, str]] = []
        self._open: list[dict] = []          # the controls being read (a control inside a control is not HTML)
        self._hidden: list[tuple[bool, bool]] = []   # per open element: (visually hidden, aria-hidden)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in VOID:
            return
        classes = (attributes.get("class") or "").split()
        self._hidden.append(("visually-hidden" in classes, attributes.get("aria-hidden") == "true"))
        if tag in CONTROLS and (tag == "button" or "href" in attributes):
            self._open.append({"tag": tag, "depth": len(self._hidden), "visible": [], "spoken": [],
                               "label": attributes.get("aria-label")})

    def handle_endtag(self, tag):
        if tag in VOID or not self._hidden:
            return
        if self._open and self._open[-1]["depth"] == len(self._hidden) and self._open[-1]["tag"] == tag:
            control = self._open.pop()
            visible = " ".join("".join(control["visible"]).split())
            name = " ".join((control["label"] or "".join(control["spoken"])).split())
            self.controls.append((visible, name))
        self._hidden.pop()

    def handle_data(self, data):
        for control in self._open:
            inside = self._hidden[control["depth"]:]
            if any(unspoken for _, unspoken in inside):
                continue
            control["spoken"].append(data)
            if not any(unseen for unseen, _ in inside):
                control["visible"].append(data)


def controls_of(page: str) -> list[tuple[str, str]]:
    parser = _Controls()
    parser.feed(page)
    return parser.controls


def assert_each_control_names_its_row(client, path: str, *, repeated: tuple[str, ...] = ()) -> None:
    """No two controls with the same visible text share an accessible name, each name begins with its visible
    text, and each text in `repeated` is on two or more controls (the page shows the rows the test made)."""
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    names = defaultdict(list)
    for visible, name in controls_of(response.get_data(as_text=True)):
        assert name.lower().startswith(visible.lower()), f"{path}: {name!r} does not begin with {visible!r}"
        names[visible].append(name)
    for text in repeated:
        assert len(names[text]) >= 2, f"{path}: expected two or more {text!r}, found {names[text]}"
    shared = {visible: sorted({n for n in found if found.count(n) > 1})
              for visible, found in names.items() if len(set(found)) < len(found)}
    assert not shared, f"{path}: controls with the same name: {shared}"


def test_the_parser_reads_names_as_a_screen_reader_does():
    page = ('<a href="/1">Delete<span class="visually-hidden"> saved filter Mine</span></a>'
            '<button aria-label="Remove closure day 2026-11-24">Remove</button><a>no href</a>'
            '<a href="/2"><span aria-hidden="true">+</span> Zoom in<img alt=""></a>')
    assert controls_of(page) == [("Delete", "Delete saved filter Mine"), ("Remove", "Remove closure day 2026-11-24"),
                                 ("Zoom in", "Zoom in")]


@pytest.fixture
def post(post_form):
    def send(client, path, data=None):
        response = post_form(client, path, data, token_from="/admin/settings")
        assert response.status_code == 302, response.get_data(as_text=True)[:800]
        return response
    return send


def test_settings_lists_name_the_row_each_button_acts_on(admin, post, make_staff):
    for day in ("2026-11-24", "2026-12-28"):
        post(admin, "/admin/settings/calendar", {"day": day, "reason": "Resolution 2026-14"})
    assert_each_control_names_its_row(admin, "/admin/settings/calendar", repeated=("Remove",))

    for effective_from in ("2027-01-01", "2027-07-01"):
        post(admin, "/admin/settings/fees", {"effective_from": effective_from, **AMOUNTS})
    assert_each_control_names_its_row(admin, "/admin/settings/fees", repeated=("Withdraw",))

    for person in ("jo", "sam"):
        make_staff(person, "clerk")
        post(admin, "/admin/settings/custodians", {"office_key": "police", "person": person,
                                                   "since": TODAY.isoformat(), "until": ""})
    assert_each_control_names_its_row(admin, "/admin/settings/custodians", repeated=("End designation",))
    labels = re.findall(r'<label for="until-\d+">(.*?)</label>',
                        admin.get("/admin/settings/custodians").get_data(as_text=True))
    assert len(labels) == len(set(labels)) >= 2, labels       # each date box says whose designation it ends

    for office_key in ("police", "city_clerk"):
        post(admin, "/admin/settings/cash-floats", {"office_key": office_key, "amount": "50"})
    for path in ("/admin/settings/cash-floats", "/admin/settings/offices", "/admin/settings/exemptions",
                 "/admin/settings/letters", "/admin/settings"):
        assert_each_control_names_its_row(admin, path)


def test_monitoring_lists_name_the_instance_or_process_each_link_opens(admin, office, process_engine):
    process_engine.deploy_file(DIAGRAMS / "request_shaped.bpmn", DIAGRAMS / "forms", actor="tests")
    for _ in range(2):
        process_engine.start_instance("request_shaped", {"received_at": "2026-11-20T15:00:00+00:00"},
                                      actor="tests")          # no tracking number: both rows say "request_shaped"
    requests = [file_request(office) for _ in range(2)]
    assert_each_control_names_its_row(admin, "/admin/instances")
    assert_each_control_names_its_row(admin, "/admin/processes")            # each count of 1 or 2 names its row
    assert_each_control_names_its_row(admin, f"/admin/instances/{requests[0].instance_id}")
    assert_each_control_names_its_row(admin, "/admin/users")
    assert_each_control_names_its_row(admin, "/admin/dashboard", repeated=("Download this table as CSV",))


def test_an_instance_page_names_the_incident_task_and_timer_each_control_acts_on(admin, process_engine, review_week):
    process_engine.deploy_file(DIAGRAMS / "parallel_deadlines.bpmn", DIAGRAMS / "forms", actor="tests")
    instance = process_engine.start_instance("parallel_deadlines", {
        "requested_review_due_at": "2026-11-30T23:00:00+00:00", "requested_inspection_at": "next Tuesday"},
        actor="tests", business_key="R-2026-0150")
    path = f"/admin/instances/{instance.instance_id}"
    assert_each_control_names_its_row(admin, path)
    page = admin.get(path).get_data(as_text=True)
    [incident] = instance.incidents
    assert f'aria-label="Retry incident {incident.incident_id} at ' in page
    assert re.search(r'aria-label="Reassign &quot;Review the request&quot; \(task \d+\)">Reassign</button>', page)


def test_saved_filters_name_the_filter_each_delete_removes(login_as, client, post_form):
    login_as("clerk")
    for name, query in (("Police", "office=police"), ("Overdue", "due=overdue")):
        post_form(client, "/inbox/saved-filters", {"name": name, "query": query})
    saved = re.search(r'<nav class="filters saved-filters".*?</nav>', client.get("/inbox").get_data(as_text=True), re.DOTALL)
    names = [name for visible, name in controls_of(saved.group(0)) if visible == "Delete"]
    assert sorted(names) == ["Delete saved filter Overdue", "Delete saved filter Police"]
