"""Settings pages (issue 6): administrators change the city's data (docs/city-data.md) through the pages; each
change is in force for the engine at once, is in the change log with who and when, a bad value is shown beside
its field with everything typed kept, and nobody but an administrator reaches the pages."""
from __future__ import annotations

import html
import re
import socket
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from records_office import REQUEST, open_records_office

from city.change_log import list_changes
from city.rules.business_calendar import business_deadline
from web.admin.settings_letters import EVERY_LETTER, LETTER_PLACEHOLDERS
from web.models import StaffAccount, db
from city.office import city_data_of

MONDAY_9AM = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)     # 09:00 in the city (US Central)
TODAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
REPO = Path(__file__).parents[2]


@pytest.fixture
def office(process_engine, time_machine):
    """The city's data seeded and the records request process deployed, on a Monday morning."""
    time_machine.move_to(MONDAY_9AM, tick=False)
    return open_records_office(process_engine)


@pytest.fixture
def admin(office, login_as):
    return login_as("administrator", username="admin")


@pytest.fixture
def post(post_form):
    def send(client, path, data=None, **options):
        return post_form(client, path, data, token_from="/admin/settings", **options)
    return send


def file_request(engine, **data):
    received_at = MONDAY_9AM.isoformat()
    return engine.start_instance("records_request", {**REQUEST, "office_key": "city_clerk",
                                                     "received_at": received_at, **data},
                                 actor="portal", tracking_prefix="R")


def variable(engine, instance_id: int, name: str):
    found = [event.changes[name] for event in engine.audit_trail(instance_id) if name in event.changes]
    assert found, f"{name} was never set"
    return found[-1]


def changes(engine, kind: str):
    with engine.database.read() as session:
        return [(change.actor, change.subject_key, change.action, change.at, change.after)
                for change in list_changes(session, kind)]


def text_of(response) -> str:
    return html.unescape(" ".join(response.get_data(as_text=True).split()))


