"""The default log store: the ``log_lines`` table in Vigil's own database.

A batch of lines is written in one transaction (multi-row INSERTs on
SQLite, ``executemany`` on PostgreSQL), with the caller's bookkeeping
(source offsets, counters) in the same transaction, so they commit together
or not at all. Full-text search is FTS5 on SQLite and a
GIN-indexed tsvector on PostgreSQL (``store.logs.query_sql``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Engine, and_, delete, func, or_, select

from store.db import write_transaction
from store.logs.backend import Bookkeeping, Cursor, Page
from store.logs.query import Node
from store.logs.query_sql import compile_where, has_text
from store.logs.record import LEVELS, LogRecord, StoredLine
from store.models import LogLine, table_of

LINES = table_of(LogLine)
_LEVEL_NUMBERS = {level: number for number, level in enumerate(LEVELS)}
DELETE_BATCH = 10_000
NEWEST_FIRST = 20_000
"""How many of a window's newest lines a full-text search tries first (SQLite)."""


_INSERT = "INSERT INTO log_lines (ts, service, level, trace_id, source, message, fields) VALUES "
"""Written as the driver's SQL: at tens of thousands of lines a second, building
one dict per line for SQLAlchemy's Core insert cost more than the insert."""

ROWS_PER_STATEMENT = 999 // 7
"""SQLite: rows per multi-row INSERT, within the 999 parameters every SQLite version allows.

One statement per row (``executemany``) runs the FTS5 trigger in a statement
of its own each time, and FTS5 flushes its pending terms to disk at every
statement savepoint (its xSavepoint): a tiny index segment per line, then
merges. Statements of 142 rows took a third of the CPU; larger ones gained
nothing more (docs/performance.md, Logs)."""


def _values(rows: int) -> str:
    return _INSERT + ",".join(["(?, ?, ?, ?, ?, ?, ?)"] * rows)


_FULL_STATEMENT = _values(ROWS_PER_STATEMENT)


def insert_sqlite_rows(
    execute: Callable[[str, tuple[object, ...]], object], rows: Sequence[tuple[object, ...]]
) -> None:
    """Insert ``log_lines`` rows (ts, service, level, trace_id, source, message, fields)
    in multi-row statements; ``execute`` runs one statement with its parameters."""
    for first in range(0, len(rows), ROWS_PER_STATEMENT):
        part = rows[first : first + ROWS_PER_STATEMENT]
        statement = _FULL_STATEMENT if len(part) == ROWS_PER_STATEMENT else _values(len(part))
        execute(statement, tuple(chain.from_iterable(part)))


_encode = json.JSONEncoder(separators=(",", ":")).encode


def _fields_text(fields: dict[str, str]) -> str:
    """Fields as JSON text: orjson (a tenth of the time), ``json`` for what it refuses
    (lone surrogates, which a line decoded by the standard library may hold)."""
    try:
        return orjson.dumps(fields).decode()
    except orjson.JSONEncodeError:
        return _encode(fields)


def _row(record: LogRecord) -> tuple[object, ...]:
    return (
        record.timestamp_ms,
        record.service,
        _LEVEL_NUMBERS[record.level],
        record.trace_id,
        record.source,
        record.message,
        _fields_text(record.fields) if record.fields else "{}",
    )


def _line(row: Sequence[Any]) -> StoredLine:
    line_id, ts, service, level, trace_id, source, message, fields = row
    return StoredLine(
        str(line_id),
        LogRecord(
            timestamp_ms=int(ts),
            message=message,
            service=service,
            level=LEVELS[level],
            trace_id=trace_id,
            source=source,
            fields=json.loads(fields) if fields != "{}" else {},
        ),
    )


_COLUMNS = (
    LINES.c.id,
    LINES.c.ts,
    LINES.c.service,
    LINES.c.level,
    LINES.c.trace_id,
    LINES.c.source,
    LINES.c.message,
    LINES.c.fields,
)


def _older_than(ts: int, line_id: int, *, newer: bool = False) -> ColumnElement[bool]:
    """Lines before (or, with ``newer``, from) the position (ts, id) in newest-first order."""
    if newer:
        return or_(LINES.c.ts > ts, and_(LINES.c.ts == ts, LINES.c.id >= line_id))
    return or_(LINES.c.ts < ts, and_(LINES.c.ts == ts, LINES.c.id < line_id))


def _select(
    connection: Connection, where: list[ColumnElement[bool]], count: int
) -> list[StoredLine]:
    statement = (
        select(*_COLUMNS).where(*where).order_by(LINES.c.ts.desc(), LINES.c.id.desc()).limit(count)
    )
    return [_line(row) for row in connection.execute(statement)]


