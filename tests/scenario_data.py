"""Paths and moments the tests share (kept out of conftest.py so test modules can import them)."""
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DIAGRAMS = REPO / "tests" / "engine" / "diagrams"
FORMS = DIAGRAMS / "forms"
# Friday 20 November 2026, 9:00 in Kansas (15:00 UTC): three business days later is the end of
# Wednesday 25 November (Thursday 26 is Thanksgiving).
FRIDAY_9AM = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)
