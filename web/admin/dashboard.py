"""Dashboards: requests received and closed, time to first action, the statutory 3 days, overdue, fees by office; charts and CSV."""
from __future__ import annotations
