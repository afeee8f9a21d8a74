"""Where the engine's database is, read from the environment at call time (never at import).

`DATABASE_URL` names a PostgreSQL (or any SQLAlchemy) database; without it Clerkflow uses
the SQLite file `instance/clerkflow.db` under `CLERKFLOW_INSTANCE_DIR` (default: ./instance).
"""
from __future__ import annotations

import os
from pathlib import Path

from engine.api import ProcessEngine
from engine.db import Database, sqlite_url_for


def instance_dir() -> Path:
    return Path(os.environ.get("CLERKFLOW_INSTANCE_DIR", "instance")).resolve()


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; SQLAlchemy 2 wants an explicit one.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://"):]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    folder = instance_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return sqlite_url_for(str(folder / "clerkflow.db"))


def open_engine(url: str | None = None, **options) -> ProcessEngine:
    """A ProcessEngine on the configured database (which must already be migrated)."""
    return ProcessEngine(Database(url or database_url()), **options)
