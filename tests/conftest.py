"""Shared fixtures: a migrated database per test (SQLite file, or PostgreSQL when asked) and an engine.

SQLite: the schema is migrated once per test session into a template file, which each test
copies (a fresh file per test is simpler and faster than rolling back on SQLite).
PostgreSQL: set CLERKFLOW_TEST_DATABASE_URL; each xdist worker gets its own database,
migrated once, with every table emptied before each test.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from city.office import open_engine
from engine import Database, ProcessEngine
from engine.db import Base
from city.citydata import seed_defaults
from migrations import upgrade
from engine.state import DEFAULT_WARM_CACHE_SIZE
import city.models  # noqa: F401  (the city's tables and the web app's are emptied between tests too)
import city.open_data.models_catalog  # noqa: F401
import city.open_data.models_liaison_plan  # noqa: F401
import city.open_data.models_settings  # noqa: F401
import web.tables  # noqa: F401

from scenario_data import DIAGRAMS, FORMS, FRIDAY_9AM


def pytest_configure(config):
    """Under `make test-ahead`, make sure the clock really moved (a library that failed to preload only warns)."""
    ahead = int(os.environ.get("CLOCK_AHEAD_SECONDS") or 0)
    if ahead:
        with tempfile.TemporaryFile() as probe:      # the kernel stamps files with the real time
            real_now = os.fstat(probe.fileno()).st_mtime
        if abs(time.time() - real_now - ahead) > 60:
            raise pytest.UsageError("CLOCK_AHEAD_SECONDS is set but the clock has not moved: preload "
                                    "tests/clock_ahead/clock_ahead.so with LD_PRELOAD (make test-ahead does)")


def pytest_generate_tests(metafunc):
    """A test marked warm_and_restored that uses the engine runs with a warm cache and with none."""
    if metafunc.definition.get_closest_marker("warm_and_restored") and "warm_cache_size" in metafunc.fixturenames:
        metafunc.parametrize("warm_cache_size", [DEFAULT_WARM_CACHE_SIZE, 0], ids=["warm", "restored"])


def pytest_report_header(config):
    if os.environ.get("CLOCK_AHEAD_SECONDS"):
        return f"the clock is moved ahead: today is {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"


def _postgres_url(worker_id: str) -> str | None:
    base = os.environ.get("CLERKFLOW_TEST_DATABASE_URL")
    if not base:
        return None
    url = make_url(base)
    name = f"{url.database}_{worker_id}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory, worker_id) -> str:
    """A migrated database URL for the session: a template SQLite file, or this worker's PostgreSQL database."""
    postgres = _postgres_url(worker_id)
    if postgres:
        upgrade(postgres)
        return postgres
    template = tmp_path_factory.mktemp("template") / "clerkflow.db"
    upgrade(f"sqlite:///{template}")
    return f"sqlite:///{template}"


@pytest.fixture
def database_url(migrated_database, tmp_path) -> str:
    if migrated_database.startswith("sqlite"):
        copy = tmp_path / "clerkflow.db"
        shutil.copyfile(migrated_database.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    cleaner = create_engine(migrated_database)
    with cleaner.begin() as connection:
        tables = [table.name for table in Base.metadata.sorted_tables]
        if connection.execute(text("SELECT to_regclass('apscheduler_jobs')")).scalar():
            tables.append("apscheduler_jobs")
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    cleaner.dispose()
    return migrated_database


@pytest.fixture
def database(database_url):
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def warm_cache_size() -> int:
    """Workflows the engine keeps in memory between steps (a warm_and_restored test also tries 0)."""
    return DEFAULT_WARM_CACHE_SIZE


@pytest.fixture
def engine(database, warm_cache_size) -> ProcessEngine:
    return open_engine(database, warm_cache_size=warm_cache_size)


@pytest.fixture
def city_engine(database, warm_cache_size) -> ProcessEngine:
    """An engine on a database seeded with the city's default data (offices, fee schedule, exemptions, letters)."""
    with database.write() as session:
        seed_defaults(session, actor="setup")
    return open_engine(database, warm_cache_size=warm_cache_size)


@pytest.fixture
def friday_9am(time_machine):
    time_machine.move_to(FRIDAY_9AM, tick=False)
    return time_machine


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    """xdist's worker id ('gw0', ...) or 'main' when running without xdist."""
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "main"


@pytest.fixture
def deploy(engine):
    """Deploy a test diagram by name (tests/engine/diagrams/<name>.bpmn) and return its version view."""
    def deploy_named(name: str, *, actor: str = "analyst"):
        return engine.deploy_file(DIAGRAMS / f"{name}.bpmn", FORMS, actor=actor).version
    return deploy_named
