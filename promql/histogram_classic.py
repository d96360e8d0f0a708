"""histogram_quantile() and histogram_fraction() over classic ``le`` buckets.

Ports Prometheus's bucket handling (sorting, coalescing equal bounds, forcing
monotonic counts, ignoring tiny float deltas) because results on real,
slightly inconsistent bucket data must match Prometheus exactly.
"""

from __future__ import annotations

import bisect
import itertools
import math
import sys
from collections.abc import Callable

import numpy as np

from promql.blocks import FloatArray, InstantBlock
from promql.labels import Labels
from promql.promtest_almost import almost_equal

_SMALL_DELTA_TOLERANCE = 1e-12
_MIN_NORMAL = sys.float_info.min
_MAX_FLOAT = sys.float_info.max
Buckets = list[list[float]]  # [upper_bound, count] pairs


def _coalesce(buckets: Buckets) -> Buckets:
    out: Buckets = [list(buckets[0])]
    for bound, count in buckets[1:]:
        if bound == out[-1][0]:
            out[-1][1] += count
        else:
            out.append([bound, count])
    return out


def _ensure_monotonic(buckets: Buckets) -> None:
    prev = buckets[0][1]
    for bucket in buckets[1:]:
        cur = bucket[1]
        if cur == prev:
            continue
        if almost_equal(prev, cur, _SMALL_DELTA_TOLERANCE) or cur < prev:
            bucket[1] = prev
            continue
        prev = cur


def bucket_quantile(q: float, buckets: Buckets) -> float:
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    buckets = sorted(buckets, key=lambda b: b[0])
    if not math.isinf(buckets[-1][0]) or buckets[-1][0] < 0:
        return math.nan
    buckets = _coalesce(buckets)
    _ensure_monotonic(buckets)
    if len(buckets) < 2:
        return math.nan
    observations = buckets[-1][1]
    if observations == 0:
        return math.nan
    rank = q * observations
    counts = [b[1] for b in buckets[:-1]]
    b = (
        bisect.bisect_left(counts, rank)
        if not any(math.isnan(c) for c in counts)
        else _search(counts, rank)
    )
    if b == len(buckets) - 1:
        return buckets[-2][0]
    if b == 0 and buckets[0][0] <= 0:
        return buckets[0][0]
    start, end, count = 0.0, buckets[b][0], buckets[b][1]
    if b > 0:
        start = buckets[b - 1][0]
        count -= buckets[b - 1][1]
        rank -= buckets[b - 1][1]
    return start + (end - start) * _divide(rank, count)


def _divide(a: float, b: float) -> float:
    """``a / b`` as Go computes it: IEEE results (NaN, ±Inf) instead of an exception."""
    if b != 0:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _search(counts: list[float], rank: float) -> int:
    lo, hi = 0, len(counts)
    while lo < hi:
        mid = (lo + hi) // 2
        if not counts[mid] >= rank:
            lo = mid + 1
        else:
            hi = mid
    return lo


def bucket_fraction(lower: float, upper: float, buckets: Buckets) -> float:
    buckets = sorted(buckets, key=lambda b: b[0])
    if not (math.isinf(buckets[-1][0]) and buckets[-1][0] > 0):
        return math.nan
    buckets = _coalesce(buckets)
    count = buckets[-1][1]
    if count == 0 or math.isnan(lower) or math.isnan(upper):
        return math.nan
    if lower >= upper:
        return 0.0
    rank = lower_rank = upper_rank = 0.0
    lower_set = upper_set = False
    lower_bound = -math.inf if buckets[0][0] <= 0 else 0.0
    for i, (upper_bound, bcount) in enumerate(buckets):
        if i > 0:
            lower_bound = buckets[i - 1][0]

        def interpolate(
            v: float,
            lb: float = lower_bound,
            ub: float = upper_bound,
            c: float = bcount,
            r: float = rank,
        ) -> float:
            if lb == -math.inf:
                return c
            return r + (c - r) * (v - lb) / (ub - lb)

        if not lower_set and lower_bound >= lower:
            lower_rank, lower_set = rank, True
        if not upper_set and lower_bound >= upper:
            upper_rank, upper_set = rank, True
        if lower_set and upper_set:
            break
        if not lower_set and lower_bound < lower < upper_bound:
            lower_rank, lower_set = interpolate(lower), True
        if not upper_set and lower_bound < upper < upper_bound:
            upper_rank, upper_set = interpolate(upper), True
        if lower_set and upper_set:
            break
        rank = bcount
    if not lower_set or lower_rank > count:
        lower_rank = count
    if not upper_set or upper_rank > count:
        upper_rank = count
    return (upper_rank - lower_rank) / count


