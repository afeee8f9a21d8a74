"""What the engine needs to know of the host's own checks on a start by hand, and nothing of the processes.

`ProcessEngine.start_instance` (and `check_start`, which a page asks before it files) checks every start by
hand, whoever makes it (a requester's form, staff entering one, the administrator's start page, the command
line), in one place:

1. the start data's fields that are on the start event's form, against that form (JSON Schema): the rest of
   the start data is what the process reads besides (`received_at`, `office_key`), not the form's to check;
2. then the host's `StartRules` (the city's are `city.start_rules.CityStartRules`): a rule a form cannot say,
   such as "the requester is an individual person".

Every problem of both comes back at once as `FormInvalid`, naming each field. Starts by a message or a timer
are not asked: no person typed them.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class StartRules(Protocol):
    def start_problems(self, process_key: str, data: Mapping[str, Any]) -> dict[str, str]:
        """What is wrong with starting `process_key` on `data`, by field, in words the person can act on
        ({} when it may start)."""


class AnyStart:
    """The rules of an engine opened without any: the start form is the only check."""

    def start_problems(self, process_key: str, data: Mapping[str, Any]) -> dict[str, str]:
        return {}
