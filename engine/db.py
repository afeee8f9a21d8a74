"""Database plumbing: the declarative base, the UTC column type, and write/read sessions.

One `Database` per process. On SQLite every write transaction starts with BEGIN IMMEDIATE,
so two writers queue up instead of both reading the same instance and one failing late;
on PostgreSQL the engine locks the instance row (SELECT ... FOR UPDATE). Either way the
`lock_version` column is the last word: a stale write never wins.
"""
from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, registry, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UtcDateTime(),
            enum.Enum: Enum(enum.Enum, native_enum=False, length=20,
                            values_callable=lambda members: [member.value for member in members]),
        },
    )


def sqlite_url_for(path: str) -> str:
    return f"sqlite:///{path}"


class Database:
    """The connection pool and the two kinds of session the engine uses.

    SQL parameters are hidden from error messages and logs: they carry requesters' data."""

    def __init__(self, url: str, *, echo: bool = False):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            # Every transaction here ends in an explicit commit or rollback, so returning a connection to
            # the pool needs no extra ROLLBACK round trip.
            self.engine: Engine = create_engine(url, echo=echo, hide_parameters=True, pool_reset_on_return=None,
                                                connect_args={"timeout": 30, "check_same_thread": False})
            _make_sqlite_transactions_explicit(self.engine)
        else:
            self.engine = create_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True,
                                        pool_size=10, max_overflow=20)
        self._write_engine = self.engine.execution_options(clerkflow_write=True)
        self._writes = sessionmaker(self._write_engine, expire_on_commit=False)
        self._reads = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commits when the block ends, rolls back if it raises."""
        with self._writes.begin() as session:
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """One write transaction on a bare connection (the engine's hot path; no ORM unit of work)."""
        with self._write_engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (its transaction is rolled back at the end)."""
        with self._reads() as session:
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()


def _make_sqlite_transactions_explicit(engine: Engine) -> None:
    """pysqlite's own transaction handling defeats BEGIN IMMEDIATE; take it over (SQLAlchemy docs recipe)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if connection.get_execution_options().get("clerkflow_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")
