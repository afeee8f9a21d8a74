"""processes/fee_transmittal.bpmn and monthly_fee_transmittal.bpmn on the real engine: Code Art. 6 fees.

"Custodians transmit fee money to the City Clerk whenever the amount held exceeds 5.00, and
at least monthly"; the City Clerk confirms receipt and the fee ledger shows each transmittal.

Collections are recorded the way an open records request records them: a small diagram
(COLLECT_FEE, standing in for records_request) calls ledger.record_collection and throws
`transmittal_due` when the collection pushes the office's balance over 5.00; the engine routes
that message to the fee transmittal's message start event. A timer fires only strictly after
its due instant: each wait is checked at its due time (nothing yet) and one second later.
"""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import DiagramSource, NotAllowed
from city.ledger import office_balances
from city.models import FeeCollection, FeeTransmittal
from scenario_data import WARM_AND_RESTORED
from support import assert_derived_rows_match_state

pytestmark = WARM_AND_RESTORED

REPO = Path(__file__).parents[2]
ONE_SECOND = timedelta(seconds=1)
# Tuesday 15 December 2026, 10:00 in Kansas (CST, UTC-6).
MID_DECEMBER = datetime(2026, 12, 15, 16, 0, tzinfo=timezone.utc)
# The monthly cycle starts at midnight on the 1st, city time (06:00 UTC in winter).
FIRST_OF_JANUARY = datetime(2027, 1, 1, 6, 0, tzinfo=timezone.utc)
# Friday 1 January 2027 is New Year's Day, then a weekend: the first business day is Monday
# 4 January, and the City Clerk's office opens at 08:00 CST (14:00 UTC).
CLERK_OFFICE_OPENS = datetime(2027, 1, 4, 14, 0, tzinfo=timezone.utc)

COLLECT_FEE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="collect_fee_definitions" targetNamespace="http://clerkflow.example/bpmn">
  <bpmn:message id="transmittal_due" name="transmittal_due" />
  <bpmn:process id="collect_fee" name="Collect a fee" isExecutable="true">
    <bpmn:startEvent id="fee_paid"><bpmn:outgoing>to_record</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="record_collection">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="ledger.record_collection" resultVariable="collection">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="tracking_number" type="string" value="tracking_number" />
            <spiffworkflow:parameter id="office_key" type="string" value="office_key" />
            <spiffworkflow:parameter id="amount" type="decimal" value="amount" />
            <spiffworkflow:parameter id="method" type="string" value="method" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>to_record</bpmn:incoming>
      <bpmn:outgoing>to_check</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:exclusiveGateway id="over_the_limit" default="not_due">
      <bpmn:incoming>to_check</bpmn:incoming>
      <bpmn:outgoing>due</bpmn:outgoing>
      <bpmn:outgoing>not_due</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:intermediateThrowEvent id="call_for_transmittal">
      <bpmn:incoming>due</bpmn:incoming>
      <bpmn:outgoing>to_called</bpmn:outgoing>
      <bpmn:messageEventDefinition id="call_for_transmittal_message" messageRef="transmittal_due">
        <bpmn:extensionElements>
          <spiffworkflow:messagePayload>{"office_key": office_key}</spiffworkflow:messagePayload>
        </bpmn:extensionElements>
      </bpmn:messageEventDefinition>
    </bpmn:intermediateThrowEvent>
    <bpmn:endEvent id="called"><bpmn:incoming>to_called</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="recorded"><bpmn:incoming>not_due</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="to_record" sourceRef="fee_paid" targetRef="record_collection" />
    <bpmn:sequenceFlow id="to_check" sourceRef="record_collection" targetRef="over_the_limit" />
    <bpmn:sequenceFlow id="due" sourceRef="over_the_limit" targetRef="call_for_transmittal">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">collection["newly_due"]</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="not_due" sourceRef="over_the_limit" targetRef="recorded" />
    <bpmn:sequenceFlow id="to_called" sourceRef="call_for_transmittal" targetRef="called" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MID_DECEMBER, tick=False)
    return time_machine


