"""Compaction: head batches into per-series chunks, then small chunks into ~120-sample ones.

The head (``sample_batches``) is fast to write but every query decodes all of
it in its window, so it must stay short: ``compact_head`` moves batches older
than a cut-off into level 0 chunks, one per series per transaction. Those are
small when scrapes are far apart, so ``merge_chunks`` joins each series'
consecutive level 0 chunks into level 1 chunks of about ``TARGET_CHUNK_SAMPLES``
(Prometheus's chunk size), which compress well and decode in one call.

Every step is one transaction that inserts the new chunks and deletes what they
replace, so a crash leaves either the old rows or the new ones, never both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Engine, delete, insert, select

from store.chunks import decode_chunks_bulk, encode_chunk
from store.db import write_transaction
from store.samples import BATCHES, CHUNKS, Block, group_by_series, unpack_array
from store.sqlutil import batched

TARGET_CHUNK_SAMPLES = 120
MAX_CHUNK_SAMPLES = 2 * TARGET_CHUNK_SAMPLES
HEAD_SAMPLES_PER_TRANSACTION = 500_000
SERIES_PER_MERGE_TRANSACTION = 2_000


@dataclass
class CompactionReport:
    batches_compacted: int = 0
    chunks_written: int = 0
    chunks_merged: int = 0
    samples: int = 0

    def add(self, other: CompactionReport) -> None:
        self.batches_compacted += other.batches_compacted
        self.chunks_written += other.chunks_written
        self.chunks_merged += other.chunks_merged
        self.samples += other.samples


def compact(
    engine: Engine, until_ms: int, *, force_merge_before_ms: int | None = None
) -> CompactionReport:
    """Both steps: the head up to ``until_ms``, then merging chunks."""
    report = compact_head(engine, until_ms)
    report.add(merge_chunks(engine, until_ms, force_before_ms=force_merge_before_ms))
    return report


def compact_head(engine: Engine, until_ms: int) -> CompactionReport:
    """Turn every batch that ends before ``until_ms`` into level 0 chunks."""
    report = CompactionReport()
    while True:
        with write_transaction(engine) as connection:
            step = _compact_head_step(connection, until_ms)
        if step.batches_compacted == 0:
            return report
        report.add(step)


def _compact_head_step(connection: Connection, until_ms: int) -> CompactionReport:
    rows = connection.execute(
        select(
            BATCHES.c.id,
            BATCHES.c.sample_count,
            BATCHES.c.series_ids,
            BATCHES.c.timestamps,
            BATCHES.c.sample_values,
        )
        .where(BATCHES.c.max_time < until_ms)
        .order_by(BATCHES.c.id)
        .limit(1000)
    )
    ids: list[int] = []
    blocks: list[Block] = []
    total = 0
    for batch_id, count, packed_ids, packed_ts, packed_values in rows:
        if ids and total + count > HEAD_SAMPLES_PER_TRANSACTION:
            break
        ids.append(batch_id)
        total += count
        blocks.append(
            (
                unpack_array(packed_ids, np.int64),
                unpack_array(packed_ts, np.int64),
                unpack_array(packed_values, np.float64),
            )
        )
    rows.close()
    if not ids:
        return CompactionReport()
    series = group_by_series(blocks)
    written = _insert_chunks(connection, ((sid, ts, vs, 0) for sid, (ts, vs) in series.items()))
    for chunk in batched(ids):
        connection.execute(delete(BATCHES).where(BATCHES.c.id.in_(chunk)))
    return CompactionReport(batches_compacted=len(ids), chunks_written=written, samples=total)


def merge_chunks(
    engine: Engine, until_ms: int, *, force_before_ms: int | None = None
) -> CompactionReport:
    """Merge each series' consecutive level 0 chunks into level 1 chunks.

    A run shorter than ``TARGET_CHUNK_SAMPLES`` waits for more data, unless it
    ended before ``force_before_ms`` (a series that stopped, or an on-demand
    compaction), so no series keeps small chunks forever.
    """
    report = CompactionReport()
    after = -1
    while True:
        with write_transaction(engine) as connection:
            series_ids = list(
                connection.execute(
                    select(CHUNKS.c.series_id)
                    .where(
                        CHUNKS.c.level == 0,
                        CHUNKS.c.max_time < until_ms,
                        CHUNKS.c.series_id > after,
                    )
                    .group_by(CHUNKS.c.series_id)
                    .order_by(CHUNKS.c.series_id)
                    .limit(SERIES_PER_MERGE_TRANSACTION)
                ).scalars()
            )
            if not series_ids:
                return report
            report.add(_merge_series(connection, series_ids, until_ms, force_before_ms))
        after = series_ids[-1]


def _merge_series(
    connection: Connection,
    series_ids: Sequence[int],
    until_ms: int,
    force_before_ms: int | None,
) -> CompactionReport:
    rows: list[tuple[int, int, int, int, bytes]] = []
    for chunk in batched(series_ids):
        rows.extend(
            (row.id, row.series_id, row.sample_count, row.max_time, row.data)
            for row in connection.execute(
                select(
                    CHUNKS.c.id,
                    CHUNKS.c.series_id,
                    CHUNKS.c.sample_count,
                    CHUNKS.c.max_time,
                    CHUNKS.c.data,
                ).where(
                    CHUNKS.c.series_id.in_(chunk), CHUNKS.c.level == 0, CHUNKS.c.max_time < until_ms
                )
            )
        )
    rows.sort(key=lambda row: (row[1], row[0]))
    report = CompactionReport()
    merged: list[tuple[int, np.ndarray, np.ndarray, int]] = []
    replaced: list[int] = []
    for run in _runs(rows, force_before_ms):
        decoded = decode_chunks_bulk([row[4] for row in run])
        blocks: list[Block] = [
            (np.full(len(ts), row[1], dtype=np.int64), ts, vs)
            for row, (ts, vs) in zip(run, decoded, strict=True)
        ]
        ((series_id, (timestamps, values)),) = group_by_series(blocks).items()
        merged.append((series_id, timestamps, values, 1))
        replaced.extend(row[0] for row in run)
        report.samples += len(timestamps)
    report.chunks_written = _insert_chunks(connection, merged)
    for chunk in batched(replaced):
        connection.execute(delete(CHUNKS).where(CHUNKS.c.id.in_(chunk)))
    report.chunks_merged = len(replaced)
    return report


def _runs(
    rows: list[tuple[int, int, int, int, bytes]], force_before_ms: int | None
) -> Iterator[list[tuple[int, int, int, int, bytes]]]:
    """Consecutive chunks of one series, grouped until they reach the target size."""
    run: list[tuple[int, int, int, int, bytes]] = []
    count = 0
    for row in rows:
        if run and run[0][1] != row[1]:
            if _should_close(run, count, force_before_ms):
                yield run
            run, count = [], 0
        run.append(row)
        count += row[2]
        if count >= TARGET_CHUNK_SAMPLES:
            yield run
            run, count = [], 0
    if run and _should_close(run, count, force_before_ms):
        yield run


def _should_close(
    run: list[tuple[int, int, int, int, bytes]], count: int, force_before_ms: int | None
) -> bool:
    if count >= TARGET_CHUNK_SAMPLES:
        return True
    return force_before_ms is not None and max(row[3] for row in run) < force_before_ms


def _insert_chunks(
    connection: Connection, chunks: Iterable[tuple[int, np.ndarray, np.ndarray, int]]
) -> int:
    """Insert chunks, splitting long runs evenly so none exceeds ``MAX_CHUNK_SAMPLES``.

    Returns how many chunk rows were written.
    """
    rows = [
        {
            "series_id": int(series_id),
            "min_time": int(ts[0]),
            "max_time": int(ts[-1]),
            "sample_count": len(ts),
            "level": level,
            "data": encode_chunk(ts, vs),
        }
        for series_id, timestamps, values, level in chunks
        for ts, vs in zip(
            *(
                np.array_split(a, -(-len(timestamps) // MAX_CHUNK_SAMPLES))
                for a in (timestamps, values)
            ),
            strict=True,
        )
    ]
    for part in batched(rows, 200):
        connection.execute(insert(CHUNKS), list(part))
    return len(rows)
