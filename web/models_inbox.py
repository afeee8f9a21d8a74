"""The inbox's own tables: follow-up dates a person sets and the filters they save."""
from __future__ import annotations
