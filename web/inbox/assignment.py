"""Inbox: delegating and reassigning tasks, follow-up dates, saved filters."""
from __future__ import annotations
