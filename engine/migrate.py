"""Bringing a database's schema up to date with Alembic (no alembic.ini needed).

`upgrade(url)` is what set-up, the CLI (`clerkflow db upgrade`) and the tests call; it is
safe to run on every start: an up-to-date database is left alone.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """What migrations manage: everything but APScheduler's job table, which it creates and owns."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table != "apscheduler_jobs"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def new_revision(url: str, message: str) -> None:
    """For developers: write a migration for model changes (review it before committing)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
