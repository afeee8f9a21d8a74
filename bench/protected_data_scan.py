"""How well the scan of a data set's sample finds protected data (city/open_data/scanner.py; docs/open-data.md).

Plants columns of each kind of personal identifier (varied formats, and half of them under a neutral column
name such as "contact" or "field_7", so the values alone must give them away where they can), mixes them
with look-alike public columns (permit and parcel numbers that pass the Luhn check, ten-digit amounts, dates,
block-level and facility addresses with no person named, ZIP codes, coordinates), scans each sample, and
prints per kind the detection rate (planted columns reported as that kind) and the false alarms (public
columns reported as anything). Then it scans a clean public data set (tests/data/open_data, the S&P 500
constituents) and prints its findings, which should be none.

    .venv/bin/python bench/protected_data_scan.py [--columns 200] [--seed 7]
"""
from __future__ import annotations

import argparse
import random
import string
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stdnum import luhn  # noqa: E402

from city.open_data.sample import Table, read_table  # noqa: E402
from city.open_data.scanner import scan_table  # noqa: E402

ROWS = 40
TODAY = date(2026, 12, 1)
CLEAN_PUBLIC_DATA_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "open_data" / "sp500_constituents.csv"
FIRST = ["Pat", "Lee", "Sam", "Alex", "Jordan", "Morgan", "Casey", "Riley", "Dana", "Jamie", "Avery", "Quinn"]
LAST = ["Doe", "Roe", "Poe", "Smith", "Garcia", "Nguyen", "Okafor", "Kowalski", "Haddad", "Larsen", "Moreau"]
STREETS = ["Elm", "Oak", "Main", "Maple", "Walnut", "Cherry", "Grand", "Troost", "Prospect", "Linwood"]
SUFFIXES = ["Street", "St", "Avenue", "Ave", "Boulevard", "Blvd", "Road", "Rd", "Drive", "Dr", "Lane", "Court"]
DOMAINS = ["example.org", "mail.example.com", "example.net", "city.example", "inbox.example.co"]
NEUTRAL = ["field_7", "info", "detail", "value", "ref", "col_b", "extra", "notes"]
HINTED = {"ssn": ["ssn", "social_security_number", "SSN"], "date_of_birth": ["date_of_birth", "dob", "birthdate"],
          "email": ["email", "e-mail", "applicant_email"], "phone": ["phone", "telephone", "cell"],
          "street_address": ["home_address", "residence", "mailing address"],
          "card_number": ["card_number", "credit card", "cc number"],
          "account_number": ["account_number", "bank account", "acct"]}


@dataclass
class Tally:
    planted: int = 0
    found: int = 0


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    digits = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    return digits if rng.random() < 0.8 else digits.replace("-", " ")


def _birth(rng: random.Random) -> str:
    day = date(1930, 1, 1) + timedelta(days=rng.randint(0, 365 * 75))
    return day.isoformat() if rng.random() < 0.6 else f"{day.month}/{day.day}/{day.year}"


def _email(rng: random.Random) -> str:
    local = rng.choice(FIRST).lower() + rng.choice([".", "_", ""]) + rng.choice(LAST).lower()
    return f"{local}{rng.randint(0, 99) if rng.random() < 0.3 else ''}@{rng.choice(DOMAINS)}"


def _phone(rng: random.Random) -> str:
    area = rng.choice([816, 913, 417, 314, 785, 620, 212, 415])
    exchange, line = rng.randint(201, 989), rng.randint(0, 9999)
    shape = rng.choice(["({a}) {e}-{l:04d}", "{a}-{e}-{l:04d}", "{a}.{e}.{l:04d}", "+1 {a} {e} {l:04d}"])
    return shape.format(a=area, e=exchange, l=line)


def _address(rng: random.Random) -> str:
    prefix = rng.choice(["", "", "N ", "E "])
    return f"{rng.randint(1, 9999)} {prefix}{rng.choice(STREETS)} {rng.choice(SUFFIXES)}"


def _card(rng: random.Random) -> str:
    start = rng.choice(["4", "51", "53", "55", "34", "37", "6011"])
    length = 15 if start in ("34", "37") else 16
    body = start + "".join(rng.choice(string.digits) for _ in range(length - len(start) - 1))
    number = body + luhn.calc_check_digit(body)
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4)) if rng.random() < 0.5 else number


def _account(rng: random.Random) -> str:
    return "".join(rng.choice(string.digits) for _ in range(rng.randint(8, 12)))


PLANTED = {"ssn": _ssn, "date_of_birth": _birth, "email": _email, "phone": _phone, "street_address": _address,
           "card_number": _card, "account_number": _account}
