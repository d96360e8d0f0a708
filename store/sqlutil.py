"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")

# Keep IN lists and multi-row inserts well under SQLite's bound-parameter limit.
BATCH_SIZE = 500


def batched(items: Sequence[T], size: int = BATCH_SIZE) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_ignoring_conflicts(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert rows, skipping those that collide with a unique key (another writer won)."""
    if not rows:
        return
    dialect = connection.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = len(rows[0])
    for chunk in batched(rows, max(1, BATCH_SIZE * 4 // columns)):
        connection.execute(insert(table).on_conflict_do_nothing(), list(chunk))
