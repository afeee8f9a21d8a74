"""processes/privacy_complaint.bpmn on the real engine: seed 000, the Kansas City data privacy overview.

"Enforcement and complaints are handled through the City Clerk, the Office of the City Manager, or the
responsible department"; outcomes are "orders to notify affected persons and corrective actions", "orders to
cease unlawful processing, records preservation orders, injunctive relief sought in municipal or circuit court,
and contract remedies"; "appeal routes and time limits depend on the ordinance or administrative rule cited;
specific appeal periods are not specified on the cited page". The appeal limits and fines are the city's
settings per rule (privacy_rules), empty unless entered. A timer fires only strictly after its due instant.
"""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from city.change_log import list_changes
from city.citydata import CityData
from city.privacy_rules import set_privacy_rule
from city.rules.roles import (CITY_ATTORNEY, CITY_CLERK, CITY_MANAGER, INFORMATION_TECHNOLOGY, PROCUREMENT,
                              custodian_role)
from engine import FormInvalid, MessageNotDeliverable, NotAllowed
from scenario_data import WARM_AND_RESTORED
from support import assert_derived_rows_match_state

pytestmark = WARM_AND_RESTORED

REPO = Path(__file__).parents[2]
# Monday 23 November 2026, 10:00 in Kansas City (CST, UTC-6).
FILED = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
ONE_SECOND = timedelta(seconds=1)
POLICE = custodian_role("police")
# An ordinance section the city has entered with a 30-day appeal period and a fine for a first offence only.
PUBLISHED_RULE = "Code Sec. 2-1234"
# One it has not entered: nothing is published for it.
UNPUBLISHED_RULE = "AR 1-05"
NOTIFY_BY = "2026-12-04T17:00:00-06:00"          # Friday 4 December, 17:00 in the city
NOTIFY_BY_UTC = datetime(2026, 12, 4, 23, 0, tzinfo=timezone.utc)

COMPLAINT = {
    "report_kind": "complaint",
    "responsible_department": "Police Department",
    "contractor_involved": False,
    "what_happened": "My name and address were posted on the department's public incident map.",
    "happened_on": "2026-11-20",
    "complainant_name": "Pat Doe",
    "complainant_address": "12 Elm Street, Kansas City MO 64106",
    "complainant_email": "pat@example.org",
}


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(FILED, tick=False)
    return time_machine


@pytest.fixture
def engine(city_engine, clock, database):
    with database.write() as session:
        set_privacy_rule(session, PUBLISHED_RULE, actor="admin", title="Personal data held by the city",
                         appeal_limit_days=30, fines={"first": "500.00"})
    city_engine.operators.settings.invalidate()
    result = city_engine.deploy_file(REPO / "processes" / "privacy_complaint.bpmn", REPO / "forms", actor="test")
    assert result.created and result.version.display_name == "Data privacy complaint or breach report"
    return city_engine


def open_tasks(engine, instance_id):
    return {task.bpmn_id: task for task in engine.list_tasks(instance_id=instance_id)}


def tasks_ever(engine, instance_id):
    return {task.bpmn_id for status in ("open", "completed", "cancelled")
            for task in engine.list_tasks(instance_id=instance_id, status=status)}


def complete(engine, instance_id, bpmn_id, data, role):
    return engine.complete_task(open_tasks(engine, instance_id)[bpmn_id].task_id, data, actor="staff", roles={role})


def case_data(engine, instance_id):
    merged = {}
    for event in engine.audit_trail(instance_id):
        merged.update(event.changes)
    return merged


def file_complaint(engine, **more):
    instance = engine.start_instance("privacy_complaint", {**COMPLAINT, **more}, actor="clerk", tracking_prefix="PC")
    assert instance.incidents == () and instance.business_key.startswith("PC-2026-")
    return instance.instance_id


def route_and_review(engine, instance_id, *, enforcing_office="city_clerk", city_manager=False, it=False,
                     contractor=None):
    complete(engine, instance_id, "route_complaint",
             {"office_key": "police", "contractor_involved": contractor is not None,
              **({"contractor_name": contractor} if contractor else {})}, CITY_CLERK)
    complete(engine, instance_id, "review_as_department",
             {"department_review": "The map layer showed the complainant's address.", "processing_continues": True},
             POLICE)
    complete(engine, instance_id, "review_as_city_clerk",
             {"clerk_review": "Screenshots and the map's URL support the complaint.",
              "bring_in_city_manager": city_manager, "bring_in_information_technology": it,
              "enforcing_office": enforcing_office}, CITY_CLERK)