# Kinds whose values alone cannot tell them from public data: found by their column's name, or (a date of
# birth, a house address) by the persons named beside them; an account number only by its column's name.
NEEDS_CONTEXT = {"date_of_birth": "its name, or beside names", "street_address": "its name, or beside names",
                 "account_number": "its name only"}


def _public_columns(rng: random.Random) -> dict[str, list[str]]:
    def luhn_id() -> str:
        body = rng.choice("1789") + "".join(rng.choice(string.digits) for _ in range(14))
        return body + luhn.calc_check_digit(body)
    return {
        "permit_number": [f"{rng.randint(2019, 2026)}{rng.randint(0, 99999):05d}" for _ in range(ROWS)],
        "parcel_id": [luhn_id() for _ in range(ROWS)],
        "valuation": [str(rng.randint(1_000_000_000, 9_999_999_999)) for _ in range(ROWS)],
        "issued_on": [(TODAY - timedelta(days=rng.randint(0, 900))).isoformat() for _ in range(ROWS)],
        "location": [f"{rng.randint(1, 99)}00 block of {rng.choice(STREETS)} {rng.choice(SUFFIXES)}" for _ in range(ROWS)],
        "facility_address": [_address(rng) for _ in range(ROWS)],
        "zip": [f"{rng.randint(64100, 64199)}" for _ in range(ROWS)],
        "latitude": [f"{rng.uniform(38.8, 39.4):.6f}" for _ in range(ROWS)],
        "case_number": [f"CR-{rng.randint(2020, 2026)}-{rng.randint(0, 999999):06d}" for _ in range(ROWS)],
        "amount": [f"{rng.uniform(0, 99999):.2f}" for _ in range(ROWS)],
        "year_built": [str(rng.randint(1880, 2025)) for _ in range(ROWS)],
        "inspection_time": [f"{rng.randint(7, 17):02d}:{rng.choice(['00', '15', '30', '45'])}" for _ in range(ROWS)],
    }


def measure(columns_per_kind: int = 200, seed: int = 7) -> tuple[dict[str, Tally], int, int]:
    """(per kind: planted and found, public columns scanned, public columns reported)."""
    rng = random.Random(seed)
    tallies = {kind: Tally() for kind in PLANTED}
    public_scanned = public_flagged = 0
    for round_number in range(columns_per_kind):
        public = _public_columns(rng)
        for kind, make in PLANTED.items():
            neutral = round_number % 2 == 1
            header = rng.choice(NEUTRAL) if neutral else rng.choice(HINTED[kind])
            columns = [header, *public]
            values = [[make(rng), *(public[name][row] for name in public)] for row in range(ROWS)]
            if kind in ("date_of_birth", "street_address"):      # "beside names"; no facility list names persons
                keep = [index for index, name in enumerate(columns) if name != "facility_address"]
                columns = ["full_name", *(columns[index] for index in keep)]
                values = [[_name(rng), *(row[index] for index in keep)] for row in values]
            report = scan_table(Table(tuple(columns), tuple(tuple(row) for row in values)), today=TODAY)
            kinds = {finding.column: finding.kind for finding in report.findings}
            tallies[kind].planted += 1
            tallies[kind].found += kinds.get(header) == kind
            public_scanned += sum(1 for name in public if name in columns)
            public_flagged += sum(1 for name in public if name in kinds and name in columns)
    return tallies, public_scanned, public_flagged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=200, help="planted columns of each kind (default 200)")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(argv)
    tallies, scanned, flagged = measure(options.columns, options.seed)
    print(f"Planted columns ({ROWS} rows each; half under a neutral column name), seed {options.seed}:")
    print(f"{'kind':<16} {'planted':>8} {'found':>8} {'rate':>7}   found by")
    for kind, tally in tallies.items():
        print(f"{kind:<16} {tally.planted:>8} {tally.found:>8} {tally.found / tally.planted:>7.1%}   "
              f"{NEEDS_CONTEXT.get(kind, 'its values')}")
    total = sum(t.found for t in tallies.values()), sum(t.planted for t in tallies.values())
    print(f"{'all':<16} {total[1]:>8} {total[0]:>8} {total[0] / total[1]:>7.1%}")
    print(f"False alarms: {flagged} of {scanned} public look-alike columns ({flagged / scanned:.2%})")
    report = scan_table(read_table(CLEAN_PUBLIC_DATA_SET.read_bytes(), CLEAN_PUBLIC_DATA_SET.name), today=TODAY)
    print(f"Clean public data set {CLEAN_PUBLIC_DATA_SET.name}: {report.rows_scanned} rows, {len(report.columns)} "
          f"columns, {len(report.findings)} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
