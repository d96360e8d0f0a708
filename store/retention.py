"""Retention: dropping samples older than the configured age."""

from __future__ import annotations

from sqlalchemy import Engine, delete, func, select

from store.db import write_transaction
from store.samples import BATCHES, CHUNKS


def delete_samples_before(engine: Engine, cutoff_ms: int) -> int:
    """Delete head batches and chunks that end before the cutoff; returns rows deleted.

    Whole rows go, so a chunk straddling the cutoff lives until its last sample
    is old enough, as Prometheus keeps whole blocks.
    """
    with write_transaction(engine) as connection:
        batches = connection.execute(delete(BATCHES).where(BATCHES.c.max_time < cutoff_ms))
        chunks = connection.execute(delete(CHUNKS).where(CHUNKS.c.max_time < cutoff_ms))
        return int(batches.rowcount or 0) + int(chunks.rowcount or 0)


def sample_bytes(engine: Engine) -> int:
    """Bytes of stored sample data (chunks and head), what ``retention_size`` bounds."""
    with engine.connect() as connection:
        chunks = connection.execute(select(func.coalesce(func.sum(func.length(CHUNKS.c.data)), 0)))
        head = connection.execute(
            select(
                func.coalesce(
                    func.sum(
                        func.length(BATCHES.c.series_ids)
                        + func.length(BATCHES.c.timestamps)
                        + func.length(BATCHES.c.sample_values)
                    ),
                    0,
                )
            )
        )
        return int(chunks.scalar_one()) + int(head.scalar_one())


def enforce_size(engine: Engine, max_bytes: int) -> int:
    """Delete the oldest samples until stored sample bytes fit ``max_bytes``.

    Returns the cut-off used (ms), or 0 when nothing had to go. Whole rows are
    deleted, so the store may end a little under the bound.
    """
    excess = sample_bytes(engine) - max_bytes
    if excess <= 0:
        return 0
    freed = 0
    cutoff = 0
    with engine.connect() as connection:
        rows = connection.execute(
            select(CHUNKS.c.max_time, func.length(CHUNKS.c.data)).order_by(CHUNKS.c.max_time)
        )
        for max_time, size in rows:
            freed += int(size)
            cutoff = int(max_time) + 1
            if freed >= excess:
                break
        rows.close()
        if freed < excess:
            newest = connection.execute(select(func.max(BATCHES.c.max_time))).scalar_one()
            cutoff = max(cutoff, int(newest or 0) + 1)
    delete_samples_before(engine, cutoff)
    return cutoff
