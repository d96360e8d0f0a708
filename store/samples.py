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
from store.chunks import decode_chunks_bulk
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


def append_samples(connection: Connection, index: SeriesIndex, samples: Sequence[Sample]) -> int:
    """Store samples in one batch row; returns how many were written."""
    if not samples:
        return 0
    ids = np.asarray(index.ids_for(connection, [s[0] for s in samples]), dtype=np.int64)
    timestamps = np.fromiter((s[1] for s in samples), dtype=np.int64, count=len(samples))
    values = np.fromiter((s[2] for s in samples), dtype=np.float64, count=len(samples))
    append_arrays(connection, ids, timestamps, values)
    return len(samples)


def append_arrays(
    connection: Connection, series_ids: np.ndarray, timestamps: Timestamps, values: Values
) -> None:
    connection.execute(
        insert(BATCHES).values(
            min_time=int(timestamps.min()),
            max_time=int(timestamps.max()),
            sample_count=len(series_ids),
            series_ids=pack_array(series_ids.astype(np.int64)),
            timestamps=pack_array(timestamps.astype(np.int64)),
            sample_values=pack_array(values.astype(np.float64)),
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
    connection: Connection, series_ids: Sequence[int], start_ms: int, end_ms: int
) -> dict[int, tuple[Timestamps, Values]]:
    """Samples of the given series in [start_ms, end_ms], from chunks and the head.

    Chunks are read before head batches, each in the order written, so a
    timestamp written twice keeps the value written last.
    """
    if not series_ids:
        return {}
    wanted = np.asarray(sorted(series_ids), dtype=np.int64)
    blocks = _chunk_blocks(connection, series_ids, start_ms, end_ms)
    rows = connection.execute(
        select(BATCHES.c.series_ids, BATCHES.c.timestamps, BATCHES.c.sample_values)
        .where(BATCHES.c.max_time >= start_ms, BATCHES.c.min_time <= end_ms)
        .order_by(BATCHES.c.id)
    )
    for packed_ids, packed_ts, packed_values in rows:
        ids = unpack_array(packed_ids, np.int64)
        keep = np.isin(ids, wanted)
        if keep.any():
            blocks.append(
                (
                    ids[keep],
                    unpack_array(packed_ts, np.int64)[keep],
                    unpack_array(packed_values, np.float64)[keep],
                )
            )
    result = {}
    for series_id, (ts, values) in group_by_series(blocks).items():
        in_window = _window(ts, values, start_ms, end_ms)
        if len(in_window[0]):
            result[series_id] = in_window
    return result


def _window(
    ts: Timestamps, values: Values, start_ms: int, end_ms: int
) -> tuple[Timestamps, Values]:
    left = int(np.searchsorted(ts, start_ms, side="left"))
    right = int(np.searchsorted(ts, end_ms, side="right"))
    return ts[left:right], values[left:right]


def _chunk_blocks(
    connection: Connection, series_ids: Sequence[int], start_ms: int, end_ms: int
) -> list[Block]:
    rows: list[tuple[int, int, bytes]] = []
    for part in batched(sorted(series_ids)):
        rows.extend(
            (row.id, row.series_id, row.data)
            for row in connection.execute(
                select(CHUNKS.c.id, CHUNKS.c.series_id, CHUNKS.c.data).where(
                    CHUNKS.c.series_id.in_(part),
                    CHUNKS.c.max_time >= start_ms,
                    CHUNKS.c.min_time <= end_ms,
                )
            )
        )
    rows.sort()
    decoded = decode_chunks_bulk([row[2] for row in rows])
    return [
        (np.full(len(ts), row[1], dtype=np.int64), ts, values)
        for row, (ts, values) in zip(rows, decoded, strict=True)
    ]
