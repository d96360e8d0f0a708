"""Series selections kept in process and brought up to date from new series only.

Rule groups run the same selectors every evaluation: a thousand rules asked
the series index a thousand questions every cycle whose answers only change
when series are created. Series are never modified and never deleted, so a
cached answer stays right once it has seen every series created since: each
lookup first reads the series with an id above the highest one seen (one
indexed range query, empty most of the time) and adds those that match to
every cached selection. A burst of selects (a rule group's evaluation)
shares one such look: a series is found at most ``catch_up_seconds`` late.

On PostgreSQL ids come from a sequence and can commit out of order, so a
series with a lower id may appear after a higher one was seen. The range
below the newest id is therefore read again once ``settle_seconds`` have
passed, and only then considered complete.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, func, select

from promql.labels import METRIC_NAME, Labels, get_label
from promql.matchers import Matcher, ordered_matchers, required_metric_name
from store.labelpairs import LabelPairs
from store.series import SERIES, matches_all, select_series_many

Key = tuple[Matcher, ...]
Selection = dict[int, Labels]
"""Series id to labels: adding a series twice (seen by a miss and a catch-up) is harmless."""

DEFAULT_MAX_SERIES = 300_000
"""Series held over all cached selections; label tuples are shared with ``LabelPairs``,
so an entry costs about 100 bytes (30 MB at the bound)."""


class SelectCache:
    """Cached ``select_series`` answers, least recently used out first; thread-safe."""

    def __init__(
        self,
        *,
        max_series: int = DEFAULT_MAX_SERIES,
        settle_seconds: float = 60.0,
        catch_up_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_series = max_series
        self._catch_up_seconds = catch_up_seconds
        self._last_catch_up = -float("inf")
        self._settle_seconds = settle_seconds
        self._clock = clock
        self._entries: OrderedDict[Key, Selection] = OrderedDict()
        self._held = 0
        self._newest = 0
        """The highest series id seen."""
        self._complete = 0
        """Every series with an id up to this one is in every selection it matches."""
        self._recent: set[int] = set()
        """Ids above ``_complete`` already added."""
        self._next_settle = clock() + settle_seconds
        self._settle_mark = 0
        self._lock = threading.Lock()

    def select(
        self, connection: Connection, matchers: Sequence[Matcher], pairs: LabelPairs
    ) -> list[tuple[int, Labels]]:
        """The series matching every matcher, as ``select_series`` returns them."""
        return self.select_many(connection, [matchers], pairs)[0]

    def select_many(
        self, connection: Connection, matcher_sets: Sequence[Sequence[Matcher]], pairs: LabelPairs
    ) -> list[list[tuple[int, Labels]]]:
        """``select`` for each matcher set; the ones not cached are read together."""
        keys = [ordered_matchers(matchers) for matchers in matcher_sets]
        answers: dict[Key, Selection] = {}
        with self._lock:
            self._catch_up(connection, pairs)
            for key in keys:
                found = self._entries.get(key)
                if found is not None:
                    self._entries.move_to_end(key)
                    answers[key] = found
        # Misses read through the index. Series created meanwhile are either
        # in this answer or added by the next catch-up (or both: it is a dict).
        missing = [key for key in dict.fromkeys(keys) if key not in answers]
        if missing:
            read = select_series_many(connection, missing, pairs)
            with self._lock:
                for key, series in zip(missing, read, strict=True):
                    selection = answers[key] = dict(series)
                    if key not in self._entries:
                        self._entries[key] = selection
                        self._held += len(selection)
                self._evict()
        return [list(answers[key].items()) for key in keys]

    @property
    def series_held(self) -> int:
        """Series held over all cached selections."""
        return self._held

    def _catch_up(self, connection: Connection, pairs: LabelPairs) -> None:
        now = self._clock()
        if now - self._last_catch_up < self._catch_up_seconds:
            return  # a burst of selects (one rule group) shares one look at new series
        self._last_catch_up = now
        if not self._entries:
            # Nothing to bring up to date: skip what exists instead of reading it.
            newest = connection.execute(select(func.max(SERIES.c.id))).scalar_one() or 0
            if newest > self._newest:
                self._newest = newest
                if not self._complete:
                    self._complete = self._settle_mark = newest
            return
        if self._clock() >= self._next_settle:
            # Re-read everything above the last complete id: PostgreSQL may
            # have committed lower ids after higher ones were seen.
            self._add_new(connection, pairs, self._complete)
            self._complete = self._settle_mark
            self._recent = {series_id for series_id in self._recent if series_id > self._complete}
            self._settle_mark = self._newest
            self._next_settle = self._clock() + self._settle_seconds
        else:
            self._add_new(connection, pairs, self._newest)

    def _add_new(self, connection: Connection, pairs: LabelPairs, above: int) -> None:
        rows = [
            (series_id, packed)
            for series_id, packed in connection.execute(
                select(SERIES.c.id, SERIES.c.pairs).where(SERIES.c.id > above)
            )
            if series_id not in self._recent
        ]
        if not rows:
            return
        labels = pairs.decode(connection, [packed for _, packed in rows])
        new = list(zip((series_id for series_id, _ in rows), labels, strict=True))
        # Most selections name their metric: they need only look at new series of that name.
        by_name: dict[str, list[tuple[int, Labels]]] = defaultdict(list)
        for item in new:
            by_name[get_label(item[1], METRIC_NAME)].append(item)
        for key, selection in self._entries.items():
            name = required_metric_name(key)
            candidates = new if name is None else by_name.get(name, [])
            before = len(selection)
            selection.update(item for item in candidates if matches_all(item[1], key))
            self._held += len(selection) - before
        self._recent.update(series_id for series_id, _ in rows)
        self._newest = max(self._newest, max(series_id for series_id, _ in rows))
        self._evict()

    def _evict(self) -> None:
        while self._held > self._max_series and self._entries:
            _, evicted = self._entries.popitem(last=False)
            self._held -= len(evicted)
