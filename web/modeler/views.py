"""Modeler pages and their JSON endpoints."""
from __future__ import annotations
