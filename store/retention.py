"""Retention: dropping samples older than the configured age."""

from __future__ import annotations

from sqlalchemy import Engine, delete

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
