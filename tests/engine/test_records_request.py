"""processes/records_request.bpmn on the real engine, one scenario per rule (SPEC.md section 1, issue 4).

Every scenario deploys the diagram and drives a request through it with the city data seeded
(offices, fee schedule, exemption catalogue, letters). Time is moved with time-machine; a timer
fires only strictly after its due instant, so each wait is checked at its due time (nothing yet)
and one second later. Kansas is on Central time: 10:00 CST is 16:00 UTC.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from city.office import open_engine
from engine import FormInvalid
from city.citydata import CityData, add_closure, add_fee_schedule, seed_defaults
from engine.errors import NotAllowed
from city.ledger import fee_audit_report, office_balance
from scenario_data import REPO, WARM_AND_RESTORED

pytestmark = WARM_AND_RESTORED

KANSAS = ZoneInfo("America/Chicago")
ONE_SECOND = timedelta(seconds=1)
# Monday 2 March 2026, 10:00 in Kansas: the response is due by the end of Thursday 5 March.
MONDAY_10AM = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)
END_OF_THURSDAY = datetime(2026, 3, 6, 5, 59, 59, tzinfo=timezone.utc)


# -- fixtures -------------------------------------------------------------------------------

@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MONDAY_10AM, tick=False)
    return time_machine


@pytest.fixture
def city(database, clock):
    """The city data as an administrator would start with it: the defaults."""
    with database.write() as session:
        seed_defaults(session)
    return CityData(database)


@pytest.fixture
def engine(database, city, warm_cache_size):
    """An engine reading the city data, with the records request process deployed."""
    engine = open_engine(database, city_settings=city, warm_cache_size=warm_cache_size)
    result = engine.deploy_file(REPO / "processes" / "records_request.bpmn", REPO / "forms", actor="analyst")
    assert result.created and result.version.display_name == "Open records request"
    return engine


# -- helpers: what a clerk, a custodian, a cashier and the City Attorney do --------------------

def file_request(engine, *, office_key=None, name="Pat Doe", address="12 Elm Street, Springfield KS 66000",
                 description="Council minutes of January 2026", actor="clerk", **more):
    """A request received now (city time), entered by the clerk; returns the instance id. `more`: other fields
    of the request form (on_behalf_of_name, ...)."""
    received_at = datetime.now(timezone.utc).astimezone(KANSAS).isoformat()
    instance = engine.start_instance("records_request", {
        "requester_name": name, "requester_address": address, "records_description": description,
        "received_at": received_at, "office_key": office_key, **more}, actor=actor, tracking_prefix="R")
    assert instance.incidents == ()
    return instance.instance_id


def open_tasks(engine, instance_id):
    return {task.bpmn_id: task for task in engine.list_tasks(instance_id=instance_id)}


def tasks_ever(engine, instance_id):
    return [task for status in ("open", "completed", "cancelled")
            for task in engine.list_tasks(instance_id=instance_id, status=status)]


def complete(engine, instance_id, bpmn_id, data=None, actor="custodian", roles=None):
    task = open_tasks(engine, instance_id)[bpmn_id]
    view = engine.complete_task(task.task_id, data or {}, actor=actor, roles=roles)
    assert view.incidents == (), view.incidents
    return view


def data_of(engine, instance_id):
    """Every value the request's steps set or changed, the latest of each, read from the audit trail.

    While parallel paths run (the deadline watch, the City Attorney's copy, the wait for a statement
    request), a step's audit event compares the data of different paths and reports values the other
    path holds as removed (None); the diagram never removes a value, so those are skipped here."""
    merged = {}
    for event in engine.audit_trail(instance_id):
        merged.update({name: value for name, value in event.changes.items()
                       if value is not None or name not in merged})
    return merged


def tracking_number(engine, instance_id):
    return engine.get_instance(instance_id).business_key


def review(engine, instance_id, **answers):
    complete(engine, instance_id, "review_request", {"holds_record": True, "description_sufficient": True, **answers})


def estimate(engine, instance_id, *, hours=0, pages=0, **more):
    search = [{"employee": "Jo Records", "hours": hours}] if hours else []
    complete(engine, instance_id, "estimate_fees", {"search_hours": search, "pages": pages, **more})


def no_privacy_concern(engine, instance_id):
    complete(engine, instance_id, "check_personal_privacy", {"personal_information": False})


def decide(engine, instance_id, decision, codes=(), grounds=""):
    answer = {"decision": decision}
    if codes:
        answer |= {"exemption_codes": list(codes), "grounds_text": grounds}
    complete(engine, instance_id, "decide_request", answer)


def pay(engine, instance_id, amount, method="paid"):
    return engine.deliver_message("payment_received", {"tracking_number": tracking_number(engine, instance_id)},
                                  {"amount": amount, "method": method}, actor="cashier")


def provide(engine, instance_id):
    return complete(engine, instance_id, "provide_records", {"provided_on": "2026-03-04", "supervised_by": "Jo Records"})


def to_decision(engine, instance_id, *, hours=0, pages=0, **more):
    """Review, estimate (no prepayment) and privacy check: the request waits for the decision."""
    review(engine, instance_id)
    estimate(engine, instance_id, hours=hours, pages=pages, **more)
    no_privacy_concern(engine, instance_id)
    assert set(open_tasks(engine, instance_id)) == {"decide_request"}


def fire_timers_at(clock, engine, moment):
    """Nothing fires exactly at `moment`; one second later the timers due then fire."""
    clock.move_to(moment)
    assert engine.fire_due_timers() == 0
    clock.shift(ONE_SECOND)
    return engine.fire_due_timers()


def waiting_for(engine, instance_id):
    """The messages the request waits for, besides those it sends itself (its deadline watch, the end of a
    denial pending the court)."""
    return {s.message_name for s in engine.subscriptions(instance_id=instance_id)} - {
        "request_acted_on", "request_rerouted", "access_delayed", "litigation_ended"}


def sent_messages(engine, instance_id):
    return [event.detail for event in engine.audit_trail(instance_id) if event.action == "send"]


# -- intake and the statutory clock ------------------------------------------------------------

def test_request_is_acknowledged_with_its_tracking_number(engine):
    instance_id = file_request(engine, office_key="city_clerk")

    number = tracking_number(engine, instance_id)
    assert number == "R-2026-00001"
    letter = data_of(engine, instance_id)["acknowledgement_letter"]
    assert letter["letter"] == "acknowledgement"
    assert number in letter["subject"] and number in letter["text"]
    assert "Dear Pat Doe" in letter["text"] and "Council minutes of January 2026" in letter["text"]
    assert "Thursday 5 March 2026, 11:59 PM" in letter["text"]   # the statutory deadline, in city time
    assert "[missing:" not in letter["text"]
    assert engine.get_instance(instance_id).title == f"Open records request {number}"


def test_the_city_clerk_is_also_the_local_freedom_of_information_officer(engine):
    # 003, Art. 6: whichever office holds the record, the requester learns whom to ask for help.
    instance_id = file_request(engine, office_key="police")
    acknowledgement = data_of(engine, instance_id)["acknowledgement_letter"]["text"]
    assert "The City Clerk is the city's Local Freedom of Information Officer." in acknowledgement
    assert "If you need help with this request" in acknowledgement
    assert "you may contact the City Clerk at the City Clerk's Office" in acknowledgement
    assert "Chief of Police\nPolice Department\n[the city's name]" in acknowledgement   # signed by the custodian
    assert "[missing:" not in acknowledgement

    review(engine, instance_id, holds_record=False, referral_office_key="fire")
    referral = data_of(engine, instance_id)["referral_letter"]["text"]
    assert "The City Clerk is the city's Local Freedom of Information Officer." in referral
    assert "you may contact the City Clerk at the City Clerk's Office" in referral


def test_intake_form_asks_no_more_than_name_address_and_description(engine):
    [version] = engine.versions("records_request")
    assert "request.schema.json" in version.forms
    form = json.loads((REPO / "forms" / "records_request" / "request.schema.json").read_text())
    assert set(form["required"]) == {"requester_name", "requester_address", "records_description"}
    # Anything else is the requester's to give or not: for whom they ask (the 24-hour fee rule).
    assert set(form["properties"]) - set(form["required"]) == {"on_behalf_of_name", "on_behalf_of_address"}
    assert form["additionalProperties"] is False


def test_deadline_is_end_of_third_business_day_across_a_weekend_and_a_holiday(engine, clock):
    # Wednesday 25 November 2026, 10:00: Thanksgiving (26th) and the weekend do not count:
    # Friday 27, Monday 30, Tuesday 1 December.
    clock.move_to(datetime(2026, 11, 25, 16, 0, tzinfo=timezone.utc))
    instance_id = file_request(engine)

    end_of_tuesday = datetime(2026, 12, 2, 5, 59, 59, tzinfo=timezone.utc)
    assert data_of(engine, instance_id)["response_due_at"] == end_of_tuesday.isoformat()
    assert open_tasks(engine, instance_id)["review_request"].due_at == end_of_tuesday
    assert [(t.bpmn_id, t.due_at) for t in engine.pending_timers(instance_id=instance_id)] == [
        ("response_deadline_passed", end_of_tuesday)]


def test_city_closure_day_does_not_count_as_a_business_day(engine, city, clock):
    clock.move_to(datetime(2026, 11, 25, 16, 0, tzinfo=timezone.utc))
    city.apply(add_closure, date(2026, 11, 27), "Day after Thanksgiving", actor="admin")
    instance_id = file_request(engine)
    end_of_wednesday = datetime(2026, 12, 3, 5, 59, 59, tzinfo=timezone.utc)
    assert open_tasks(engine, instance_id)["review_request"].due_at == end_of_wednesday


def test_every_task_shows_the_statutory_deadline(engine, clock):
    instance_id = file_request(engine, office_key="police")
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)                     # 30.00: notice and prepayment
    pay(engine, instance_id, 30)
    complete(engine, instance_id, "check_personal_privacy",
             {"personal_information": True, "privacy_reason": "Names of witnesses"})
    complete(engine, instance_id, "contact_persons_concerned", {"contacts": [], "anyone_seeks_court_order": False})
    assert fire_timers_at(clock, engine, MONDAY_10AM + timedelta(hours=72)) == 1     # the privacy wait is over
    decide(engine, instance_id, "partial", ["45-221(a)(30)"], "Witness names withheld")
    complete(engine, instance_id, "apportion_search_time", {"released_search_hours": [{"employee": "Jo", "hours": 3}]})
    complete(engine, instance_id, "prepare_records",
             {"delivery_method": "copies", "actual_search_hours": [{"employee": "Jo", "hours": 3}]})
    complete(engine, instance_id, "collect_balance", {"balance_method": "paid", "collected_by": "Jo"})
    provide(engine, instance_id)
    complete(engine, instance_id, "receive_denial_copy", {}, actor="attorney")

    tasks = tasks_ever(engine, instance_id)
    assert {task.bpmn_id for task in tasks} >= {
        "review_request", "estimate_fees", "check_personal_privacy", "contact_persons_concerned",
        "decide_request", "apportion_search_time", "prepare_records", "collect_balance", "provide_records", "receive_denial_copy"}
    assert {(task.bpmn_id, task.due_at) for task in tasks} == {(task.bpmn_id, END_OF_THURSDAY) for task in tasks}
    assert {task.candidate_role for task in tasks if task.bpmn_id != "receive_denial_copy"} == {"custodian:police"}


# -- routing and referral ------------------------------------------------------------------------

def test_request_goes_to_the_custodian_of_the_office_holding_the_record(engine):
    instance_id = file_request(engine, office_key="police")

    review_task = open_tasks(engine, instance_id)["review_request"]
    assert (review_task.candidate_role, review_task.lane) == ("custodian:police", "Custodian")
    letter = data_of(engine, instance_id)["acknowledgement_letter"]["text"]
    assert "Chief of Police" in letter and "Police Department" in letter
    assert engine.list_tasks(roles={"custodian:police"})[0].task_id == review_task.task_id
    assert engine.list_tasks(roles={"custodian:fire"}) == []
    with pytest.raises(NotAllowed):
        engine.complete_task(review_task.task_id, {"holds_record": True, "description_sufficient": True},
                             actor="fire custodian", roles={"custodian:fire"})


@pytest.mark.parametrize("office_key", [None, "", "parks_department"])
def test_unassigned_office_goes_to_the_city_clerk(engine, office_key):
    instance_id = file_request(engine, office_key=office_key)
    assert open_tasks(engine, instance_id)["review_request"].candidate_role == "custodian:city_clerk"
    assert data_of(engine, instance_id)["custodian_name"] == "City Clerk"


def test_referral_keeps_the_request_and_names_the_custodian_to_address(engine, clock):
    instance_id = file_request(engine, office_key="police")
    number = tracking_number(engine, instance_id)
    clock.shift(timedelta(hours=2))
    review(engine, instance_id, holds_record=False, referral_office_key="city_treasurer",
           referral_note="Utility billing records are the Treasurer's")

    # Re-routed, not lost: the same instance and number, the same deadline, the new custodian.
    instance = engine.get_instance(instance_id)
    assert (instance.business_key, instance.status) == (number, "active")
    review_task = open_tasks(engine, instance_id)["review_request"]
    assert (review_task.candidate_role, review_task.due_at) == ("custodian:city_treasurer", END_OF_THURSDAY)
    data = data_of(engine, instance_id)
    letter = data["referral_letter"]
    assert letter["letter"] == "referral" and number in letter["text"]
    treasurer = data["referral_routing"]
    assert (treasurer["official_custodian"], treasurer["custodian_role"]) == ("City Treasurer", "custodian:city_treasurer")
    assert treasurer["official_custodian"] in letter["text"] and treasurer["office_name"] in letter["text"]
    assert "Police Department" in letter["text"]                  # who is writing
    assert [step["office_key"] for step in data["routing_history"]] == ["police", "city_treasurer"]
    assert [e.action for e in engine.audit_trail(instance_id)][:2] == ["start", "complete"]   # history kept
    assert [i.instance_id for i in engine.list_instances(process_key="records_request")] == [instance_id]

    review(engine, instance_id)
    assert open_tasks(engine, instance_id)["estimate_fees"].candidate_role == "custodian:city_treasurer"


def test_insufficient_description_gets_help_identifying_the_record(engine):
    instance_id = file_request(engine, description="the papers about the thing last year")
    review(engine, instance_id, description_sufficient=False)

    help_task = open_tasks(engine, instance_id)["help_identify_record"]
    assert (help_task.candidate_role, help_task.due_at) == ("custodian:city_clerk", END_OF_THURSDAY)
    complete(engine, instance_id, "help_identify_record", {
        "records_description": "Zoning board minutes about 4 Oak Avenue, 2025",
        "help_given": "Called the requester; agreed on the zoning board minutes."})
    assert set(open_tasks(engine, instance_id)) == {"review_request"}
    assert data_of(engine, instance_id)["records_description"] == "Zoning board minutes about 4 Oak Avenue, 2025"


def test_review_form_asks_for_what_each_answer_needs(engine):
    instance_id = file_request(engine)
    with pytest.raises(FormInvalid) as refused:
        complete(engine, instance_id, "review_request", {"holds_record": False})
    assert refused.value.field_errors == {"referral_office_key": "is required"}
    with pytest.raises(FormInvalid) as refused:
        complete(engine, instance_id, "review_request", {"holds_record": True, "pages": 3})
    assert set(refused.value.field_errors) == {"description_sufficient", "pages"}
    assert set(open_tasks(engine, instance_id)) == {"review_request"}


IDENTIFICATION = ("identification_requested", "identification_asked_for", "identification_checked",
                  "identification_note")


def test_the_custodian_may_demand_reasonable_identification(engine):
    instance_id = file_request(engine, office_key="police")
    with pytest.raises(FormInvalid) as refused:                      # say what was asked for
        review(engine, instance_id, identification_requested=True)
    assert refused.value.field_errors == {"identification_asked_for": "is required"}

    # Asked for and not shown: the request goes on all the same (K.S.A. 45-220(b): no technicality).
    asked = {"identification_requested": True, "identification_asked_for": "A photo ID with the name on the request",
             "identification_checked": False, "identification_note": "Declined to show one."}
    review(engine, instance_id, **asked)
    assert set(open_tasks(engine, instance_id)) == {"estimate_fees"}
    [reviewed] = [event for event in engine.audit_trail(instance_id)
                  if (event.action, event.bpmn_id) == ("complete", "review_request")]
    assert (reviewed.actor, reviewed.at) == ("custodian", MONDAY_10AM)
    assert {name: reviewed.changes[name] for name in IDENTIFICATION} == asked

    estimate(engine, instance_id)
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection"})
    assert provide(engine, instance_id).status == "completed"       # granted, and closed
    data = data_of(engine, instance_id)
    assert {name: data[name] for name in IDENTIFICATION} == asked    # still kept with the closed request
    assert "denial_letter" not in data
    assert "state_denial_grounds" not in {task.bpmn_id for task in tasks_ever(engine, instance_id)}


def test_identification_seen_by_one_custodian_stays_with_a_referred_request(engine):
    instance_id = file_request(engine, office_key="police")
    seen = {"identification_requested": True, "identification_asked_for": "A photo ID",
            "identification_checked": True, "identification_note": "Kansas driver's licence, name matches."}
    review(engine, instance_id, holds_record=False, referral_office_key="fire", **seen)
    review(engine, instance_id)                                       # the Fire Chief asks for nothing more
    assert set(open_tasks(engine, instance_id)) == {"estimate_fees"}
    data = data_of(engine, instance_id)
    assert {name: data[name] for name in IDENTIFICATION} == seen


# -- fees, notice and prepayment -----------------------------------------------------------------

def test_estimate_of_exactly_25_needs_no_prepayment(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=1, pages=40)              # 15.00 search + 10.00 copies

    data = data_of(engine, instance_id)
    assert (data["estimate"]["total"], data["estimate"]["notice_required"]) == ("25.00", False)
    assert "fee_estimate_letter" not in data and "prepayment_demand_letter" not in data
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy"}
    assert waiting_for(engine, instance_id) == set()                      # no payment to wait for


def test_estimate_of_25_01_requires_notice_and_prepayment_before_search(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=1, pages=40, mailing_fee=0.01)

    data = data_of(engine, instance_id)
    assert (data["estimate"]["total"], data["estimate"]["notice_required"]) == ("25.01", True)
    notice, demand = data["fee_estimate_letter"], data["prepayment_demand_letter"]
    assert "25.01" in notice["text"] and tracking_number(engine, instance_id) in notice["subject"]
    assert "25.01" in demand["text"] and "No record can be made available until the prepayment is made" in demand["text"]
    # Nothing else happens until the prepayment arrives: no search, no privacy check.
    assert open_tasks(engine, instance_id) == {}
    assert waiting_for(engine, instance_id) == {"payment_received"}


def test_fee_estimate_is_an_itemized_invoice(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    complete(engine, instance_id, "estimate_fees", {
        "search_hours": [{"employee": "Jo Records", "hours": 1.5}, {"employee": "Sam Files", "hours": 0.5}],
        "pages": 20, "mailing_fee": 2, "waived_amount": 12,
        "waiver_reason": "Records of a public health emergency, asked for by a reporter"})

    data = data_of(engine, instance_id)
    bill, fees = data["estimate_invoice"], data["estimate"]
    assert [(line["item"], line["quantity"], line["rate"], line["amount"]) for line in bill["lines"]] == [
        ("Record search: Jo Records", "1.5", "15.00", "22.50"),
        ("Record search: Sam Files", "0.5", "15.00", "7.50"),
        ("Photocopies (per page)", "20", "0.25", "5.00"),
        ("Mailing and handling", "1", "2.00", "2.00"),
        ("Reduced in the public interest: Records of a public health emergency, asked for by a reporter",
         "1", "-12.00", "-12.00"),
    ]
    assert bill["waiver_reason"] == fees["waiver_reason"]
    # The invoice agrees with the estimate: 30.00 search + 5.00 copies + 2.00 mailing - 12.00 waived.
    assert bill["total"] == fees["total"] == "25.00"
    assert (bill["prepaid"], bill["balance_due"], bill["refund_due"]) == ("0.00", "25.00", "0.00")
    assert bill["schedule_effective_from"] == fees["schedule_effective_from"]
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy"}   # 25.00: no prepayment


def test_partial_payments_add_up_before_the_search_starts(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)                         # 30.00

    assert pay(engine, instance_id, 10) == [instance_id]
    assert open_tasks(engine, instance_id) == {}
    assert data_of(engine, instance_id)["prepaid"] == "10.00"
    pay(engine, instance_id, 12.5)
    assert open_tasks(engine, instance_id) == {}
    pay(engine, instance_id, 7.5)
    data = data_of(engine, instance_id)
    assert data["prepaid"] == "30.00"
    assert [p["amount"] for p in data["payments"]] == ["10.00", "12.50", "7.50"]   # in cents, as the rules clean them
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy"}


def test_account_in_good_standing_is_told_the_estimate_but_not_asked_to_prepay(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2, account_in_good_standing=True)
    data = data_of(engine, instance_id)
    assert "fee_estimate_letter" in data and "prepayment_demand_letter" not in data
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy"}


def test_custodian_may_demand_prepayment_below_25(engine):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=1, demand_prepayment=True, prepayment_amount=5)   # 15.00 estimate

    data = data_of(engine, instance_id)
    assert (data["estimate"]["total"], data["prepayment"]["due"]) == ("15.00", "5.00")
    assert "fee_estimate_letter" not in data                         # 25.00 or less: no notice needed
    assert "5.00" in data["prepayment_demand_letter"]["text"]
    assert open_tasks(engine, instance_id) == {}
    pay(engine, instance_id, 5)
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy"}



def test_custodian_may_demand_prepayment_when_preparing_the_records(engine):
    # 003, Art. 6: prepayment may be demanded "at any time" in the city's interest; once demanded, no record is
    # made available until it is paid.
    instance_id = file_request(engine)
    to_decision(engine, instance_id, hours=1, pages=40)                   # 25.00: no prepayment at the estimate
    decide(engine, instance_id, "grant")
    prepared = {"delivery_method": "copies", "demand_prepayment_now": True}
    with pytest.raises(FormInvalid) as refused:
        complete(engine, instance_id, "prepare_records", prepared)
    assert set(refused.value.field_errors) >= {"prepayment_now_amount"}
    complete(engine, instance_id, "prepare_records", prepared | {"prepayment_now_amount": 25})

    data = data_of(engine, instance_id)
    assert (data["prepayment"]["due"], data["prepaid"]) == ("25.00", "0.00")
    demand = data["prepayment_demand_letter"]
    assert "25.00" in demand["text"] and "No record can be made available until the prepayment is made" in demand["text"]
    assert tracking_number(engine, instance_id) in demand["subject"]
    # Nothing else happens until the prepayment is paid in full: partial payments add up.
    assert open_tasks(engine, instance_id) == {}
    assert waiting_for(engine, instance_id) == {"payment_received"}
    assert pay(engine, instance_id, 10) == [instance_id]
    assert open_tasks(engine, instance_id) == {}
    assert data_of(engine, instance_id)["prepaid"] == "10.00"
    pay(engine, instance_id, "12.50")
    assert open_tasks(engine, instance_id) == {}
    assert "final_fees" not in data_of(engine, instance_id)
    pay(engine, instance_id, 2.5)

    data = data_of(engine, instance_id)
    assert data["prepaid"] == "25.00"
    assert [p["amount"] for p in data["payments"]] == ["10.00", "12.50", "2.50"]
    assert data["settlement"] == {"balance_due": "0.00", "refund_due": "0.00"}
    assert set(open_tasks(engine, instance_id)) == {"provide_records"}
    assert waiting_for(engine, instance_id) == set()
    assert provide(engine, instance_id).status == "completed"

def test_locating_cost_under_1_across_same_requesters_24_hours_is_free(engine, clock):
    def inspection_fee(name, hours=0.03):                          # 0.03 h x 15.00 = 0.45 to locate
        instance_id = file_request(engine, name=name)
        review(engine, instance_id)
        estimate(engine, instance_id, hours=hours)
        clock.shift(timedelta(hours=1))
        return data_of(engine, instance_id)["estimate"]["inspection_fee"]

    assert inspection_fee("Pat Doe") == "0.00"                      # 0.45
    assert inspection_fee("pat  DOE") == "0.00"                     # 0.45 + 0.45 = 0.90: the same person
    assert inspection_fee("Sam Roe") == "0.00"                      # someone else: 0.45
    assert inspection_fee("Pat Doe") == "5.00"                      # 0.90 + 0.45 = 1.35: minimum fee
    clock.shift(timedelta(hours=24))
    assert inspection_fee("Pat Doe") == "0.00"                      # the earlier ones are over 24 hours old


def test_fees_follow_the_schedule_in_force_on_the_day_of_the_estimate(engine, city, clock):
    city.apply(add_fee_schedule, effective_from=date(2026, 3, 3), created_by="admin", search_rate_per_hour="20.00")
    clock.move_to(datetime(2026, 3, 3, 5, 30, tzinfo=timezone.utc))      # Monday 2 March, 11:30 PM in Kansas
    monday = file_request(engine)
    review(engine, monday)
    estimate(engine, monday, hours=2)
    clock.move_to(datetime(2026, 3, 3, 6, 30, tzinfo=timezone.utc))      # Tuesday 3 March, 12:30 AM
    tuesday = file_request(engine)
    review(engine, tuesday)
    estimate(engine, tuesday, hours=2)

    assert (data_of(engine, monday)["assessed_on"], data_of(engine, monday)["estimate"]["total"]) == (
        "2026-03-02", "30.00")
    assert (data_of(engine, tuesday)["assessed_on"], data_of(engine, tuesday)["estimate"]["total"]) == (
        "2026-03-03", "40.00")
    # The final fees of Monday's request keep the schedule that explained its estimate.
    pay(engine, monday, 30)
    no_privacy_concern(engine, monday)
    decide(engine, monday, "grant")
    complete(engine, monday, "prepare_records", {"delivery_method": "inspection"})
    final = data_of(engine, monday)["final_fees"]
    assert (final["total"], final["schedule_effective_from"]) == ("30.00", "2005-01-01")


def test_official_duty_request_is_not_charged(engine):
    instance_id = file_request(engine, name="Lee Moe, Finance Director")
    review(engine, instance_id)
    estimate(engine, instance_id, hours=4, pages=200, official_duty=True)
    no_privacy_concern(engine, instance_id)
    assert data_of(engine, instance_id)["estimate"]["total"] == "0.00"
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "copies"})

    data = data_of(engine, instance_id)
    assert (data["final_fees"]["total"], data["settlement"]["balance_due"]) == ("0.00", "0.00")
    assert (data["prepayment_collection"], data["balance_collection"]) == (None, None)   # nothing in the ledger
    assert set(open_tasks(engine, instance_id)) == {"provide_records"}   # nothing to collect
    assert provide(engine, instance_id).status == "completed"


def test_waiver_in_public_interest_records_its_reason(engine, database):
    instance_id = file_request(engine)
    review(engine, instance_id)
    with pytest.raises(FormInvalid) as refused:
        estimate(engine, instance_id, hours=2, waived_amount=30)
    assert set(refused.value.field_errors) == {"waiver_reason"}
    estimate(engine, instance_id, hours=2, waived_amount=30,
             waiver_reason="Records of a public health emergency, asked for by a reporter")
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection"})

    data = data_of(engine, instance_id)
    assert (data["estimate"]["waived"], data["estimate"]["total"]) == ("30.00", "0.00")
    assert data["final_fees"]["waiver_reason"] == "Records of a public health emergency, asked for by a reporter"
    assert any("public health emergency" in line["item"] for line in data["invoice"]["lines"])
    with database.read() as session:
        [row] = fee_audit_report(session.connection(), MONDAY_10AM - timedelta(days=1), MONDAY_10AM + timedelta(days=1))
    assert (row["waived_amount"], row["charged"], row["waiver_reason"]) == (
        "30.00", "0.00", "Records of a public health emergency, asked for by a reporter")


# -- personal privacy: the 72-hour wait ----------------------------------------------------------

def privacy_concern(engine, instance_id):
    review(engine, instance_id)
    estimate(engine, instance_id, pages=4)
    complete(engine, instance_id, "check_personal_privacy",
             {"personal_information": True, "privacy_reason": "Home addresses of complainants"})


def test_privacy_wait_ends_in_inspection_when_nobody_objects(engine, clock):
    instance_id = file_request(engine)
    clock.shift(timedelta(hours=1))
    privacy_concern(engine, instance_id)
    wait_started = MONDAY_10AM + timedelta(hours=1)

    notice = data_of(engine, instance_id)["privacy_notice_letter"]
    assert "72-hour" in notice["text"] and "Thursday 5 March 2026, 11:00 AM" in notice["text"]
    assert set(open_tasks(engine, instance_id)) == {"contact_persons_concerned"}
    complete(engine, instance_id, "contact_persons_concerned", {
        "contacts": [{"person": "A. Neighbour", "reached": True, "how": "telephone, 2 March",
                      "will_seek_court_order": False}],
        "anyone_seeks_court_order": False})
    assert open_tasks(engine, instance_id) == {}                     # nothing before the 72 hours are over

    clock.move_to(wait_started + timedelta(hours=72))
    engine.fire_due_timers()
    assert "decide_request" not in open_tasks(engine, instance_id)
    clock.shift(ONE_SECOND)
    engine.fire_due_timers()
    assert "decide_request" in open_tasks(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection"})
    complete(engine, instance_id, "collect_balance", {"balance_method": "paid", "collected_by": "Jo"})
    assert data_of(engine, instance_id)["delivery_method"] == "inspection"
    assert provide(engine, instance_id).status == "completed"        # inspected on Thursday: in time


def test_privacy_wait_ends_in_denial_pending_litigation_when_someone_objects(engine, clock):
    instance_id = file_request(engine)
    privacy_concern(engine, instance_id)
    complete(engine, instance_id, "contact_persons_concerned", {
        "contacts": [{"person": "B. Resident", "reached": True, "how": "letter", "will_seek_court_order": True}],
        "anyone_seeks_court_order": True})
    assert fire_timers_at(clock, engine, MONDAY_10AM + timedelta(hours=72)) == 1

    data = data_of(engine, instance_id)
    letter = data["pending_litigation_letter"]
    assert letter["letter"] == "denial" and "pending the outcome of litigation" in letter["text"]
    assert "decide_request" not in open_tasks(engine, instance_id)
    assert waiting_for(engine, instance_id) == {"court_order", "statement_requested"}


def litigation(engine, clock):
    instance_id = file_request(engine)
    privacy_concern(engine, instance_id)
    complete(engine, instance_id, "contact_persons_concerned",
             {"contacts": [], "anyone_seeks_court_order": True})
    fire_timers_at(clock, engine, MONDAY_10AM + timedelta(hours=72))
    return instance_id


def court_orders(engine, instance_id, outcome):
    return engine.deliver_message("court_order", {"tracking_number": tracking_number(engine, instance_id)},
                                  {"outcome": outcome, "reference": "Case 2026-CV-17"}, actor="attorney")


def test_court_order_to_disclose_after_litigation_resumes_the_request(engine, clock):
    instance_id = litigation(engine, clock)
    assert court_orders(engine, instance_id, "disclose") == [instance_id]
    assert "decide_request" in open_tasks(engine, instance_id)


def test_court_order_to_withhold_ends_in_a_denial_with_grounds(engine, clock):
    instance_id = litigation(engine, clock)
    court_orders(engine, instance_id, "withhold")
    assert "state_denial_grounds" in open_tasks(engine, instance_id)
    complete(engine, instance_id, "state_denial_grounds",
             {"exemption_codes": ["45-221(a)(30)"], "grounds_text": "Withheld by order in case 2026-CV-17."})
    text = data_of(engine, instance_id)["denial_letter"]["text"]
    assert "K.S.A. 45-221(a)(30)" in text and "2026-CV-17" in text
    assert "receive_denial_copy" in open_tasks(engine, instance_id)


def test_city_attorney_follows_the_court_case_pending_litigation(engine, clock):
    instance_id = litigation(engine, clock)
    follow = open_tasks(engine, instance_id)["follow_court_case"]
    assert (follow.lane, follow.candidate_role, follow.form_file) == (
        "City Attorney", "city_attorney", "follow_court_case.schema.json")
    assert {task.bpmn_id for task in engine.list_tasks(roles={"city_attorney"})} == {
        "follow_court_case", "receive_denial_copy"}                      # the case, and the copy of the denial
    assert engine.list_tasks(roles={"custodian:city_clerk"}) == []
    assert waiting_for(engine, instance_id) == {"court_order", "statement_requested"}   # beside the task
    with pytest.raises(NotAllowed):
        engine.complete_task(follow.task_id, {"court_case_reference": "2026-CV-17", "court_name": "District Court"},
                             actor="clerk", roles={"custodian:city_clerk"})
    with pytest.raises(FormInvalid) as refused:
        complete(engine, instance_id, "follow_court_case", {}, actor="attorney", roles={"city_attorney"})
    assert set(refused.value.field_errors) == {"court_case_reference", "court_name"}

    complete(engine, instance_id, "follow_court_case", {
        "court_case_reference": "2026-CV-17", "court_name": "District Court",
        "court_case_notes": "Petition filed by B. Resident; hearing on 20 April."}, actor="attorney",
        roles={"city_attorney"})
    data = data_of(engine, instance_id)
    assert (data["court_case_reference"], data["court_name"]) == ("2026-CV-17", "District Court")
    assert set(open_tasks(engine, instance_id)) == {"receive_denial_copy"}
    assert waiting_for(engine, instance_id) == {"court_order", "statement_requested"}   # still waiting for the court

    assert court_orders(engine, instance_id, "disclose") == [instance_id]
    assert set(open_tasks(engine, instance_id)) == {"decide_request", "receive_denial_copy"}
    order = data_of(engine, instance_id)["court_order"]
    assert (order["outcome"], order["reference"]) == ("disclose", "Case 2026-CV-17")


def test_court_order_before_the_case_is_recorded_closes_the_city_attorneys_task(engine, clock):
    # The order ends the case: a City Attorney does not want a task to follow a case that is over.
    instance_id = litigation(engine, clock)
    assert court_orders(engine, instance_id, "withhold") == [instance_id]

    assert set(open_tasks(engine, instance_id)) == {"state_denial_grounds", "receive_denial_copy"}
    [cancelled] = engine.list_tasks(instance_id=instance_id, status="cancelled")
    assert cancelled.bpmn_id == "follow_court_case"
    assert [task.bpmn_id for task in engine.list_tasks(roles={"city_attorney"})] == ["receive_denial_copy"]
    assert waiting_for(engine, instance_id) == set()
    order = data_of(engine, instance_id)["court_order"]
    assert (order["outcome"], order["reference"]) == ("withhold", "Case 2026-CV-17")


# -- decision and denial -------------------------------------------------------------------------

def test_every_denial_is_copied_to_the_city_attorney(engine):
    denied = file_request(engine)
    to_decision(engine, denied)
    decide(engine, denied, "deny", ["45-221(a)(4)"])
    partly = file_request(engine)
    to_decision(engine, partly)
    decide(engine, partly, "partial", ["45-221(a)(4)"])

    for instance_id in (denied, partly):
        copy = open_tasks(engine, instance_id)["receive_denial_copy"]
        assert (copy.lane, copy.candidate_role, copy.due_at) == ("City Attorney", "city_attorney", END_OF_THURSDAY)
        assert data_of(engine, instance_id)["denial_letter"]["text"].rstrip().endswith("cc: City Attorney")
    assert {task.instance_id for task in engine.list_tasks(roles={"city_attorney"})} == {denied, partly}
    complete(engine, denied, "receive_denial_copy", {"attorney_note": "Agreed."}, actor="attorney",
             roles={"city_attorney"})
    assert "apportion_search_time" in open_tasks(engine, partly)        # the rest is provided


def test_denial_after_a_fee_estimate_costs_nothing(engine, database):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)                               # 30.00, prepaid in full
    pay(engine, instance_id, 30)
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "deny", ["45-221(a)(4)"], "Personnel file")

    data = data_of(engine, instance_id)
    assert data["settlement"] == {"balance_due": "0.00", "refund_due": "30.00"}
    assert "No fee is charged" in data["denial_letter"]["text"]
    assert "refund_prepayment" in open_tasks(engine, instance_id)
    complete(engine, instance_id, "refund_prepayment", {"refunded_on": "2026-03-03", "refund_method": "check"})
    with database.read() as session:
        [row] = fee_audit_report(session.connection(), MONDAY_10AM - timedelta(days=1), MONDAY_10AM + timedelta(days=1))
        assert office_balance(session.connection(), "city_clerk") == Decimal("0.00")
    assert (row["charged"], row["reassessed"]) == ("0.00", 1)                            # estimated 30.00, then 0
    # The prepayment was the custodian's to hold from when it was paid, and the refund took it out again.
    assert [(c["amount"], c["method"]) for c in row["collections"]] == [("30.00", "paid"), ("30.00", "refunded")]
    assert (row["paid"], row["refunded"], row["outstanding"]) == ("30.00", "30.00", "0.00")


def test_denial_letter_quotes_each_citation(engine):
    instance_id = file_request(engine)
    to_decision(engine, instance_id)
    decide(engine, instance_id, "deny", ["45-221(a)(4)", "45-221(a)(30)"], "Disciplinary records of two officers.")

    letter = data_of(engine, instance_id)["denial_letter"]
    assert letter["letter"] == "denial" and tracking_number(engine, instance_id) in letter["subject"]
    assert "K.S.A. 45-221(a)(4)" in letter["text"] and "K.S.A. 45-221(a)(30)" in letter["text"]
    assert "Disciplinary records of two officers." in letter["text"]
    assert data_of(engine, instance_id)["denial_citations"]["citations"] == ["K.S.A. 45-221(a)(4)",
                                                                           "K.S.A. 45-221(a)(30)"]


def test_a_ground_the_catalogue_does_not_hold_is_refused_at_the_form(engine):
    instance_id = file_request(engine)
    to_decision(engine, instance_id)
    task = open_tasks(engine, instance_id)["decide_request"]
    with pytest.raises(FormInvalid) as refused:
        engine.complete_task(task.task_id, {"decision": "deny", "exemption_codes": ["secret"]}, actor="custodian")
    assert set(refused.value.field_errors) == {"exemption_codes.0"}
    assert set(open_tasks(engine, instance_id)) == {"decide_request"}
    assert engine.get_instance(instance_id).status == "active"


def test_the_grounds_offered_are_the_catalogues_with_their_citations(engine):
    instance_id = file_request(engine)
    to_decision(engine, instance_id)
    task = open_tasks(engine, instance_id)["decide_request"]
    grounds = engine.form_schema(task.task_id)["properties"]["exemption_codes"]["items"]["anyOf"]
    offered = {ground["const"]: ground["title"] for ground in grounds}
    assert offered["45-221(a)(4)"].startswith("K.S.A. 45-221(a)(4) — Personnel records")
    assert "45-218(e)" in offered and len(offered) >= 10
    engine.complete_task(task.task_id, {"decision": "deny", "exemption_codes": ["45-221(a)(4)", "45-221(a)(30)"]},
                         actor="custodian")
    letter = data_of(engine, instance_id)["denial_letter"]["text"]
    assert "K.S.A. 45-221(a)(4)" in letter and "K.S.A. 45-221(a)(30)" in letter


def test_unreasonable_burden_refusal_is_a_denial_with_grounds(engine):
    instance_id = file_request(engine, description="Every e-mail sent by any city employee since 2010")
    review(engine, instance_id, refuse_without_search=True)
    assert set(open_tasks(engine, instance_id)) == {"state_denial_grounds"}
    complete(engine, instance_id, "state_denial_grounds",
             {"exemption_codes": ["45-218(e)"], "grounds_text": "About 4 million messages would have to be read."})

    data = data_of(engine, instance_id)
    assert data["decision"] == "deny" and "estimate" not in data
    assert "K.S.A. 45-218(e)" in data["denial_letter"]["text"]
    assert "unreasonable burden" in data["denial_letter"]["text"]
    assert set(open_tasks(engine, instance_id)) == {"receive_denial_copy"}
    assert data["settlement"] == {"balance_due": "0.00", "refund_due": "0.00"}


def test_statement_of_grounds_is_due_three_business_days_after_the_ask(engine, clock):
    instance_id = file_request(engine)
    to_decision(engine, instance_id)
    decide(engine, instance_id, "deny", ["45-221(a)(4)"], "Personnel file")
    complete(engine, instance_id, "receive_denial_copy", {}, actor="attorney")

    clock.move_to(datetime(2026, 3, 6, 16, 0, tzinfo=timezone.utc))      # asked Friday 6 March, 10:00
    number = tracking_number(engine, instance_id)
    assert engine.deliver_message("statement_requested", {"tracking_number": number}, {}, actor="clerk") == [
        instance_id]
    statement = open_tasks(engine, instance_id)["write_statement_of_grounds"]
    end_of_wednesday = datetime(2026, 3, 12, 4, 59, 59, tzinfo=timezone.utc)   # Mon, Tue, Wed; CDT from 8 March
    assert (statement.due_at, statement.candidate_role) == (end_of_wednesday, "custodian:city_clerk")

    finished = complete(engine, instance_id, "write_statement_of_grounds",
                        {"statement_note": "The file holds performance evaluations."})
    letter = data_of(engine, instance_id)["statement_letter"]
    assert "K.S.A. 45-221(a)(4)" in letter["text"] and "performance evaluations" in letter["text"]
    assert finished.status == "completed"


def test_statement_of_grounds_may_be_asked_for_without_a_time_limit(engine, clock):
    # K.S.A. 45-218(d) gives the denied requester the statement "upon request", with no time limit.
    instance_id = file_request(engine)
    to_decision(engine, instance_id)
    decide(engine, instance_id, "deny", ["45-221(a)(4)"])
    complete(engine, instance_id, "receive_denial_copy", {}, actor="attorney")
    clock.move_to(MONDAY_10AM + timedelta(days=400))
    assert engine.fire_due_timers() == 0
    assert engine.get_instance(instance_id).status == "active"
    assert waiting_for(engine, instance_id) == {"statement_requested"}
    assert engine.deliver_message("statement_requested", {"tracking_number": tracking_number(engine, instance_id)},
                                  {}, actor="clerk") == [instance_id]
    clock.shift(timedelta(hours=2))
    assert complete(engine, instance_id, "write_statement_of_grounds", {}).status == "completed"


# -- the deadline watch --------------------------------------------------------------------------

def test_delay_explanation_when_access_not_granted_by_the_deadline(engine, clock):
    instance_id = file_request(engine, office_key="fire")
    assert fire_timers_at(clock, engine, END_OF_THURSDAY) == 1

    tasks = open_tasks(engine, instance_id)
    assert set(tasks) == {"review_request", "explain_delay"}                 # the review stays open
    assert (tasks["explain_delay"].candidate_role, tasks["explain_delay"].form_file) == (
        "custodian:fire", "explain_delay.schema.json")
    data = data_of(engine, instance_id)
    assert data["available_place"] == "Fire Department"
    assert data["available_at"] == "2026-03-06T08:00:00-06:00"              # the office's next opening, Friday 8:00

    complete(engine, instance_id, "explain_delay", {
        "delay_reason": "The inspection reports are stored off site and are being retrieved.",
        "available_place": "Fire Department, 2 Station Road",
        "available_at": "2026-03-10T09:00:00-05:00"})
    letter = data_of(engine, instance_id)["delay_letter"]
    assert "stored off site" in letter["text"] and "Fire Department, 2 Station Road" in letter["text"]
    assert "Tuesday 10 March 2026, 9:00 AM" in letter["text"]
    assert set(open_tasks(engine, instance_id)) == {"review_request"}
    assert engine.fire_due_timers() == 0


def test_delay_after_a_referral_is_explained_by_the_new_custodian(engine, clock):
    instance_id = file_request(engine, office_key="police")
    review(engine, instance_id, holds_record=False, referral_office_key="municipal_court")
    assert fire_timers_at(clock, engine, END_OF_THURSDAY) == 1

    explain = open_tasks(engine, instance_id)["explain_delay"]
    assert explain.candidate_role == "custodian:municipal_court"
    complete(engine, instance_id, "explain_delay", {"delay_reason": "The court file is with the judge.",
                                                    "available_place": "Municipal Court clerk's window",
                                                    "available_at": "2026-03-09T08:00:00-05:00"})
    letter = data_of(engine, instance_id)["delay_letter"]["text"]
    assert "Clerk of the Municipal Court" in letter                     # signed by the new custodian


def test_request_acted_on_in_time_needs_no_delay_explanation(engine, clock):
    instance_id = file_request(engine)
    to_decision(engine, instance_id)
    decide(engine, instance_id, "deny", ["45-221(a)(4)"])
    assert engine.pending_timers(instance_id=instance_id) == []       # the statement of grounds has no time limit
    clock.move_to(END_OF_THURSDAY + timedelta(hours=1))
    assert engine.fire_due_timers() == 0
    assert "explain_delay" not in {task.bpmn_id for task in tasks_ever(engine, instance_id)}


def final_data(engine, instance_id):
    """The data of the request as the stored state holds it (for a closed request: the merged paths)."""
    from engine.derive import instance_data
    from engine.models import ProcessInstance, ProcessVersion
    from engine.state import spec_from_json, state_from_json

    with engine.database.read() as session:
        instance = session.get(ProcessInstance, instance_id)
        version = session.get(ProcessVersion, instance.process_version_id)
        spec, subprocess_specs = spec_from_json(version.spec_json)
        workflow = state_from_json(instance.state_json, spec, subprocess_specs)
    assert workflow.is_completed()
    return instance_data(workflow), dict(workflow.data)


def test_closed_request_keeps_the_latest_data_of_its_handling(engine, clock):
    instance_id = file_request(engine, office_key="police")
    review(engine, instance_id, holds_record=False, referral_office_key="city_clerk")
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)                                # 30.00: prepayment demanded
    pay(engine, instance_id, 30)
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {
        "delivery_method": "inspection", "actual_search_hours": [{"employee": "Jo", "hours": 2}]})
    assert provide(engine, instance_id).status == "completed"

    # The handling of the request ends after the deadline watch: its data is the closed request's.
    for data in (*final_data(engine, instance_id), data_of(engine, instance_id)):
        assert data["prepaid"] == "30.00"
        assert len(data["payments"]) == 1
        assert [step["office_key"] for step in data["routing_history"]] == ["police", "city_clerk"]
        assert [letter["letter"] for letter in data["referral_letters"]] == ["referral"]
        assert (data["office_key"], data["custodian_name"]) == ("city_clerk", "City Clerk")
    last = engine.audit_trail(instance_id)[-1]
    assert last.changes.get("prepaid") is None                           # nothing reverted at the close
    assert "explain_delay" not in {task.bpmn_id for task in tasks_ever(engine, instance_id)}


def test_request_closes_when_the_delay_was_explained_before_it_was_acted_on(engine, clock):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)                               # the prepayment delays access
    pay(engine, instance_id, 30)
    assert fire_timers_at(clock, engine, END_OF_THURSDAY) == 0           # explained already: no deadline to watch
    assert set(open_tasks(engine, instance_id)) == {"check_personal_privacy"}
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {
        "delivery_method": "inspection", "actual_search_hours": [{"employee": "Jo", "hours": 2}]})
    assert provide(engine, instance_id).status == "completed"
    assert not list(engine.subscriptions(instance_id=instance_id))
    for data in final_data(engine, instance_id):
        assert data["prepaid"] == "30.00" and data["provided_on"] == "2026-03-04"
        assert "prepayment of $30.00" in data["delay_letter"]["text"]    # the watch's own data is kept too


def test_request_acted_on_while_the_delay_is_unexplained_closes(engine, clock):
    instance_id = file_request(engine)
    to_decision(engine, instance_id)
    assert fire_timers_at(clock, engine, END_OF_THURSDAY) == 1
    assert set(open_tasks(engine, instance_id)) == {"decide_request", "explain_delay"}
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {"delivery_method": "inspection"})
    assert set(open_tasks(engine, instance_id)) == {"provide_records", "explain_delay"}
    assert provide(engine, instance_id).status == "completed"          # access granted: no further delay to explain
    assert "explain_delay" in {task.bpmn_id for task in engine.list_tasks(instance_id=instance_id, status="cancelled")}


# -- fulfilment and money -------------------------------------------------------------------------

def test_no_mechanical_reproduction_records_why(engine):
    instance_id = file_request(engine, description="Plat book of 1905")
    to_decision(engine, instance_id, pages=30)
    decide(engine, instance_id, "grant")
    with pytest.raises(FormInvalid) as refused:
        complete(engine, instance_id, "prepare_records", {"delivery_method": "copies",
                                                          "no_mechanical_reproduction": True})
    assert set(refused.value.field_errors) >= {"no_reproduction_reason"}
    complete(engine, instance_id, "prepare_records", {
        "delivery_method": "inspection", "no_mechanical_reproduction": True, "actual_pages": 0,
        "no_reproduction_reason": "Bound volume with brittle pages: a copier would break the binding."})

    data = data_of(engine, instance_id)
    assert data["no_reproduction_reason"].startswith("Bound volume with brittle pages")
    assert data["final_fees"]["copy_fee"] == "0.00"
    assert set(open_tasks(engine, instance_id)) == {"provide_records"}


def prepaid_request(engine, actual_hours):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)                                # 30.00
    pay(engine, instance_id, 30)
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "grant")
    complete(engine, instance_id, "prepare_records", {
        "delivery_method": "inspection", "actual_search_hours": [{"employee": "Jo", "hours": actual_hours}]})
    return instance_id


def test_overage_is_refunded_and_underage_collected_before_delivery(engine):
    overpaid = prepaid_request(engine, actual_hours=1)                    # 15.00 against 30.00
    assert data_of(engine, overpaid)["settlement"] == {"balance_due": "0.00", "refund_due": "15.00"}
    assert set(open_tasks(engine, overpaid)) == {"refund_overage"}         # not yet the records
    complete(engine, overpaid, "refund_overage", {"refunded_on": "2026-03-03", "refund_method": "cash"})
    assert set(open_tasks(engine, overpaid)) == {"provide_records"}

    underpaid = prepaid_request(engine, actual_hours=3)                   # 45.00 against 30.00
    data = data_of(engine, underpaid)
    assert data["settlement"] == {"balance_due": "15.00", "refund_due": "0.00"}
    assert (data["invoice"]["total"], data["invoice"]["balance_due"]) == ("45.00", "15.00")
    assert set(open_tasks(engine, underpaid)) == {"collect_balance"}
    complete(engine, underpaid, "collect_balance", {"balance_method": "billed", "collected_by": "Jo"})
    assert set(open_tasks(engine, underpaid)) == {"provide_records"}
    assert provide(engine, underpaid).status == "completed"


def test_collected_fees_are_recorded_in_the_ledger(engine, database):
    instance_id = prepaid_request(engine, actual_hours=2.5)               # 37.50: 30.00 prepaid + 7.50
    complete(engine, instance_id, "collect_balance", {"balance_method": "paid", "collected_by": "Jo Records"})
    number = tracking_number(engine, instance_id)

    with database.read() as session:
        [row] = fee_audit_report(session.connection(), MONDAY_10AM - timedelta(days=1), MONDAY_10AM + timedelta(days=1))
        balance = office_balance(session.connection(), "city_clerk")
    assert (row["tracking_number"], row["charged"], row["paid"], row["outstanding"]) == (number, "37.50", "37.50",
                                                                                           "0.00")
    assert [(c["amount"], c["collected_by"]) for c in row["collections"]] == [("30.00", "prepayment"),
                                                                             ("7.50", "Jo Records")]
    assert balance == Decimal("37.50")
    # The office now holds more than 5.00: the City Clerk's transmittal is announced once.
    assert sent_messages(engine, instance_id) == ["sent transmittal_due to nobody (no instance waits for it)"]
    assert provide(engine, instance_id).status == "completed"


# -- letters and the diagram itself -------------------------------------------------------------

def test_every_letter_is_filled_from_the_request_and_kept_with_it(engine, clock):
    instance_id = file_request(engine, office_key="police")
    review(engine, instance_id, holds_record=False, referral_office_key="fire")
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)
    pay(engine, instance_id, 30)
    complete(engine, instance_id, "check_personal_privacy",
             {"personal_information": True, "privacy_reason": "Medical details of a patient"})
    complete(engine, instance_id, "contact_persons_concerned", {"contacts": [], "anyone_seeks_court_order": True})
    fire_timers_at(clock, engine, MONDAY_10AM + timedelta(hours=72))
    court_orders(engine, instance_id, "withhold")
    complete(engine, instance_id, "state_denial_grounds", {"exemption_codes": ["45-221(a)(3)"]})
    engine.deliver_message("statement_requested", {"tracking_number": tracking_number(engine, instance_id)}, {},
                           actor="clerk")
    clock.shift(timedelta(hours=2))                                      # written later that day
    complete(engine, instance_id, "write_statement_of_grounds", {})

    data = data_of(engine, instance_id)
    letters = {name: value for name, value in data.items() if name.endswith("_letter")}
    assert {letter["letter"] for letter in letters.values()} == {
        "acknowledgement", "referral", "fee_estimate", "prepayment_demand", "privacy_notice", "delay_explanation",
        "denial", "statement_of_grounds"}
    assert set(letters) == {"acknowledgement_letter", "referral_letter", "fee_estimate_letter",
                            "prepayment_demand_letter", "privacy_notice_letter", "pending_litigation_letter",
                            "delay_letter", "denial_letter", "statement_letter"}
    assert data["referral_letters"] == [data["referral_letter"]]
    for name, letter in letters.items():
        assert tracking_number(engine, instance_id) in letter["subject"], name
        assert "[missing:" not in letter["subject"] + letter["text"], (name, letter["text"])


def test_diagram_is_a_pool_with_lanes_and_a_layout_for_every_element():
    from lxml import etree

    bpmn = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    di = "{http://www.omg.org/spec/BPMN/20100524/DI}"
    tree = etree.parse(str(REPO / "processes" / "records_request.bpmn"))
    [process] = tree.iter(f"{bpmn}process")
    [pool] = tree.iter(f"{bpmn}participant")
    assert pool.get("processRef") == "records_request"
    lanes = {lane.get("name"): {ref.text for ref in lane} for lane in process.iter(f"{bpmn}lane")}
    assert set(lanes) == {"Clerk", "Custodian", "City Attorney"}
    elements = {el.get("id") for el in process if el.get("id") and etree.QName(el).localname not in (
        "laneSet", "documentation", "sequenceFlow")}
    assert set().union(*lanes.values()) == elements                      # every element in exactly one lane
    assert sum(len(refs) for refs in lanes.values()) == len(elements)
    drawn = {el.get("bpmnElement") for el in tree.iter(f"{di}BPMNShape", f"{di}BPMNEdge")}
    flows = {flow.get("id") for flow in process.iter(f"{bpmn}sequenceFlow")}
    assert elements | flows | set(lanes_ids(process, bpmn)) | {pool.get("id")} <= drawn

    bounds = {shape.get("bpmnElement"): [float(shape[0].get(k)) for k in ("x", "y", "width", "height")]
              for shape in tree.iter(f"{di}BPMNShape") if shape.get("bpmnElement") in elements}
    attached = {event.get("id") for event in process.iter(f"{bpmn}boundaryEvent")}
    placed = [(name, box) for name, box in bounds.items() if name not in attached]
    for i, (a, (ax, ay, aw, ah)) in enumerate(placed):
        for b, (bx, by, bw, bh) in placed[i + 1:]:
            assert not (ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah), f"{a} overlaps {b}"

    for gateway in process.iter(f"{bpmn}exclusiveGateway"):
        outgoing = [flow for flow in process.iter(f"{bpmn}sequenceFlow") if flow.get("sourceRef") == gateway.get("id")]
        if len(outgoing) > 1:
            for flow in outgoing:
                assert flow.get("name"), flow.get("id")
                assert flow.find(f"{bpmn}conditionExpression") is not None or gateway.get("default") == flow.get("id")


def lanes_ids(process, bpmn):
    return [lane.get("id") for lane in process.iter(f"{bpmn}lane")]


def test_denied_request_keeps_its_refund_when_the_statement_is_sent_last(engine, clock):
    instance_id = file_request(engine)
    review(engine, instance_id)
    estimate(engine, instance_id, hours=2)                               # 30.00, prepaid in full
    pay(engine, instance_id, 30)
    no_privacy_concern(engine, instance_id)
    decide(engine, instance_id, "deny", ["45-221(a)(4)"], "Personnel file")
    complete(engine, instance_id, "refund_prepayment", {"refunded_on": "2026-03-03", "refund_method": "check"})
    complete(engine, instance_id, "receive_denial_copy", {"attorney_note": "Agreed."}, actor="attorney",
             roles={"city_attorney"})
    clock.move_to(MONDAY_10AM + timedelta(days=45))
    engine.deliver_message("statement_requested", {"tracking_number": tracking_number(engine, instance_id)}, {},
                           actor="clerk")
    clock.shift(timedelta(hours=2))
    complete(engine, instance_id, "write_statement_of_grounds", {})

    assert engine.get_instance(instance_id).status == "completed"
    for data in final_data(engine, instance_id):
        assert data["settlement"] == {"balance_due": "0.00", "refund_due": "30.00"}, data.get("settlement")
        assert data["refund_method"] == "check"
        assert data["denial_letter"]["letter"] == "denial"
