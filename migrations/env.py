"""Alembic environment: migrates the database the caller's config names (see engine.migrate).

Every package's tables share one metadata and this one history: the engine's, the city's, the web app's.
"""
from alembic import context
from sqlalchemy import create_engine

import city.models  # noqa: F401  (offices, fee schedules, custodians, ledgers, the change log)
import city.open_data.models_catalog  # noqa: F401  (the open data catalog: data sets, their files and history)
import city.open_data.models_liaison_plan  # noqa: F401  (the liaisons' departments and open data plans)
import city.open_data.models_settings  # noqa: F401  (the city's open data settings: who approves, who publishes)
import engine.models  # noqa: F401  (versions, instances, tasks, timers, messages, audit)
import web.tables  # noqa: F401  (staff accounts, portal links, API tokens, inbox, notes, mail)
from engine.db import Base
from engine.migrate import include_object

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    database = create_engine(config.get_main_option("sqlalchemy.url"))
    with database.connect() as connection:
        _run(connection)
    database.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