@pytest.fixture
def engine(city_engine, clock):
    """An engine reading the city's data (offices, custodians, fee schedule), with both diagrams deployed."""
    engine = city_engine
    for name, title in (("fee_transmittal", "Fee transmittal"), ("monthly_fee_transmittal", "Monthly fee transmittal")):
        result = engine.deploy_file(REPO / "processes" / f"{name}.bpmn", REPO / "forms", actor="test")
        assert result.created and result.version.display_name == title
    engine.deploy_source(DiagramSource("collect_fee.bpmn", COLLECT_FEE, {}), actor="test")
    return engine


_numbers = iter(range(1, 1000))


def collect(engine, office_key, amount, method="paid"):
    """A fee collected by the office's custodian, as a records request records it."""
    instance = engine.start_instance("collect_fee", {
        "tracking_number": f"R-2026-{next(_numbers):05d}", "office_key": office_key, "amount": amount,
        "method": method}, actor="cashier")
    assert instance.status == "completed", instance
    return instance


def transmittals_started(engine):
    """{office_key: instance id} of every fee transmittal, by the office it was called for."""
    started = {}
    for instance in engine.list_instances(process_key="fee_transmittal"):
        data = data_changes(engine, instance.instance_id)
        started.setdefault(data["office_key"], []).append(instance.instance_id)
    return started


def open_tasks(engine, instance_id):
    return {task.bpmn_id: task for task in engine.list_tasks(instance_id=instance_id)}


def complete(engine, instance_id, bpmn_id, data, *, roles, actor="staff"):
    return engine.complete_task(open_tasks(engine, instance_id)[bpmn_id].task_id, data, actor=actor, roles=roles)


def data_changes(engine, instance_id):
    merged = {}
    for event in engine.audit_trail(instance_id):
        merged.update(event.changes)
    return merged


def ledger_transmittals(database):
    with database.read() as session:
        return [(row.office_key, row.amount, row.transmitted_by, row.received_by, row.received_at)
                for row in session.scalars(select(FeeTransmittal).order_by(FeeTransmittal.id))]


def held(database, office_key):
    """Amounts of the office's paid collections not yet transmitted."""
    with database.read() as session:
        return sorted(row.amount for row in session.scalars(select(FeeCollection).where(
            FeeCollection.office_key == office_key, FeeCollection.method == "paid",
            FeeCollection.transmittal_id.is_(None))))


def test_collection_pushing_balance_over_5_starts_a_transmittal(engine):
    collect(engine, "city_treasurer", "3.00")
    assert transmittals_started(engine) == {}
    collect(engine, "city_treasurer", "2.01")          # 5.01 held: more than 5.00

    [instance_id] = transmittals_started(engine)["city_treasurer"]
    transmit = open_tasks(engine, instance_id)["transmit_fees"]
    assert transmit.title == "Transmit fees to the City Clerk"
    assert transmit.candidate_role == "custodian:city_treasurer"     # the office's custodian
    assert transmit.form_file == "transmit_fees.schema.json"
    with pytest.raises(NotAllowed):
        complete(engine, instance_id, "transmit_fees", {"transmitted_by": "Someone"}, roles={"custodian:police"})


def test_balance_of_exactly_5_does_not_start_a_transmittal(engine):
    collect(engine, "city_treasurer", "3.00")
    collect(engine, "city_treasurer", "2.00")          # 5.00 held: not more than 5.00
    collect(engine, "police", "40.00", method="billed")   # billed to an account: no money held

    assert engine.list_instances(process_key="fee_transmittal") == []
    assert held(engine.database, "city_treasurer") == [Decimal("2.00"), Decimal("3.00")]


