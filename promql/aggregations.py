"""Aggregation operators (sum, avg, topk, quantile, count_values, …) over all steps.

Series are grouped once by their grouping labels; each group's rows form a
(members x steps) matrix, so an aggregation is a reduction along axis 0.
Sums and means replay Prometheus's Kahan/incremental-mean steps row by row
(vectorised over steps) to reproduce its rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from promql.blocks import BoolArray, EvalError, FloatArray, InstantBlock, IntArray
from promql.kahan import kahan_inc, kahan_inc_arrays
from promql.labels import METRIC_NAME, Labels, make_labels
from promql.values import format_float

Reducer = Callable[[FloatArray, BoolArray, FloatArray], FloatArray]


def group_key(labels: Labels, grouping: Sequence[str], without: bool) -> Labels:
    if without:
        drop = set(grouping) | {METRIC_NAME}
        return tuple(pair for pair in labels if pair[0] not in drop)
    keep = set(grouping)
    return tuple(pair for pair in labels if pair[0] in keep)


def _groups(vec: InstantBlock, grouping: Sequence[str], without: bool) -> dict[Labels, list[int]]:
    groups: dict[Labels, list[int]] = {}
    for i, labels in enumerate(vec.labels):
        groups.setdefault(group_key(labels, grouping, without), []).append(i)
    return groups


def _sum(v: FloatArray, p: BoolArray, _: FloatArray) -> FloatArray:
    total = np.zeros(v.shape[1])
    comp = np.zeros(v.shape[1])
    for row, mask in zip(v, p, strict=True):
        new_total, new_comp = kahan_inc_arrays(row, total, comp)
        total = np.where(mask, new_total, total)
        comp = np.where(mask, new_comp, comp)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(total), total, total + comp)


def _avg(v: FloatArray, p: BoolArray, _: FloatArray) -> FloatArray:
    steps = v.shape[1]
    total, comp, mean = np.zeros(steps), np.zeros(steps), np.zeros(steps)
    count = np.zeros(steps)
    incremental = np.zeros(steps, bool)
    with np.errstate(all="ignore"):
        for row, mask in zip(v, p, strict=True):
            count = count + mask
            new_total, new_comp = kahan_inc_arrays(row, total, comp)
            regular = mask & ~incremental & ((count == 1) | ~np.isinf(new_total))
            total = np.where(regular, new_total, total)
            comp = np.where(regular, new_comp, comp)
            switch = mask & ~incremental & ~regular
            mean = np.where(switch, total / (count - 1), mean)
            comp = np.where(switch, comp / (count - 1), comp)
            incremental = incremental | switch
            step_inc = mask & incremental
            q = (count - 1) / count
            new_mean, new_c = kahan_inc_arrays(row / count, q * mean, q * comp)
            mean = np.where(step_inc, new_mean, mean)
            comp = np.where(step_inc, new_c, comp)
        return np.where(incremental, mean + comp, total / count + comp / count)


def _welford(v: FloatArray, p: BoolArray) -> FloatArray:
    steps = v.shape[1]
    count, mean, m2 = np.zeros(steps), np.zeros(steps), np.zeros(steps)
    with np.errstate(all="ignore"):
        for row, mask in zip(v, p, strict=True):
            count = count + mask
            delta = row - mean
            new_mean = mean + delta / np.maximum(count, 1)
            new_m2 = m2 + delta * (row - new_mean)
            mean = np.where(mask, new_mean, mean)
            m2 = np.where(mask, new_m2, m2)
        return m2 / count


def _stdvar(v: FloatArray, p: BoolArray, _: FloatArray) -> FloatArray:
    return _welford(v, p)


def _stddev(v: FloatArray, p: BoolArray, _: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore"):
        return np.sqrt(_welford(v, p))


def _count(v: FloatArray, p: BoolArray, _: FloatArray) -> FloatArray:
    return np.asarray(p.sum(axis=0), np.float64)


def _group(v: FloatArray, p: BoolArray, _: FloatArray) -> FloatArray:
    return np.ones(v.shape[1])


def _minmax(ufunc: np.ufunc) -> Reducer:
    def reduce(v: FloatArray, p: BoolArray, _: FloatArray) -> FloatArray:
        masked = np.where(p, v, math.nan)
        return ufunc.reduce(masked, axis=0)  # type: ignore[no-any-return]

    return reduce


def _quantile(v: FloatArray, p: BoolArray, q: FloatArray) -> FloatArray:
    """Prometheus's quantile per step: NaNs sort first, linear interpolation."""
    n = p.sum(axis=0)
    # absent -> 2 (last), NaN -> 0 (first), numbers -> 1 then by value
    klass = np.where(~p, 2, np.where(np.isnan(v), 0, 1))
    key = np.where(klass == 1, v, 0.0)
    order = np.lexsort((key, klass), axis=0)
    ordered = np.take_along_axis(v, order, axis=0)
    with np.errstate(invalid="ignore"):
        rank = q * (n - 1)
        lower = np.maximum(0, np.floor(np.nan_to_num(rank))).astype(np.int64)
        upper = np.minimum(n - 1, lower + 1)
        lower = np.clip(lower, 0, max(len(v) - 1, 0))
        upper = np.clip(upper, 0, max(len(v) - 1, 0))
        weight = rank - np.floor(rank)
        lo_v = np.take_along_axis(ordered, lower[np.newaxis, :], axis=0)[0]
        up_v = np.take_along_axis(ordered, upper[np.newaxis, :], axis=0)[0]
        result = lo_v * (1 - weight) + up_v * weight
    result = np.where(np.isnan(q), math.nan, result)
    result = np.where(q < 0, -math.inf, result)
    return np.where(q > 1, math.inf, result)


