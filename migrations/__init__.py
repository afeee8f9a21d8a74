"""Clerkflow's one migration history: the engine's tables, the city's and the web app's, in one Alembic
folder (`env.py` names every package's models; `versions/` holds the revisions in order).

`upgrade(url)` brings a database to the newest revision; `SCHEMA` is what the command line is handed.
"""
from pathlib import Path

from engine.migrate import Schema

SCHEMA = Schema(Path(__file__).parent)
upgrade = SCHEMA.upgrade
