"""The records office opened on a database: the engine with the city's operators, message rules (who may
deliver which message, city.message_rules) and start rules (who may ask for records, city.start_rules), and
the city data (offices, fee schedules, closures, exemptions, letters) those operators read.

Whoever runs Clerkflow for the city (the web app, the command line, the scheduler, the tests) opens
the engine here; the engine itself knows no city.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from city.citydata import CityData
from city.message_rules import CityMessageRules
from city.operators import CityOperators
from city.start_rules import CityStartRules
from engine import Database, ProcessEngine
from engine.config import database_url, instance_dir, normalize_url
from engine.filestore import FileStore


def open_engine(database: Database, *, city_settings: Callable[[], Mapping[str, Any]] | None = None,
                files: FileStore | None = None, **options: Any) -> ProcessEngine:
    """The engine whose service tasks call the city's operators with `city_settings()` (by default the
    city data stored in `database`, as `CityData` reads it) and the file store `files` (uploaded files a
    service task reads: a data set's sample), and whose messages from outside and starts by hand follow
    the city's rules; `options` go to ProcessEngine."""
    return ProcessEngine(database, operators=CityOperators(city_settings or CityData(database), files),
                         message_rules=CityMessageRules(), start_rules=CityStartRules(database), **options)


def open_engine_at(url: str | None = None, **options: Any) -> ProcessEngine:
    """`open_engine` on the database at `url` (or the configured one), which must already be migrated, with
    the file store the web app uses by default (`files/` in the instance folder, or CLERKFLOW_FILES_DIR)."""
    options.setdefault("files", FileStore(os.environ.get("CLERKFLOW_FILES_DIR") or instance_dir() / "files"))
    return open_engine(Database(normalize_url(url) if url else database_url()), **options)


def city_data_of(engine: ProcessEngine) -> CityData:
    """The city data an engine opened here reads (its operators' settings)."""
    settings = engine.operators.settings
    if not isinstance(settings, CityData):
        raise TypeError("this engine was opened with fixed city settings, not the city data")
    return settings