def investigate(engine, instance_id):
    complete(engine, instance_id, "investigate_complaint",
             {"findings": "The incident map published home addresses from 2 to 21 November.",
              "breach_confirmed": True}, POLICE)


def decide(engine, instance_id, role, **decision):
    complete(engine, instance_id, "decide_complaint",
             {"rule_relied_on": PUBLISHED_RULE, "decision_reasons": "Addresses were published without a basis.",
              **decision}, role)


def test_a_complaint_goes_to_the_city_clerk_and_the_department_together_and_can_be_dismissed(engine, clock):
    instance_id = file_complaint(engine)
    assert set(open_tasks(engine, instance_id)) == {"route_complaint"}
    complete(engine, instance_id, "route_complaint", {"office_key": "police", "contractor_involved": False}, CITY_CLERK)

    # The City Clerk and the responsible department (its custodian) review at the same time.
    reviews = open_tasks(engine, instance_id)
    assert set(reviews) == {"review_as_city_clerk", "review_as_department"}
    assert reviews["review_as_city_clerk"].candidate_role == CITY_CLERK
    assert reviews["review_as_department"].candidate_role == POLICE
    with pytest.raises(NotAllowed):
        complete(engine, instance_id, "review_as_department", {"department_review": "x", "processing_continues": False},
                 custodian_role("fire"))
    complete(engine, instance_id, "review_as_department",
             {"department_review": "Nothing of the complainant's is on the map.", "processing_continues": False},
             POLICE)
    complete(engine, instance_id, "review_as_city_clerk",
             {"clerk_review": "No personal data shown.", "bring_in_city_manager": False,
              "bring_in_information_technology": False, "enforcing_office": "city_clerk"}, CITY_CLERK)
    assert set(open_tasks(engine, instance_id)) == {"investigate_complaint"}
    investigate(engine, instance_id)

    assert open_tasks(engine, instance_id)["decide_complaint"].candidate_role == CITY_CLERK
    decide(engine, instance_id, CITY_CLERK, decision="dismissed", rule_relied_on=UNPUBLISHED_RULE)

    data = case_data(engine, instance_id)
    assert data["decision_text"].startswith("The complaint is dismissed under AR 1-05.")
    # No appeal period is published for the rule: the decision says the instructions were requested in writing.
    assert data["appeal_instructions_requested_in_writing"] is True
    assert "requested the appeal instructions in writing" in data["decision_text"]
    assert data["decision_letter"] == {"subject": f"Decision on your data privacy complaint {data['tracking_number']}",
                                       "text": data["decision_text"]}
    assert set(open_tasks(engine, instance_id)) == {"record_appeal_no_time_limit"}
    complete(engine, instance_id, "record_appeal_no_time_limit", {"appeal_filed": False}, CITY_CLERK)
    assert engine.get_instance(instance_id).status == "completed"
    never = {"confirm_notification", "review_appeal", "escalate_notification"}
    assert never.isdisjoint(tasks_ever(engine, instance_id))


def test_a_decision_cannot_be_completed_without_the_rule_it_relies_on(engine, clock):
    instance_id = file_complaint(engine)
    route_and_review(engine, instance_id)
    investigate(engine, instance_id)
    for missing in ({}, {"rule_relied_on": ""}, {"rule_relied_on": "   "}):
        with pytest.raises(FormInvalid) as refused:
            complete(engine, instance_id, "decide_complaint",
                     {"decision": "dismissed", "decision_reasons": "No breach.", **missing}, CITY_CLERK)
        assert "rule_relied_on" in refused.value.field_errors
    assert set(open_tasks(engine, instance_id)) == {"decide_complaint"}


