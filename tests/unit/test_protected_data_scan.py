"""The scan of a data set's sample for protected data (002: "No protected data will be released"; the
Records Manager reviews the "Sample Data Set for protected data"): which columns it points at, with
examples masked, and which it leaves alone.
"""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from city.open_data.sample import SampleUnreadable, Table, read_table, sample_problem
from city.open_data.scanner import scan_table

CLEAN_PUBLIC_DATA_SET = Path(__file__).parents[1] / "data" / "open_data" / "sp500_constituents.csv"
TODAY = date(2026, 12, 1)


def findings_of(csv_text: str) -> dict[str, tuple[str, int, tuple[str, ...], str]]:
    report = scan_table(read_table(csv_text.encode(), "sample.csv"), today=TODAY)
    return {finding.column: (finding.kind, finding.rows, finding.examples, finding.note) for finding in report.findings}


def test_each_kind_of_personal_identifier_is_found_in_its_column_and_masked():
    found = findings_of(
        "Full Name,Date of Birth,SSN,Email,Phone,Home Address,Card,Bank account\n"
        "Pat Doe,1980-04-12,536-90-4399,pat.doe@example.org,(913) 555-0143,12 Elm Street,4111 1111 1111 1111,000123456789\n"
        "Lee Roe,11/02/1975,212-67-8901,lee@mail.example.com,816-555-0199,400 N Main St,5500 0000 0000 0004,000987654321\n")
    assert found == {
        "Date of Birth": ("date_of_birth", 2, ("19**-**-**", "19**-**-**"), "beside the names in Full Name"),
        "SSN": ("ssn", 2, ("***-**-4399", "***-**-8901"), ""),
        "Email": ("email", 2, ("p***@example.org", "l***@mail.example.com"), ""),
        "Phone": ("phone", 2, ("***-***-0143", "***-***-0199"), ""),
        "Home Address": ("street_address", 2, ("** Elm Street", "*** N Main St"),
                         "a house number beside the names in Full Name"),
        "Card": ("card_number", 2, ("**** 1111", "**** 0004"), ""),
        "Bank account": ("account_number", 2, ("****6789", "****4321"), ""),
    }


def test_identifiers_inside_free_text_are_found_too():
    found = findings_of("complaint_id,narrative\n"
                        "1,Caller gave her number 913-555-0143 and asked for a call back\n"
                        "2,Wrote from sam.poe@example.com about the noise\n"
                        "3,Left 816.555.0127 on the voicemail\n")
    assert found["narrative"][0] == "phone" and found["narrative"][1] == 2


@pytest.mark.parametrize("column, values", [
    ("permit_number", ["202600123", "202600124", "202600125"]),            # nine digits, not an SSN
    ("parcel_id", ["1234567812345670", "9000000000000019", "7000123456789010"]),   # Luhn, but no issuer
    ("issued_on", ["2026-10-01", "2026-10-02", "2026-10-05"]),             # dates, not birth dates
    ("location", ["1200 block of Elm Street", "12XX Main St", "400 block of Oak Avenue"]),   # blocks
    ("facility_address", ["100 Main Street", "200 Oak Avenue", "12 Park Lane"]),   # no person named anywhere
    ("amount", ["1234567890", "2345678901", "3456789012"]),                # ten digits, not telephones
])
def test_public_columns_that_resemble_identifiers_are_not_reported(column, values):
    rows = "\n".join(values)
    assert findings_of(f"{column}\n{rows}\n") == {}


def test_dates_of_birth_beside_names_are_found_whatever_the_column_is_called():
    found = findings_of("resident,d1\nPat Doe,1951-03-02\nLee Roe,1987-11-30\nSam Poe,1969-07-14\n")
    assert found["d1"][0] == "date_of_birth"
    assert found["d1"][3] == "dates that may be dates of birth, beside the names in resident"
    # Recent dates beside names (a hiring or inspection date) are not birth dates.
    assert findings_of("employee,hired_on\nPat Doe,2024-03-02\nLee Roe,2025-11-30\nSam Poe,2023-07-14\n") == {}


def test_a_case_number_holding_a_valid_telephone_number_is_not_a_telephone():
    assert findings_of("case_number\nCR-2024-012345\nCR-2025-998877\nCR-2026-123456\n") == {}


def test_a_column_named_for_applicants_that_holds_no_names_does_not_make_addresses_private():
    found = findings_of("applicant_email,facility_address\npat@example.org,100 Main Street\nlee@example.org,200 Oak Avenue\n")
    assert found == {"applicant_email": ("email", 2, ("p***@example.org", "l***@example.org"), "")}


def test_the_measured_detection_and_false_alarms_hold():
    """bench/protected_data_scan.py on a few planted columns: every kind found by its values always, by its
    column's name or the names beside it when the values alone cannot tell, and no public column reported."""
    from bench.protected_data_scan import measure

    tallies, scanned, flagged = measure(columns_per_kind=4, seed=11)
    assert {kind: tally.found / tally.planted for kind, tally in tallies.items()} == {
        "ssn": 1, "date_of_birth": 1, "email": 1, "phone": 1, "street_address": 1, "card_number": 1,
        "account_number": 0.5}
    assert scanned > 0 and flagged == 0


def test_a_single_odd_value_does_not_make_a_column_of_identifiers():
    assert findings_of("remarks\nCall 913-555-0143\nnone\nnone\nnone\nnone\nnone\nnone\n") == {}


def test_a_street_address_beside_names_is_a_private_address():
    found = findings_of("owner_name,address\nPat Doe,12 Elm Street\nLee Roe,400 N Main St\n")
    assert found["address"][0] == "street_address"


def test_a_clean_public_data_set_raises_no_alarm():
    """S&P 500 constituents (datasets/s-and-p-500-companies, ODC-PDDL): company names, places, dates and
    ten-digit-or-shorter CIK numbers, none of them personal."""
    report = scan_table(read_table(CLEAN_PUBLIC_DATA_SET.read_bytes(), CLEAN_PUBLIC_DATA_SET.name), today=TODAY)
    assert report.rows_scanned > 500 and report.findings == ()


def test_a_json_list_and_an_xlsx_sheet_are_read_like_a_csv():
    json_sample = b'{"records": [{"name": "Pat Doe", "email": "pat@example.org"}, {"name": "Lee", "email": "lee@example.org"}]}'
    assert read_table(json_sample, "people.json") == Table(("name", "email"), (("Pat Doe", "pat@example.org"),
                                                                              ("Lee", "lee@example.org")))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["permit", "issued_on"])
    sheet.append(["BP-1", date(2026, 10, 1)])
    content = io.BytesIO()
    workbook.save(content)
    assert read_table(content.getvalue(), "permits.xlsx") == Table(("permit", "issued_on"), (("BP-1", "2026-10-01T00:00:00"),))


def test_a_sample_that_cannot_be_read_says_so():
    with pytest.raises(SampleUnreadable, match="not a list of records"):
        read_table(b'"just a string"', "x.json")
    with pytest.raises(SampleUnreadable, match="cannot be read"):
        read_table(b"PK\x03\x04 not really a workbook", "x.xlsx")


@pytest.mark.parametrize("filename, size, problem", [
    ("permits.csv", 1000, None),
    ("parks.geojson", 1000, None),
    ("permits.xlsx", 1000, None),
    ("site.jpg", 1000, "is an image file"),
    ("permits.csv", 6 * 1024 * 1024, "larger than the 5 MB"),
    ("permits.docx", 1000, "not a sample of a data set"),
])
def test_what_a_sample_may_be(filename, size, problem):
    found = sample_problem(filename, size)
    assert (found is None) if problem is None else (problem in found)
