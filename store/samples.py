"""Writing and reading samples.

A write is one ``sample_batches`` row per scrape: three parallel arrays (series
id, timestamp ms, float64 value), zlib-packed. One row per scrape instead of one
per sample keeps SQLite and PostgreSQL at hundreds of thousands of samples a
second, and a committed batch is at once visible to every process. Values are
stored as raw float64 bits, so NaN payloads (staleness markers) survive exactly.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
from sqlalchemy import Connection, insert, select

from promql.labels import Labels
from promql.querier import Timestamps, Values
from store.chunkcodec_bulk import decode_chunks_flat
from store.headcache import DecodedBatch, HeadCache
from store.models import Chunk, SampleBatch, table_of
from store.series import SeriesIndex
from store.sqlutil import batched

BATCHES = table_of(SampleBatch)
CHUNKS = table_of(Chunk)
_COMPRESSION_LEVEL = 1


def pack_array(array: np.ndarray) -> bytes:
    return zlib.compress(np.ascontiguousarray(array).tobytes(), _COMPRESSION_LEVEL)


def unpack_array(data: bytes, dtype: type[np.generic]) -> np.ndarray:
    return np.frombuffer(zlib.decompress(data), dtype=dtype)


Sample = tuple[Labels, int, float]
"""A sample as collectors produce it: labels, timestamp in ms, value."""


def append_samples(
    connection: Connection,
    index: SeriesIndex,
    samples: Sequence[Sample],
    *,
    stream: int | None = None,
) -> int:
    """Store samples in one batch row; returns how many were written.

    ``stream`` names the writer (a scrape target, ``store.writer.stream_key``):
    compaction cuts chunks from many batches of one stream at once.
    """
    if not samples:
        return 0
    ids = np.asarray(index.ids_for(connection, [s[0] for s in samples]), dtype=np.int64)
    timestamps = np.fromiter((s[1] for s in samples), dtype=np.int64, count=len(samples))
    values = np.fromiter((s[2] for s in samples), dtype=np.float64, count=len(samples))
    append_arrays(connection, ids, timestamps, values, stream=stream)
    return len(samples)


def append_arrays(
    connection: Connection,
    series_ids: np.ndarray,
    timestamps: Timestamps,
    values: Values,
    *,
    stream: int | None = None,
) -> None:
    connection.execute(
        insert(BATCHES).values(
            min_time=int(timestamps.min()),
            max_time=int(timestamps.max()),
            sample_count=len(series_ids),
            series_ids=pack_array(series_ids.astype(np.int64)),
            timestamps=pack_array(timestamps.astype(np.int64)),
            sample_values=pack_array(values.astype(np.float64)),
            stream=stream,
        )
    )


Block = tuple[np.ndarray, Timestamps, Values]
"""Parallel arrays of series id, timestamp and value, in the order they were written."""


def group_by_series(blocks: Sequence[Block]) -> dict[int, tuple[Timestamps, Values]]:
    """Samples per series, sorted by time; of two samples at one time, the later block's wins."""
    blocks = [block for block in blocks if len(block[0])]
    if not blocks:
        return {}
    all_ids = np.concatenate([block[0] for block in blocks])
    all_ts = np.concatenate([block[1] for block in blocks])
    all_values = np.concatenate([block[2] for block in blocks])
    arrival = np.arange(len(all_ids))
    order = np.lexsort((arrival, all_ts, all_ids))
    all_ids, all_ts, all_values = all_ids[order], all_ts[order], all_values[order]
    # Where (id, ts) repeats, keep the last written: drop an entry equal to its successor.
    last_of_run = np.ones(len(all_ids), dtype=bool)
    last_of_run[:-1] = (all_ids[:-1] != all_ids[1:]) | (all_ts[:-1] != all_ts[1:])
    all_ids, all_ts, all_values = all_ids[last_of_run], all_ts[last_of_run], all_values[last_of_run]
    boundaries = np.flatnonzero(np.diff(all_ids)) + 1
    return {
        int(ids[0]): (ts, values)
        for ids, ts, values in zip(
            np.split(all_ids, boundaries),
            np.split(all_ts, boundaries),
            np.split(all_values, boundaries),
            strict=True,
        )
    }


