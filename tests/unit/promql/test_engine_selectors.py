"""Selectors: lookback, staleness, offset, @, range windows and subqueries."""

from __future__ import annotations

import math

import pytest

from promql.engine import Engine, EngineOptions, QueryTimeoutError, TooManySamplesError
from tests.unit.promql.engine_support import instant, load, matrix, vector

DATA = """
m{a="1"} 0 1 2 3 4 5 6 7 8 9 10
m{a="2"} 10 _ _ _ _ _ _ _ _ _ 20
s 1 2 stale 4
"""


def test_latest_sample_within_lookback() -> None:
    q = load(DATA)
    assert vector(q, "m", 150) == {'m{a="1"}': 2.0, 'm{a="2"}': 10.0}


def test_lookback_window_is_left_open() -> None:
    q = load(DATA)
    assert 'm{a="2"}' in vector(q, "m", 299)
    assert 'm{a="2"}' not in vector(q, "m", 300)


def test_staleness_marker_ends_series_until_next_sample() -> None:
    q = load(DATA)
    assert vector(q, "s", 90) == {"s{}": 2.0}
    assert vector(q, "s", 150) == {}
    assert vector(q, "s", 180) == {"s{}": 4.0}


def test_offset_and_negative_offset() -> None:
    q = load(DATA)
    assert vector(q, 'm{a="1"} offset 2m', 300) == {'m{a="1"}': 3.0}
    assert vector(q, 'm{a="1"} offset -2m', 300) == {'m{a="1"}': 7.0}


def test_at_modifier_fixes_time_for_every_step() -> None:
    q = load(DATA)
    assert matrix(q, 'm{a="1"} @ 120', 0, 240, 60) == {'m{a="1"}': [2.0] * 5}
    assert matrix(q, 'm{a="1"} @ end()', 0, 240, 60) == {'m{a="1"}': [4.0] * 5}
    assert matrix(q, 'm{a="1"} @ start()', 60, 240, 60) == {'m{a="1"}': [1.0] * 4}


def test_range_query_steps() -> None:
    q = load(DATA)
    assert matrix(q, 'm{a="1"}', 0, 180, 60) == {'m{a="1"}': [0.0, 1.0, 2.0, 3.0]}


def test_range_selector_instant_query_returns_matrix() -> None:
    q = load(DATA)
    result = instant(q, 'm{a="1"}[2m]', 300)
    assert [s.values for s in result.series] == [[4.0, 5.0]]  # type: ignore[union-attr]


def test_subquery_aligns_steps_to_absolute_time() -> None:
    q = load(DATA)
    assert vector(q, 'count_over_time(m{a="1"}[5m:1m])', 300) == {'{a="1"}': 5.0}
    assert vector(q, 'sum_over_time(m{a="1"}[3m:90s])', 300) == {'{a="1"}': 3.0 + 4.0}


def test_subquery_with_offset_and_at() -> None:
    q = load(DATA)
    assert vector(q, 'max_over_time(m{a="1"}[2m:1m] offset 3m)', 600) == {'{a="1"}': 7.0}
    assert vector(q, 'max_over_time(m{a="1"}[2m:1m] @ 240)', 600) == {'{a="1"}': 4.0}


def test_too_many_samples() -> None:
    q = load(DATA)
    with pytest.raises(TooManySamplesError, match="too many samples"):
        Engine(EngineOptions(max_samples=3)).instant_query(q, "m[10m]", 600)


def test_timeout_uses_injected_clock() -> None:
    ticks = iter(range(0, 1000, 100))
    engine = Engine(EngineOptions(timeout=1.0), clock=lambda: float(next(ticks)))
    with pytest.raises(QueryTimeoutError, match="query timed out"):
        engine.instant_query(load(DATA), "sum(m)", 60)


def test_nan_sample_is_a_value() -> None:
    q = load("n NaN")
    assert math.isnan(vector(q, "n", 0)["n{}"])
