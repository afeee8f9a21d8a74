"""Where the engine's database is, read from the environment at call time (never at import).

`DATABASE_URL` names a PostgreSQL (or any SQLAlchemy) database; without it Clerkflow uses
the SQLite file `instance/clerkflow.db` under `CLERKFLOW_INSTANCE_DIR` (default: ./instance).
"""
from __future__ import annotations

import os
from pathlib import Path

from engine.db import sqlite_url_for


def instance_dir() -> Path:
    return Path(os.environ.get("CLERKFLOW_INSTANCE_DIR", "instance")).resolve()


def normalize_url(url: str) -> str:
    """`postgres://` and `postgresql://` URLs with the psycopg 3 driver SQLAlchemy 2 needs named."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalize_url(url)
    folder = instance_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return sqlite_url_for(str(folder / "clerkflow.db"))
