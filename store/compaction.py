"""Compaction: head batches into per-series chunks, then small chunks into ~120-sample ones.

The head (``sample_batches``) is fast to write but every query decodes all of
it in its window, so it must stay short: ``compact_head`` moves batches older
than a cut-off into level 0 chunks, one per series per transaction. Those are
small when scrapes are far apart, so ``merge_chunks`` joins each series'
consecutive level 0 chunks into level 1 chunks of about ``TARGET_CHUNK_SAMPLES``
(Prometheus's chunk size), which compress well and decode in one call.

Batches written by a scrape target carry its ``stream``: one step takes up to
``TARGET_CHUNK_SAMPLES`` of a stream's oldest batches and cuts full-sized chunks
(level 1) straight from them, so a fast scraper's samples are encoded once and
never merged. ``compact_head_step`` with ``full_before_ms`` waits for a stream
to have that many batches unless its oldest is older than ``full_before_ms``
(a slow scraper), whose short chunks ``merge_chunks`` joins later, as it does
for batches without a stream (rules, checks, imports).

Every step is one transaction that inserts the new chunks and deletes what they
replace, so a crash leaves either the old rows or the new ones, never both.
Steps are bounded (``HEAD_SAMPLES_PER_TRANSACTION``, ``SERIES_PER_MERGE_TRANSACTION``)
so that the agent's writer (``store.writer``) can run one between two group
commits without holding up scrapes for long.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from store.chunks import decode_chunks_bulk, encode_chunk
from store.db import write_transaction
from store.samples import BATCHES, CHUNKS, Block, group_by_series, unpack_array
from store.series import merge_postings
from store.sqlutil import batched

TARGET_CHUNK_SAMPLES = 120
MAX_CHUNK_SAMPLES = 2 * TARGET_CHUNK_SAMPLES
SETTLED_TARGET_SAMPLES = 480
SETTLED_MAX_SAMPLES = 2 * SETTLED_TARGET_SAMPLES


@dataclass(frozen=True)
class MergeLevel:
    """Chunks of level ``source`` are merged into level ``source + 1`` chunks of this size."""

    source: int
    target_samples: int
    max_samples: int
    settled_only: bool
    """Merge only chunks that ended before the force time (data that no longer changes)."""


MERGE_LEVELS = (
    # Fresh chunks from the head, joined to Prometheus's 120 samples as they come.
    MergeLevel(0, TARGET_CHUNK_SAMPLES, MAX_CHUNK_SAMPLES, settled_only=False),
    # Settled data in larger chunks: a chunk row and its index entries cost
    # about 100 bytes however many samples it holds, 0.8 B/sample at 120.
    MergeLevel(1, SETTLED_TARGET_SAMPLES, SETTLED_MAX_SAMPLES, settled_only=True),
)
HEAD_SAMPLES_PER_TRANSACTION = 500_000
SERIES_PER_MERGE_TRANSACTION = 2_000


@dataclass
class CompactionReport:
    batches_compacted: int = 0
    chunks_written: int = 0
    chunks_merged: int = 0
    samples: int = 0
    postings_merged: int = 0

    def add(self, other: CompactionReport) -> None:
        self.batches_compacted += other.batches_compacted
        self.chunks_written += other.chunks_written
        self.chunks_merged += other.chunks_merged
        self.samples += other.samples
        self.postings_merged += other.postings_merged


def compact(
    engine: Engine, until_ms: int, *, force_merge_before_ms: int | None = None
) -> CompactionReport:
    """The head up to ``until_ms``, then merging chunks, then merging postings blocks."""
    report = compact_head(engine, until_ms)
    report.add(merge_chunks(engine, until_ms, force_before_ms=force_merge_before_ms))
    while True:
        with write_transaction(engine) as connection:
            merged = merge_postings(connection)
        report.postings_merged += merged
        if not merged:
            return report


def compact_head(engine: Engine, until_ms: int) -> CompactionReport:
    """Turn every batch that ends before ``until_ms`` into chunks."""
    report = CompactionReport()
    while True:
        with write_transaction(engine) as connection:
            step = compact_head_step(connection, until_ms)
        if step.batches_compacted == 0:
            return report
        report.add(step)


def compact_head_step(
    connection: Connection,
    until_ms: int,
    *,
    full_before_ms: int | None = None,
    streams: bool = True,
) -> CompactionReport:
    """One bounded step of ``compact_head``; nothing compacted when nothing is due.

    With ``full_before_ms``, a stream is compacted only once it has
    ``TARGET_CHUNK_SAMPLES`` batches before ``until_ms`` or its oldest batch
    ended before ``full_before_ms``; batches without a stream as usual.
    Without ``streams``, only batches without a stream.
    """
    stream = _due_stream(connection, until_ms, full_before_ms) if streams else None
    if stream is not None:
        return _compact_stream_step(connection, stream, until_ms)
    return _compact_head_step(connection, until_ms)


def _due_stream(connection: Connection, until_ms: int, full_before_ms: int | None) -> int | None:
    """The stream whose oldest due batch is oldest, or None."""
    rows = connection.execute(
        select(BATCHES.c.stream, func.count(), func.min(BATCHES.c.max_time))
        .where(BATCHES.c.stream.is_not(None), BATCHES.c.max_time < until_ms)
        .group_by(BATCHES.c.stream)
    ).all()
    due = [
        (oldest, stream)
        for stream, count, oldest in rows
        if full_before_ms is None or count >= TARGET_CHUNK_SAMPLES or oldest < full_before_ms
    ]
    return int(min(due)[1]) if due else None


def _compact_stream_step(connection: Connection, stream: int, until_ms: int) -> CompactionReport:
    """A stream's oldest batches (up to ``TARGET_CHUNK_SAMPLES``) into one chunk per series."""
    prepared = prepare_stream_step(connection, stream, until_ms)
    return apply_step(connection, prepared) if prepared else CompactionReport()


