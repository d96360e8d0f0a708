"""Functions: range-vector functions, math, labels, time, sorting, histograms, absent."""

from __future__ import annotations

import math

import pytest

from tests.unit.promql.engine_support import load, matrix, ordered, scalar, vector

COUNTER = 'c{j="x"} 0+10x10 5 15'  # a reset after 100


def test_rate_increase_delta_extrapolate_like_prometheus() -> None:
    q = load(COUNTER)
    assert vector(q, "increase(c[5m])", 300) == {'{j="x"}': pytest.approx(50.0)}
    assert vector(q, "rate(c[5m])", 300) == {'{j="x"}': pytest.approx(50.0 / 300)}
    assert vector(q, "delta(c[5m])", 300) == {'{j="x"}': pytest.approx(50.0)}


def test_counter_reset_is_corrected() -> None:
    q = load(COUNTER)
    assert vector(q, "resets(c[20m])", 720) == {'{j="x"}': 1.0}
    # 100 -> 5 -> 15 is 15 of increase after the reset, extrapolated by half a step
    assert vector(q, "increase(c[3m])", 720)['{j="x"}'] == pytest.approx(22.5)


def test_irate_idelta_changes() -> None:
    q = load(COUNTER)
    assert vector(q, "irate(c[5m])", 660) == {'{j="x"}': pytest.approx(5 / 60)}
    assert vector(q, "idelta(c[5m])", 660) == {'{j="x"}': -95.0}
    assert vector(q, "changes(c[5m])", 300) == {'{j="x"}': 4.0}


def test_over_time_family() -> None:
    q = load("g 1 5 3 NaN 2")
    t = 240
    assert vector(q, "sum_over_time(g[5m])", t)["{}"] != vector(q, "sum_over_time(g[5m])", t)["{}"]
    assert vector(q, "count_over_time(g[5m])", t) == {"{}": 5.0}
    assert vector(q, "max_over_time(g[5m])", t) == {"{}": 5.0}
    assert vector(q, "min_over_time(g[5m])", t) == {"{}": 1.0}
    assert vector(q, "last_over_time(g[5m])", t) == {"g{}": 2.0}
    assert vector(q, "present_over_time(g[5m])", t) == {"{}": 1.0}
    assert vector(q, "avg_over_time(g[3m])", 120) == {"{}": 3.0}
    assert vector(q, "quantile_over_time(0.5, g[3m])", 120) == {"{}": 3.0}
    assert vector(q, "stdvar_over_time(g[2m])", 60) == {"{}": 4.0}
    assert vector(q, "stddev_over_time(g[2m])", 60) == {"{}": 2.0}


def test_deriv_and_predict_linear() -> None:
    q = load("lin 0+6x10")
    assert vector(q, "deriv(lin[5m])", 600) == {"{}": pytest.approx(0.1)}
    assert vector(q, "predict_linear(lin[5m], 60)", 600) == {"{}": pytest.approx(66.0)}


def test_math_and_clamp() -> None:
    q = load('x{a="1"} -2.5')
    assert vector(q, "abs(x)", 0) == {'{a="1"}': 2.5}
    assert vector(q, "round(x)", 0) == {'{a="1"}': -2.0}
    assert vector(q, "round(x, 2)", 0) == {'{a="1"}': -2.0}
    assert vector(q, "clamp(x, -1, 1)", 0) == {'{a="1"}': -1.0}
    assert vector(q, "clamp(x, 1, -1)", 0) == {}
    assert vector(q, "sgn(x)", 0) == {'{a="1"}': -1.0}
    assert vector(q, "exp(ln(abs(x)))", 0)['{a="1"}'] == pytest.approx(2.5)
    assert scalar(q, "pi()", 0) == math.pi


def test_label_replace_and_join() -> None:
    q = load('up{job="api-1", inst="h:9"} 1')
    assert set(vector(q, 'label_replace(up, "svc", "$1", "job", "(.*)-\\\\d")', 0)) == {
        'up{inst="h:9",job="api-1",svc="api"}'
    }
    assert set(vector(q, 'label_join(up, "both", "/", "job", "inst")', 0)) == {
        'up{both="api-1/h:9",inst="h:9",job="api-1"}'
    }


def test_time_scalar_vector_timestamp() -> None:
    q = load("t 1 2")
    assert scalar(q, "time()", 90) == 90.0
    assert scalar(q, "scalar(t)", 90) == 2.0
    assert vector(q, "vector(3)", 0) == {"{}": 3.0}
    assert vector(q, "timestamp(t)", 90) == {"{}": 60.0}


def test_date_functions_use_utc() -> None:
    q = load("d 1136239445")  # 2006-01-02T22:04:05Z, a Monday
    values = {
        f: vector(q, f"{f}(d)", 0)["{}"]
        for f in ("year", "month", "day_of_month", "hour", "minute")
    }
    assert values == {"year": 2006, "month": 1, "day_of_month": 2, "hour": 22, "minute": 4}
    assert vector(q, "day_of_week(d)", 0)["{}"] == 1.0
    assert vector(q, "days_in_month(d)", 0)["{}"] == 31.0


def test_sort_orders_result() -> None:
    q = load('s{i="1"} 3\ns{i="2"} 1\ns{i="3"} 2')
    assert ordered(q, "sort(s)", 0) == ['s{i="2"}', 's{i="3"}', 's{i="1"}']
    assert ordered(q, "sort_desc(s)", 0) == ['s{i="1"}', 's{i="3"}', 's{i="2"}']


def test_absent_and_absent_over_time() -> None:
    q = load("here 1")
    assert vector(q, 'absent(nothing{job="a", x=~"y"})', 0) == {'{job="a"}': 1.0}
    assert vector(q, "absent(here)", 0) == {}
    assert vector(q, 'absent_over_time(nothing{job="a"}[5m])', 0) == {'{job="a"}': 1.0}


def test_histogram_quantile_classic_buckets() -> None:
    q = load('h_bucket{le="1"} 10\nh_bucket{le="2"} 20\nh_bucket{le="+Inf"} 20')
    assert vector(q, "histogram_quantile(0.5, h_bucket)", 0) == {"{}": 1.0}
    assert vector(q, "histogram_quantile(0.75, h_bucket)", 0) == {"{}": 1.5}
    assert vector(q, "histogram_fraction(0, 1, h_bucket)", 0) == {"{}": 0.5}


def test_range_query_of_function() -> None:
    q = load("lin 0+60x10")
    assert matrix(q, "rate(lin[2m])", 120, 240, 60) == {"{}": [1.0, 1.0, 1.0]}
