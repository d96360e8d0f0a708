"""One target's scrape loop: scrape, then write samples and target state in one transaction.

The loop keeps what must survive from one scrape to the next (the series seen,
for staleness markers; the series-text cache) and nothing else; the scheduler
decides when it runs. A write either commits whole or not at all, so a killed
agent loses at most the scrape in flight.

In the agent the write goes to the store's single writer (``store.writer``),
which commits it with the other targets' scrapes in one group commit a few
times a second; a scrape queued but not yet committed is still "in flight".
Without a writer (tests, one-off runs) each scrape commits on its own.
Batches carry the target's stream (``stream_key``) so compaction can cut
full-sized chunks from them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Engine

from collectors.metadata_changes import MetadataTracker
from collectors.scrape import (
    Fetcher,
    RequestsFetcher,
    ScrapeResult,
    final_stale_markers,
    scrape_target,
)
from collectors.scrape_cache import SeriesCaches
from collectors.staleness import ScrapeLoopState
from collectors.targets import Target
from promql.labels import Labels
from store.db import write_transaction
from store.metadata import write_metadata_changes
from store.samples import Sample, append_arrays, append_samples
from store.series import SeriesIndex
from store.targets import TargetInfo, record_scrape, sync_targets
from store.writer import Writer, stream_key


class ScrapeLoop:
    def __init__(
        self,
        target: Target,
        database: Engine,
        index: SeriesIndex,
        *,
        fetcher: Fetcher | None = None,
        clock: Callable[[], float] = time.time,
        writer: Writer | None = None,
    ) -> None:
        self.target = target
        self._database = database
        self._index = index
        self._writer = writer
        self._stream = stream_key(target.job, target.url)
        self._fetcher = fetcher or RequestsFetcher(client=target.http_client)
        self._clock = clock
        self._state = ScrapeLoopState()
        self._caches = SeriesCaches()
        self._metadata = MetadataTracker()

    def run_once(self) -> ScrapeResult:
        result = scrape_target(
            self.target, self._fetcher, self._clock(), self._state, cache=self._caches
        )
        self._state = result.state
        columns = SampleColumns.of([*result.samples, *result.stale_markers])
        index, stream, target = self._index, self._stream, self.target
        metadata = self._metadata.changes(result.metadata) if result.error is None else None
        at, duration = result.timestamp_ms / 1000.0, result.duration_seconds
        error, scraped = result.error, len(result.samples)

        def write(connection: Connection) -> None:
            columns.append_to(connection, index, stream=stream)
            record_scrape(
                connection,
                job=target.job,
                url=target.url,
                at=at,
                duration_seconds=duration,
                error=error,
                samples_scraped=scraped,
            )
            if metadata:
                write_metadata_changes(connection, job=target.job, url=target.url, changes=metadata)

        self._write(write)
        return result

    def _write(self, write: Callable[[Connection], None]) -> None:
        if self._writer is not None:
            self._writer.submit(write)
        else:
            with write_transaction(self._database) as connection:
                write(connection)

    def stop(self) -> None:
        """Mark every series of this target stale, as Prometheus does when a target goes away."""
        markers = final_stale_markers(self.target, self._state, int(self._clock() * 1000))
        if markers:
            index, stream = self._index, self._stream

            def write(connection: Connection) -> None:
                append_samples(connection, index, markers, stream=stream)

            self._write(write)
        self._state = ScrapeLoopState()


@dataclass(frozen=True, slots=True)
class SampleColumns:
    """A scrape's samples as the writer queue holds them: one column per field.

    A queued scrape waits up to a commit interval (longer while the store
    creates a new target's series), and the queue holds up to 256 of them:
    as a list of (labels, timestamp, value) tuples a 2,000-sample scrape is
    about 250 KB of small objects, whose peak stays in the agent's RSS after
    the queue drains (pymalloc keeps its arenas); as columns it is 48 KB.
    """

    labels: list[Labels]
    timestamps: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> SampleColumns:
        count = len(samples)
        return cls(
            [sample[0] for sample in samples],
            np.fromiter((sample[1] for sample in samples), dtype=np.int64, count=count),
            np.fromiter((sample[2] for sample in samples), dtype=np.float64, count=count),
        )

    def append_to(self, connection: Connection, index: SeriesIndex, *, stream: int) -> None:
        """Store them as ``store.samples.append_samples`` does, in one batch row."""
        if not self.labels:
            return
        ids = np.asarray(index.ids_for(connection, self.labels), dtype=np.int64)
        append_arrays(connection, ids, self.timestamps, self.values, stream=stream)


def target_info(target: Target) -> TargetInfo:
    return TargetInfo(
        job=target.job,
        url=target.url,
        labels=target.labels,
        scrape_interval_seconds=target.scrape_interval,
        scrape_timeout_seconds=target.scrape_timeout,
    )


def register_targets(database: Engine, targets: Sequence[Target]) -> None:
    """Make the target table match the configuration (new ones show as unknown)."""
    with write_transaction(database) as connection:
        sync_targets(connection, [target_info(target) for target in targets])