def read_samples(
    connection: Connection,
    series_ids: Sequence[int],
    start_ms: int,
    end_ms: int,
    cache: HeadCache | None = None,
) -> dict[int, tuple[Timestamps, Values]]:
    """Samples of the given series in [start_ms, end_ms], from chunks and the head.

    Chunks are read before head batches, each in the order written, so a
    timestamp written twice keeps the value written last. When only chunks
    hold the window and no two of a series' chunks overlap (what compaction
    produces), they are already in (series, time) order and nothing is sorted.
    """
    if not series_ids:
        return {}
    wanted = np.asarray(sorted(series_ids), dtype=np.int64)
    rows = sorted(_chunk_rows(connection, series_ids, start_ms, end_ms))
    chunk_ts, chunk_values, counts = decode_chunks_flat([row[3] for row in rows])
    chunk_ids = np.repeat(np.fromiter((row[0] for row in rows), np.int64, len(rows)), counts)
    flat: Block = (chunk_ids, chunk_ts, chunk_values)
    head: list[Block] = []
    for batch in _head_batches(connection, start_ms, end_ms, cache):
        picked = batch.select(wanted)
        if picked is not None:
            head.append(picked)
    if not _strictly_ordered(flat[0], flat[1]):
        # Chunks in the order written, then the head: the general merge.
        # Reorder whole chunks by id (the order written), then sort stably with the head.
        chunk_order = np.fromiter((row[2] for row in rows), np.int64, len(rows))
        order = np.argsort(chunk_order, kind="stable")
        ends = np.cumsum(counts)
        firsts = ends - counts
        take = _ranges(firsts[order], counts[order])
        written: Block = (chunk_ids[take], chunk_ts[take], chunk_values[take])
        flat = _sorted_flat([written, *head])
    elif head:
        # Compacted chunks never repeat a timestamp, so their written order does not
        # matter: the sorted run of chunk samples merges with the (small) head.
        flat = _sorted_flat([flat, *head])
    return _windowed(flat, start_ms, end_ms)


def _head_batches(
    connection: Connection, start_ms: int, end_ms: int, cache: HeadCache | None
) -> list[DecodedBatch]:
    """The head batches overlapping the window, oldest first, decoded once per cache."""
    window = (BATCHES.c.max_time >= start_ms, BATCHES.c.min_time <= end_ms)

    def load(batch_ids: Sequence[int]) -> dict[int, DecodedBatch]:
        loaded: dict[int, DecodedBatch] = {}
        for part in batched(list(batch_ids)):
            for row in connection.execute(
                select(
                    BATCHES.c.id,
                    BATCHES.c.series_ids,
                    BATCHES.c.timestamps,
                    BATCHES.c.sample_values,
                ).where(BATCHES.c.id.in_(part))
            ):
                loaded[row[0]] = DecodedBatch.of(
                    unpack_array(row[1], np.int64),
                    unpack_array(row[2], np.int64),
                    unpack_array(row[3], np.float64),
                )
        return loaded

    if cache is None:
        batch_ids = list(
            connection.execute(select(BATCHES.c.id).where(*window).order_by(BATCHES.c.id)).scalars()
        )
    else:
        batch_ids = cache.batches_overlapping(
            start_ms,
            end_ms,
            lambda: [
                (batch_id, low, high)
                for batch_id, low, high in connection.execute(
                    select(BATCHES.c.id, BATCHES.c.min_time, BATCHES.c.max_time)
                )
            ],
        )
    if not batch_ids:
        return []
    if cache is None:
        decoded = load(batch_ids)
        return [decoded[i] for i in batch_ids if i in decoded]
    return cache.get_many(batch_ids, load)


