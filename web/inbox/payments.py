"""Recording a payment received for a request (the cashier's or clerk's page)."""
from __future__ import annotations
