"""Scans a data set's sample for protected data, column by column, before the Records Manager reviews it
(002: "No protected data will be released"; Sacramento's procedure: "Review Sample Data Set for protected
data"; an inclusion criterion: "is not a Protected Data set").

A column is reported when its values (or its name together with its values) look like personal
identifiers: social security numbers, dates of birth beside names, e-mail addresses, telephone numbers,
private street addresses (a house number in a table that names persons, or a column named for homes),
and card and account numbers. Each finding names the column, what it looks like, how many of the
sample's rows show it and up to three examples masked, so the findings themselves spread nothing.
The scan only points; the Records Manager decides what is protected.

Checks use maintained libraries where one exists: `phonenumbers` (Google's libphonenumber) for telephone
numbers, `python-stdnum` for the SSN's issued ranges, the Luhn checksum of card numbers, bank routing
numbers and IBANs. Pure: a table in, findings out (docs/open-data.md gives its measured detection rate).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import phonenumbers
from stdnum import iban, luhn
from stdnum.us import rtn, ssn

from city.open_data.sample import Table

EXAMPLES = 3
MIN_SHARE = 0.2        # a column is reported when at least this share of its filled cells match ...
MIN_ROWS = 2           # ... and at least this many (a single odd value is not a column of identifiers)
PHONE_REGION = "US"
ADULT_YEARS = 14           # a date of birth beside a name in a city's records is mostly an adult's ...
BIRTH_SPREAD_YEARS = 15    # ... and a column of them spans generations

SSN_SHAPE = re.compile(r"(?<!\d)(\d{3})[- ](\d{2})[- ](\d{4})(?!\d)")
SSN_BARE = re.compile(r"(?<!\d)\d{9}(?!\d)")
EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,})(?![\w-])")
CARD_SHAPE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
PHONE_SHAPE = re.compile(r"(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-]?)\d{3}[ .-]?\d{4}")
ACCOUNT_DIGITS = re.compile(r"(?<![\d-])\d{6,17}(?![\d-])")
IBAN_SHAPE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
DATE_SHAPE = re.compile(r"\b(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4}))\b")
STREET_SUFFIXES = ("street|st|avenue|ave|boulevard|blvd|road|rd|drive|dr|lane|ln|court|ct|way|place|pl|terrace|ter|"
                   "circle|cir|parkway|pkwy|highway|hwy|trail|trl|square|sq|loop|alley|row|path")
STREET_ADDRESS = re.compile(rf"^\s*(\d{{1,6}}[A-Za-z]?)\s+(?:[NSEW]\.?\s+)?[A-Za-z0-9.' -]{{1,40}}?\s(?:{STREET_SUFFIXES})\b\.?",
                            re.IGNORECASE)
BLOCK_ADDRESS = re.compile(r"^\s*\d+X+\b|\bblock\b|^\s*\d+\s*-\s*\d+\s", re.IGNORECASE)   # "12XX Elm St", "1200 block"

PERSON_NAME = re.compile(r"[^\W\d_][\w'.-]*(?:,? [^\W\d_][\w'.-]*){0,3}")
# Column names that say what a column holds (words of the name, lower case, "_" and "-" as spaces).
NAME_HEADER = re.compile(r"\b(?:name|first|last|surname|given|full name|resident|employee|owner|applicant|"
                         r"complainant|victim|patient|student|person|contact)\b")
NOT_A_PERSON = re.compile(r"\b(?:street|business|company|dataset|data set|file|facility|park|department|agency|"
                          r"vendor|school|site|place|location|district|project|program|product|airport|city|county|"
                          r"state|country|security|sector|industry)\b")
BIRTH_HEADER = re.compile(r"\b(?:dob|d o b|birth|birthday|birthdate|born)\b")
SSN_HEADER = re.compile(r"\b(?:ssn|social security|soc sec|ss number|taxpayer id|tin)\b")
ACCOUNT_HEADER = re.compile(r"\b(?:account|acct|routing|iban|bank|card|credit card|debit card|cc number)\b")
PHONE_HEADER = re.compile(r"\b(?:phone|telephone|tel|mobile|cell|fax)\b")
HOME_HEADER = re.compile(r"\b(?:home|residence|residential|resident|mailing|owner address|home address|"
                         r"private address)\b")


@dataclass(frozen=True)
class Finding:
    """One column that looks like it holds a kind of personal identifier."""

    column: str
    kind: str          # ssn, date_of_birth, email, phone, street_address, card_number, account_number
    label: str         # the kind in words
    rows: int          # rows of the sample that show it
    examples: tuple[str, ...]   # masked
    note: str = ""


@dataclass(frozen=True)
class ScanReport:
    rows_scanned: int
    columns: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def clean(self) -> bool:
        return not self.findings


LABELS = {
    "ssn": "Social security numbers",
    "date_of_birth": "Dates of birth",
    "email": "E-mail addresses",
    "phone": "Telephone numbers",
    "street_address": "Private street addresses",
    "card_number": "Card numbers",
    "account_number": "Account numbers",
}


def scan_table(table: Table, *, today: date | None = None) -> ScanReport:
    """The sample's findings, one per column and kind, in column order."""
    headers = [_words(column) for column in table.columns]
    name_columns = [table.columns[position] for position, header in enumerate(headers)
                    if NAME_HEADER.search(header) and not NOT_A_PERSON.search(header)
                    and _mostly_names(table.values_of(position))]
    findings: list[Finding] = []
    for position, column in enumerate(table.columns):
        values = table.values_of(position)
        if not values:
            continue
        header = headers[position]
        for kind, matcher in _matchers(header, bool(name_columns), today):
            matched = [masked for value in values if (masked := matcher(value))]
            if len(matched) >= MIN_ROWS and len(matched) >= MIN_SHARE * len(values):
                findings.append(Finding(column, kind, LABELS[kind], len(matched), tuple(matched[:EXAMPLES]),
                                        _note(kind, column, name_columns)))
                break           # one kind per column: the most specific one found first
        else:
            if name_columns and column not in name_columns and (found := _birth_dates_by_value(values, today)):
                findings.append(Finding(column, "date_of_birth", LABELS["date_of_birth"], len(found),
                                        tuple(found[:EXAMPLES]), "dates that may be dates of birth, "
                                        + _note("date_of_birth", column, name_columns)))
    return ScanReport(len(table.rows), table.columns, tuple(findings))


