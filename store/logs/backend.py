"""The one small interface every log store implements, and the opaque page cursor."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection

from store.logs.query import Node
from store.logs.record import LogRecord, StoredLine

Bookkeeping = Callable[[Connection], None]
"""Work that must commit with the lines (source positions, counters), given the SQL connection."""


class CursorError(ValueError):
    """A cursor this store did not hand out."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a newest-first page stopped: the last line's timestamp and id."""

    timestamp_ms: int
    id: str

    def encode(self) -> str:
        text = json.dumps([self.timestamp_ms, self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            timestamp, line_id = json.loads(raw)
            return cls(int(timestamp), str(line_id))
        except (ValueError, TypeError) as error:
            raise CursorError(f"invalid cursor: {error}") from None


@dataclass(frozen=True, slots=True)
class Page:
    lines: list[StoredLine]
    next: Cursor | None
    """Where the next (older) page starts; None when this page was the last."""

    @classmethod
    def of(cls, lines: list[StoredLine], limit: int) -> Page:
        """The page for up to ``limit + 1`` lines fetched: one more means there is a next page."""
        page = lines[:limit]
        more = len(lines) > limit and bool(page)
        return cls(page, Cursor(page[-1].record.timestamp_ms, page[-1].id) if more else None)


class LogStore(Protocol):
    def append(self, records: Sequence[LogRecord], *, then: Bookkeeping | None = None) -> int:
        """Store records in one transaction (and run ``then`` in it); returns how many."""
        ...

    def search(
        self,
        query: Node,
        *,
        start_ms: int,
        end_ms: int,
        limit: int,
        before: Cursor | None = None,
    ) -> Page:
        """Lines in [start_ms, end_ms] that match, newest first, ``limit`` at most."""
        ...

    def tail(self, query: Node, *, after: str | None, limit: int) -> tuple[list[StoredLine], str]:
        """Lines stored after the position ``after`` (None: from now), oldest first,
        and the position to ask from next time."""
        ...

    def histogram(
        self, query: Node, *, start_ms: int, end_ms: int, step_ms: int
    ) -> list[tuple[int, int]]:
        """(bucket start, matching lines) for each non-empty bucket of ``step_ms``."""
        ...

    def delete_before(self, cutoff_ms: int) -> int:
        """Retention: drop lines older than the cut-off; returns how many."""
        ...