def _parse_le(text: str) -> float | None:
    try:
        return float(text.replace("Inf", "inf").replace("+inf", "inf"))
    except ValueError:
        return None


def _bucket_groups(vec: InstantBlock) -> tuple[list[Labels], list[tuple[list[int], list[float]]]]:
    """Bucket series grouped by their labels minus ``le``: rows and bounds, in input order."""
    groups: dict[Labels, tuple[list[int], list[float]]] = {}
    parsed: dict[str, float | None] = {}
    for i, labels in enumerate(vec.labels):
        le = None
        for name, value in labels:
            if name == "le":
                le = value
                break
        if le is None:
            continue
        if le not in parsed:
            parsed[le] = _parse_le(le)
        bound = parsed[le]
        if bound is None:
            continue
        key = tuple(pair for pair in labels if pair[0] != "le")
        rows, bounds = groups.setdefault(key, ([], []))
        rows.append(i)
        bounds.append(bound)
    return list(groups), list(groups.values())


def _per_group(vec: InstantBlock, reduce: Callable[[int, Buckets], float]) -> InstantBlock:
    """Group bucket series by labels minus ``le`` and reduce each step's buckets."""
    out_labels, members = _bucket_groups(vec)
    steps = vec.values.shape[1]
    values = np.zeros((len(members), steps))
    present = np.zeros((len(members), steps), bool)
    for g, (rows, bounds) in enumerate(members):
        _reduce_cells(vec, rows, bounds, reduce, values[g], present[g], None)
    return InstantBlock(out_labels, values, present, np.ones(len(out_labels), bool)).nonempty()


def _reduce_cells(
    vec: InstantBlock,
    rows: list[int],
    bounds: list[float],
    reduce: Callable[[int, Buckets], float],
    values: FloatArray,
    present: np.ndarray,
    only: np.ndarray | None,
) -> None:
    """One group, step by step (the general path); ``only`` limits the steps."""
    idx = np.array(rows)
    mask = vec.present[idx]
    cells = mask.any(axis=0)
    if only is not None:
        cells &= only
    for j in np.flatnonzero(cells).tolist():
        buckets = [[bounds[k], float(vec.values[idx[k], j])] for k in range(len(idx)) if mask[k, j]]
        values[j] = reduce(j, buckets)
        present[j] = True


def _almost_equal_finite(a: FloatArray, b: FloatArray, epsilon: float) -> np.ndarray:
    """``almost_equal`` element-wise for finite a and b."""
    with np.errstate(all="ignore"):
        abs_sum = np.abs(a) + np.abs(b)
        diff = np.abs(a - b)
        tiny = (a == 0) | (b == 0) | (abs_sum < _MIN_NORMAL)
        relative = diff / np.minimum(abs_sum, _MAX_FLOAT) < epsilon
        close: np.ndarray = (a == b) | np.where(tiny, diff < epsilon * _MIN_NORMAL, relative)
    return close


def _quantile_full(q: FloatArray, bounds: FloatArray, counts: FloatArray) -> FloatArray:
    """``bucket_quantile`` for groups x steps at once: every bucket present and finite.

    ``bounds`` (groups x K) are sorted and distinct; ``counts`` is (groups x K x steps).
    """
    n_groups, k, steps = counts.shape
    result = np.full((n_groups, steps), math.nan)
    if k < 2:
        return result
    counts = counts.copy()
    prev = counts[:, 0, :]
    for i in range(1, k):  # _ensure_monotonic, bucket by bucket
        cur = counts[:, i, :]
        close = _almost_equal_finite(prev, cur, _SMALL_DELTA_TOLERANCE)
        fix = (cur != prev) & (close | (cur < prev))
        cur = np.where(fix, prev, cur)
        counts[:, i, :] = cur
        prev = cur
    observations = counts[:, -1, :]
    with np.errstate(all="ignore"):  # cells with NaN or infinite counts are not used
        rank = q[np.newaxis, :] * observations
    b = (counts[:, :-1, :] < rank[:, np.newaxis, :]).sum(axis=1)  # bisect_left
    inner = np.minimum(b, k - 2)
    below = np.maximum(inner - 1, 0)
    end = np.take_along_axis(bounds, inner, axis=1)
    start = np.where(inner > 0, np.take_along_axis(bounds, below, axis=1), 0.0)
    count = np.take_along_axis(counts, inner[:, np.newaxis, :], axis=1)[:, 0, :]
    before = np.take_along_axis(counts, below[:, np.newaxis, :], axis=1)[:, 0, :]
    with np.errstate(all="ignore"):
        count = np.where(inner > 0, count - before, count)
        rank = np.where(inner > 0, rank - before, rank)
        result = start + (end - start) * (rank / count)
    result = np.where(b == k - 1, bounds[:, k - 2 : k - 1], result)
    first_bound = bounds[:, :1]
    result = np.where((b == 0) & (first_bound <= 0), first_bound, result)
    usable = (np.isinf(bounds[:, -1:]) & (bounds[:, -1:] > 0)) & (observations != 0)
    return np.where(usable, result, math.nan)