def words_of(response) -> str:
    """The page's text as a reader sees it (no tags)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


# -- closure days ------------------------------------------------------------------------------

def test_closure_added_on_the_page_moves_a_new_requests_deadline_and_is_logged(admin, post, office):
    before = file_request(office)
    response = post(admin, "/admin/settings/calendar", {"day": TUESDAY.isoformat(), "reason": "Resolution 2026-14"})
    assert response.status_code == 302
    after = file_request(office)
    due_before = datetime.fromisoformat(variable(office, before.instance_id, "response_due_at"))
    due_after = datetime.fromisoformat(variable(office, after.instance_id, "response_due_at"))
    assert due_after == business_deadline(MONDAY_9AM, 3, {TUESDAY}) > due_before
    [(actor, subject, action, at, _)] = changes(office, "closure")
    assert (actor, subject, action, at) == ("admin", "2026-11-24", "added", MONDAY_9AM)
    page = words_of(admin.get("/admin/settings"))
    assert "admin 2026-11-24 was made a closure day: Resolution 2026-14. 2026-11-24" in page


def test_closure_in_the_past_is_refused_beside_the_field_with_the_reason_kept(admin, post, office):
    response = post(admin, "/admin/settings/calendar", {"day": "2026-11-20", "reason": "Resolution 2026-15"})
    page = text_of(response)
    assert response.status_code == 400
    assert "2026-11-20 is in the past" in page and 'value="Resolution 2026-15"' in page
    assert 'value="2026-11-20"' in page
    response = post(admin, "/admin/settings/calendar", {"day": "24/11/2026", "reason": ""})
    page = text_of(response)
    assert '"24/11/2026" is not a date' in page and "Say why the city is closed" in page
    assert changes(office, "closure") == []


def test_closure_removed_on_the_page_counts_again_and_the_holidays_are_listed(admin, post, office):
    post(admin, "/admin/settings/calendar", {"day": TUESDAY.isoformat(), "reason": "Resolution 2026-14"})
    assert TUESDAY in city_data_of(office)()["city_closures"]
    assert post(admin, f"/admin/settings/calendar/{TUESDAY.isoformat()}/remove").status_code == 302
    assert TUESDAY not in city_data_of(office)()["city_closures"]
    assert [action for _, _, action, _, _ in changes(office, "closure")] == ["removed", "added"]
    page = words_of(admin.get("/admin/settings/calendar"))
    assert "2026-11-26 (Thursday) Thanksgiving" in page and "2027-07-05" in page   # observed Independence Day
    assert "2027-11-25" not in page        # beyond the next 12 months


# -- fee schedules -----------------------------------------------------------------------------

AMOUNTS = {"search_rate_per_hour": "20.00", "minimum_search_fee": "5.00", "free_below": "1.00",
           "copy_fee_per_page": "0.25", "prepayment_threshold": "25.00", "accident_report_copy_fee": "5.00",
           "accident_report_resolution": "Resolution 2026-14", "accident_report_resolution_date": "2026-11-02",
           "transmit_above": "5.00"}


def test_fee_schedule_from_today_changes_the_next_estimate_and_is_logged(admin, post, office):
    response = post(admin, "/admin/settings/fees", {"effective_from": TODAY.isoformat(), **AMOUNTS})
    assert response.status_code == 302
    request = file_request(office)
    [review] = office.list_tasks()
    office.complete_task(review.task_id, {"holds_record": True, "description_sufficient": True}, actor="custodian")
    [estimate] = office.list_tasks()
    office.complete_task(estimate.task_id, {"search_hours": [{"employee": "Jo Records", "hours": 2}], "pages": 70},
                         actor="custodian")
    assert variable(office, request.instance_id, "estimate")["total"] == "57.50"    # 2 h at 20.00 + 70 pages
    [(actor, subject, action, _, after), _seed] = changes(office, "fee_schedule")
    assert (actor, subject, action, after["search_rate_per_hour"]) == ("admin", "2026-11-23", "added", "20.00")
    page = words_of(admin.get("/admin/settings/fees"))
    assert "2026-11-23 (in force today)" in page and "2005-01-01 (in force today)" not in page


def test_a_schedule_without_the_accident_report_resolution_is_saved_and_the_page_does_not_demand_it(
        admin, post, office):
    """The accident report copy fee waits for the city's resolution: the page marks its fields optional."""
    page = admin.get("/admin/settings/fees").get_data(as_text=True)
    for name in ("accident_report_copy_fee", "accident_report_resolution", "accident_report_resolution_date"):
        tag = page[page.index(f'id="field-{name}"'):].split(">", 1)[0]
        assert " required" not in tag, name
    without = {name: "" for name in AMOUNTS if name.startswith("accident_report")}
    response = post(admin, "/admin/settings/fees", {"effective_from": TODAY.isoformat(), **AMOUNTS, **without})
    assert response.status_code == 302


def test_fee_schedule_in_the_past_or_with_a_bad_amount_keeps_what_was_typed(admin, post, office):
    response = post(admin, "/admin/settings/fees", {"effective_from": "2026-01-01", **AMOUNTS})
    page = text_of(response)
    assert response.status_code == 400 and "cannot take effect in the past" in page
    assert 'value="2026-01-01"' in page and 'value="20.00"' in page
    response = post(admin, "/admin/settings/fees", {"effective_from": "2027-01-01", **AMOUNTS,
                                                    "copy_fee_per_page": "0.255"})
    page = text_of(response)
    assert response.status_code == 400 and "copy_fee_per_page must be zero or more, in dollars and cents" in page
    assert 'value="0.255"' in page
    assert len(changes(office, "fee_schedule")) == 1     # the seeded one only


def test_a_future_schedule_can_be_withdrawn_one_in_force_cannot(admin, post, office):
    post(admin, "/admin/settings/fees", {"effective_from": "2027-01-01", **AMOUNTS})
    assert "Withdraw" in admin.get("/admin/settings/fees").get_data(as_text=True)
    assert post(admin, "/admin/settings/fees/2027-01-01/withdraw").status_code == 302
    assert [schedule.effective_from for schedule in city_data_of(office)()["fee_schedules"]] == [date(2005, 1, 1)]
    response = post(admin, "/admin/settings/fees/2005-01-01/withdraw", follow_redirects=True)
    assert "already in force and is kept" in text_of(response)
    assert [action for _, _, action, _, _ in changes(office, "fee_schedule")] == ["withdrawn", "added", "added"]