def test_a_breach_with_a_notification_order_met_on_time_closes_without_escalation(engine, clock):
    instance_id = file_complaint(engine, report_kind="breach_report")
    route_and_review(engine, instance_id, enforcing_office="city_manager", city_manager=True, it=True)
    advice = open_tasks(engine, instance_id)
    assert advice["advise_city_manager"].candidate_role == CITY_MANAGER
    assert advice["advise_information_technology"].candidate_role == INFORMATION_TECHNOLOGY
    assert advice["investigate_complaint"].candidate_role == POLICE
    complete(engine, instance_id, "advise_city_manager", {"city_manager_advice": "Order notification."}, CITY_MANAGER)
    complete(engine, instance_id, "advise_information_technology",
             {"information_technology_advice": "The layer is off since 21 November."}, INFORMATION_TECHNOLOGY)
    investigate(engine, instance_id)

    with pytest.raises(FormInvalid) as no_date:
        decide(engine, instance_id, CITY_MANAGER, decision="outcomes", outcomes=["notify_affected_persons"])
    assert "notification_due_at" in no_date.value.field_errors
    decide(engine, instance_id, CITY_MANAGER, decision="outcomes", outcomes=["notify_affected_persons"],
           notification_due_at=NOTIFY_BY)

    confirm = open_tasks(engine, instance_id)["confirm_notification"]
    assert confirm.candidate_role == CITY_MANAGER and confirm.due_at == NOTIFY_BY_UTC
    data = case_data(engine, instance_id)
    assert ("Under Code Sec. 2-1234, the decision orders: the affected persons are to be notified."
            in data["decision_text"])
    assert "within 30 days" in data["decision_text"]
    assert_derived_rows_match_state(engine, instance_id)

    clock.move_to(NOTIFY_BY_UTC - timedelta(hours=2))
    complete(engine, instance_id, "confirm_notification",
             {"complied_at": "2026-12-04T15:00:00-06:00", "compliance_evidence": "Letters mailed to 212 persons."},
             CITY_MANAGER)
    clock.move_to(NOTIFY_BY_UTC + ONE_SECOND)
    engine.fire_due_timers()
    assert "escalate_notification" not in tasks_ever(engine, instance_id)
    assert case_data(engine, instance_id)["notification_compliance"]["evidence"] == "Letters mailed to 212 persons."


def test_an_order_whose_date_passes_unconfirmed_goes_to_the_city_managers_office(engine, clock):
    instance_id = file_complaint(engine)
    route_and_review(engine, instance_id)
    investigate(engine, instance_id)
    decide(engine, instance_id, CITY_CLERK, decision="outcomes",
           outcomes=["notify_affected_persons", "cease_processing"], notification_due_at=NOTIFY_BY,
           cease_due_at="2026-11-30T17:00:00-06:00")
    complete(engine, instance_id, "confirm_cease",
             {"complied_at": "2026-11-27T09:00:00-06:00", "compliance_evidence": "Layer removed."}, CITY_CLERK)

    clock.move_to(NOTIFY_BY_UTC)
    assert engine.fire_due_timers() == 0            # due, not yet past
    clock.move_to(NOTIFY_BY_UTC + ONE_SECOND)
    engine.fire_due_timers()
    tasks = open_tasks(engine, instance_id)
    assert tasks["escalate_notification"].candidate_role == CITY_MANAGER
    assert "confirm_notification" in tasks            # compliance is still to be confirmed
    assert "escalate_cease" not in tasks_ever(engine, instance_id)
    complete(engine, instance_id, "escalate_notification",
             {"escalation_action": "Ordered the department to mail the letters by 11 December."}, CITY_MANAGER)
    assert_derived_rows_match_state(engine, instance_id)


WINDOW_CLOSES = datetime(2027, 1, 1, 6, 0, tzinfo=timezone.utc)   # midnight closing Thursday 31 December, city time


def appeal_window_open(engine, clock):
    """A complaint dismissed on Tuesday 1 December under a rule with a 30-day appeal period: the case waits for an
    appeal or for the window to close, whichever comes first (an event-based gateway), with no task for anyone."""
    instance_id = file_complaint(engine)
    route_and_review(engine, instance_id)
    investigate(engine, instance_id)
    clock.move_to(datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc))      # decided Tuesday 1 December
    decide(engine, instance_id, CITY_CLERK, decision="dismissed")
    assert open_tasks(engine, instance_id) == {}
    [subscription] = engine.subscriptions(instance_id=instance_id)
    assert (subscription.bpmn_id, subscription.message_name) == ("appeal_received", "privacy_appeal")
    assert subscription.correlation == {"tracking_number": tracking_number(engine, instance_id)}
    [timer] = engine.pending_timers(instance_id=instance_id)
    assert (timer.bpmn_id, timer.kind, timer.due_at) == ("appeal_window_closes", "date", WINDOW_CLOSES)
    assert_derived_rows_match_state(engine, instance_id)
    return instance_id


def tracking_number(engine, instance_id):
    return engine.get_instance(instance_id).business_key


