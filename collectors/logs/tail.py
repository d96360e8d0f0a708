"""The agent's log-tail job for one source: read on, parse, store, count, in one commit.

Lines, the source's new positions and the counters' increments are written
in one transaction, so an agent restart resumes exactly where the last
commit ended: no line is lost or stored (or counted) twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, Engine

from collectors.logs.metrics import MESSAGES_TOTAL, CounterRule, count_lines
from collectors.logs.sources.base import LogSource, LogSourceError
from store.logs.backend import LogStore
from store.logs.counters import add_to_counters, refresh_counters
from store.logs.positions import load_positions, save_positions
from store.series import SeriesIndex

log = logging.getLogger("vigil.logs")

REFRESH_SECONDS = 15.0
"""How often counters are restated when no line moves them (a scrape interval's worth)."""


class LogTail:
    def __init__(
        self,
        name: str,
        source: LogSource,
        store: LogStore,
        database: Engine,
        index: SeriesIndex,
        *,
        rules: Sequence[CounterRule] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.source = source
        self.store = store
        self.database = database
        self.index = index
        self.rules = list(rules)
        self.clock = clock
        self.names = {MESSAGES_TOTAL, *(rule.name for rule in self.rules)}
        self._refreshed = 0.0
        self.last_error = ""

    def run_once(self) -> int:
        """One poll; returns the lines stored. A source error is logged and kept, not raised."""
        try:
            read = self.source.read(load_positions(self.database, self.name))
        except LogSourceError as error:
            self.last_error = str(error)
            log.warning("log source %s: %s", self.name, error)
            return 0
        self.last_error = ""
        now = self.clock()
        refresh = now - self._refreshed >= REFRESH_SECONDS
        if not read.records and not read.positions and not refresh:
            return 0
        increments = count_lines(read.records, self.rules, self.name)
        now_ms = int(now * 1000)

        def bookkeeping(connection: Connection) -> None:
            save_positions(connection, self.name, read.positions)
            if refresh:
                refresh_counters(connection, self.index, self.names, self.name, now_ms - 1)
            add_to_counters(connection, self.index, increments, now_ms)

        stored = self.store.append(read.records, then=bookkeeping)
        if refresh:
            self._refreshed = now
        return stored