class StaleStep(RuntimeError):
    """The batches a prepared step replaces are gone: someone else compacted them."""


@dataclass(frozen=True)
class PreparedStep:
    """Chunks encoded from head batches, ready to replace them in one short transaction."""

    batch_ids: list[int]
    chunk_rows: list[dict[str, Any]]
    samples: int


def prepare_stream_step(connection: Connection, stream: int, until_ms: int) -> PreparedStep | None:
    """Read and encode a stream step: reads only, so it can run outside the write lock."""
    rows = connection.execute(
        select(
            BATCHES.c.id,
            BATCHES.c.sample_count,
            BATCHES.c.series_ids,
            BATCHES.c.timestamps,
            BATCHES.c.sample_values,
        )
        .where(BATCHES.c.stream == stream, BATCHES.c.max_time < until_ms)
        .order_by(BATCHES.c.id)
        .limit(TARGET_CHUNK_SAMPLES)
    )
    ids, blocks, total = _take_batches(rows)
    if not ids:
        return None
    series = group_by_series(blocks)
    full = TARGET_CHUNK_SAMPLES // 2
    chunk_rows = _chunk_rows(
        (sid, ts, vs, 1 if len(ts) >= full else 0) for sid, (ts, vs) in series.items()
    )
    return PreparedStep(ids, chunk_rows, total)


def prepare_due_step(
    connection: Connection, until_ms: int, full_before_ms: int | None
) -> PreparedStep | None:
    """``prepare_stream_step`` of the stream most due, if any (see ``compact_head_step``)."""
    stream = _due_stream(connection, until_ms, full_before_ms)
    return None if stream is None else prepare_stream_step(connection, stream, until_ms)


