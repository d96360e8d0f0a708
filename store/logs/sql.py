"""The default log store: the ``log_lines`` table in Vigil's own database.

A batch of lines is one ``executemany`` in one transaction, with the
caller's bookkeeping (source offsets, counters) in the same transaction, so
they commit together or not at all. Full-text search is FTS5 on SQLite and a
GIN-indexed tsvector on PostgreSQL (``store.logs.query_sql``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, or_, select

from store.db import write_transaction
from store.logs.backend import Bookkeeping, Cursor, Page
from store.logs.query import Node
from store.logs.query_sql import compile_where
from store.logs.record import LEVELS, LogRecord, StoredLine
from store.models import LogLine, table_of

LINES = table_of(LogLine)
_LEVEL_NUMBERS = {level: number for number, level in enumerate(LEVELS)}
DELETE_BATCH = 10_000


def _row(record: LogRecord) -> dict[str, object]:
    return {
        "ts": record.timestamp_ms,
        "service": record.service,
        "level": _LEVEL_NUMBERS[record.level],
        "trace_id": record.trace_id,
        "source": record.source,
        "message": record.message,
        "fields": json.dumps(record.fields, separators=(",", ":")) if record.fields else "{}",
    }


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
                connection.execute(insert(LINES), [_row(record) for record in records])
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
        where = [
            LINES.c.ts >= start_ms,
            LINES.c.ts <= end_ms,
            compile_where(query, LINES, self.dialect),
        ]
        if before is not None:
            last_id = int(before.id)
            where.append(
                or_(
                    LINES.c.ts < before.timestamp_ms,
                    and_(LINES.c.ts == before.timestamp_ms, LINES.c.id < last_id),
                )
            )
        statement = (
            select(*_COLUMNS)
            .where(*where)
            .order_by(LINES.c.ts.desc(), LINES.c.id.desc())
            .limit(limit + 1)
        )
        with self.database.connect() as connection:
            lines = [_line(row) for row in connection.execute(statement)]
        more = len(lines) > limit
        lines = lines[:limit]
        cursor = Cursor(lines[-1].record.timestamp_ms, lines[-1].id) if more and lines else None
        return Page(lines, cursor)

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
