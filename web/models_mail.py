"""Mail: the outbox of notifications and each person's notification preference."""
from __future__ import annotations
