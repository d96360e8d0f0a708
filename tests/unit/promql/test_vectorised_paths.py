"""The vectorised fast paths give exactly what the simple, step-by-step code gives."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from promql import histogram_classic as hc
from promql.aggregations import REDUCERS, aggregate
from promql.blocks import InstantBlock
from promql.engine import _counts_up_to
from promql.labels import Labels
from promql.values import ArraySeries, Matrix, Series, format_float


def _same(a: InstantBlock, b: InstantBlock) -> bool:
    return (
        a.labels == b.labels
        and bool((a.present == b.present).all())
        and np.array_equal(
            np.where(a.present, a.values, 0.0), np.where(b.present, b.values, 0.0), equal_nan=True
        )
    )


BOUND_SETS = [
    ["0.1", "0.5", "1", "+Inf"],
    ["-1", "0", "2.5", "+Inf"],
    ["1", "2"],
    ["0", "+Inf"],
    ["1", "1.0", "+Inf"],
    ["+Inf"],
    ["0.5", "x", "NaN", "+Inf"],
]


@pytest.mark.parametrize("seed", range(40))
def test_histogram_quantile_matches_bucket_quantile_per_step(seed: int) -> None:
    rng = np.random.default_rng(seed)
    steps = 20  # over hc._PER_CELL_UP_TO cells even for one group: the array path
    labels: list[Labels] = []
    for g in range(int(rng.integers(1, 5))):
        bounds = BOUND_SETS[int(rng.integers(len(BOUND_SETS)))]
        for k in rng.permutation(len(bounds)).tolist():
            labels.append((("__name__", "h"), ("g", str(g)), ("le", bounds[k])))
    n = len(labels)
    choices = [0.0, 1.0, 2.0, 3.0, 3.0000000000001, 5.0, 10.0, math.nan, math.inf]
    weights = [0.2, 0.15, 0.15, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05]
    values = rng.choice(choices, size=(n, steps), p=weights)
    present = rng.random((n, steps)) < 0.9
    q = rng.choice([0.0, 0.25, 0.5, 0.9, 0.99, 1.0, -1.0, 2.0, math.nan], size=steps)
    vec = InstantBlock(labels, values, present, np.zeros(n, bool))

    with np.errstate(all="ignore"):
        expected = hc._per_group(vec, lambda j, b: hc.bucket_quantile(float(q[j]), b))
    assert _same(hc.histogram_quantile(q, vec), expected)


def test_histogram_quantile_of_many_full_groups() -> None:
    rng = np.random.default_rng(7)
    les = ["0.005", "0.01", "0.1", "0.5", "1", "5", "+Inf"]
    labels = [(("le", le), ("svc", str(s))) for s in range(30) for le in les]
    counts = np.cumsum(rng.integers(0, 5, size=(30, len(les), 50)), axis=1).reshape(-1, 50)
    counts = counts.astype(np.float64)
    counts[3, 10] += 1e-13  # a tiny non-monotonic blip, as floating point rates produce
    vec = InstantBlock(labels, counts, np.ones(counts.shape, bool), np.zeros(len(labels), bool))
    q = np.full(50, 0.9)
    expected = hc._per_group(vec, lambda j, b: hc.bucket_quantile(float(q[j]), b))
    assert _same(hc.histogram_quantile(q, vec), expected)


def _reference_reduce(op: str, vec: InstantBlock, by: list[str]) -> InstantBlock:
    groups: dict[Labels, list[int]] = {}
    for i, lset in enumerate(vec.labels):
        groups.setdefault(tuple(p for p in lset if p[0] in by), []).append(i)
    steps = vec.values.shape[1]
    values = np.zeros((len(groups), steps))
    present = np.zeros((len(groups), steps), bool)
    for g, rows in enumerate(groups.values()):
        idx = np.asarray(rows)
        values[g] = REDUCERS[op](vec.values[idx], vec.present[idx], np.zeros(steps))
        present[g] = vec.present[idx].any(axis=0)
    return InstantBlock(list(groups), values, present, np.zeros(len(groups), bool)).nonempty()


@pytest.mark.parametrize("op", ["sum", "count", "avg", "max", "stddev"])
def test_grouped_reductions_match_the_per_group_reducers(op: str) -> None:
    rng = np.random.default_rng(3)
    labels = [(("a", str(i % 7)), ("b", str(i % 3)), ("i", str(i))) for i in range(60)]
    values = rng.choice([1e16, 1.0, -1e16, 0.1, math.inf, -math.inf, math.nan], size=(60, 9))
    present = rng.random((60, 9)) < 0.8
    vec = InstantBlock(labels, values, present, np.zeros(60, bool))
    with np.errstate(all="ignore"):
        got = aggregate(op, vec, ["a"], False)
        expected = _reference_reduce(op, vec, ["a"])
    assert _same(got, expected)


def test_counts_up_to_equals_a_search_per_series() -> None:
    rng = np.random.default_rng(1)
    for _ in range(100):
        sizes = rng.integers(0, 30, int(rng.integers(1, 6)))
        t = np.concatenate([np.sort(rng.integers(-50, 400, k)) for k in sizes]).astype(np.int64)
        starts = np.zeros(len(sizes) + 1, np.int64)
        np.cumsum(sizes, out=starts[1:])
        step = int(rng.integers(1, 40))
        limits = int(rng.integers(-60, 100)) + step * np.arange(int(rng.integers(1, 12)))
        for grid in (limits, np.sort(rng.integers(-60, 400, len(limits)))):
            got = _counts_up_to(t, starts, grid.astype(np.int64))
            for i in range(len(sizes)):
                series = t[starts[i] : starts[i + 1]]
                np.testing.assert_array_equal(got[i], np.searchsorted(series, grid, "right"))


def test_matrix_json_from_arrays_equals_json_from_lists() -> None:
    times = np.array([-1500, 0, 1000, 1001, 1795312740123, 15], dtype=np.int64)
    values = np.array([0.0, -0.0, 1.5, -3.0, math.nan, 1e20, 1e-7, 2.0**62, -7.0, math.inf])
    t = np.resize(times, 40)
    v = np.resize(values, 40)
    labels: Labels = (("a", "ü"),)
    lazy = Matrix(
        [ArraySeries(labels, t[:25], v[:25]), ArraySeries(labels, t[25:], v[25:])], (t, v)
    )
    plain = Matrix([Series(labels, t[:25].tolist(), v[:25].tolist()),
                    Series(labels, t[25:].tolist(), v[25:].tolist())])  # fmt: skip
    finite = np.isfinite(v[:25])
    same = Series(labels, t[:25][finite].tolist(), v[:25][finite].tolist())
    assert ArraySeries(labels, t[:25][finite], v[:25][finite]) == same
    assert same == ArraySeries(labels, t[:25][finite], v[:25][finite])
    assert lazy.to_json_bytes() == plain.to_json_bytes()
    decoded = json.loads(lazy.to_json_bytes())
    points = [p for s in decoded["result"] for p in s["values"]]
    assert [p[1] for p in points] == [format_float(x) for x in v.tolist()]
    assert [round(p[0] * 1000) for p in points] == t.tolist()
