"""Accumulating imported samples and committing them a batch at a time.

Each batch is one ``sample_batches`` row written in its own write transaction:
a batch is either wholly in the store or not at all, memory stays bounded by the
batch size, and on SQLite the write lock is held only per batch, so a running
agent keeps scraping during a long import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine

from promql.labels import Labels
from store.db import write_transaction
from store.samples import Sample, append_arrays
from store.series import SeriesIndex

DEFAULT_BATCH_SIZE = 50_000


@dataclass(slots=True)
class ImportStats:
    """What has been committed so far (or, in a dry run, validated)."""

    samples: int = 0
    batches: int = 0
    min_time_ms: int | None = None
    max_time_ms: int | None = None
    skipped: int = 0
    """Samples the store cannot hold (native histograms from Prometheus)."""
    series_seen: set[Labels] = field(default_factory=set, repr=False)

    @property
    def series(self) -> int:
        return len(self.series_seen)


Progress = Callable[[ImportStats], None]
"""Called after every committed batch; the CLI draws its progress line from it."""


class BatchWriter:
    """Buffers samples and writes them ``batch_size`` at a time.

    With ``engine=None`` nothing is written (a dry run) but the statistics are
    kept exactly as an import would, so a check reports what an import would do.
    """

    def __init__(
        self,
        engine: Engine | None,
        index: SeriesIndex,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Progress | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.stats = ImportStats()
        self._engine = engine
        self._index = index
        self._batch_size = batch_size
        self._progress = progress
        self._pending: list[Sample] = []

    def add(self, samples: Iterable[Sample]) -> None:
        pending = self._pending
        pending.extend(samples)
        while len(pending) >= self._batch_size:
            self._commit(pending[: self._batch_size])
            del pending[: self._batch_size]

    def flush(self) -> ImportStats:
        """Write what is buffered; returns the final statistics."""
        if self._pending:
            self._commit(self._pending)
            self._pending = []
        return self.stats

    def discard(self) -> None:
        """Drop buffered samples (the input failed before they made a whole batch)."""
        self._pending = []

    def _commit(self, batch: list[Sample]) -> None:
        timestamps = np.fromiter((s[1] for s in batch), dtype=np.int64, count=len(batch))
        if self._engine is not None:
            values = np.fromiter((s[2] for s in batch), dtype=np.float64, count=len(batch))
            try:
                with write_transaction(self._engine) as connection:
                    ids = self._index.ids_for(connection, [s[0] for s in batch])
                    append_arrays(connection, np.asarray(ids, dtype=np.int64), timestamps, values)
            except BaseException:
                # Series created in the rolled-back transaction must not stay cached.
                self._index.forget()
                raise
        stats = self.stats
        stats.series_seen.update(s[0] for s in batch)
        stats.samples += len(batch)
        stats.batches += 1
        low, high = int(timestamps.min()), int(timestamps.max())
        stats.min_time_ms = low if stats.min_time_ms is None else min(stats.min_time_ms, low)
        stats.max_time_ms = high if stats.max_time_ms is None else max(stats.max_time_ms, high)
        if self._progress is not None:
            self._progress(stats)
