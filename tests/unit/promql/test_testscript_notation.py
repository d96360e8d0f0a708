"""Series notation of test scripts: expansions must match Prometheus's grammar exactly."""

from __future__ import annotations

import math

import pytest

from promql.staleness import is_stale_nan
from promql.testscript_notation import NotationError, expand_item, parse_metric, parse_series


def _values(item: str) -> list[float | None]:
    return [None if v.omitted else v.value for v in expand_item(item)]


def test_increasing_sequence_has_n_plus_one_points() -> None:
    assert _values("0+10x3") == [0, 10, 20, 30]


def test_negative_start_and_step() -> None:
    assert _values("-1-2x3") == [-1, -3, -5, -7]


def test_repeat_and_blanks() -> None:
    assert _values("1x2") == [1, 1, 1]
    assert _values("_") == [None]
    assert _values("_x3") == [None, None, None]  # blanks repeat n times, not n+1


def test_special_values() -> None:
    assert math.isinf(_values("Inf")[0] or 0)
    assert _values("-Inf") == [-math.inf]
    assert math.isnan(expand_item("NaN")[0].value)
    assert is_stale_nan(expand_item("stale")[0].value)
    assert _values("1e3") == [1000.0]


def test_histograms_are_flagged() -> None:
    values = parse_series("m {{schema:1 sum:2 count:3}}x2 5")[1]
    assert [v.histogram for v in values] == [True, True, True, False]


def test_metric_with_labels_and_escapes() -> None:
    labels, end = parse_metric('metric{a="b", c="x\\"y"} 1')
    assert labels == (("__name__", "metric"), ("a", "b"), ("c", 'x"y'))
    assert end == len('metric{a="b", c="x\\"y"}')


def test_name_inside_braces_and_empty_label_dropped() -> None:
    assert parse_metric('{__name__="m", a=""}')[0] == (("__name__", "m"),)


def test_bad_item_is_rejected() -> None:
    with pytest.raises(NotationError):
        expand_item("1+x")
