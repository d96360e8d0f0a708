"""histogram_quantile() and histogram_fraction() over classic ``le`` buckets.

Ports Prometheus's bucket handling (sorting, coalescing equal bounds, forcing
monotonic counts, ignoring tiny float deltas) because results on real,
slightly inconsistent bucket data must match Prometheus exactly.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable

import numpy as np

from promql.blocks import FloatArray, InstantBlock
from promql.labels import Labels
from promql.promtest_almost import almost_equal

_SMALL_DELTA_TOLERANCE = 1e-12
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
    return start + (end - start) * (rank / count)


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


def _per_group(vec: InstantBlock, reduce: Callable[[int, Buckets], float]) -> InstantBlock:
    """Group bucket series by labels minus ``le`` and reduce each step's buckets."""
    groups: dict[Labels, list[tuple[int, float]]] = {}
    for i, labels in enumerate(vec.labels):
        le = dict(labels).get("le")
        if le is None:
            continue
        try:
            bound = float(le.replace("Inf", "inf").replace("+inf", "inf"))
        except ValueError:
            continue
        key = tuple(pair for pair in labels if pair[0] != "le")
        groups.setdefault(key, []).append((i, bound))
    steps = vec.values.shape[1]
    out_labels: list[Labels] = []
    values = np.zeros((len(groups), steps))
    present = np.zeros((len(groups), steps), bool)
    for g, (key, members) in enumerate(groups.items()):
        out_labels.append(key)
        rows = np.array([m[0] for m in members])
        bounds = [m[1] for m in members]
        mask = vec.present[rows]
        for j in np.flatnonzero(mask.any(axis=0)).tolist():
            buckets = [
                [bounds[k], float(vec.values[rows[k], j])] for k in range(len(rows)) if mask[k, j]
            ]
            values[g, j] = reduce(j, buckets)
            present[g, j] = True
    return InstantBlock(out_labels, values, present, np.ones(len(out_labels), bool)).nonempty()


def histogram_quantile(q: FloatArray, vec: InstantBlock) -> InstantBlock:
    return _per_group(vec, lambda j, buckets: bucket_quantile(float(q[j]), buckets))


def histogram_fraction(lower: FloatArray, upper: FloatArray, vec: InstantBlock) -> InstantBlock:
    return _per_group(
        vec, lambda j, buckets: bucket_fraction(float(lower[j]), float(upper[j]), buckets)
    )
