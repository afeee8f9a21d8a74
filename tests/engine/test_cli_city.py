"""`clerkflow city ...` and `clerkflow fees report`, run in-process through `web.commands.main`
on a seeded database."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from city import ledger
from city.change_log import list_changes
from city.citydata import seed_defaults
from engine.cli import EXIT_REFUSED

FRIDAY_9AM = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)   # 09:00 in Kansas


@pytest.fixture
def clerkflow(clerkflow, database, friday_9am):
    """The engine tests' `clerkflow` runner (tests/engine/conftest.py) on a seeded city (six offices, the 2005
    schedule); returns (status, stdout, stderr)."""
    with database.write() as session:
        seed_defaults(session)
    return clerkflow


def listed(clerkflow, *argv: str):
    status, out, err = clerkflow(*argv, "--json")
    assert (status, err) == (0, "")
    return json.loads(out)


def test_a_closure_added_shows_in_the_closures_listing(clerkflow, database):
    status, out, err = clerkflow("city", "closure", "add", "2026-12-24", "--reason", "Resolution 2026-14")

    assert (status, err) == (0, "")
    assert out == "2026-12-24 (Thursday) is now a closure day: Resolution 2026-14\n"
    assert listed(clerkflow, "city", "closures") == [{"day": "2026-12-24", "reason": "Resolution 2026-14"}]
    with database.read() as session:
        (change,) = list_changes(session, "closure")
        assert (change.actor, change.action, change.subject_key) == ("alice", "added", "2026-12-24")


def test_a_closure_entered_twice_is_refused_without_a_traceback(clerkflow):
    assert clerkflow("city", "closure", "add", "2026-12-24", "--reason", "Resolution 2026-14")[0] == 0

    status, out, err = clerkflow("city", "closure", "add", "2026-12-24", "--reason", "again")

    assert (status, out, err) == (EXIT_REFUSED, "", "2026-12-24 is already a closure day.\n")
    assert clerkflow("city", "closure", "remove", "2026-12-24")[0] == 0
    assert listed(clerkflow, "city", "closures") == []


def test_a_new_fee_schedule_keeps_the_old_one(clerkflow):
    status, out, err = clerkflow("city", "schedule", "add", "--effective-from", "2027-01-01",
                                 "--copy-fee-per-page", "0.30", "--actor", "treasurer")
    assert (status, err) == (0, "")
    assert out.startswith("added the fee schedule taking effect 2027-01-01 (carried over: search_rate_per_hour")

    old, new = listed(clerkflow, "city", "schedules")

    assert (old["effective_from"], old["copy_fee_per_page"], old["status"]) == ("2005-01-01", "0.25", "in force")
    assert (new["effective_from"], new["copy_fee_per_page"], new["status"]) == ("2027-01-01", "0.30", "future")
    assert new["search_rate_per_hour"] == old["search_rate_per_hour"] == "15.00"   # carried over
    assert new["created_by"] == "treasurer"


def test_a_bad_date_or_amount_names_the_option_and_adds_nothing(clerkflow):
    status, out, err = clerkflow("city", "schedule", "add", "--effective-from", "2027-13-01")
    assert (status, out) == (EXIT_REFUSED, "")
    assert err == '--effective-from "2027-13-01" is not a date: give it as YYYY-MM-DD, e.g. 2026-12-24.\n'

    status, out, err = clerkflow("city", "schedule", "add", "--effective-from", "2027-01-01",
                                 "--copy-fee-per-page", "0.305")
    assert (status, out) == (EXIT_REFUSED, "")
    assert err.startswith('--copy-fee-per-page "0.305" is not an amount')

    assert clerkflow("fees", "report", "--since", "1/11/2026", "--until", "2026-11-30")[2].startswith(
        '--since "1/11/2026" is not a date')
    assert [s["effective_from"] for s in listed(clerkflow, "city", "schedules")] == ["2005-01-01"]


def test_a_schedule_in_force_cannot_be_withdrawn(clerkflow):
    status, out, err = clerkflow("city", "schedule", "withdraw", "2005-01-01")
    assert (status, out) == (EXIT_REFUSED, "")
    assert err.startswith("The fee schedule of 2005-01-01 is already in force and is kept")
    assert "Traceback" not in err


def test_designations_list_only_the_active_ones(clerkflow):
    assert clerkflow("city", "designate", "police", "bob", "--since", "2026-01-05")[0] == 0
    status, out, _ = clerkflow("city", "designate", "police", "carol", "--since", "2026-01-05", "--json")
    assert status == 0
    carol = json.loads(out)
    assert clerkflow("city", "designate", "city_clerk", "dana", "--since", "2026-12-01")[0] == 0   # not yet
    assert clerkflow("city", "end-designation", str(carol["designation_id"]))[0] == 0   # out from today

    active = listed(clerkflow, "city", "designations")

    assert [(d["office_key"], d["person"], d["designated_by"]) for d in active] == [("police", "bob", "alice")]
    assert [d["person"] for d in listed(clerkflow, "city", "designations", "--on", "2026-12-01")] == ["dana", "bob"]
    assert [d["person"] for d in listed(clerkflow, "city", "designations", "--all")] == ["dana", "bob", "carol"]
    assert [d["person"] for d in listed(clerkflow, "city", "show")["designations"]] == ["bob"]
    assert clerkflow("city", "designations", "--office", "parks") == (
        EXIT_REFUSED, "", '--office "parks": there is no such office (offices: city_attorney, city_clerk, '
                          'city_treasurer, fire, municipal_court, police).\n')


def test_office_exemption_and_letter_changes(clerkflow, tmp_path):
    assert clerkflow("city", "office", "set", "police", "--hours", '{"mon": [["08:00", "12:00"]]}',
                     "--custodian", "Police Chief")[0] == 0
    assert clerkflow("city", "office", "set", "police", "--hours", '{"mon": [["12:00", "08:00"]]}')[2].startswith(
        "--hours: Office hours for mon")
    assert clerkflow("city", "exemption", "set", "45-221(a)(6)", "--inactive")[0] == 0
    body = tmp_path / "denial.txt"
    body.write_text("Dear {requester_name},\nyour request {tracking_number} is denied: {grounds}.\n")
    assert clerkflow("city", "letter", "set", "denial", "--subject", "Request {tracking_number} denied",
                     "--body-file", str(body))[0] == 0

    city = listed(clerkflow, "city", "show")

    (police,) = [office for office in city["offices"] if office["office_key"] == "police"]
    assert (police["official_custodian"], police["hours"]["mon"], police["hours"]["tue"]) == (
        "Police Chief", [["08:00", "12:00"]], [])
    assert [e["active"] for e in city["exemptions"] if e["code"] == "45-221(a)(6)"] == [False]
    (denial,) = [letter for letter in listed(clerkflow, "city", "letters") if letter["name"] == "denial"]
    assert (denial["subject"], denial["updated_by"]) == ("Request {tracking_number} denied", "alice")
    assert "denial" in city["letter_templates"]


def test_the_fee_report_lists_an_assessment_and_its_collection_with_totals(clerkflow, database):
    with database.write_connection() as connection:
        ledger.record_assessment(connection, FRIDAY_9AM, tracking_number="R-2026-0142", requester_key="Pat Doe",
                                 office_key="city_clerk", locating_cost=Decimal("30.00"),
                                 inspection_fee=Decimal("30.00"), copy_fee=Decimal("1.50"), total=Decimal("31.50"),
                                 schedule_effective_from=datetime(2005, 1, 1).date())
        ledger.record_collection(connection, FRIDAY_9AM, tracking_number="R-2026-0142", office_key="city_clerk",
                                 amount=Decimal("20.00"), method="paid", collected_by="cashier")
        ledger.record_collection(connection, FRIDAY_9AM, tracking_number="R-2026-0150", office_key="police",
                                 amount=Decimal("5.00"), method="billed")

    report = listed(clerkflow, "fees", "report", "--since", "2026-11-01", "--until", "2026-11-30")

    first, second = report["requests"]
    assert (first["tracking_number"], first["charged"], first["paid"], first["outstanding"]) == (
        "R-2026-0142", "31.50", "20.00", "11.50")
    assert [(c["amount"], c["method"]) for c in first["collections"]] == [("20.00", "paid")]
    assert (second["tracking_number"], second["charged"], second["billed"]) == ("R-2026-0150", None, "5.00")
    assert report["totals"] == {"requests": 2, "collections": 2, "charged": "31.50", "waived_amount": "0.00",
                                "paid": "20.00", "refunded": "0.00", "billed": "5.00", "outstanding": "11.50",
                                "without_assessment": ["R-2026-0150"]}

    status, out, err = clerkflow("fees", "report", "--since", "2026-11-20", "--until", "2026-11-20")
    assert (status, err) == (0, "")
    assert "R-2026-0142" in out and "31.50" in out
    assert ("totals: 2 requests, 2 collections; charged 31.50, waived 0.00, paid 20.00, refunded 0.00, "
            "billed 5.00, outstanding 11.50") in out
    assert "collected without any assessment (worth a look): R-2026-0150" in out

    only_police = listed(clerkflow, "fees", "report", "--since", "2026-11-01", "--until", "2026-11-30",
                         "--office", "police")
    assert [row["tracking_number"] for row in only_police["requests"]] == ["R-2026-0150"]
    assert listed(clerkflow, "fees", "report", "--since", "2026-11-21", "--until", "2026-11-30")["requests"] == []


def test_a_cash_float_issued_shows_in_city_show_and_a_new_one_replaces_it(clerkflow, database):
    status, out, err = clerkflow("city", "float", "issue", "police", "50.00")
    assert (status, err) == (0, "")
    assert out == "issued a cash float of 50.00 to police (change money: never transmitted)\n"

    status, out, err = clerkflow("city", "float", "issue", "police", "75", "--actor", "deputy_clerk")

    assert (status, err) == (0, "")
    assert out == ("issued a cash float of 75.00 to police (change money: never transmitted); it replaces the "
                   "float of 50.00 issued 2026-11-20, now returned\n")
    in_force = listed(clerkflow, "city", "floats")
    assert [(f["office_key"], f["amount"], f["issued_by"], f["status"]) for f in in_force] == [
        ("police", "75.00", "deputy_clerk", "in force")]
    history = listed(clerkflow, "city", "floats", "--all", "--office", "police")
    assert [(f["amount"], f["status"], f["returned_by"], f["returned_at"]) for f in history] == [
        ("50.00", "returned", "deputy_clerk", FRIDAY_9AM.isoformat()), ("75.00", "in force", None, None)]
    assert listed(clerkflow, "city", "show")["cash_floats"] == in_force
    with database.read() as session:
        assert [(c.action, c.actor, c.subject_key) for c in list_changes(session, "cash_float")] == [
            ("changed", "deputy_clerk", "police"), ("added", "alice", "police")]

    status, out, err = clerkflow("city", "show")
    assert (status, err) == (0, "")
    assert "cash floats in force (change money, not fee money: never transmitted):" in out
    assert "75.00" in out and "deputy_clerk" in out


def test_a_cash_float_taken_back_leaves_the_office_without_one(clerkflow):
    assert clerkflow("city", "float", "issue", "fire", "20.00")[0] == 0

    status, out, err = clerkflow("city", "float", "return", "fire")

    assert (status, err) == (0, "")
    assert out == "took back the cash float of 20.00 from fire; it holds no float now\n"
    assert listed(clerkflow, "city", "floats") == []
    assert clerkflow("city", "floats")[1] == "no cash floats in force\n"
    (kept,) = listed(clerkflow, "city", "floats", "--all")
    assert (kept["office_key"], kept["status"], kept["returned_by"]) == ("fire", "returned", "alice")
    assert listed(clerkflow, "city", "show")["cash_floats"] == []
    assert clerkflow("city", "float", "return", "fire") == (
        EXIT_REFUSED, "", 'Office "fire" holds no cash float to return.\n')


def test_a_cash_float_is_an_amount_for_a_known_office(clerkflow):
    assert clerkflow("city", "float", "issue", "police", "0") == (
        EXIT_REFUSED, "", "A cash float is more than zero; to take a float back, return it.\n")
    status, out, err = clerkflow("city", "float", "issue", "police", "50.005")
    assert (status, out) == (EXIT_REFUSED, "")
    assert err.startswith('AMOUNT "50.005" is not an amount')
    status, out, err = clerkflow("city", "float", "issue", "parks", "50.00")
    assert (status, out) == (EXIT_REFUSED, "")
    assert err.startswith('OFFICE "parks": there is no such office')
    assert clerkflow("city", "floats", "--office", "parks")[2].startswith('--office "parks": there is no such office')
    assert listed(clerkflow, "city", "floats", "--all") == []


def test_a_cash_float_is_not_in_the_fee_report(clerkflow, database):
    assert clerkflow("city", "float", "issue", "city_clerk", "50.00")[0] == 0
    with database.write_connection() as connection:
        ledger.record_collection(connection, FRIDAY_9AM, tracking_number="R-2026-0142", office_key="city_clerk",
                                 amount=Decimal("3.00"), method="paid", collected_by="cashier")

    report = listed(clerkflow, "fees", "report", "--since", "2026-11-01", "--until", "2026-11-30")

    assert [row["tracking_number"] for row in report["requests"]] == ["R-2026-0142"]
    assert (report["totals"]["paid"], report["totals"]["collections"]) == ("3.00", 1)
