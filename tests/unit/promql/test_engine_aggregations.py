"""Aggregation operators with by/without, and their Prometheus-specific edge cases."""

from __future__ import annotations

import math

import pytest

from promql.errors import PromQLError
from tests.unit.promql.engine_support import load, ordered, vector

DATA = """
v{g="a", i="1"} 1
v{g="a", i="2"} 2
v{g="a", i="3"} 6
v{g="b", i="1"} 10
v{g="b", i="2"} NaN
"""


def test_sum_avg_count_by_and_without() -> None:
    q = load(DATA)
    assert vector(q, 'sum by (g) (v{g="a"})', 0) == {'{g="a"}': 9.0}
    assert vector(q, 'avg without (i) (v{g="a"})', 0) == {'{g="a"}': 3.0}
    assert vector(q, "count(v)", 0) == {"{}": 5.0}
    assert vector(q, "group by (g) (v)", 0) == {'{g="a"}': 1.0, '{g="b"}': 1.0}


def test_min_max_ignore_nan_unless_all_nan() -> None:
    q = load(DATA)
    assert vector(q, "max by (g) (v)", 0) == {'{g="a"}': 6.0, '{g="b"}': 10.0}
    assert vector(q, 'min by (g) (v{i="2"})', 0)['{g="a"}'] == 2.0
    assert math.isnan(vector(q, 'min(v{g="b", i="2"})', 0)["{}"])


def test_stddev_stdvar() -> None:
    q = load(DATA)
    assert vector(q, 'stdvar(v{g="a"})', 0)["{}"] == pytest.approx(4.666666666)
    assert vector(q, 'stddev(v{g="a"})', 0)["{}"] == pytest.approx(math.sqrt(4.666666666))


def test_quantile_interpolates() -> None:
    q = load(DATA)
    assert vector(q, 'quantile(0.5, v{g="a"})', 0) == {"{}": 2.0}
    assert vector(q, 'quantile(0.75, v{g="a"})', 0) == {"{}": 4.0}
    assert vector(q, 'quantile(2, v{g="a"})', 0) == {"{}": math.inf}


def test_topk_bottomk_keep_series_and_order() -> None:
    q = load(DATA)
    assert ordered(q, 'topk(2, v{g="a"})', 0) == ['v{g="a",i="3"}', 'v{g="a",i="2"}']
    assert ordered(q, 'bottomk(1, v{g="a"})', 0) == ['v{g="a",i="1"}']
    assert set(vector(q, "topk by (g) (1, v)", 0)) == {'v{g="a",i="3"}', 'v{g="b",i="1"}'}


def test_topk_nan_parameter_fails() -> None:
    with pytest.raises(PromQLError, match="Parameter value is NaN"):
        vector(load(DATA), "topk(NaN, v)", 0)


def test_count_values() -> None:
    q = load('x{i="1"} 1\nx{i="2"} 1\nx{i="3"} 2')
    assert vector(q, 'count_values("val", x)', 0) == {'{val="1"}': 2.0, '{val="2"}': 1.0}


def test_sum_is_compensated() -> None:
    q = load('k{i="1"} 1\nk{i="2"} 1e100\nk{i="3"} 1\nk{i="4"} -1e100')
    assert vector(q, "sum(k)", 0) == {"{}": 2.0}
