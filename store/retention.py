"""Retention: dropping samples older than the configured age."""

from __future__ import annotations

from sqlalchemy import Engine, delete

from store.db import write_transaction
from store.samples import BATCHES


def delete_samples_before(engine: Engine, cutoff_ms: int) -> int:
    """Delete whole batches that end before the cutoff; returns how many went."""
    with write_transaction(engine) as connection:
        result = connection.execute(delete(BATCHES).where(BATCHES.c.max_time < cutoff_ms))
        return int(result.rowcount or 0)