REDUCERS: dict[str, Reducer] = {
    "sum": _sum,
    "avg": _avg,
    "count": _count,
    "group": _group,
    "min": _minmax(np.fmin),
    "max": _minmax(np.fmax),
    "stddev": _stddev,
    "stdvar": _stdvar,
    "quantile": _quantile,
}


def _group_ids(
    vec: InstantBlock, grouping: Sequence[str], without: bool
) -> tuple[list[Labels], IntArray]:
    """Each row's group number (groups numbered in order of first appearance)."""
    index: dict[Labels, int] = {}
    ids = np.empty(len(vec.labels), np.int64)
    if without:
        drop = set(grouping) | {METRIC_NAME}
        for i, labels in enumerate(vec.labels):
            key = tuple(pair for pair in labels if pair[0] not in drop)
            ids[i] = index.setdefault(key, len(index))
    else:
        keep = set(grouping)
        for i, labels in enumerate(vec.labels):
            key = tuple(pair for pair in labels if pair[0] in keep)
            ids[i] = index.setdefault(key, len(index))
    return list(index), ids


def _lockstep_sum(vec: InstantBlock, ids: IntArray, n_groups: int) -> FloatArray:
    """``_sum`` of every group at once: the k-th members of all groups in one step.

    Each cell sees exactly the additions ``_sum`` makes, in the same order, so
    the Kahan-compensated result is bit-for-bit the same.
    """
    steps = vec.values.shape[1]
    if steps == 1:
        return _scalar_sum(vec, ids, n_groups)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    firsts = np.searchsorted(sorted_ids, np.arange(n_groups))
    position = np.arange(len(ids)) - firsts[sorted_ids]
    total = np.zeros((n_groups, steps))
    comp = np.zeros((n_groups, steps))
    for k in range(int(position.max()) + 1 if len(ids) else 0):
        at = position == k
        rows = order[at]
        groups = sorted_ids[at]
        mask = vec.present[rows]
        new_total, new_comp = kahan_inc_arrays(vec.values[rows], total[groups], comp[groups])
        total[groups] = np.where(mask, new_total, total[groups])
        comp[groups] = np.where(mask, new_comp, comp[groups])
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(total), total, total + comp)


def _scalar_sum(vec: InstantBlock, ids: IntArray, n_groups: int) -> FloatArray:
    """``_lockstep_sum`` of a single step (an instant query, as rules make them) with
    Python floats: the same additions in the same order, without an array operation
    per member."""
    totals = [0.0] * n_groups
    comps = [0.0] * n_groups
    rows = zip(ids.tolist(), vec.values[:, 0].tolist(), vec.present[:, 0].tolist(), strict=True)
    for group, value, present in rows:
        if present:
            totals[group], comps[group] = kahan_inc(value, totals[group], comps[group])
    sums = [t if math.isinf(t) else t + c for t, c in zip(totals, comps, strict=True)]
    return np.asarray(sums, dtype=np.float64).reshape(n_groups, 1)


