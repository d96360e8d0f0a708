"""The single writer: group commit, flush on stop, and compaction between commits."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sqlalchemy import ColumnElement, Connection, Engine, Table, func, select

from promql.labels import make_labels
from promql.matchers import Matcher, MatchType
from store.compaction import (
    TARGET_CHUNK_SAMPLES,
    StaleStep,
    apply_step,
    compact_head,
    prepare_due_step,
)
from store.db import write_transaction
from store.querier import StoreQuerier
from store.samples import BATCHES, CHUNKS, append_samples
from store.series import SeriesIndex
from store.writer import Compactor, Write, Writer, stream_key

JOB = Matcher("job", MatchType.EQUAL, "api")


def _scrape_write(index: SeriesIndex, t_ms: int, stream: int | None) -> Write:
    samples = [
        (make_labels({"__name__": "x", "job": "api", "route": r}), t_ms, float(t_ms + k))
        for k, r in enumerate(("/a", "/b", "/c"))
    ]

    def write(connection: Connection) -> None:
        append_samples(connection, index, samples, stream=stream)

    return write


def _count(database: Engine, table: Table, *where: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(table)
    for condition in where:
        query = query.where(condition)
    with database.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _read(database: Engine) -> dict[str, list[int]]:
    return {
        dict(s.labels)["route"]: s.timestamps.tolist()
        for s in StoreQuerier(database).select([JOB], 0, 10**13)
    }


def test_queued_writes_commit_together_and_stop_flushes(database: Engine) -> None:
    index = SeriesIndex()
    writer = Writer(database, commit_interval=0.05)
    writer.start()
    for i in range(20):
        writer.submit(_scrape_write(index, 1_000 * i, stream_key("api", "a")))
    deadline = time.monotonic() + 5
    while _count(database, BATCHES) < 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _count(database, BATCHES) == 20
    assert writer.commits < 20
    writer.submit(_scrape_write(index, 99_000, None))
    writer.stop()
    assert _count(database, BATCHES) == 21
    # Stopped: a write runs at once.
    writer.submit(_scrape_write(index, 100_000, None))
    assert _count(database, BATCHES) == 22


def test_a_failing_write_does_not_take_its_group_down(database: Engine) -> None:
    index = SeriesIndex()
    writer = Writer(database, commit_interval=10)

    def broken(connection: Connection) -> None:
        raise RuntimeError("boom")

    writer.start()
    writer.submit(_scrape_write(index, 1_000, None))
    writer.submit(broken)
    writer.submit(_scrape_write(index, 2_000, None))
    writer.stop()
    assert _read(database)["/a"] == [1_000, 2_000]


def test_streams_compact_into_full_chunks_once_they_have_enough(database: Engine) -> None:
    index = SeriesIndex()
    now = [0.0]
    compactor = Compactor(head_keep_seconds=30, full_wait_seconds=600, clock=lambda: now[0])
    fast, slow = stream_key("api", "fast"), stream_key("api", "slow")
    writer = Writer(database)  # not started: writes commit at once
    scrapes = TARGET_CHUNK_SAMPLES + 40
    for i in range(scrapes):
        writer.submit(_scrape_write(index, 1_000 * i, fast))
    before = _read(database)

    now[0] = scrapes + 30.0  # every batch is older than the head's 30 s
    compactor.run(database, budget_seconds=5)
    # One full step of the stream: TARGET batches into one chunk per series.
    assert _count(database, CHUNKS, CHUNKS.c.level == 1) == 3
    assert _count(database, CHUNKS, CHUNKS.c.sample_count == TARGET_CHUNK_SAMPLES) == 3
    assert _count(database, BATCHES) == 40  # too few for a full chunk: they wait
    assert _read(database) == before

    writer.submit(_scrape_write(index, 1_000 * scrapes, slow))
    now[0] = scrapes + 30.0 + 700  # past full_wait: the rest goes, short or not
    compactor.run(database, budget_seconds=5)
    assert _count(database, BATCHES) == 0
    assert _read(database)["/a"] == [*before["/a"], 1_000 * scrapes]


def test_compact_head_takes_stream_batches_in_full_sized_steps(database: Engine) -> None:
    index = SeriesIndex()
    writer = Writer(database)
    for i in range(2 * TARGET_CHUNK_SAMPLES + 5):
        writer.submit(_scrape_write(index, 1_000 * i, stream_key("api", "a")))
    before = _read(database)
    report = compact_head(database, until_ms=10**12)
    assert report.batches_compacted == 2 * TARGET_CHUNK_SAMPLES + 5
    with database.connect() as connection:
        counts = sorted(
            connection.execute(
                select(CHUNKS.c.sample_count).where(CHUNKS.c.series_id == 1)
            ).scalars()
        )
    assert counts == [5, TARGET_CHUNK_SAMPLES, TARGET_CHUNK_SAMPLES]
    assert _read(database) == before
    assert np.array_equal(before["/a"], np.arange(2 * TARGET_CHUNK_SAMPLES + 5) * 1_000)


def test_the_compaction_thread_replaces_full_streams_while_writes_go_on(
    database: Engine,
) -> None:
    index = SeriesIndex()
    writer = Writer(
        database,
        commit_interval=0.02,
        compactor=Compactor(head_keep_seconds=0, clock=lambda: 10.0**6),
    )
    stream = stream_key("api", "a")
    writer.start()
    try:
        for i in range(TARGET_CHUNK_SAMPLES + 3):
            writer.submit(_scrape_write(index, 1_000 * i, stream))
        deadline = time.monotonic() + 20
        while _count(database, CHUNKS) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        writer.stop()
    assert _count(database, CHUNKS, CHUNKS.c.sample_count == TARGET_CHUNK_SAMPLES) == 3
    assert _read(database)["/a"] == [1_000 * i for i in range(TARGET_CHUNK_SAMPLES + 3)]


def test_a_prepared_step_whose_batches_are_gone_is_dropped(database: Engine) -> None:
    index = SeriesIndex()
    writer = Writer(database)
    for i in range(5):
        writer.submit(_scrape_write(index, 1_000 * i, stream_key("api", "a")))
    with database.connect() as connection:
        prepared = prepare_due_step(connection, 10**12, None)
    assert prepared is not None
    compact_head(database, until_ms=10**12)  # someone else (vigil db compact) got there first
    with pytest.raises(StaleStep), write_transaction(database) as connection:
        apply_step(connection, prepared)
    assert _count(database, CHUNKS) == 3
    assert _read(database)["/a"] == [0, 1_000, 2_000, 3_000, 4_000]