def _mostly_names(values: list[str]) -> bool:
    """Whether a column's values read like persons' names ("Pat Doe", "Doe, Pat"), not e-mails or numbers."""
    return bool(values) and sum(1 for value in values if PERSON_NAME.fullmatch(value)) >= 0.6 * len(values)


def _birth_dates_by_value(values: list[str], today: date | None) -> list[str]:
    """A column of dates beside persons' names that reads like their dates of birth whatever it is called:
    nearly all at least `ADULT_YEARS` ago, and spread over at least `BIRTH_SPREAD_YEARS` (a column of hiring or
    inspection dates is mostly recent)."""
    years = [int(found.group(1) or found.group(6)) for value in values if (found := DATE_SHAPE.fullmatch(value.strip()))]
    latest = (today or date.max).year - ADULT_YEARS
    if len(years) < max(MIN_ROWS, 0.8 * len(values)):
        return []
    old_enough = [year for year in years if 1880 <= year <= latest]
    if len(old_enough) < 0.8 * len(years) or max(old_enough, default=0) - min(old_enough, default=0) < BIRTH_SPREAD_YEARS:
        return []
    return [f"{str(year)[:2]}**-**-**" for year in old_enough]


def _matchers(header: str, names_present: bool, today: date | None) -> list[tuple[str, Callable[[str], str | None]]]:
    """What to look for in a column, most specific first; some kinds only where the column's name or the
    table's other columns say so (a bare nine-digit number is a permit as often as an SSN)."""
    matchers: list[tuple[str, Callable[[str], str | None]]] = [("ssn", _ssn(bare=bool(SSN_HEADER.search(header))))]
    matchers.append(("card_number", _card(named=bool(ACCOUNT_HEADER.search(header)))))
    if ACCOUNT_HEADER.search(header):
        matchers.append(("account_number", _account))
    matchers.append(("email", _email))
    matchers.append(("phone", _phone(named=bool(PHONE_HEADER.search(header)))))
    if BIRTH_HEADER.search(header):
        matchers.append(("date_of_birth", _birth_date(today)))
    if HOME_HEADER.search(header) or names_present:
        matchers.append(("street_address", _street_address))
    return matchers


def _note(kind: str, column: str, name_columns: list[str]) -> str:
    others = [name for name in name_columns if name != column]
    if kind == "date_of_birth" and others:
        return f"beside the names in {', '.join(others)}"
    if kind == "street_address" and others:
        return f"a house number beside the names in {', '.join(others)}"
    return ""


