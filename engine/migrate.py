"""Bringing a database's schema up to date with Alembic (no alembic.ini needed).

The engine owns the mechanism, not the history: the application's one migration history (the top-level
`migrations/` folder, which names the engine's, the city's and the web app's tables) is a `Schema`
handed to whoever upgrades (set-up, `clerkflow db upgrade`, the tests). Upgrading is safe on every
start: an up-to-date database is left alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """What migrations manage: everything but APScheduler's job table, which it creates and owns."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table != "apscheduler_jobs"


@dataclass(frozen=True)
class Schema:
    """A migration history: an Alembic script folder (env.py, versions/)."""

    folder: Path

    def config(self, url: str) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.folder))
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        return config

    def upgrade(self, url: str, revision: str = "head") -> None:
        command.upgrade(self.config(url), revision)

    def heads(self, url: str) -> set[str]:
        """The revisions an up-to-date database is at."""
        return set(ScriptDirectory.from_config(self.config(url)).get_heads())

    def new_revision(self, url: str, message: str) -> None:
        """For developers: write a migration for model changes (review it before committing)."""
        command.revision(self.config(url), message=message, autogenerate=True)
