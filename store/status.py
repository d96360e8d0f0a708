"""What the store holds: the figures behind /api/v1/status/tsdb and `vigil db stats`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Select, func, select, text

from promql.labels import METRIC_NAME
from store.idcodec import unpack_ids
from store.samples import BATCHES, CHUNKS
from store.series import PAIRS, POSTINGS, SERIES


@dataclass(frozen=True)
class StoreStats:
    series: int
    label_pairs: int
    head_samples: int
    chunk_samples: int
    chunks: int
    min_time: int | None
    max_time: int | None
    bytes_on_disk: int
    series_by_metric: list[tuple[str, int]] = field(default_factory=list)
    values_by_label: list[tuple[str, int]] = field(default_factory=list)
    series_by_pair: list[tuple[str, int]] = field(default_factory=list)

    @property
    def samples(self) -> int:
        return self.head_samples + self.chunk_samples


def store_stats(engine: Engine, *, top: int = 10) -> StoreStats:
    with engine.connect() as connection:

        def scalar(query: Select[Any]) -> int:
            return int(connection.execute(query).scalar_one() or 0)

        head = connection.execute(
            select(
                func.coalesce(func.sum(BATCHES.c.sample_count), 0),
                func.min(BATCHES.c.min_time),
                func.max(BATCHES.c.max_time),
            )
        ).one()
        chunks = connection.execute(
            select(
                func.count(),
                func.coalesce(func.sum(CHUNKS.c.sample_count), 0),
                func.min(CHUNKS.c.min_time),
                func.max(CHUNKS.c.max_time),
            )
        ).one()
        names = dict(
            connection.execute(select(PAIRS.c.id, PAIRS.c.name + "=" + PAIRS.c.value)).all()
        )
        series_per_pair: dict[int, int] = {}
        for pair_id, packed in connection.execute(
            select(POSTINGS.c.pair_id, POSTINGS.c.series_ids)
        ):
            series_per_pair[pair_id] = series_per_pair.get(pair_id, 0) + len(unpack_ids(packed))
        ranked = sorted(
            ((names[pair_id], count) for pair_id, count in series_per_pair.items()),
            key=lambda item: (-item[1], item[0]),
        )
        metric_prefix = METRIC_NAME + "="
        by_metric = [
            (pair[len(metric_prefix) :], n) for pair, n in ranked if pair.startswith(metric_prefix)
        ][:top]
        by_label = connection.execute(
            select(PAIRS.c.name, func.count())
            .group_by(PAIRS.c.name)
            .order_by(func.count().desc(), PAIRS.c.name)
            .limit(top)
        ).all()
        by_pair = ranked[:top]
        times = [t for t in (head[1], chunks[2]) if t is not None]
        ends = [t for t in (head[2], chunks[3]) if t is not None]
        return StoreStats(
            series=scalar(select(func.count()).select_from(SERIES)),
            label_pairs=scalar(select(func.count()).select_from(PAIRS)),
            head_samples=int(head[0]),
            chunk_samples=int(chunks[1]),
            chunks=int(chunks[0]),
            min_time=min(times) if times else None,
            max_time=max(ends) if ends else None,
            bytes_on_disk=database_bytes(engine),
            series_by_metric=[(str(name), int(n)) for name, n in by_metric],
            values_by_label=[(str(name), int(n)) for name, n in by_label],
            series_by_pair=by_pair,
        )


def database_bytes(engine: Engine) -> int:
    """Bytes the store takes on disk: the SQLite file and its WAL, or the PostgreSQL database."""
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:":
            return 0
        return sum(os.path.getsize(p) for p in (path, f"{path}-wal") if os.path.exists(p))
    with engine.connect() as connection:
        return int(
            connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        )