# -- offices and the register ------------------------------------------------------------------

def hours_form(**overrides):
    form = {"name": "Police Department", "official_custodian": "Chief of Police", "active": "yes"}
    for day in ("mon", "tue", "wed", "thu", "fri"):
        form.update({f"{day}_0_opens": "08:00", f"{day}_0_closes": "17:00"})
    form.update(overrides)
    return form


def test_office_hours_saved_on_the_page_are_the_engines(admin, post, office):
    response = post(admin, "/admin/settings/offices/police",
                    hours_form(mon_0_closes="12:00", mon_1_opens="13:00", mon_1_closes="17:00",
                               sat_0_opens="09:00", sat_0_closes="12:00", official_custodian="Police Chief"))
    assert response.status_code == 302
    police = city_data_of(office)()["custodian_register"]["police"]
    assert police["hours"]["mon"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert police["hours"]["sat"] == [["09:00", "12:00"]] and police["hours"]["sun"] == []
    assert police["official_custodian"] == "Police Chief"
    [(actor, subject, action, _, after), *_] = changes(office, "office")
    assert (actor, subject, action, after["hours"]["sat"]) == ("admin", "police", "changed", [["09:00", "12:00"]])


def test_closing_before_opening_is_refused_beside_the_time_with_everything_kept(admin, post, office):
    response = post(admin, "/admin/settings/offices/police",
                    hours_form(tue_0_opens="17:00", tue_0_closes="08:00", wed_0_closes="", name="Police Dept."))
    page = text_of(response)
    assert response.status_code == 400
    assert "Tuesday: closing (08:00) must be after opening (17:00)." in page
    assert "Give both the opening and the closing time" in page
    assert 'id="field-tue_0_opens" name="tue_0_opens" type="time" value="17:00"' in page
    assert 'value="Police Dept."' in page
    assert city_data_of(office)()["custodian_register"]["police"]["hours"]["tue"] == [["08:00", "17:00"]]


def test_an_inactive_office_leaves_the_register(admin, post, office):
    post(admin, "/admin/settings/offices/fire", hours_form(name="Fire Department", official_custodian="Fire Chief",
                                                           active=""))
    assert "fire" not in city_data_of(office)()["custodian_register"]
    assert "inactive" in admin.get("/admin/settings/offices").get_data(as_text=True)


def test_designation_through_the_page_is_in_force_and_can_be_ended(admin, post, office, make_staff):
    make_staff("jo", "clerk")
    response = post(admin, "/admin/settings/custodians", {"office_key": "police", "person": "jo",
                                                          "since": TODAY.isoformat(), "until": ""})
    assert response.status_code == 302
    assert city_data_of(office)()["custodian_register"]["police"]["designated"] == ["jo"]
    page = admin.get("/admin/settings/custodians").get_data(as_text=True)
    [designation_id] = re.findall(r"/admin/settings/custodians/(\d+)/end", page)
    assert post(admin, f"/admin/settings/custodians/{designation_id}/end", {"until": TODAY.isoformat()}).status_code \
        == 302
    assert city_data_of(office)()["custodian_register"]["police"]["designated"] == []
    assert [(actor, action) for actor, _, action, _, _ in changes(office, "designation")] == [
        ("admin", "ended"), ("admin", "added")]


def test_designation_of_a_stranger_or_ending_before_it_begins_is_refused(admin, post, office):
    response = post(admin, "/admin/settings/custodians", {"office_key": "police", "person": "nobody",
                                                          "since": "2026-12-01", "until": "2026-11-30"})
    page = text_of(response)
    assert response.status_code == 400
    assert "Choose a person from the active staff accounts" in page
    assert "The first day no longer in force (2026-11-30) must come after the first day in force (2026-12-01)" in page
    assert 'value="2026-12-01"' in page
    assert '<option value="police" selected>' in page
    assert changes(office, "designation") == []


# -- exemptions --------------------------------------------------------------------------------

def test_exemption_reworded_and_withdrawn_on_the_page(admin, post, office):
    code = "45-221(a)(6)"
    response = post(admin, f"/admin/settings/exemptions/{code}",
                    {"citation": "K.S.A. 45-221(a)(6)", "summary": "Letters of reference", "active": ""})
    assert response.status_code == 302
    assert code not in city_data_of(office)()["exemptions"]
    response = post(admin, f"/admin/settings/exemptions/{code}",
                    {"citation": "", "summary": "Letters of reference or recommendation", "active": "yes"})
    page = text_of(response)
    assert response.status_code == 400 and "Enter the citation" in page
    assert "Letters of reference or recommendation</textarea>" in page
    [(actor, subject, action, _, after), *_] = changes(office, "exemption")
    assert (actor, subject, action, after["active"]) == ("admin", code, "changed", False)


# -- letter templates --------------------------------------------------------------------------

def test_letter_template_edit_changes_the_next_acknowledgement(admin, post, office):
    page = admin.get("/admin/settings/letters/acknowledgement").get_data(as_text=True)
    assert "{response_due_at}" in page and "Preview with a sample request" in page
    response = post(admin, "/admin/settings/letters/acknowledgement",
                    {"subject": "Request {tracking_number} received", "action": "save",
                     "body": "Dear {requester_name},\n\nWe will answer by {response_due_at}.\n"})
    assert response.status_code == 302
    request = file_request(office)
    letter = variable(office, request.instance_id, "acknowledgement_letter")
    assert letter["subject"] == f"Request {request.business_key} received"
    assert letter["text"].startswith("Dear Pat Doe,\n\nWe will answer by ")
    [(actor, subject, action, _, _), *_] = changes(office, "letter_template")
    assert (actor, subject, action) == ("admin", "acknowledgement", "changed")


def test_preview_renders_the_sample_request_without_saving(admin, post, office):
    response = post(admin, "/admin/settings/letters/fee_estimate",
                    {"subject": "Fees for {tracking_number}", "body": "Total: {estimate_total}", "action": "preview"})
    page = text_of(response)
    assert response.status_code == 200 and "Fees for R-2026-00042" in page and "Total: $47.50" in page
    assert city_data_of(office)()["letter_templates"]["fee_estimate"]["subject"].startswith("Estimated fees")


@pytest.mark.parametrize("body, message", [
    ("Dear {requester_nmae},", "Unknown placeholder {requester_nmae}"),
    ("Total {estimate_total:>10}", "is not a plain placeholder"),
    ("A lone { brace", "braces do not pair up"),
])
def test_bad_placeholder_is_refused_beside_the_body_with_the_text_kept(admin, post, office, body, message):
    response = post(admin, "/admin/settings/letters/acknowledgement",
                    {"subject": "Request {tracking_number}", "body": body, "action": "save"})
    page = text_of(response)
    assert response.status_code == 400 and message in page
    assert f"{body}</textarea>" in page and 'value="Request {tracking_number}"' in page
    assert [action for _, _, action, _, _ in changes(office, "letter_template")] == ["added"] * 9   # the seeds


def test_the_placeholders_offered_are_the_ones_the_diagram_passes():
    diagram = (REPO / "processes" / "records_request.bpmn").read_text()
    passed: dict[str, set[str]] = {}
    for block in re.findall(r'serviceTaskOperator id="letters.render".*?</spiffworkflow:serviceTaskOperator>',
                            diagram, re.DOTALL):
        letter = html.unescape(re.search(r'id="letter"[^>]*value="([^"]*)"', block).group(1)).strip('"')
        values = html.unescape(re.search(r'id="values"[^>]*value="([^"]*)"', block).group(1))
        passed.setdefault(letter, set()).update(re.findall(r'"(\w+)":', values))
    assert {letter: set(EVERY_LETTER + names) for letter, names in LETTER_PLACEHOLDERS.items()} == passed


# -- mail --------------------------------------------------------------------------------------

class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none", SMTP_USERNAME="",
                      SMTP_FROM="City Clerk <clerk@city.example>")
    yield mailbox
    controller.stop()


