"""Cached selections follow series created later, including ids committed out of order."""

from __future__ import annotations

from sqlalchemy import Engine

from promql.labels import Labels, make_labels
from promql.matchers import Matcher, MatchType
from store.db import write_transaction
from store.idcodec import pack_ids
from store.labelpairs import LabelPairs
from store.selectcache import SelectCache
from store.series import SERIES, SeriesIndex, add_postings, fingerprint

JOB_API = [Matcher("job", MatchType.EQUAL, "api")]


def _labels(instance: str, job: str = "api") -> Labels:
    return make_labels({"__name__": "up", "job": job, "instance": instance})


def _create_with_id(database: Engine, series_id: int, labels: Labels) -> None:
    """A series with a chosen id: what a PostgreSQL writer's late commit looks like."""
    with write_transaction(database) as connection:
        pair_ids = LabelPairs().ids_for(connection, labels)
        ids = [pair_ids[pair] for pair in labels]
        connection.execute(
            SERIES.insert(),
            {"id": series_id, "fingerprint": fingerprint(labels), "pairs": pack_ids(ids)},
        )
        add_postings(connection, {series_id: ids})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_cached_selection_gains_new_series_and_late_commits(database: Engine) -> None:
    clock = Clock()
    cache = SelectCache(settle_seconds=60, catch_up_seconds=0, clock=clock)
    pairs = LabelPairs()

    def selected() -> list[str]:
        with database.connect() as connection:
            found = cache.select(connection, JOB_API, pairs)
        return sorted(dict(labels)["instance"] for _, labels in found)

    with write_transaction(database) as connection:
        SeriesIndex().ids_for(connection, [_labels("a"), _labels("x", job="db")])
    assert selected() == ["a"]

    _create_with_id(database, 1000, _labels("b"))
    _create_with_id(database, 1001, _labels("y", job="db"))
    assert selected() == ["a", "b"]  # newer than anything seen: found at once

    _create_with_id(database, 500, _labels("late"))
    assert selected() == ["a", "b"]  # below the newest id seen: waits for the settle pass
    clock.now = 61.0
    assert selected() == ["a", "b", "late"]
    assert selected() == ["a", "b", "late"]  # and only once


def test_selections_are_evicted_least_recently_used_first(database: Engine) -> None:
    cache = SelectCache(max_series=2)
    pairs = LabelPairs()
    with write_transaction(database) as connection:
        SeriesIndex().ids_for(connection, [_labels("a"), _labels("b"), _labels("c", job="db")])
    with database.connect() as connection:
        assert len(cache.select(connection, JOB_API, pairs)) == 2
        assert len(cache.select(connection, [Matcher("job", MatchType.EQUAL, "db")], pairs)) == 1
        # Three series held, bound two: the older selection went; both still answer right.
        assert cache.series_held == 1
        assert len(cache.select(connection, JOB_API, pairs)) == 2
        assert cache.series_held == 2


def test_a_burst_of_selects_looks_for_new_series_once(database: Engine) -> None:
    clock = Clock()
    cache = SelectCache(catch_up_seconds=0.5, clock=clock)
    pairs = LabelPairs()
    with write_transaction(database) as connection:
        SeriesIndex().ids_for(connection, [_labels("a")])
    with database.connect() as connection:
        assert len(cache.select(connection, JOB_API, pairs)) == 1
    with write_transaction(database) as connection:
        SeriesIndex().ids_for(connection, [_labels("b")])
    clock.now = 0.4
    with database.connect() as connection:
        assert len(cache.select(connection, JOB_API, pairs)) == 1  # within the burst
    clock.now = 0.6
    with database.connect() as connection:
        assert len(cache.select(connection, JOB_API, pairs)) == 2


def test_new_series_join_the_selections_they_match_by_name_or_without_one(
    database: Engine,
) -> None:
    cache = SelectCache(catch_up_seconds=0)
    pairs = LabelPairs()
    up_api = [Matcher("__name__", MatchType.EQUAL, "up"), *JOB_API]
    down_api = [Matcher("__name__", MatchType.EQUAL, "down"), *JOB_API]
    with write_transaction(database) as connection:
        SeriesIndex().ids_for(connection, [_labels("a")])
    with database.connect() as connection:
        for matchers in (up_api, down_api, JOB_API):
            cache.select(connection, matchers, pairs)
    down = make_labels({"__name__": "down", "job": "api", "instance": "b"})
    with write_transaction(database) as connection:
        SeriesIndex().ids_for(connection, [_labels("c"), down, _labels("d", job="db")])
    with database.connect() as connection:
        names = [
            sorted((dict(labels)["__name__"], dict(labels)["instance"]) for _, labels in found)
            for found in cache.select_many(connection, [up_api, down_api, JOB_API], pairs)
        ]
    assert names == [
        [("up", "a"), ("up", "c")],
        [("down", "b")],
        [("down", "b"), ("up", "a"), ("up", "c")],
    ]
