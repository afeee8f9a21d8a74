"""The city's checks on a start by hand that a start form cannot say (engine.start_rules), whoever starts it:
the portal, the staff intake page, the administrator's start page, the command line.

`records_request`: the requester is an individual person or persons (003, Art. 6: "In all cases the party
so requesting must be an individual person or persons"; city.rules.requesters). The request form itself
(forms/records_request/request.schema.json) is checked by the engine before these rules.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from city.reports import RECORDS_REQUEST
from city.rules.requesters import not_an_individual

REQUESTER_NAME = "requester_name"


class CityStartRules:
    def start_problems(self, process_key: str, data: Mapping[str, Any]) -> dict[str, str]:
        if process_key != RECORDS_REQUEST:
            return {}
        problem = not_an_individual(data.get(REQUESTER_NAME))
        return {REQUESTER_NAME: problem} if problem else {}