def _words(column: str) -> str:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", column)          # dateOfBirth -> date Of Birth
    return " ".join(re.split(r"[\W_]+", spaced.lower())).strip()


# -- the kinds, each answering a masked example or None -----------------------------------------------

def _ssn(*, bare: bool) -> Callable[[str], str | None]:
    def match(value: str) -> str | None:
        found = SSN_SHAPE.search(value)
        number = "".join(found.groups()) if found else None
        if number is None and bare and (plain := SSN_BARE.search(value)):
            number = plain.group()
        return f"***-**-{number[-4:]}" if number and ssn.is_valid(number) else None
    return match


def _card(*, named: bool) -> Callable[[str], str | None]:
    """A 13 to 19 digit number passing the Luhn check: with a card issuer's first digits, or in a column
    named for cards or accounts (one in ten random numbers passes Luhn, so digits alone are not enough)."""
    def match(value: str) -> str | None:
        for found in CARD_SHAPE.finditer(value):
            digits = re.sub(r"\D", "", found.group())
            if 13 <= len(digits) <= 19 and luhn.is_valid(digits) and (named or _card_issuer(digits)):
                return "**** " + digits[-4:]
        return None
    return match


def _card_issuer(digits: str) -> bool:
    """Visa, Mastercard, American Express, Discover and the other major networks' number ranges."""
    first2, first4 = int(digits[:2]), int(digits[:4])
    return (digits[0] == "4" and len(digits) in (13, 16, 19)) or (51 <= first2 <= 55 and len(digits) == 16) \
        or (2221 <= first4 <= 2720 and len(digits) == 16) or (first2 in (34, 37) and len(digits) == 15) \
        or (digits.startswith("6011") or first2 == 65) and len(digits) in (16, 19)


def _account(value: str) -> str | None:
    compact = value.replace(" ", "").upper()
    if IBAN_SHAPE.fullmatch(value.upper()) and iban.is_valid(compact):
        return compact[:2] + "** **** " + compact[-4:]
    found = ACCOUNT_DIGITS.search(value)
    if found is None:
        return None
    digits = found.group()
    if len(digits) == 9 and rtn.is_valid(digits):
        return "routing *****" + digits[-4:]
    return "****" + digits[-4:]


def _email(value: str) -> str | None:
    found = EMAIL.search(value)
    if found is None:
        return None
    local, domain = found.groups()
    return f"{local[0]}***@{domain}"


def _phone(*, named: bool) -> Callable[[str], str | None]:
    """A valid telephone number (libphonenumber's rules for the region's numbering plan) written as one
    (with a bracket, dash, dot, space or +), or bare digits in a column named for telephones."""
    def match(value: str) -> str | None:
        if not named and not re.search(r"[()+.\- ]", value):
            return None       # a bare 10-digit number is an ID or an amount as often as a telephone
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*|\d{1,2}/\d{1,2}/\d{2,4}", value.strip()):
            return None       # a date
        for found in phonenumbers.PhoneNumberMatcher(value, PHONE_REGION, leniency=phonenumbers.Leniency.VALID):
            if not PHONE_SHAPE.fullmatch(found.raw_string.strip()) or _joined(value, found.start, found.end):
                continue      # "CR-2024-012345" holds a valid number, but is written as a case number
            digits = re.sub(r"\D", "", found.raw_string)
            return "***-***-" + digits[-4:]
        return None
    return match


def _joined(value: str, start: int, end: int) -> bool:
    """Whether a match is part of a longer code: a letter, digit or dash right before or after it."""
    return (start > 0 and (value[start - 1].isalnum() or value[start - 1] == "-")) or \
        (end < len(value) and (value[end].isalnum() or value[end] == "-"))


def _birth_date(today: date | None) -> Callable[[str], str | None]:
    def match(value: str) -> str | None:
        found = DATE_SHAPE.search(value)
        if found is None:
            return None
        year = int(found.group(1) or found.group(6))
        if not 1880 <= year <= (today or date.max).year:
            return None
        return f"{str(year)[:2]}**-**-**"
    return match


def _street_address(value: str) -> str | None:
    if BLOCK_ADDRESS.search(value):
        return None           # a block, not a house: "1200 block of Elm Street" is how public data says where
    found = STREET_ADDRESS.match(value)
    if found is None:
        return None
    return "*" * len(found.group(1)) + value[found.end(1):found.end()]