class SqlLogStore:
    """Logs in SQLite or PostgreSQL, next to the metrics."""

    def __init__(self, database: Engine) -> None:
        self.database = database
        self.dialect = database.dialect.name

    def append(self, records: Sequence[LogRecord], *, then: Bookkeeping | None = None) -> int:
        if not records and then is None:
            return 0
        with write_transaction(self.database) as connection:
            if records:
                rows = [_row(record) for record in records]
                if self.dialect == "sqlite":
                    insert_sqlite_rows(connection.exec_driver_sql, rows)
                else:
                    connection.exec_driver_sql(_INSERT + "(%s, %s, %s, %s, %s, %s, %s)", rows)
            if then is not None:
                then(connection)
        return len(records)

    def search(
        self,
        query: Node,
        *,
        start_ms: int,
        end_ms: int,
        limit: int,
        before: Cursor | None = None,
    ) -> Page:
        window = [LINES.c.ts >= start_ms, LINES.c.ts <= end_ms]
        if before is not None:
            window.append(_older_than(before.timestamp_ms, int(before.id)))
        with self.database.connect() as connection:
            lines = None
            if self.dialect == "sqlite" and has_text(query):
                lines = self._search_newest(connection, query, window, limit)
            if lines is None:
                where = [*window, compile_where(query, LINES, self.dialect)]
                lines = _select(connection, where, limit + 1)
        return Page.of(lines, limit)

    def _search_newest(
        self, connection: Connection, query: Node, window: list[ColumnElement[bool]], limit: int
    ) -> list[StoredLine] | None:
        """Search only the newest NEWEST_FIRST lines of the window; None if too few matched.

        FTS5 lists every match of a word before SQLite can sort them by time:
        hundreds of thousands for a common word. Most searches find their page
        among the newest lines, so those are tried first, with full-text lookups
        limited to their ids; only when fewer than a page match there does the
        search cover the whole window.
        """
        newest = (
            select(LINES.c.ts, LINES.c.id)
            .where(*window)
            .order_by(LINES.c.ts.desc(), LINES.c.id.desc())
            .limit(NEWEST_FIRST)
            .subquery()
        )
        floor = connection.execute(
            select(func.count(), func.min(newest.c.id), func.min(newest.c.ts))
        ).one()
        if floor[0] < NEWEST_FIRST:
            return None  # a small window: the plain search is as fast
        boundary = connection.execute(
            select(LINES.c.ts, LINES.c.id)
            .where(*window)
            .order_by(LINES.c.ts.desc(), LINES.c.id.desc())
            .offset(NEWEST_FIRST - 1)
            .limit(1)
        ).one()
        where = [
            *window,
            _older_than(int(boundary[0]), int(boundary[1]), newer=True),
            compile_where(query, LINES, self.dialect, min_id=int(floor[1])),
        ]
        lines = _select(connection, where, limit + 1)
        return lines if len(lines) > limit else None

    def tail(self, query: Node, *, after: str | None, limit: int) -> tuple[list[StoredLine], str]:
        with self.database.connect() as connection:
            if after is None:
                newest = connection.execute(select(func.max(LINES.c.id))).scalar_one()
                return [], str(newest or 0)
            statement = (
                select(*_COLUMNS)
                .where(LINES.c.id > int(after), compile_where(query, LINES, self.dialect))
                .order_by(LINES.c.id)
                .limit(limit)
            )
            lines = [_line(row) for row in connection.execute(statement)]
            if len(lines) < limit:
                # Skip past lines that did not match, so the next poll starts later.
                newest = connection.execute(select(func.max(LINES.c.id))).scalar_one()
                return lines, str(max(int(after), int(newest or 0)))
        return lines, lines[-1].id

    def histogram(
        self, query: Node, *, start_ms: int, end_ms: int, step_ms: int
    ) -> list[tuple[int, int]]:
        bucket = (LINES.c.ts - start_ms) // step_ms
        statement = (
            select(bucket.label("bucket"), func.count())
            .where(
                LINES.c.ts >= start_ms,
                LINES.c.ts <= end_ms,
                compile_where(query, LINES, self.dialect),
            )
            .group_by("bucket")
            .order_by("bucket")
        )
        with self.database.connect() as connection:
            return [
                (start_ms + int(number) * step_ms, int(count))
                for number, count in connection.execute(statement)
            ]

    def delete_before(self, cutoff_ms: int) -> int:
        """Deletes in batches: each transaction stays short, so writers are not held up."""
        deleted = 0
        while True:
            with write_transaction(self.database) as connection:
                batch = select(LINES.c.id).where(LINES.c.ts < cutoff_ms).limit(DELETE_BATCH)
                result = connection.execute(delete(LINES).where(LINES.c.id.in_(batch)))
                count = int(result.rowcount or 0)
            deleted += count
            if count < DELETE_BATCH:
                return deleted
