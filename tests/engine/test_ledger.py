"""Fee ledgers (003, Art. 6 fees): assessments, the 24-hour rule, collections, transmittals over 5.00, the audit,
and the offices' cash floats, which are not fee money."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from city import change_log, citydata, ledger
from city.operators import CityOperators
from engine.operators import StepContext
from city.citydata import CityDataRefused
from city.models import CashFloat, FeeCollection, FeeTransmittal
from city.rules.registry import OperatorArgumentError

MONDAY_9AM = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)   # 09:00 in Kansas
PAT = "Pat Doe"


@pytest.fixture
def books(database):
    """A seeded city: the six offices and the default schedule (transmit above 5.00)."""
    with database.write() as session:
        citydata.seed_defaults(session, now=MONDAY_9AM)
    return database


def run(database, function, now=MONDAY_9AM, **arguments):
    """Call a host operator as the engine does: the step's connection, the step's time, keyword arguments."""
    with database.write_connection() as connection:
        return function(connection, now, **arguments)


def collect(database, amount, *, office_key="city_clerk", method="paid", tracking_number="R-2026-00001",
            now=MONDAY_9AM):
    return run(database, ledger.record_collection, now, tracking_number=tracking_number, office_key=office_key,
               amount=Decimal(amount), method=method, collected_by="cashier")


def assess(database, tracking_number, *, requester_key=PAT, locating_cost="0.00", inspection_fee="0.00",
           copy_fee="0.00", total=None, now=MONDAY_9AM, office_key="city_clerk", **more):
    total = total if total is not None else str(Decimal(inspection_fee) + Decimal(copy_fee))
    return run(database, ledger.record_assessment, now, tracking_number=tracking_number, requester_key=requester_key,
               office_key=office_key, locating_cost=Decimal(locating_cost), inspection_fee=Decimal(inspection_fee),
               copy_fee=Decimal(copy_fee), total=Decimal(total), **more)


def test_collections_that_push_an_office_over_five_dollars_make_a_transmittal_due(books):
    assert collect(books, "3.00") == {"collection_id": 1, "office_balance": "3.00", "transmittal_due": False,
                                      "newly_due": False}
    over = collect(books, "2.50")
    assert (over["office_balance"], over["transmittal_due"], over["newly_due"]) == ("5.50", True, True)
    still = collect(books, "1.00")
    assert (still["office_balance"], still["transmittal_due"], still["newly_due"]) == ("6.50", True, False)
    other_office = collect(books, "1.00", office_key="police")
    assert (other_office["office_balance"], other_office["transmittal_due"]) == ("1.00", False)


def test_exactly_five_dollars_held_is_not_yet_a_transmittal(books):
    collect(books, "2.50")
    held = collect(books, "2.50")
    assert (held["office_balance"], held["transmittal_due"], held["newly_due"]) == ("5.00", False, False)
    assert collect(books, "0.01")["newly_due"] is True


def test_fees_billed_to_an_account_are_not_money_held(books):
    collect(books, "4.00")
    billed = collect(books, "30.00", method="billed")
    assert (billed["office_balance"], billed["transmittal_due"], billed["newly_due"]) == ("4.00", False, False)
    assert run(books, ledger.office_balances) == [
        {"office_key": "city_clerk", "balance": "4.00", "transmittal_due": False,
         "held_since": MONDAY_9AM.isoformat()}]


def test_the_transmittal_threshold_comes_from_the_schedule_in_force(books):
    with books.write() as session:
        citydata.add_fee_schedule(session, effective_from=date(2026, 12, 1), created_by="admin",
                                  transmit_above="10.00", now=MONDAY_9AM)
    december = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
    assert collect(books, "6.00", now=MONDAY_9AM)["transmittal_due"] is True
    assert collect(books, "6.00", office_key="fire", now=december)["transmittal_due"] is False


def test_a_transmittal_takes_every_collection_held_and_zeroes_the_balance(books):
    for amount in ("3.00", "2.50", "1.25"):
        collect(books, amount)
    collect(books, "4.00", office_key="police")
    collect(books, "9.00", method="billed")
    later = MONDAY_9AM + timedelta(hours=2)
    sent = run(books, ledger.record_transmittal, later, office_key="city_clerk", transmitted_by="custodian")
    assert sent == {"transmittal_id": 1, "amount": "6.75"}
    assert run(books, ledger.office_balances) == [
        {"office_key": "police", "balance": "4.00", "transmittal_due": False, "held_since": MONDAY_9AM.isoformat()}]
    with books.read() as session:
        linked = session.scalars(select(FeeCollection.amount).where(FeeCollection.transmittal_id == 1)).all()
        transmittal = session.get(FeeTransmittal, 1)
        assert (transmittal.amount, transmittal.transmitted_at, transmittal.received_at) == (
            Decimal("6.75"), later, None)
    assert sorted(linked) == [Decimal("1.25"), Decimal("2.50"), Decimal("3.00")]
    assert collect(books, "1.00")["office_balance"] == "1.00"   # a new collection starts a new balance


def test_a_transmittal_with_nothing_held_records_nothing(books):
    assert run(books, ledger.record_transmittal, office_key="fire", transmitted_by="custodian") == {
        "transmittal_id": None, "amount": "0.00"}
    with books.read() as session:
        assert session.scalars(select(FeeTransmittal)).all() == []


def test_the_city_clerk_confirms_a_transmittal_once(books):
    collect(books, "6.00")
    sent = run(books, ledger.record_transmittal, office_key="city_clerk", transmitted_by="custodian")
    received = MONDAY_9AM + timedelta(hours=3)
    assert run(books, ledger.confirm_transmittal, received, transmittal_id=sent["transmittal_id"],
               received_by="clerk") == {"transmittal_id": sent["transmittal_id"], "received_at": received.isoformat()}
    with pytest.raises(OperatorArgumentError, match="already received by clerk"):
        run(books, ledger.confirm_transmittal, transmittal_id=sent["transmittal_id"], received_by="clerk")
    with pytest.raises(OperatorArgumentError, match="no transmittal 99"):
        run(books, ledger.confirm_transmittal, transmittal_id=99, received_by="clerk")


def test_locating_cost_counts_only_the_same_persons_other_requests_of_the_last_24_hours(books):
    now = MONDAY_9AM
    assess(books, "R-2026-00001", locating_cost="0.50", now=now - timedelta(hours=2))
    assess(books, "R-2026-00002", requester_key="  pat   DOE ", locating_cost="0.25", now=now - timedelta(hours=24))
    assess(books, "R-2026-00003", locating_cost="0.40", now=now - timedelta(hours=24, seconds=1))   # too early
    assess(books, "R-2026-00004", requester_key="Sam Roe", locating_cost="0.30", now=now - timedelta(hours=1))
    assess(books, "R-2026-00005", locating_cost="0.20", now=now - timedelta(minutes=5))   # this request itself
    assess(books, "R-2026-00006", locating_cost="0.60", now=now + timedelta(minutes=5))   # after `at`
    assert run(books, ledger.requester_locating_cost_24h, now, requester_key="Pat Doe", requested_at=now,
               tracking_number="R-2026-00005") == "0.75"


def test_a_request_estimated_twice_counts_once_at_its_latest_estimate(books):
    assess(books, "R-2026-00001", locating_cost="0.50", now=MONDAY_9AM - timedelta(hours=3))
    assess(books, "R-2026-00001", locating_cost="0.70", now=MONDAY_9AM - timedelta(hours=1))
    assert run(books, ledger.requester_locating_cost_24h, requester_key=PAT, tracking_number="R-2026-00009") == "0.70"


def test_an_assessment_must_add_up(books):
    with pytest.raises(OperatorArgumentError, match="does not equal") as refusal:
        assess(books, "R-2026-00001", inspection_fee="15.00", copy_fee="2.50", total="18.00")
    assert refusal.value.parameter == "total"
    assert assess(books, "R-2026-00001", inspection_fee="15.00", copy_fee="2.50", mailing_fee=Decimal("1.00"),
                  waived_amount=Decimal("3.50"), waiver_reason="public interest: press request",
                  total="15.00") == {"assessment_id": 1}


def test_a_waiver_is_kept_only_with_its_reason(books):
    with pytest.raises(OperatorArgumentError, match="public interest") as refusal:
        assess(books, "R-2026-00001", inspection_fee="5.00", waived_amount=Decimal("5.00"), total="0.00")
    assert refusal.value.parameter == "waiver_reason"


@pytest.mark.parametrize(("arguments", "parameter"), [
    ({"office_key": "parks"}, "office_key"),
    ({"method": "cash"}, "method"),
    ({"amount": Decimal("0.00")}, "amount"),
    ({"amount": Decimal("-2.00")}, "amount"),
])
def test_a_collection_names_a_known_office_a_method_and_an_amount(books, arguments, parameter):
    values = {"tracking_number": "R-2026-00001", "office_key": "city_clerk", "amount": Decimal("2.00"),
              "method": "paid", **arguments}
    with pytest.raises(OperatorArgumentError) as refusal:
        run(books, ledger.record_collection, **values)
    assert refusal.value.parameter == parameter


def test_the_audit_report_lists_fees_charged_and_collected_per_request(books):
    day = MONDAY_9AM
    assess(books, "R-2026-00001", locating_cost="22.50", inspection_fee="22.50", copy_fee="2.50",
           schedule_effective_from=date(2005, 1, 1), now=day)
    assess(books, "R-2026-00001", locating_cost="30.00", inspection_fee="30.00", copy_fee="2.50",
           schedule_effective_from=date(2005, 1, 1), now=day + timedelta(hours=1))   # estimated again
    collect(books, "25.00", tracking_number="R-2026-00001", now=day + timedelta(hours=2))
    collect(books, "5.00", tracking_number="R-2026-00001", method="billed", now=day + timedelta(hours=3))
    assess(books, "R-2026-00002", requester_key="Sam Roe", office_key="police", inspection_fee="5.00",
           locating_cost="1.50", now=day)
    collect(books, "2.00", tracking_number="R-2026-00003", now=day)   # money with no assessment: flagged
    collect(books, "7.00", tracking_number="R-2026-00004", now=day + timedelta(days=2))   # after the period

    with books.read() as session:
        report = ledger.fee_audit_report(session.connection(), day - timedelta(hours=1), day + timedelta(days=1))
    assert [row["tracking_number"] for row in report] == ["R-2026-00001", "R-2026-00002", "R-2026-00003"]
    first = report[0]
    assert (first["charged"], first["paid"], first["billed"], first["outstanding"], first["reassessed"]) == (
        "32.50", "25.00", "5.00", "2.50", 1)
    assert (first["inspection_fee"], first["copy_fee"], first["schedule_effective_from"]) == (
        "30.00", "2.50", "2005-01-01")
    assert [(c["amount"], c["method"]) for c in first["collections"]] == [("25.00", "paid"), ("5.00", "billed")]
    assert (report[1]["charged"], report[1]["paid"], report[1]["outstanding"]) == ("5.00", "0.00", "5.00")
    assert (report[2]["charged"], report[2]["paid"], report[2]["assessment_id"]) == (None, "2.00", None)

    with books.read() as session:
        police = ledger.fee_audit_report(session.connection(), day - timedelta(hours=1), day + timedelta(days=1),
                                         office_key="police")
    assert [row["tracking_number"] for row in police] == ["R-2026-00002"]


def test_the_host_operators_are_the_ones_the_records_request_page_lists():
    # The privacy complaint's own host operator (privacy.linked_records_request) is listed in docs/privacy.md.
    assert sorted(name for name in ledger.HOST_OPERATORS if name.startswith("ledger.")) == [
        "ledger.confirm_transmittal", "ledger.office_balances", "ledger.receipt_audit", "ledger.record_assessment",
        "ledger.record_collection", "ledger.record_transmittal", "ledger.requester_locating_cost_24h",
        "ledger.settle_prepayment"]
    collection = ledger.HOST_OPERATORS["ledger.record_collection"]
    assert [(p.name, p.type, p.required) for p in collection.parameters] == [
        ("tracking_number", "string", True), ("office_key", "string", True), ("amount", "decimal", True),
        ("method", "string", True), ("collected_by", "string", False)]
    assert all(spec.description and spec.function for spec in ledger.HOST_OPERATORS.values())


def test_a_host_operator_takes_a_diagrams_values_once_the_engine_coerces_them(books):
    operators = CityOperators(lambda: {})
    with books.write_connection() as connection:
        result = operators.call("ledger.record_collection", {"tracking_number": "R-2026-00001", "office_key": "city_clerk",
                                "amount": "6.5", "method": "paid"}, StepContext(connection, MONDAY_9AM))
    assert result == {"collection_id": 1, "office_balance": "6.50", "transmittal_due": True, "newly_due": True}


# -- the cash float: "tracked apart from fee money and is not transmitted" (Art. 6) ---------------

def issue_float(database, amount, *, office_key="city_clerk", issued_by="clerk", now=MONDAY_9AM):
    with database.write() as session:
        return citydata.issue_cash_float(session, office_key, amount, issued_by=issued_by, now=now).id


def drawer(database, office_key="city_clerk"):
    with database.read() as session:
        return ledger.office_cash(session.connection(), office_key)


def test_an_office_with_a_50_float_and_3_of_fees_is_not_due_a_transmittal(books):
    issue_float(books, "50.00")

    held = collect(books, "3.00")

    assert (held["office_balance"], held["transmittal_due"], held["newly_due"]) == ("3.00", False, False)
    assert run(books, ledger.office_balances) == [
        {"office_key": "city_clerk", "balance": "3.00", "transmittal_due": False,
         "held_since": MONDAY_9AM.isoformat()}]
    with books.read() as session:
        assert ledger.office_balance(session.connection(), "city_clerk") == Decimal("3.00")
    assert drawer(books) == {"float": "50.00", "fees_held": "3.00", "total_on_hand": "53.00"}


def test_cash_float_is_never_transmitted_with_fee_money(books):
    issue_float(books, "50.00")
    collect(books, "3.00")
    assert collect(books, "3.50")["newly_due"] is True   # the fees alone pass 5.00

    sent = run(books, ledger.record_transmittal, MONDAY_9AM + timedelta(hours=1), office_key="city_clerk",
               transmitted_by="custodian")

    assert sent == {"transmittal_id": 1, "amount": "6.50"}
    with books.read() as session:
        assert session.get(FeeTransmittal, 1).amount == Decimal("6.50")
    assert drawer(books) == {"float": "50.00", "fees_held": "0.00", "total_on_hand": "50.00"}   # it stays
    assert run(books, ledger.record_transmittal, office_key="city_clerk", transmitted_by="custodian") == {
        "transmittal_id": None, "amount": "0.00"}   # a float alone is nothing to transmit
    assert run(books, ledger.office_balances) == []


def test_the_fee_audit_report_lists_no_float(books):
    issue_float(books, "50.00")
    issue_float(books, "25.00", office_key="police")
    collect(books, "3.00", tracking_number="R-2026-00001")
    period = (MONDAY_9AM - timedelta(hours=1), MONDAY_9AM + timedelta(days=1))

    with books.read() as session:
        report = ledger.fee_audit_report(session.connection(), *period)
        police = ledger.fee_audit_report(session.connection(), *period, office_key="police")

    assert [(row["tracking_number"], row["paid"]) for row in report] == [("R-2026-00001", "3.00")]
    assert [c["amount"] for c in report[0]["collections"]] == ["3.00"]
    assert police == []


def test_the_drawer_holds_the_float_and_the_paid_fees_but_not_billed_ones(books):
    collect(books, "4.00")
    collect(books, "30.00", method="billed")
    assert drawer(books) == {"float": "0.00", "fees_held": "4.00", "total_on_hand": "4.00"}
    issue_float(books, "40.00")
    assert drawer(books) == {"float": "40.00", "fees_held": "4.00", "total_on_hand": "44.00"}
    assert drawer(books, "police") == {"float": "0.00", "fees_held": "0.00", "total_on_hand": "0.00"}
    with pytest.raises(OperatorArgumentError, match='no office "parks"'):
        drawer(books, "parks")


def test_new_float_replaces_the_old_and_history_is_kept(books):
    first = issue_float(books, "50.00")
    later = MONDAY_9AM + timedelta(days=7)

    second = issue_float(books, "75.00", issued_by="deputy_clerk", now=later)

    with books.read() as session:
        history = citydata.list_cash_floats(session, "city_clerk", in_force_only=False)
        in_force = citydata.list_cash_floats(session)
        changes = change_log.list_changes(session, "cash_float")
        assert [(f.id, f.amount, f.issued_by, f.issued_at, f.returned_at, f.returned_by) for f in history] == [
            (first, Decimal("50.00"), "clerk", MONDAY_9AM, later, "deputy_clerk"),
            (second, Decimal("75.00"), "deputy_clerk", later, None, None)]
        assert [f.id for f in in_force] == [second]
        old = {"float_id": first, "amount": "50.00", "issued_by": "clerk", "issued_at": MONDAY_9AM.isoformat()}
        new = {"float_id": second, "amount": "75.00", "issued_by": "deputy_clerk", "issued_at": later.isoformat()}
        assert [(c.subject_key, c.action, c.actor, c.before, c.after) for c in changes] == [
            ("city_clerk", "changed", "deputy_clerk", old, new),
            ("city_clerk", "added", "clerk", None, old)]
    assert drawer(books) == {"float": "75.00", "fees_held": "0.00", "total_on_hand": "75.00"}


def test_a_returned_float_is_kept_and_the_office_holds_none(books):
    float_id = issue_float(books, "20.00", office_key="fire")
    later = MONDAY_9AM + timedelta(days=30)
    with books.write() as session:
        citydata.return_cash_float(session, "fire", returned_by="clerk", now=later)

    assert drawer(books, "fire")["float"] == "0.00"
    with books.read() as session:
        assert citydata.list_cash_floats(session, "fire") == []
        (kept,) = citydata.list_cash_floats(session, "fire", in_force_only=False)
        assert (kept.id, kept.amount, kept.returned_at, kept.returned_by) == (
            float_id, Decimal("20.00"), later, "clerk")
        (returned, _issued) = change_log.list_changes(session, "cash_float")
        assert (returned.action, returned.actor, returned.after["returned_at"], returned.after["amount"]) == (
            "returned", "clerk", later.isoformat(), "20.00")
    with pytest.raises(CityDataRefused, match='"fire" holds no cash float to return'), books.write() as session:
        citydata.return_cash_float(session, "fire", returned_by="clerk", now=later)


@pytest.mark.parametrize(("office_key", "amount", "issued_by", "message"), [
    ("city_clerk", "0.00", "clerk", "more than zero"),
    ("city_clerk", "-5.00", "clerk", "zero or more"),
    ("city_clerk", "12.345", "clerk", "dollars and cents"),
    ("city_clerk", 12.5, "clerk", "not 12.5"),   # a float (the number type) is not money
    ("parks", "50.00", "clerk", 'no office "parks"'),
    ("city_clerk", "50.00", " ", "Say who"),
])
def test_a_float_is_an_amount_of_money_for_a_known_office_issued_by_someone(books, office_key, amount, issued_by,
                                                                           message):
    with pytest.raises(CityDataRefused, match=message):
        issue_float(books, amount, office_key=office_key, issued_by=issued_by)
    with books.read() as session:
        assert citydata.list_cash_floats(session, in_force_only=False) == []
        assert change_log.list_changes(session, "cash_float") == []


def test_an_inactive_office_is_given_no_float(books):
    with books.write() as session:
        citydata.set_office(session, "fire", actor="admin", active=False, now=MONDAY_9AM)
    with pytest.raises(CityDataRefused, match="inactive"):
        issue_float(books, "20.00", office_key="fire")


def test_the_database_keeps_one_float_in_force_per_office(books):
    with pytest.raises(IntegrityError), books.write() as session:
        for amount in ("50.00", "60.00"):
            session.add(CashFloat(office_key="police", amount=Decimal(amount), issued_by="clerk",
                                  issued_at=MONDAY_9AM))
    with books.write() as session:   # returned floats are history: any number of them
        for amount in ("50.00", "60.00"):
            session.add(CashFloat(office_key="police", amount=Decimal(amount), issued_by="clerk",
                                  issued_at=MONDAY_9AM, returned_at=MONDAY_9AM, returned_by="clerk"))
    issue_float(books, "70.00", office_key="police")
    assert drawer(books, "police")["float"] == "70.00"