def test_mail_page_shows_the_settings_with_the_password_masked_and_the_outbox(admin, app):
    app.config.update(SMTP_HOST="mail.city.example", SMTP_USERNAME="clerkflow", SMTP_PASSWORD="s3cret-pass",
                      SMTP_FROM="City Clerk <clerk@city.example>")
    response = admin.get("/admin/settings/mail")
    page = words_of(response)
    assert "mail.city.example:587" in page and "clerkflow, password ••••••••" in page
    assert "s3cret-pass" not in response.get_data(as_text=True) and "Waiting 0 Sent 0 Failed 0" in page


def test_test_mail_goes_to_the_signed_in_administrator(admin, post, app, smtp_server):
    with app.app_context():
        account = db.session.scalars(db.select(StaffAccount).where(StaffAccount.username == "admin")).one()
        account.email = "admin@city.example"
        db.session.commit()
    response = post(admin, "/admin/settings/mail/test", follow_redirects=True)
    assert "A test mail is sent to admin@city.example" in text_of(response)
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["admin@city.example"] and b"Clerkflow test mail" in envelope.content


def test_test_mail_without_an_address_or_a_server_says_why(admin, post, app):
    response = post(admin, "/admin/settings/mail/test", follow_redirects=True)
    assert "no mail server is set" in text_of(response)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_FROM="City Clerk <clerk@city.example>")
    response = post(admin, "/admin/settings/mail/test", follow_redirects=True)
    assert "your account has no e-mail address" in text_of(response)


