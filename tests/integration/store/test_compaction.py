"""Compaction changes how samples are stored, never what a query reads."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine, func, select

from promql.labels import make_labels
from promql.matchers import Matcher, MatchType
from promql.staleness import STALE_NAN
from store.compaction import (
    SETTLED_TARGET_SAMPLES,
    TARGET_CHUNK_SAMPLES,
    compact,
    compact_head,
    merge_chunks,
)
from store.db import write_transaction
from store.headcache import HeadCache
from store.querier import StoreQuerier
from store.samples import BATCHES, CHUNKS, append_samples
from store.series import SeriesIndex

JOB = Matcher("job", MatchType.EQUAL, "api")


def _scrape(database: Engine, index: SeriesIndex, t_ms: int, value: float) -> None:
    """One scrape of three series, as a scrape loop writes it."""
    with write_transaction(database) as connection:
        append_samples(
            connection,
            index,
            [
                (
                    make_labels({"__name__": "requests_total", "job": "api", "route": r}),
                    t_ms,
                    value if k == 1 else value * k,  # arithmetic would quieten a stale NaN
                )
                for k, r in enumerate(("/a", "/b", "/c"), start=1)
            ],
        )


def _read(database: Engine) -> dict[str, tuple[list[int], list[int]]]:
    return {
        dict(s.labels)["route"]: (s.timestamps.tolist(), s.values.view(np.uint64).tolist())
        for s in StoreQuerier(database).select([JOB], 0, 10**12)
    }


def _count(database: Engine, table_level: int | None = None) -> int:
    query = select(func.count()).select_from(CHUNKS)
    if table_level is not None:
        query = query.where(CHUNKS.c.level == table_level)
    with database.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _head_rows(database: Engine) -> int:
    with database.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(BATCHES)).scalar_one())


def test_compaction_keeps_every_sample_and_makes_full_chunks(database: Engine) -> None:
    index = SeriesIndex()
    scrapes = 2 * TARGET_CHUNK_SAMPLES + 10
    for i in range(scrapes):
        _scrape(database, index, 1_000 * i, float(i) if i != 50 else STALE_NAN)
    before = _read(database)

    first = compact_head(database, until_ms=1_000 * 100)
    assert first.batches_compacted == 100
    assert _head_rows(database) == scrapes - 100
    assert _read(database) == before

    compact_head(database, until_ms=1_000 * scrapes)
    assert _head_rows(database) == 0
    assert _count(database, 0) == 6  # two head compactions x three series
    assert _read(database) == before

    merged = merge_chunks(database, until_ms=1_000 * scrapes)
    assert _read(database) == before
    # Per series: 100 + 150 samples merge into one run, stored as two chunks of 125.
    assert (merged.chunks_merged, merged.chunks_written) == (6, 6)
    assert (_count(database, 0), _count(database, 1)) == (0, 6)

    for i in range(scrapes, scrapes + 10):
        _scrape(database, index, 1_000 * i, float(i))
    after_more = _read(database)
    end = 1_000 * (scrapes + 10)
    compact_head(database, until_ms=end)
    merge_chunks(database, until_ms=end)
    assert _count(database, 0) == 3  # ten samples each: too small, they wait for more
    compact(database, until_ms=end, force_merge_before_ms=end)
    # Forced, everything is settled: each series' 125 + 125 + 10 samples become
    # one level 2 chunk (up to SETTLED_MAX_SAMPLES).
    assert (_count(database, 0), _count(database, 1), _count(database, 2)) == (0, 0, 3)
    assert _read(database) == after_more
    stale = before["/a"][1][50]
    assert stale == int(np.array([STALE_NAN]).view(np.uint64)[0])


def test_a_rewrite_after_compaction_wins_over_the_chunk(database: Engine) -> None:
    index = SeriesIndex()
    for i in range(5):
        _scrape(database, index, 1_000 * i, 1.0)
    compact(database, until_ms=10_000, force_merge_before_ms=10_000)
    _scrape(database, index, 2_000, 7.0)
    values = {route: v for route, (_, v) in _read(database).items()}
    assert np.array(values["/a"], dtype=np.uint64).view(np.float64).tolist() == [1, 1, 7, 1, 1]


def test_size_retention_drops_the_oldest_samples_first(database: Engine) -> None:
    from store.retention import enforce_size, sample_bytes

    index = SeriesIndex()
    for i in range(400):
        _scrape(database, index, 1_000 * i, float(i))
    compact(database, until_ms=400_000)  # not settled: level 1 chunks of 200 samples
    total = sample_bytes(database)
    bound = total * 6 // 10  # the older of each series' two 200-sample chunks must go
    cutoff = enforce_size(database, bound)
    assert 0 < cutoff < 400_000
    assert sample_bytes(database) <= bound
    kept = _read(database)["/a"][0]
    assert kept[-1] == 399_000  # the newest survive
    assert kept[0] >= cutoff - 1  # and nothing older than the cut-off
    assert enforce_size(database, total) == 0


def test_a_querier_with_a_head_cache_sees_new_batches_and_compaction(database: Engine) -> None:
    index = SeriesIndex()
    querier = StoreQuerier(database)

    def routes() -> dict[str, list[int]]:
        return {
            dict(s.labels)["route"]: s.timestamps.tolist() for s in querier.select([JOB], 0, 10**12)
        }

    for i in range(3):
        _scrape(database, index, 1_000 * i, float(i))
    assert routes()["/b"] == [0, 1_000, 2_000]  # decoded and cached
    _scrape(database, index, 3_000, 3.0)
    assert routes()["/b"] == [0, 1_000, 2_000, 3_000]  # a new batch is read, old ones reused
    compact(database, until_ms=2_500, force_merge_before_ms=2_500)
    assert routes()["/b"] == [0, 1_000, 2_000, 3_000]  # compacted batches now come from chunks


def test_settled_chunks_merge_into_larger_ones_and_fresh_ones_wait(database: Engine) -> None:
    index = SeriesIndex()
    scrapes = SETTLED_TARGET_SAMPLES + 2 * TARGET_CHUNK_SAMPLES
    for i in range(scrapes):
        _scrape(database, index, 1_000 * i, float(i % 17))
    before = _read(database)
    end = 1_000 * scrapes
    compact_head(database, until_ms=end)
    merge_chunks(database, until_ms=end)
    level1 = _count(database, 1)
    assert (level1, _count(database, 2)) == (9, 0)  # not settled: nothing merges on
    settled_before = 1_000 * (SETTLED_TARGET_SAMPLES + 10)
    merge_chunks(database, until_ms=end, force_before_ms=settled_before)
    assert _read(database) == before
    with database.connect() as connection:
        settled = connection.execute(
            select(CHUNKS.c.sample_count, CHUNKS.c.max_time).where(CHUNKS.c.level == 2)
        ).all()
        fresh = connection.execute(select(CHUNKS.c.min_time).where(CHUNKS.c.level == 1)).all()
    assert len(settled) == 3
    assert all(count >= SETTLED_TARGET_SAMPLES for count, _ in settled)
    assert all(max_time < settled_before for _, max_time in settled)
    assert fresh and all(min_time > max(t for _, t in settled) for (min_time,) in fresh)


def test_a_rule_querier_lists_the_head_once_per_burst(database: Engine) -> None:
    now = [0.0]
    querier = StoreQuerier(
        database, head_cache=HeadCache(listing_seconds=0.5, clock=lambda: now[0])
    )
    index = SeriesIndex()

    def newest() -> int:
        (series, *_) = querier.select([JOB], 0, 10**12)
        return int(series.timestamps[-1])

    _scrape(database, index, 1_000, 1.0)
    assert newest() == 1_000
    _scrape(database, index, 2_000, 2.0)
    now[0] = 0.4
    assert newest() == 1_000  # within the burst: the listing taken at 0.0
    now[0] = 0.6
    assert newest() == 2_000
    compact(database, until_ms=10_000, force_merge_before_ms=10_000)
    assert newest() == 2_000  # listed batches compacted away: read once, from the chunks
    assert [len(s.timestamps) for s in querier.select([JOB], 0, 10**12)] == [2, 2, 2]