def apply_step(connection: Connection, step: PreparedStep) -> CompactionReport:
    """Insert a prepared step's chunks and delete its batches; ``StaleStep`` if they are gone."""
    deleted = 0
    for chunk in batched(step.batch_ids):
        deleted += connection.execute(delete(BATCHES).where(BATCHES.c.id.in_(chunk))).rowcount
    if deleted != len(step.batch_ids):
        raise StaleStep(f"{len(step.batch_ids) - deleted} of the step's batches are gone")
    for part in batched(step.chunk_rows, 200):
        connection.execute(insert(CHUNKS), list(part))
    return CompactionReport(
        batches_compacted=len(step.batch_ids),
        chunks_written=len(step.chunk_rows),
        samples=step.samples,
    )


def _take_batches(rows: Iterable[Any]) -> tuple[list[int], list[Block], int]:
    """Batch ids and decoded arrays, up to ``HEAD_SAMPLES_PER_TRANSACTION`` samples."""
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
    return ids, blocks, total


def _delete_batches(connection: Connection, ids: list[int]) -> None:
    for chunk in batched(ids):
        connection.execute(delete(BATCHES).where(BATCHES.c.id.in_(chunk)))


def _compact_head_step(connection: Connection, until_ms: int) -> CompactionReport:
    """Batches without a stream, in the order written, into level 0 chunks."""
    rows = connection.execute(
        select(
            BATCHES.c.id,
            BATCHES.c.sample_count,
            BATCHES.c.series_ids,
            BATCHES.c.timestamps,
            BATCHES.c.sample_values,
        )
        .where(BATCHES.c.max_time < until_ms, BATCHES.c.stream.is_(None))
        .order_by(BATCHES.c.id)
        .limit(1000)
    )
    ids, blocks, total = _take_batches(rows)
    rows.close()
    if not ids:
        return CompactionReport()
    series = group_by_series(blocks)
    written = _insert_chunks(connection, ((sid, ts, vs, 0) for sid, (ts, vs) in series.items()))
    _delete_batches(connection, ids)
    return CompactionReport(batches_compacted=len(ids), chunks_written=written, samples=total)


def merge_chunks(
    engine: Engine, until_ms: int, *, force_before_ms: int | None = None
) -> CompactionReport:
    """Merge each series' consecutive chunks, level by level (``MERGE_LEVELS``).

    A run shorter than its level's target waits for more data, unless it
    ended before ``force_before_ms`` (a series that stopped, or an on-demand
    compaction), so no series keeps small chunks forever. Level 1 chunks are
    merged only once they ended before ``force_before_ms``.
    """
    report = CompactionReport()
    for level in MERGE_LEVELS:
        after: int | None = -1
        while after is not None:
            with write_transaction(engine) as connection:
                step, after = merge_step(
                    connection, until_ms, after, force_before_ms=force_before_ms, level=level
                )
            report.add(step)
    return report


def merge_step(
    connection: Connection,
    until_ms: int,
    after: int,
    *,
    force_before_ms: int | None = None,
    level: MergeLevel = MERGE_LEVELS[0],
) -> tuple[CompactionReport, int | None]:
    """Merge ``level`` chunks of up to ``SERIES_PER_MERGE_TRANSACTION`` series after ``after``.

    Returns what it did and the series id to continue after, None when done.
    """
    if level.settled_only:
        if force_before_ms is None:
            return CompactionReport(), None
        until_ms = min(until_ms, force_before_ms)
    series_ids = list(
        connection.execute(
            select(CHUNKS.c.series_id)
            .where(
                # A literal level, so the partial index for that level applies.
                text(f"chunks.level = {int(level.source)}"),
                CHUNKS.c.max_time < until_ms,
                CHUNKS.c.series_id > after,
            )
            .group_by(CHUNKS.c.series_id)
            .order_by(CHUNKS.c.series_id)
            .limit(SERIES_PER_MERGE_TRANSACTION)
        ).scalars()
    )
    if not series_ids:
        return CompactionReport(), None
    step = _merge_series(connection, series_ids, until_ms, force_before_ms, level)
    return step, series_ids[-1]