# -- who may ---------------------------------------------------------------------------------------

SAMPLES = {"day": "2026-11-24", "effective_from": "2027-01-01", "office_key": "police", "designation_id": 1,
           "code": "45-221(a)(6)", "name": "acknowledgement"}


def settings_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin/settings")]


def test_index_links_every_section(admin, office, app):
    page = admin.get("/admin/settings").get_data(as_text=True)
    for path in ("/admin/settings/fees", "/admin/settings/calendar", "/admin/settings/offices",
                 "/admin/settings/custodians", "/admin/settings/exemptions", "/admin/settings/letters",
                 "/admin/settings/mail", "/admin/users"):
        assert f'href="{path}"' in page, path
    for rule in settings_rules(app):
        if "GET" in rule.methods:
            url = rule.build({name: SAMPLES[name] for name in rule.arguments}, append_unknown=False)[1]
            assert admin.get(url).status_code == 200, url


@pytest.mark.parametrize("roles", [("clerk", "city_clerk"), ("custodian",), ("analyst",)])
def test_only_administrators_reach_the_settings(office, login_as, client, post_form, app, roles):
    login_as(*roles)
    for rule in settings_rules(app):
        if "city_clerk" in roles and rule.rule.startswith("/admin/settings/cash-floats"):
            continue     # Art. 6 gives the floats to the City Clerk (tests/web/test_cash_floats_page.py)
        url = rule.build({name: SAMPLES[name] for name in rule.arguments}, append_unknown=False)[1]
        if "GET" in rule.methods:
            assert client.get(url).status_code == 403, url
        if "POST" in rule.methods:
            assert post_form(client, url, {"day": "2026-12-01", "reason": "x"}).status_code == 403, url
    assert changes(office, "closure") == []


def test_settings_forms_need_the_csrf_token(admin, office):
    response = admin.post("/admin/settings/calendar", data={"day": TUESDAY.isoformat(), "reason": "Resolution"})
    assert response.status_code == 400
    assert changes(office, "closure") == []


def test_unknown_rows_are_not_found(admin, office):
    for path in ("/admin/settings/offices/atlantis", "/admin/settings/letters/nonesuch",
                 "/admin/settings/exemptions/nonesuch"):
        assert admin.get(path).status_code == 404, path


def test_office_added_on_the_page_joins_the_register(admin, post, office):
    response = post(admin, "/admin/settings/offices", {"office_key": "parks", "name": "Parks Department",
                                                       "official_custodian": "Parks Director"})
    assert response.headers["Location"] == "/admin/settings/offices/parks"
    parks = city_data_of(office)()["custodian_register"]["parks"]
    assert (parks["name"], parks["hours"]["mon"]) == ("Parks Department", [["08:00", "17:00"]])
    response = post(admin, "/admin/settings/offices", {"office_key": "Parks!", "name": "Parks Again",
                                                       "official_custodian": ""})
    page = text_of(response)
    assert response.status_code == 400 and "Use lower-case letters" in page and "Enter its official custodian" in page
    assert 'value="Parks!"' in page and 'value="Parks Again"' in page