_PER_CELL_UP_TO = 16
"""Up to this many (group, step) cells, ``bucket_quantile`` runs cell by cell: the
array path costs a dozen NumPy calls per bucket whatever the number of cells."""


def histogram_quantile(q: FloatArray, vec: InstantBlock) -> InstantBlock:
    """Vectorised over groups and steps where every bucket is present and finite.

    Groups with the same number of buckets are computed together; any other
    cell (a bucket missing at that step, NaN or infinite counts, repeated or
    NaN bounds) goes through ``bucket_quantile`` one step at a time.
    """
    out_labels, members = _bucket_groups(vec)
    steps = vec.values.shape[1]
    values = np.zeros((len(members), steps))
    present = np.zeros((len(members), steps), bool)

    def reduce(j: int, buckets: Buckets) -> float:
        return bucket_quantile(float(q[j]), buckets)

    by_size: dict[int, list[int]] = {}
    sorted_members: list[tuple[list[int], list[float]]] = []
    for g, (rows, bounds) in enumerate(members):
        order = sorted(range(len(bounds)), key=bounds.__getitem__)
        rows_s, bounds_s = [rows[i] for i in order], [bounds[i] for i in order]
        sorted_members.append((rows_s, bounds_s))
        distinct = all(a < b for a, b in itertools.pairwise(bounds_s))
        if distinct and not any(math.isnan(b) for b in bounds_s):
            by_size.setdefault(len(rows_s), []).append(g)
        else:
            _reduce_cells(vec, rows, bounds, reduce, values[g], present[g], None)
    for groups in by_size.values():
        if len(groups) * steps <= _PER_CELL_UP_TO:
            for g in groups:  # a rule's few histograms: Python beats setting up arrays
                rows, bounds = members[g]
                _reduce_cells(vec, rows, bounds, reduce, values[g], present[g], None)
            continue
        rows_m = np.array([sorted_members[g][0] for g in groups], dtype=np.int64)
        bounds_m = np.array([sorted_members[g][1] for g in groups], dtype=np.float64)
        counts = vec.values[rows_m]
        mask: np.ndarray = vec.present[rows_m]
        full = np.asarray(mask.all(axis=1) & np.isfinite(counts).all(axis=1), bool)
        quantiles = _quantile_full(q, bounds_m, counts)
        idx = np.asarray(groups)
        values[idx] = np.where(full, quantiles, 0.0)
        present[idx] = full
        rest = np.asarray(mask.any(axis=1) & ~full, bool)
        for r in np.flatnonzero(rest.any(axis=1)).tolist():
            g = groups[r]
            _reduce_cells(vec, members[g][0], members[g][1], reduce, values[g], present[g], rest[r])
    with np.errstate(invalid="ignore"):
        special = np.isnan(q) | (q < 0) | (q > 1)
    if special.any():
        fixed = np.where(np.isnan(q), math.nan, np.where(q < 0, -math.inf, math.inf))
        values = np.where(special[np.newaxis, :] & present, fixed[np.newaxis, :], values)
    return InstantBlock(out_labels, values, present, np.ones(len(out_labels), bool)).nonempty()


def histogram_fraction(lower: FloatArray, upper: FloatArray, vec: InstantBlock) -> InstantBlock:
    return _per_group(
        vec, lambda j, buckets: bucket_fraction(float(lower[j]), float(upper[j]), buckets)
    )