def appeal(engine, instance_id, filed_at, grounds, **sender):
    """The privacy_appeal message, as the portal sends it for the complainant (or staff for one received another way)."""
    return engine.deliver_message("privacy_appeal", {"tracking_number": tracking_number(engine, instance_id)},
                                  {"appeal_filed_at": filed_at, "appeal_grounds": grounds},
                                  actor=sender.pop("actor", "portal"), **sender)


def test_an_appeal_filed_in_time_opens_its_review(engine, clock):
    instance_id = appeal_window_open(engine, clock)
    clock.move_to(datetime(2026, 12, 30, 16, 0, tzinfo=timezone.utc))
    assert appeal(engine, instance_id, "2026-12-30T10:00:00-06:00", "The map still shows my street.") == [instance_id]
    assert open_tasks(engine, instance_id)["review_appeal"].candidate_role == CITY_MANAGER
    # The window's timer lost: it is gone, and its time passing changes nothing.
    assert engine.pending_timers(instance_id=instance_id) == [] and engine.subscriptions(instance_id=instance_id) == []
    clock.move_to(WINDOW_CLOSES + ONE_SECOND)
    assert engine.fire_due_timers() == 0
    data = case_data(engine, instance_id)
    assert (data["appeal_filed"], data["appeal_grounds"]) == (True, "The map still shows my street.")
    complete(engine, instance_id, "review_appeal", {"appeal_outcome": "upheld", "appeal_reasons": "Removed."},
             CITY_MANAGER)
    assert engine.get_instance(instance_id).status == "completed"
    assert_derived_rows_match_state(engine, instance_id)


def test_with_no_appeal_the_case_closes_by_itself_when_the_window_closes(engine, clock):
    instance_id = appeal_window_open(engine, clock)
    clock.move_to(WINDOW_CLOSES)                  # the last instant of the period: still open
    assert engine.fire_due_timers() == 0
    clock.move_to(WINDOW_CLOSES + ONE_SECOND)
    assert engine.fire_due_timers() == 1
    assert engine.get_instance(instance_id).status == "completed"
    assert engine.subscriptions(instance_id=instance_id) == []
    assert case_data(engine, instance_id)["appeal_window_closed"] is True
    assert {"review_appeal", "record_appeal_no_time_limit"}.isdisjoint(tasks_ever(engine, instance_id))
    [timer_event] = [event for event in engine.audit_trail(instance_id) if event.action == "timer"]
    assert timer_event.bpmn_id == "appeal_window_closes"


def test_an_appeal_after_the_window_closed_is_refused_with_the_reason(engine, clock):
    """Sent after the period ended, before the window's timer fired (the scheduler was down): the case refuses it as
    late, with the reason and the letter. Once the timer has fired the case has closed and nothing waits for it."""
    instance_id = appeal_window_open(engine, clock)
    clock.move_to(datetime(2027, 1, 4, 16, 0, tzinfo=timezone.utc))
    assert appeal(engine, instance_id, "2027-01-04T10:00:00-06:00", "I was away over the holidays.") == [instance_id]
    data = case_data(engine, instance_id)
    assert data["appeal_refused"] is True
    assert data["appeal_refused_reason"] == ("The appeal was filed on 2027-01-04, after the appeal period under "
                                             "Code Sec. 2-1234 ended on 2026-12-31: it is refused as late.")
    assert data["appeal_refusal_letter"]["text"] == data["appeal_refused_reason"]
    assert "review_appeal" not in tasks_ever(engine, instance_id)
    assert engine.get_instance(instance_id).status == "completed"
    assert engine.fire_due_timers() == 0


def test_an_appeal_once_the_case_closed_by_itself_reaches_nobody_and_changes_nothing(engine, clock):
    instance_id = appeal_window_open(engine, clock)
    clock.move_to(WINDOW_CLOSES + ONE_SECOND)
    assert engine.fire_due_timers() == 1
    trail = engine.audit_trail(instance_id)
    with pytest.raises(MessageNotDeliverable):
        appeal(engine, instance_id, "2027-01-04T10:00:00-06:00", "I was away over the holidays.")
    assert engine.audit_trail(instance_id) == trail


