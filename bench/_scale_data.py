"""Helpers for the benches that seed a database at a city's scale by bulk SQL inserts.

bench/inbox_scale.py and bench/instance_list_scale.py still carry their own copies of `first_free_id`
and of the batching in `BatchedRows`; they can take these when next changed.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, insert, text
from sqlalchemy.engine import Connection


def first_free_id(connection: Connection, table: str = "process_instance") -> int:
    """The id after the highest in `table` (the benches give ids themselves, to link the rows they insert)."""
    return (connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar() or 0) + 1


class BatchedRows:
    """Rows gathered per table and inserted in batches, the tables in the order given: parents before
    children, as the foreign keys are on. `counts` says how many rows went into each table."""

    def __init__(self, connection: Connection, tables: Sequence[Table], batch: int = 20_000):
        self._connection = connection
        self._batch = batch
        self.rows: dict[Table, list[dict]] = {table: [] for table in tables}
        self.counts: dict[str, int] = {table.name: 0 for table in tables}

    def add(self, table: Table, row: dict) -> None:
        self.rows[table].append(row)

    def flush_when_full(self) -> None:
        if any(len(rows) >= self._batch for rows in self.rows.values()):
            self.flush()

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                self._connection.execute(insert(table), rows)
                self.counts[table.name] += len(rows)
                rows.clear()
