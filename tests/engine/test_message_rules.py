"""Who may deliver which message from outside, and with what payload: the engine asks the rules its opener
hands it (engine.message_rules), and the city's rules (city.message_rules) govern a payment."""
from __future__ import annotations

from decimal import Decimal

import pytest

from city.message_rules import LARGEST_PAYMENT, CityMessageRules, payment_amount
from engine import FormInvalid, NotAllowed, ProcessEngine, Sender


class CashierRules:
    """Test rules: only a cashier may send prepayment_received, never to request R-2; the amount is cents."""

    def __init__(self):
        self.asked: list[tuple[str, Sender, dict | None]] = []

    def refusal(self, message_name, sender, receiver):
        self.asked.append((message_name, sender, None if receiver is None else dict(receiver)))
        if sender.roles is not None and "cashier" not in sender.roles:
            return "Only a cashier records payments."
        if sender.roles is not None and receiver is not None and receiver.get("tracking_number") == "R-2":
            return "R-2 is another office's."
        return None

    def clean_payload(self, message_name, payload):
        try:
            return {**payload, "amount": f"{Decimal(str(payload['amount'])):.2f}"}
        except Exception:
            raise FormInvalid("The amount is not money.", {"amount": "A sum of money."}) from None


@pytest.fixture
def rules():
    return CashierRules()


@pytest.fixture
def engine(database, rules):
    return ProcessEngine(database, message_rules=rules)


def payment_of(engine, instance_id):
    received = [event for event in engine.audit_trail(instance_id) if event.action == "message"]
    return received[0].changes["payment"] if received else None


def test_a_sender_the_rules_refuse_delivers_nothing(engine, deploy):
    deploy("payment_watch")
    waiting = engine.start_instance("payment_watch", {"tracking_number": "R-1"}, actor="custodian")
    with pytest.raises(NotAllowed, match="Only a cashier"):
        engine.deliver_message("prepayment_received", {"tracking_number": "R-1"}, {"amount": "5"},
                               actor="ann", roles={"analyst"})
    assert engine.get_instance(waiting.instance_id).lock_version == waiting.lock_version
    assert payment_of(engine, waiting.instance_id) is None


def test_the_rules_see_the_receiving_instance_and_may_refuse_it(engine, deploy, rules):
    deploy("payment_watch")
    refused = engine.start_instance("payment_watch", {"tracking_number": "R-2"}, actor="custodian")
    with pytest.raises(NotAllowed, match="another office"):
        engine.deliver_message("prepayment_received", {"tracking_number": "R-2"}, {"amount": "5"},
                               actor="cid", roles={"cashier"})
    assert engine.get_instance(refused.instance_id).lock_version == refused.lock_version
    assert rules.asked[0] == ("prepayment_received", Sender("cid", frozenset({"cashier"})), None)
    assert rules.asked[1][2]["tracking_number"] == "R-2"       # the instance's data, as it waits


def test_the_cleaned_payload_is_what_travels(engine, deploy):
    deploy("payment_watch")
    waiting = engine.start_instance("payment_watch", {"tracking_number": "R-1"}, actor="custodian")
    assert engine.deliver_message("prepayment_received", {"tracking_number": "R-1"}, {"amount": 31.5},
                                  actor="cid", roles={"cashier"}) == [waiting.instance_id]
    assert payment_of(engine, waiting.instance_id) == {"tracking_number": "R-1", "amount": "31.50"}


def test_a_payload_the_rules_refuse_names_the_field_and_delivers_nothing(engine, deploy):
    deploy("payment_watch")
    waiting = engine.start_instance("payment_watch", {"tracking_number": "R-1"}, actor="custodian")
    with pytest.raises(FormInvalid) as refused:
        engine.deliver_message("prepayment_received", {"tracking_number": "R-1"}, {"amount": "lots"},
                               actor="cid", roles={"cashier"})
    assert refused.value.field_errors == {"amount": "A sum of money."}
    assert payment_of(engine, waiting.instance_id) is None


def test_a_trusted_operator_is_not_asked_who_it_is_but_its_payload_is_checked(engine, deploy):
    """roles=None: the command line on the server."""
    deploy("payment_watch")
    waiting = engine.start_instance("payment_watch", {"tracking_number": "R-2"}, actor="custodian")
    with pytest.raises(FormInvalid):
        engine.deliver_message("prepayment_received", {"tracking_number": "R-2"}, {"amount": "lots"}, actor="ops")
    assert engine.deliver_message("prepayment_received", {"tracking_number": "R-2"}, {"amount": "5"},
                                  actor="ops") == [waiting.instance_id]