def test_the_city_clerks_office_records_an_appeal_received_by_post_and_no_one_else(engine, clock):
    instance_id = appeal_window_open(engine, clock)
    clock.move_to(datetime(2026, 12, 28, 16, 0, tzinfo=timezone.utc))
    with pytest.raises(NotAllowed):
        appeal(engine, instance_id, "2026-12-24T09:00:00-06:00", "By post.", actor="police.custodian", roles={POLICE})
    with pytest.raises(FormInvalid) as refused:
        appeal(engine, instance_id, "24 December", "", actor="clerk.bo", roles={CITY_CLERK})
    assert set(refused.value.field_errors) == {"appeal_filed_at", "appeal_grounds"}
    assert engine.subscriptions(instance_id=instance_id) != []
    appeal(engine, instance_id, "2026-12-24T09:00:00-06:00", "By post.", actor="clerk.bo", roles={CITY_CLERK})
    assert case_data(engine, instance_id)["appeal_filed_at"] == "2026-12-24T09:00:00-06:00"
    assert "review_appeal" in open_tasks(engine, instance_id)


def test_a_fine_is_ordered_only_where_the_rule_sets_one(engine, clock):
    instance_id = file_complaint(engine)
    route_and_review(engine, instance_id)
    investigate(engine, instance_id)
    decide(engine, instance_id, CITY_CLERK, decision="outcomes", outcomes=["fine"], offence="repeat")
    # The rule sets no fine for a repeat offence: the decision comes back with the reason.
    assert set(open_tasks(engine, instance_id)) == {"decide_complaint"}
    problem = case_data(engine, instance_id)["decision_problem"]
    assert "No fine is set for a repeat offence under Code Sec. 2-1234" in problem
    decide(engine, instance_id, CITY_CLERK, decision="outcomes", outcomes=["fine"], offence="first")
    data = case_data(engine, instance_id)
    assert data["decision_problem"] == "" and data["fine_amount"] == "500.00"
    assert "The fine is $500.00." in data["decision_text"]


def test_a_contractors_breach_has_its_contract_remedies_recorded_by_procurement(engine, clock):
    instance_id = file_complaint(engine, contractor_involved=True, contractor_name="MapWorks LLC")
    route_and_review(engine, instance_id, contractor="MapWorks LLC")
    investigate(engine, instance_id)
    remedies = open_tasks(engine, instance_id)["record_contract_remedies"]
    assert remedies.candidate_role == PROCUREMENT
    complete(engine, instance_id, "record_contract_remedies",
             {"contract_reference": "C-2025-118 GIS hosting", "contract_remedies": ["cure_notice", "damages"],
              "contract_remedy_terms": "Sec. 9: data handling; cure within 10 days."}, PROCUREMENT)
    decide(engine, instance_id, CITY_CLERK, decision="outcomes", outcomes=["contract_remedy", "injunctive_relief"])
    assert open_tasks(engine, instance_id)["seek_injunctive_relief"].candidate_role == CITY_ATTORNEY


def test_a_complaint_about_a_late_records_request_names_it_and_is_linked_to_it(engine, clock):
    engine.deploy_file(REPO / "processes" / "records_request.bpmn", REPO / "forms", actor="test")
    request = engine.start_instance("records_request", {
        "requester_name": "Pat Doe", "requester_address": "12 Elm Street", "records_description": "Incident map logs",
        "received_at": FILED.isoformat()}, actor="clerk", tracking_prefix="R")

    with pytest.raises(FormInvalid) as unknown:
        file_complaint(engine, records_request_tracking_number="R-2026-09999")
    problem = unknown.value.field_errors["records_request_tracking_number"]
    assert "not the tracking number of a records request" in problem

    instance_id = file_complaint(engine, records_request_tracking_number=request.business_key.lower())
    linked = case_data(engine, instance_id)["linked_records_request"]
    assert linked["tracking_number"] == request.business_key and linked["instance_id"] == request.instance_id


def test_appeal_limits_and_fines_are_city_settings_that_read_not_set_until_entered(database, clock):
    assert CityData(database)()["privacy_rules"] == {}
    with database.write() as session:
        set_privacy_rule(session, UNPUBLISHED_RULE, actor="admin", title="IT data handling")
    rule = CityData(database)()["privacy_rules"][UNPUBLISHED_RULE]
    assert rule.appeal_limit_days is None and rule.fine("first") is None
    with database.read() as session:
        change = list_changes(session, "privacy_rule")[0]
        assert change.actor == "admin" and change.after["fine_first"] is None
    with database.write() as session:
        set_privacy_rule(session, UNPUBLISHED_RULE, actor="admin", title="IT data handling", appeal_limit_days=15,
                         fines={"continuing": "100"})
    rule = CityData(database)()["privacy_rules"][UNPUBLISHED_RULE]
    assert rule.appeal_limit_days == 15 and rule.fine("continuing") == Decimal("100.00")
