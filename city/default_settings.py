"""Fixed city settings from the built-in defaults, for code that runs without city data.

The engine normally reads the city's own data (`city.citydata.CityData`); benchmarks and
tests that want settings independent of any database use these.
"""
from __future__ import annotations

from typing import Any

from city.citydata import OFFICE_HOURS
from city.defaults import DEFAULT_EXEMPTIONS, DEFAULT_LETTERS, DEFAULT_OFFICES
from city.rules.fees import DEFAULT_FEE_SCHEDULE


def default_city_settings() -> dict[str, Any]:
    return {
        "city_closures": frozenset(),
        "fee_schedule": DEFAULT_FEE_SCHEDULE,
        "fee_schedules": [DEFAULT_FEE_SCHEDULE],
        "custodian_register": {key: {"name": name, "official_custodian": custodian, "hours": OFFICE_HOURS, "designated": []}
                               for key, name, custodian, *_ in DEFAULT_OFFICES},
        "exemptions": {code: {"citation": citation, "summary": summary} for code, citation, summary in DEFAULT_EXEMPTIONS},
        "letter_templates": {name: {"subject": subject, "body": body}
                             for name, (subject, body) in DEFAULT_LETTERS.items()},
        "privacy_rules": {},   # 000: no appeal limit or fine is published until the city enters one
    }