def test_clerk_confirms_receipt_and_the_ledger_shows_the_transmittal(engine, clock):
    collect(engine, "police", "4.00")
    collect(engine, "police", "2.50")
    [instance_id] = transmittals_started(engine)["police"]

    clock.shift(timedelta(hours=2))
    complete(engine, instance_id, "transmit_fees", {"transmitted_by": "Sgt. Ames", "transmittal_note": "Cash"},
             roles={"custodian:police"})
    transmitted_at = MID_DECEMBER + timedelta(hours=2)
    assert ledger_transmittals(engine.database) == [("police", Decimal("6.50"), "Sgt. Ames", None, None)]
    assert held(engine.database, "police") == []
    assert data_changes(engine, instance_id)["transmittal"]["amount"] == "6.50"

    confirm = open_tasks(engine, instance_id)["confirm_receipt"]
    assert confirm.title == "Confirm receipt of the transmittal"
    assert confirm.candidate_role == "city_clerk"                      # the City Clerk lane
    with pytest.raises(NotAllowed):
        complete(engine, instance_id, "confirm_receipt", {"received_by": "Sgt. Ames"}, roles={"custodian:police"})

    clock.shift(timedelta(hours=1))
    complete(engine, instance_id, "confirm_receipt", {"received_by": "J. Clerk"}, roles={"city_clerk"})

    received_at = transmitted_at + timedelta(hours=1)
    assert ledger_transmittals(engine.database) == [("police", Decimal("6.50"), "Sgt. Ames", "J. Clerk", received_at)]
    assert engine.get_instance(instance_id).status == "completed"
    assert data_changes(engine, instance_id)["receipt"]["received_at"] == received_at.isoformat()


def test_transmitted_collections_are_not_sent_twice(engine, clock):
    collect(engine, "police", "6.00")
    [first] = transmittals_started(engine)["police"]
    # A second call for the same office crosses the first (say, the monthly call) before it is done.
    [second] = engine.deliver_message("transmittal_due", {}, {"office_key": "police"}, actor="scheduler")
    collect(engine, "police", "1.00")                  # still over 5.00, not newly: no third call
    assert sorted(transmittals_started(engine)["police"]) == sorted([first, second])

    complete(engine, first, "transmit_fees", {"transmitted_by": "Sgt. Ames"}, roles={"custodian:police"})
    complete(engine, second, "transmit_fees", {"transmitted_by": "Sgt. Ames"}, roles={"custodian:police"})

    # The first took every collection held; the second found nothing left and asks no receipt.
    assert ledger_transmittals(engine.database) == [("police", Decimal("7.00"), "Sgt. Ames", None, None)]
    assert set(open_tasks(engine, first)) == {"confirm_receipt"}
    assert open_tasks(engine, second) == {}
    assert engine.get_instance(second).status == "completed"
    assert data_changes(engine, second)["transmittal"] == {"transmittal_id": None, "amount": "0.00"}
    with engine.database.write_connection() as connection:
        assert office_balances(connection, MID_DECEMBER) == []
    assert held(engine.database, "police") == []


