"""Paths, moments and marks the tests share (kept out of conftest.py so test modules can import them)."""
from datetime import datetime, timezone
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DIAGRAMS = REPO / "tests" / "engine" / "diagrams"
FORMS = DIAGRAMS / "forms"
# Friday 20 November 2026, 9:00 in Kansas (15:00 UTC): three business days later is the end of
# Wednesday 25 November (Thursday 26 is Thanksgiving).
FRIDAY_9AM = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)

# A module marked with this runs each test that drives the engine twice: once with the engine keeping
# its workflows warm between steps (one process serving every step), once keeping none, so that every
# step restores the stored state, as after a restart or in another web worker (tests/conftest.py).
WARM_AND_RESTORED = pytest.mark.warm_and_restored