def _strictly_ordered(ids: np.ndarray, ts: np.ndarray) -> bool:
    """Whether (id, ts) pairs are strictly increasing: sorted, no timestamp twice."""
    if len(ids) < 2:
        return True
    same = ids[1:] == ids[:-1]
    return bool(((ids[1:] > ids[:-1]) | (same & (ts[1:] > ts[:-1]))).all())


def _sorted_flat(blocks: Sequence[Block]) -> Block:
    """Blocks merged in (id, ts) order; of two samples at one time, the later block's wins."""
    blocks = [block for block in blocks if len(block[0])]
    if not blocks:
        return _EMPTY
    all_ids = np.concatenate([block[0] for block in blocks])
    all_ts = np.concatenate([block[1] for block in blocks])
    all_values = np.concatenate([block[2] for block in blocks])
    key = _sort_key(all_ids, all_ts)
    if key is None:
        arrival = np.arange(len(all_ids))
        order = np.lexsort((arrival, all_ts, all_ids))
    else:
        # A stable sort keeps arrival order among equal (id, ts); NumPy's is a
        # timsort, linear on what is mostly one long sorted run (the chunks).
        order = np.argsort(key, kind="stable")
    all_ids, all_ts, all_values = all_ids[order], all_ts[order], all_values[order]
    last_of_run = np.ones(len(all_ids), dtype=bool)
    last_of_run[:-1] = (all_ids[:-1] != all_ids[1:]) | (all_ts[:-1] != all_ts[1:])
    return all_ids[last_of_run], all_ts[last_of_run], all_values[last_of_run]


def _sort_key(ids: np.ndarray, ts: np.ndarray) -> np.ndarray | None:
    """One int64 ordered like the pairs (id, ts), or None if it could overflow."""
    id_low, ts_low = int(ids.min()), int(ts.min())
    id_span = int(ids.max()) - id_low + 1
    ts_span = int(ts.max()) - ts_low + 1
    if id_span * ts_span >= 2**62:
        return None
    key: np.ndarray = (ids - id_low) * ts_span + (ts - ts_low)
    return key


_EMPTY: Block = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))


def _windowed(flat: Block, start_ms: int, end_ms: int) -> dict[int, tuple[Timestamps, Values]]:
    """Per series, the samples of (id, ts)-ordered arrays that fall in [start_ms, end_ms]."""
    ids, ts, values = flat
    inside = (ts >= start_ms) & (ts <= end_ms)
    if not inside.all():
        ids, ts, values = ids[inside], ts[inside], values[inside]
    if not len(ids):
        return {}
    bounds = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    starts = [0, *bounds.tolist()]
    ends = [*bounds.tolist(), len(ids)]
    firsts = ids[starts].tolist()
    return {
        series_id: (ts[a:b], values[a:b])
        for series_id, a, b in zip(firsts, starts, ends, strict=True)
    }


def _chunk_rows(
    connection: Connection, series_ids: Sequence[int], start_ms: int, end_ms: int
) -> list[tuple[int, int, int, bytes]]:
    """(series id, min time, chunk id, data) of the chunks overlapping the window."""
    rows: list[tuple[int, int, int, bytes]] = []
    for part in batched(sorted(series_ids)):
        rows.extend(
            (series_id, min_time, chunk_id, data)
            for series_id, min_time, chunk_id, data in connection.execute(
                select(CHUNKS.c.series_id, CHUNKS.c.min_time, CHUNKS.c.id, CHUNKS.c.data).where(
                    CHUNKS.c.series_id.in_(part),
                    CHUNKS.c.max_time >= start_ms,
                    CHUNKS.c.min_time <= end_ms,
                )
            )
        )
    return rows


def _ranges(firsts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Indices ``firsts[i], firsts[i] + 1, ...`` (``counts[i]`` of them) for every i, in turn."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    ranges: np.ndarray = np.arange(total, dtype=np.int64) + np.repeat(firsts - starts, counts)
    return ranges
