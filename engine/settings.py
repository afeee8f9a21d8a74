"""City settings the operators need (closure days, the fee schedule), as the engine passes them.

For now they come from the environment: `CLERKFLOW_CITY_CLOSURES` is a comma-separated
list of ISO dates on which city offices are closed (K.S.A. 45-217 counts them as
holidays). Administrators will edit these as dated data; the engine takes any callable
that returns the mapping, so that change does not touch the engine.
"""
from __future__ import annotations

import os
from datetime import date
from typing import Any

from engine.services.fees import DEFAULT_FEE_SCHEDULE


def parse_closures(text: str) -> frozenset[date]:
    days = set()
    for part in text.replace(";", ",").split(","):
        if part.strip():
            days.add(date.fromisoformat(part.strip()))
    return frozenset(days)


def default_city_settings() -> dict[str, Any]:
    return {
        "city_closures": parse_closures(os.environ.get("CLERKFLOW_CITY_CLOSURES", "")),
        "fee_schedule": DEFAULT_FEE_SCHEDULE,
        "fee_schedules": [DEFAULT_FEE_SCHEDULE],
    }