def test_messages_instances_throw_to_each_other_are_not_asked_about(engine, deploy, rules):
    deploy("payment_watch")
    deploy("cashier")
    waiting = engine.start_instance("payment_watch", {"tracking_number": "R-2"}, actor="custodian")
    engine.start_instance("cashier", {"tracking_number": "R-2", "amount": 12}, actor="ann")
    assert payment_of(engine, waiting.instance_id) is not None
    assert rules.asked == []


def test_an_engine_opened_without_rules_lets_any_message_through(database):
    engine = ProcessEngine(database)
    assert engine.message_rules.refusal("anything", Sender("x", frozenset()), {}) is None


# -- the city's rules for a payment (city.message_rules) ----------------------------------------------

CITY = CityMessageRules()


@pytest.mark.parametrize("amount, cleaned", [("30", "30.00"), ("30.5", "30.50"), (" 0.01 ", "0.01"), (12, "12.00"),
                                             (12.5, "12.50"), (f"{LARGEST_PAYMENT}", "100000.00")])
def test_a_payment_amount_is_cleaned_to_cents(amount, cleaned):
    assert CITY.clean_payload("payment_received", {"amount": amount}) == {"amount": cleaned}


@pytest.mark.parametrize("amount, words", [
    ("-500.00", "more than 0.00"), ("0", "more than 0.00"), ("1e3", "sum of money"), ("NaN", "sum of money"),
    ("Infinity", "sum of money"), ("10.001", "at most two decimals"), ("100000.01", "at most 100,000.00"),
    ("", "Amount is needed"), ("+5", "sum of money"), ("1,000", "sum of money"), (True, "sum of money"),
    (None, "sum of money"), (1e20, "sum of money"), ({"cents": 5}, "sum of money")])
def test_a_payment_amount_that_is_not_money_is_refused_naming_the_field(amount, words):
    with pytest.raises(FormInvalid) as refused:
        CITY.clean_payload("payment_received", {"amount": amount})
    assert list(refused.value.field_errors) == ["amount"]
    assert words in refused.value.field_errors["amount"]


def test_a_payment_needs_an_amount_and_a_known_method():
    with pytest.raises(FormInvalid) as refused:
        CITY.clean_payload("payment_received", {"method": "barter"})
    assert set(refused.value.field_errors) == {"amount", "method"}
    assert CITY.clean_payload("payment_received", {"amount": "5", "method": "check"})["method"] == "check"
    assert payment_amount("5.1") == Decimal("5.10")


@pytest.mark.parametrize("roles, receiver, allowed", [
    ({"clerk"}, None, True), ({"city_clerk"}, None, True), ({"finance"}, None, True), ({"custodian"}, None, True),
    ({"administrator"}, None, True), ({"custodian:police"}, None, True), ({"analyst"}, None, False),
    ({"city_attorney"}, None, False), (set(), None, False),
    ({"clerk"}, {"custodian_role": "custodian:police"}, True),
    ({"custodian:police"}, {"custodian_role": "custodian:police"}, True),
    ({"custodian:police"}, {"custodian_role": "custodian:city_clerk"}, False),
    ({"custodian:police"}, {}, False), ({"city_attorney"}, {"custodian_role": "custodian:police"}, False)])
def test_who_records_a_payment_for_which_request(roles, receiver, allowed):
    refusal = CITY.refusal("payment_received", Sender("someone", frozenset(roles)), receiver)
    assert (refusal is None) == allowed


def test_the_city_rules_leave_trusted_operators_and_other_payloads_alone():
    assert CITY.refusal("request_acted_on", Sender("ops", None), None) is None
    assert CITY.clean_payload("court_order", {"amount": "lots"}) == {"amount": "lots"}
    assert CITY.refusal("payment_received", Sender("ops", None), {"custodian_role": "custodian:police"}) is None


@pytest.mark.parametrize("message, roles, receiver, allowed", [
    ("request_acted_on", {"clerk"}, None, False), ("transmittal_due", {"city_clerk", "finance"}, None, False),
    ("deadline_watch_ended", {"administrator"}, None, True),
    ("court_order", {"city_attorney"}, None, True), ("court_order", {"analyst"}, None, False),
    ("court_order", {"custodian:police"}, {"custodian_role": "custodian:police"}, True),
    ("court_order", {"custodian:police"}, {"custodian_role": "custodian:fire"}, False),
    ("statement_requested", {"clerk"}, None, True), ("statement_requested", {"city_attorney"}, None, False),
    ("statement_requested", {"finance"}, {"custodian_role": "custodian:police"}, False)])
def test_who_may_send_the_other_messages_of_the_records_request(message, roles, receiver, allowed):
    """A message the process sends itself only by an administrator's repair; a court order or a written ask for
    the grounds recorded by the staff who learn of it, or the request's own custodian."""
    refusal = CITY.refusal(message, Sender("someone", frozenset(roles)), receiver)
    assert (refusal is None) == allowed