def _merge_series(
    connection: Connection,
    series_ids: Sequence[int],
    until_ms: int,
    force_before_ms: int | None,
    level: MergeLevel,
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
                    CHUNKS.c.series_id.in_(chunk),
                    CHUNKS.c.level == level.source,
                    CHUNKS.c.max_time < until_ms,
                )
            )
        )
    rows.sort(key=lambda row: (row[1], row[0]))
    report = CompactionReport()
    merged: list[tuple[int, np.ndarray, np.ndarray, int]] = []
    replaced: list[int] = []
    promoted: list[int] = []
    for run in _runs(rows, level.target_samples, force_before_ms):
        if len(run) == 1 and run[0][2] <= level.max_samples:
            promoted.append(run[0][0])  # nothing to join: keep its bytes, mark it done
            continue
        decoded = decode_chunks_bulk([row[4] for row in run])
        blocks: list[Block] = [
            (np.full(len(ts), row[1], dtype=np.int64), ts, vs)
            for row, (ts, vs) in zip(run, decoded, strict=True)
        ]
        ((series_id, (timestamps, values)),) = group_by_series(blocks).items()
        merged.append((series_id, timestamps, values, level.source + 1))
        replaced.extend(row[0] for row in run)
        report.samples += len(timestamps)
    report.chunks_written = _insert_chunks(connection, merged, level.max_samples)
    for chunk in batched(replaced):
        connection.execute(delete(CHUNKS).where(CHUNKS.c.id.in_(chunk)))
    for chunk in batched(promoted):
        connection.execute(
            update(CHUNKS).where(CHUNKS.c.id.in_(chunk)).values(level=level.source + 1)
        )
    report.chunks_merged = len(replaced)
    return report


def _runs(
    rows: list[tuple[int, int, int, int, bytes]], target: int, force_before_ms: int | None
) -> Iterator[list[tuple[int, int, int, int, bytes]]]:
    """Consecutive chunks of one series, grouped until they reach the target size."""
    run: list[tuple[int, int, int, int, bytes]] = []
    count = 0
    for row in rows:
        if run and run[0][1] != row[1]:
            if _should_close(run, count, target, force_before_ms):
                yield run
            run, count = [], 0
        run.append(row)
        count += row[2]
        if count >= target:
            yield run
            run, count = [], 0
    if run and _should_close(run, count, target, force_before_ms):
        yield run


def _should_close(
    run: list[tuple[int, int, int, int, bytes]],
    count: int,
    target: int,
    force_before_ms: int | None,
) -> bool:
    if count >= target:
        return True
    return force_before_ms is not None and max(row[3] for row in run) < force_before_ms


def _insert_chunks(
    connection: Connection,
    chunks: Iterable[tuple[int, np.ndarray, np.ndarray, int]],
    max_samples: int = MAX_CHUNK_SAMPLES,
) -> int:
    """Insert chunks, splitting long runs evenly so none exceeds ``max_samples``.

    Returns how many chunk rows were written.
    """
    rows = _chunk_rows(chunks, max_samples)
    for part in batched(rows, 200):
        connection.execute(insert(CHUNKS), list(part))
    return len(rows)


def _chunk_rows(
    chunks: Iterable[tuple[int, np.ndarray, np.ndarray, int]],
    max_samples: int = MAX_CHUNK_SAMPLES,
) -> list[dict[str, Any]]:
    """Encoded chunk rows, long runs split evenly so none exceeds ``max_samples``."""
    rows: list[dict[str, Any]] = []
    for series_id, timestamps, values, level in chunks:
        parts = -(-len(timestamps) // max_samples)
        pieces = (
            [(timestamps, values)]
            if parts <= 1
            else zip(np.array_split(timestamps, parts), np.array_split(values, parts), strict=True)
        )
        rows.extend(
            {
                "series_id": int(series_id),
                "min_time": int(ts[0]),
                "max_time": int(ts[-1]),
                "sample_count": len(ts),
                "level": level,
                "data": encode_chunk(ts, vs),
            }
            for ts, vs in pieces
        )
    return rows