def test_month_end_transmits_every_office_holding_fees(engine, clock):
    assert [(t.process_key, t.bpmn_id, t.due_at) for t in engine.pending_timers()] == [
        ("monthly_fee_transmittal", "first_of_the_month", FIRST_OF_JANUARY)]
    collect(engine, "city_treasurer", "3.00")
    collect(engine, "police", "2.50")
    collect(engine, "police", "1.00")
    collect(engine, "fire", "4.00", method="billed")   # billed: the Fire Chief holds no money
    collect(engine, "municipal_court", "9.00")         # over 5.00: transmitted at once ...
    [court] = transmittals_started(engine)["municipal_court"]
    complete(engine, court, "transmit_fees", {"transmitted_by": "Court clerk"}, roles={"custodian:municipal_court"})
    assert set(transmittals_started(engine)) == {"municipal_court"}

    clock.move_to(FIRST_OF_JANUARY)
    assert engine.fire_due_timers() == 0
    clock.move_to(FIRST_OF_JANUARY + ONE_SECOND)
    assert engine.fire_due_timers() == 1
    [monthly] = engine.list_instances(process_key="monthly_fee_transmittal")
    data = data_changes(engine, monthly.instance_id)
    assert data["first_business_day_ends_at"] == "2027-01-05T05:59:59+00:00"   # Monday 4 January, 23:59:59 CST
    assert data["clerk_office_opens_at"] == "2027-01-04T08:00:00-06:00"
    assert [(t.bpmn_id, t.due_at) for t in engine.pending_timers(instance_id=monthly.instance_id)] == [
        ("clerk_office_opens", CLERK_OFFICE_OPENS)]
    # The next month's start is scheduled already (the 1st of February, midnight city time).
    assert [(t.bpmn_id, t.due_at) for t in engine.pending_timers() if t.instance_id is None] == [
        ("first_of_the_month", datetime(2027, 2, 1, 6, 0, tzinfo=timezone.utc))]
    assert set(transmittals_started(engine)) == {"municipal_court"}    # nobody called on the holiday

    clock.move_to(CLERK_OFFICE_OPENS)
    assert engine.fire_due_timers() == 0
    clock.move_to(CLERK_OFFICE_OPENS + ONE_SECOND)
    assert engine.fire_due_timers() == 1

    assert engine.get_instance(monthly.instance_id).status == "completed"
    assert data_changes(engine, monthly.instance_id)["offices_called"] == ["city_treasurer", "police"]
    started = transmittals_started(engine)
    # Every office holding fee money, and only those (the court's were transmitted already).
    assert set(started) == {"city_treasurer", "police", "municipal_court"}
    roles = {office: open_tasks(engine, ids[0])["transmit_fees"].candidate_role
             for office, ids in started.items() if office != "municipal_court"}
    assert roles == {"city_treasurer": "custodian:city_treasurer", "police": "custodian:police"}

    complete(engine, started["police"][0], "transmit_fees", {"transmitted_by": "Sgt. Ames"},
             roles={"custodian:police"})
    assert [(office, amount) for office, amount, *_ in ledger_transmittals(engine.database)] == [
        ("municipal_court", Decimal("9.00")), ("police", Decimal("3.50"))]
    assert_derived_rows_match_state(engine, started["police"][0])


def test_a_month_with_no_fees_held_calls_nobody_and_each_month_runs_once(engine, clock):
    clock.move_to(FIRST_OF_JANUARY + ONE_SECOND)
    assert engine.fire_due_timers() == 1
    clock.move_to(CLERK_OFFICE_OPENS + ONE_SECOND)
    assert engine.fire_due_timers() == 1

    [january] = engine.list_instances(process_key="monthly_fee_transmittal")
    assert engine.get_instance(january.instance_id).status == "completed"
    assert data_changes(engine, january.instance_id)["office_balances"] == []
    assert engine.list_instances(process_key="fee_transmittal") == []

    # Monday 1 February 2027 is itself a business day; February's run waits once, for 08:00 CST.
    collect(engine, "fire", "1.25")
    clock.move_to(datetime(2027, 2, 1, 6, 0, 1, tzinfo=timezone.utc))
    assert engine.fire_due_timers() == 1
    february = next(i for i in engine.list_instances(process_key="monthly_fee_transmittal")
                    if i.instance_id != january.instance_id)
    assert [(t.bpmn_id, t.due_at) for t in engine.pending_timers(instance_id=february.instance_id)] == [
        ("clerk_office_opens", datetime(2027, 2, 1, 14, 0, tzinfo=timezone.utc))]
    assert_derived_rows_match_state(engine, february.instance_id)
    clock.move_to(datetime(2027, 2, 1, 14, 0, 1, tzinfo=timezone.utc))
    assert engine.fire_due_timers() == 1
    assert data_changes(engine, february.instance_id)["offices_called"] == ["fire"]
    assert set(transmittals_started(engine)) == {"fire"}
    assert len(transmittals_started(engine)["fire"]) == 1