def _reduce(
    op: str, vec: InstantBlock, param: FloatArray, grouping: Sequence[str], without: bool
) -> InstantBlock:
    keys, ids = _group_ids(vec, grouping, without)
    steps = vec.values.shape[1]
    n_groups = len(keys)
    present = np.zeros((n_groups, steps), bool)
    np.logical_or.at(present, ids, vec.present)
    drop = np.zeros(n_groups, bool)
    np.logical_or.at(drop, ids, vec.drop_name)
    if op == "sum":
        values = _lockstep_sum(vec, ids, n_groups)
    elif op == "count":
        values = np.zeros((n_groups, steps))
        np.add.at(values, ids, vec.present.astype(np.float64))
    else:
        values = np.zeros((n_groups, steps))
        reducer = REDUCERS[op]
        order = np.argsort(ids, kind="stable")
        bounds = np.searchsorted(ids[order], np.arange(n_groups + 1))
        for g in range(n_groups):
            idx = order[bounds[g] : bounds[g + 1]]
            values[g] = reducer(vec.values[idx], vec.present[idx], param)
    return InstantBlock(keys, values, present, drop).nonempty()


def _select_k(
    op: str, vec: InstantBlock, param: FloatArray, grouping: Sequence[str], without: bool
) -> InstantBlock:
    """topk/bottomk/limitk: keep the original series, at most k per group and step."""
    finite = param[~np.isnan(param)]
    if not np.isnan(param).any() and (len(finite) == 0 or finite.max() < 1):
        return InstantBlock.empty(len(param))
    if np.isnan(param).any():
        raise EvalError("Parameter value is NaN")
    k = np.floor(param)
    present = np.zeros_like(vec.present)
    rank = np.zeros(vec.values.shape)
    for g, rows in enumerate(_groups(vec, grouping, without).values()):
        idx = np.asarray(rows)
        v, p = vec.values[idx], vec.present[idx]
        klass = np.where(~p, 2, np.where(np.isnan(v), 1, 0))
        if op == "limitk":
            value_key = np.zeros(v.shape)
        else:
            value_key = np.where(klass == 0, -v if op == "topk" else v, 0.0)
        order = np.lexsort((value_key, klass), axis=0)
        position = np.empty_like(order)
        np.put_along_axis(position, order, np.arange(len(idx))[:, None].repeat(v.shape[1], 1), 0)
        chosen = p & (position < k[np.newaxis, :])
        present[idx] = chosen
        rank[idx] = g * (len(vec) + 1) + position
    out = InstantBlock(list(vec.labels), vec.values, present, vec.drop_name, vec.sample_ts, rank)
    return out.nonempty()


def _count_values(
    vec: InstantBlock, label: str, grouping: Sequence[str], without: bool
) -> InstantBlock:
    if not label or not label.isprintable():
        raise EvalError(f'invalid label name "{label}"')
    steps = vec.values.shape[1]
    series: dict[Labels, FloatArray] = {}
    drops: dict[Labels, bool] = {}
    names = list(grouping) if without else [*grouping, label]
    for i, labels in enumerate(vec.labels):
        for j in np.flatnonzero(vec.present[i]).tolist():
            pairs = dict(labels)
            pairs[label] = format_float(float(vec.values[i, j]))
            key = group_key(make_labels(pairs), names, without)
            if without:
                key = make_labels({**dict(key), label: pairs[label]})
            row = series.setdefault(key, np.zeros(steps))
            row[j] += 1
            drops[key] = drops.get(key, False) or bool(vec.drop_name[i])
    labels_out = list(series)
    values = np.array([series[k] for k in labels_out]).reshape(len(labels_out), steps)
    return InstantBlock(
        labels_out, values, values > 0, np.array([drops[k] for k in labels_out], bool)
    )


def aggregate(
    op: str,
    vec: InstantBlock,
    grouping: Sequence[str],
    without: bool,
    param: FloatArray | None = None,
    label: str = "",
) -> InstantBlock:
    """Apply aggregation ``op``; ``param`` is the per-step scalar parameter if any."""
    steps = vec.values.shape[1]
    p = param if param is not None else np.zeros(steps)
    if op in ("topk", "bottomk", "limitk"):
        return _select_k(op, vec, p, grouping, without)
    if op == "limit_ratio":
        return _limit_ratio(vec, p)
    if op == "count_values":
        return _count_values(vec, label, grouping, without)
    return _reduce(op, vec, p, grouping, without)


def _limit_ratio(vec: InstantBlock, ratio: FloatArray) -> InstantBlock:
    if np.isnan(ratio).any():
        raise EvalError("Ratio value is NaN")
    from promql.labels import fingerprint

    # Prometheus samples by a hash of the labels mapped into [0, 1).
    point = np.array([(fingerprint(lbl) % (1 << 63)) / float(1 << 63) for lbl in vec.labels])
    r = ratio[np.newaxis, :]
    keep = np.where(r >= 0, point[:, None] < r, point[:, None] >= 1.0 + r)
    present = vec.present & keep
    return InstantBlock(
        list(vec.labels), vec.values, present, vec.drop_name, vec.sample_ts
    ).nonempty()
