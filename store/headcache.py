"""Decoded head batches, kept in memory across queries.

A head batch never changes once committed (compaction deletes it, nothing
rewrites it), so its decoded arrays can be reused by every later query: rule
groups evaluate hundreds of selects over the same few minutes of head, and
decoding each batch again for each select was most of their time. Each entry
also keeps the batch's series ids sorted, so the few series a select wants are
found by binary search rather than by scanning the whole batch.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from promql.querier import Timestamps, Values

DEFAULT_MAX_SAMPLES = 2_000_000
"""About 50 MB of decoded arrays (ids, timestamps, values, sort order)."""


@dataclass(frozen=True)
class DecodedBatch:
    ids: np.ndarray
    timestamps: Timestamps
    values: Values
    order: np.ndarray
    """Positions that sort ``ids``."""
    sorted_ids: np.ndarray

    @classmethod
    def of(cls, ids: np.ndarray, timestamps: Timestamps, values: Values) -> DecodedBatch:
        order = np.argsort(ids, kind="stable")
        return cls(ids, timestamps, values, order, ids[order])

    def select(self, wanted: np.ndarray) -> tuple[np.ndarray, Timestamps, Values] | None:
        """The samples of the (sorted) ``wanted`` series, in the order written, or None."""
        if (
            not len(self.sorted_ids)
            or wanted[-1] < self.sorted_ids[0]
            or wanted[0] > self.sorted_ids[-1]
        ):
            return None  # a batch of other series (another target): the common case
        left = np.searchsorted(self.sorted_ids, wanted, side="left")
        right = np.searchsorted(self.sorted_ids, wanted, side="right")
        counts = right - left
        if not counts.any():
            return None
        total = int(counts.sum())
        starts = np.cumsum(counts) - counts
        positions = np.arange(total, dtype=np.int64) + np.repeat(left - starts, counts)
        rows = np.sort(self.order[positions])
        return self.ids[rows], self.timestamps[rows], self.values[rows]


BatchSpan = tuple[int, int, int]
"""A head batch's id, min_time and max_time."""


class HeadCache:
    """A bounded, thread-safe map of batch id to its decoded arrays, least recent out first.

    With ``listing_seconds``, it also keeps the list of head batches that long:
    the agent's rule evaluation makes hundreds of selects within a second, and
    each asked the store which batches overlap its window. A batch committed
    meanwhile is then seen at most that late (queries from the console keep
    the default, 0: every select sees every committed batch); one compacted
    away meanwhile is harmless, since reads drop a sample seen twice (head and
    chunk) and a batch that is gone loads nothing.
    """

    def __init__(
        self,
        max_samples: int = DEFAULT_MAX_SAMPLES,
        *,
        listing_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_samples = max_samples
        self._entries: OrderedDict[int, DecodedBatch] = OrderedDict()
        self._samples = 0
        self._lock = threading.Lock()
        self._listing_seconds = listing_seconds
        self._clock = clock
        self._listing: list[BatchSpan] = []
        self._listed_at = -float("inf")

    def batches_overlapping(
        self, start_ms: int, end_ms: int, list_batches: Callable[[], list[BatchSpan]]
    ) -> list[int]:
        """Ids of the head batches overlapping the window, oldest first."""
        now = self._clock()
        with self._lock:
            fresh = self._listing_seconds > 0 and now - self._listed_at < self._listing_seconds
            listing = self._listing
        if not fresh:
            listing = sorted(list_batches())
            with self._lock:
                self._listing, self._listed_at = listing, now
        return [batch_id for batch_id, low, high in listing if high >= start_ms and low <= end_ms]

    def get_many(
        self,
        batch_ids: Sequence[int],
        load: Callable[[Sequence[int]], dict[int, DecodedBatch]],
    ) -> list[DecodedBatch]:
        """The batches in the given order, loading the ones not cached with ``load``."""
        with self._lock:
            found = {i: self._entries[i] for i in batch_ids if i in self._entries}
            for batch_id in found:
                self._entries.move_to_end(batch_id)
        missing = [i for i in batch_ids if i not in found]
        if missing:
            loaded = load(missing)
            found.update(loaded)
            with self._lock:
                for batch_id, batch in loaded.items():
                    if batch_id not in self._entries:
                        self._entries[batch_id] = batch
                        self._samples += len(batch.ids)
                while self._samples > self._max_samples and self._entries:
                    _, evicted = self._entries.popitem(last=False)
                    self._samples -= len(evicted.ids)
        return [found[i] for i in batch_ids if i in found]
