"""Functions over range vectors (rate, *_over_time, deriv, …).

Each series' samples are fetched once; per-step windows are index pairs
(``lo``, ``hi``) so the common functions are prefix-sum or ``reduceat``
arithmetic across all steps. Functions whose exact rounding matters (Kahan
sums, regressions, quantiles) replay Prometheus's sequential algorithm over
all windows in lockstep (``functions_window``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from promql import functions_window as fw
from promql.blocks import BoolArray, FloatArray, InstantBlock, IntArray, RangeBlock, ScalarBlock

Out = tuple[FloatArray, BoolArray]
SeriesFn = Callable[[IntArray, FloatArray, IntArray, IntArray, RangeBlock, list[float]], Out]


@dataclass(frozen=True)
class Lockstep:
    """A window algorithm run on all series at once (see ``functions_window``).

    ``prefix_sum`` first tries exact prefix sums (sum/avg_over_time), which
    are cheaper, falling back to the compensated lockstep sum when unsafe.
    """

    impl: fw.WindowImpl
    prefix_sum: bool = False
    avg: bool = False


@dataclass(frozen=True)
class Flat:
    """A ``SeriesFn`` that may run once over all series' samples concatenated.

    Its window arithmetic must be elementwise in ``lo``/``hi`` (which become
    2-D, offset into the concatenation) and must only read samples inside a
    window it reports present, so nothing crosses from one series to the next.
    """

    fn: SeriesFn


RangeImpl = SeriesFn | Lockstep | Flat


def _apply(
    rb: RangeBlock, fn: RangeImpl, params: list[float], keep_name: bool = False
) -> InstantBlock:
    steps = len(rb.step_ts)
    values = np.zeros((len(rb), steps))
    present = np.zeros((len(rb), steps), bool)
    if isinstance(fn, Lockstep):
        sums = [_prefix_sums(rb.values[i], rb.lo[i], rb.hi[i]) for i in range(len(rb))]
        if not fn.prefix_sum:
            sums = [None]
        if all(total is not None for total in sums):
            count = rb.hi - rb.lo
            with np.errstate(invalid="ignore", divide="ignore"):
                values = np.array(sums).reshape(len(rb), steps)
                values = values / count if fn.avg else values
            present = count > 0
        elif len(rb):
            values, present = _apply_batched(rb, fn.impl, params)
    elif isinstance(fn, Flat) and len(rb):
        values, present = _apply_flat(rb, fn.fn, params)
    else:
        series_fn = fn.fn if isinstance(fn, Flat) else fn
        for i in range(len(rb)):
            values[i], present[i] = series_fn(
                rb.times[i], rb.values[i], rb.lo[i], rb.hi[i], rb, params
            )
    drop = np.ones(len(rb), bool)
    if keep_name:
        drop = rb.drop_name.copy() if len(rb.drop_name) == len(rb) else ~drop
    return InstantBlock(list(rb.labels), values, present, drop).nonempty()


_BLOCK_CELLS = 1 << 15  # windows per pass: keeps the temporaries in cache


def _apply_flat(rb: RangeBlock, fn: SeriesFn, params: list[float]) -> Out:
    """``fn`` over many series at once: samples concatenated, windows offset into them.

    The series go in blocks of about ``_BLOCK_CELLS`` windows, each with only
    its own samples, so the dozens of temporaries per pass stay in cache.
    """
    n, steps = rb.lo.shape
    if rb.flat is not None:
        t, v, starts = rb.flat
    else:
        sizes = np.fromiter((len(t) for t in rb.times), np.int64, n)
        starts = np.zeros(n + 1, np.int64)
        np.cumsum(sizes, out=starts[1:])
        t = np.concatenate(rb.times)
        v = np.concatenate(rb.values)
    values = np.zeros((n, steps))
    ok = np.zeros((n, steps), bool)
    rows = max(1, _BLOCK_CELLS // max(steps, 1))
    for a in range(0, n, rows):
        b = min(n, a + rows)
        first, last = int(starts[a]), int(starts[b])
        if last - first < 2:  # too few samples for the flat arithmetic: series by series
            for i in range(a, b):
                values[i], ok[i] = fn(rb.times[i], rb.values[i], rb.lo[i], rb.hi[i], rb, params)
            continue
        offsets = (starts[a:b] - first)[:, np.newaxis]
        part, part_ok = fn(
            t[first:last], v[first:last], rb.lo[a:b] + offsets, rb.hi[a:b] + offsets, rb, params
        )
        part_ok = np.asarray(part_ok, bool)
        values[a:b] = np.where(part_ok, part, 0.0)
        ok[a:b] = part_ok
    return values, ok


def _safe_idx(idx: IntArray, size: int) -> IntArray:
    return np.clip(idx, 0, max(size - 1, 0))


def _extrapolated(is_counter: bool, is_rate: bool) -> SeriesFn:
    def fn(
        t: IntArray, v: FloatArray, lo: IntArray, hi: IntArray, rb: RangeBlock, _: list[float]
    ) -> Out:
        n = hi - lo
        ok = n >= 2
        if len(v) < 2:
            return np.zeros(len(lo)), np.zeros(len(lo), bool)
        first_i, last_i = _safe_idx(lo, len(v)), _safe_idx(hi - 1, len(v))
        first, last = v[first_i], v[last_i]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            result = last - first
            if is_counter:
                drops = np.zeros(len(v))
                drops[1:] = np.where(v[1:] < v[:-1], v[:-1], 0.0)
                cum = np.cumsum(drops)
                result = result + (cum[last_i] - cum[first_i])
            range_start = (rb.window_end - rb.range_ms).astype(np.float64)
            range_end = rb.window_end.astype(np.float64)
            tf, tl = t[first_i].astype(np.float64), t[last_i].astype(np.float64)
            to_start = (tf - range_start) / 1000.0
            to_end = (range_end - tl) / 1000.0
            sampled = (tl - tf) / 1000.0
            avg_gap = sampled / np.maximum(n - 1, 1)
            threshold = avg_gap * 1.1
            to_start = np.where(to_start >= threshold, avg_gap / 2, to_start)
            if is_counter:
                to_zero = sampled * (first / result)
                use_zero = (result > 0) & (first >= 0) & (to_zero < to_start)
                to_start = np.where(use_zero, to_zero, to_start)
            to_end = np.where(to_end >= threshold, avg_gap / 2, to_end)
            factor = (sampled + to_start + to_end) / sampled
            if is_rate:
                factor = factor / (rb.range_ms / 1000.0)
            result = result * factor
        return result, ok

    return fn


def _instant(is_rate: bool) -> SeriesFn:
    def fn(
        t: IntArray, v: FloatArray, lo: IntArray, hi: IntArray, rb: RangeBlock, _: list[float]
    ) -> Out:
        ok = (hi - lo) >= 2
        last_i, prev_i = _safe_idx(hi - 1, len(v)), _safe_idx(hi - 2, len(v))
        last, prev = v[last_i], v[prev_i]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if is_rate:
                dv = np.where(last < prev, last, last - prev)
                result = dv / ((t[last_i] - t[prev_i]) / 1000.0)
            else:
                result = last - prev
        return result, ok

    return fn


def _count_pairs(pred: Callable[[FloatArray, FloatArray], np.ndarray]) -> SeriesFn:
    """Count consecutive sample pairs inside each window that satisfy ``pred``."""

    def fn(
        t: IntArray, v: FloatArray, lo: IntArray, hi: IntArray, rb: RangeBlock, _: list[float]
    ) -> Out:
        hits = np.zeros(len(v))
        if len(v) > 1:
            hits[1:] = pred(v[1:], v[:-1])
        cum = np.concatenate([[0.0], np.cumsum(hits)])
        # pairs (k-1, k) with lo < k < hi
        result = np.where(hi > lo, cum[hi] - cum[np.minimum(lo + 1, hi)], 0.0)
        return result, hi > lo

    return fn


def _changed(cur: FloatArray, prev: FloatArray) -> BoolArray:
    return np.asarray(~((cur == prev) | (np.isnan(cur) & np.isnan(prev))), bool)


def _reset(cur: FloatArray, prev: FloatArray) -> BoolArray:
    return np.asarray(cur < prev, bool)


def _reduceat(ufunc: np.ufunc, empty: float) -> SeriesFn:
    def fn(
        t: IntArray, v: FloatArray, lo: IntArray, hi: IntArray, rb: RangeBlock, _: list[float]
    ) -> Out:
        ok = hi > lo
        if not ok.any():
            return np.full(len(lo), empty), ok
        padded = np.append(v, empty)
        idx = np.empty(2 * len(lo), np.int64)
        idx[0::2] = np.where(ok, lo, len(v))
        idx[1::2] = np.where(ok, hi, len(v))
        with np.errstate(invalid="ignore"):
            red = ufunc.reduceat(padded, np.minimum(idx, len(v)))[0::2]
        return red, ok

    return fn


def _pick(offset: int, use_time: bool = False) -> SeriesFn:
    def fn(
        t: IntArray, v: FloatArray, lo: IntArray, hi: IntArray, rb: RangeBlock, _: list[float]
    ) -> Out:
        ok = hi > lo
        idx = _safe_idx(lo if offset == 0 else hi - 1, len(v))
        src = t.astype(np.float64) / 1000.0 if use_time else v
        return (src[idx] if len(v) else np.zeros(len(lo))), ok

    return fn


def _count(
    t: IntArray, v: FloatArray, lo: IntArray, hi: IntArray, rb: RangeBlock, _: list[float]
) -> Out:
    return (hi - lo).astype(np.float64), hi > lo


def _present(
    t: IntArray, v: FloatArray, lo: IntArray, hi: IntArray, rb: RangeBlock, _: list[float]
) -> Out:
    return np.ones(lo.shape), hi > lo


def _prefix_sums(v: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray | None:
    """Window sums from prefix sums, or None when rounding could exceed ~1e-11 relative.

    Exact for integers inside float precision; for same-sign data the prefix
    error is bounded by n*eps*|total|, checked against each window's sum.
    Other data (cancellation, NaN, Inf) takes the exact Kahan path.
    """
    if len(v) == 0:
        return np.zeros(len(lo))
    if not np.isfinite(v).all() or np.abs(v).max() >= 2**52:
        return None
    cum = np.concatenate([[0.0], np.cumsum(v)])
    sums = np.asarray(cum[hi] - cum[lo], np.float64)
    if (v == np.round(v)).all() and np.abs(v).sum() < 2**52:
        return sums
    if not ((v >= 0).all() or (v <= 0).all()):
        return None
    bound = len(v) * np.finfo(np.float64).eps * abs(float(cum[-1]))
    nonempty = hi > lo
    if (bound > 1e-11 * np.abs(sums[nonempty])).any():
        return None
    return sums


def _apply_batched(rb: RangeBlock, impl: fw.WindowImpl, params: list[float]) -> Out:
    """All series' windows in one matrix: one lockstep pass for the whole range vector."""
    steps = len(rb.step_ts)
    sizes = np.array([len(t) for t in rb.times], np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    t = np.concatenate(rb.times) if len(rb) else np.zeros(0, np.int64)
    v = np.concatenate(rb.values) if len(rb) else np.zeros(0)
    lo = (rb.lo + starts[:, np.newaxis]).ravel()
    hi = (rb.hi + starts[:, np.newaxis]).ravel()
    p = np.asarray(params, np.float64) if params else np.zeros(steps)
    if len(p) == steps:
        p = np.tile(p, len(rb))
    values, ok = impl(fw.Windows(t, v, lo, hi), np.tile(rb.step_ts, len(rb)), p)
    return values.reshape(len(rb), steps), ok.reshape(len(rb), steps)


# name -> (implementation, keeps __name__)
RANGE_FUNCTIONS: dict[str, tuple[RangeImpl, bool]] = {
    "rate": (Flat(_extrapolated(True, True)), False),
    "increase": (Flat(_extrapolated(True, False)), False),
    "delta": (Flat(_extrapolated(False, False)), False),
    "irate": (Flat(_instant(True)), False),
    "idelta": (Flat(_instant(False)), False),
    "changes": (_count_pairs(_changed), False),
    "resets": (_count_pairs(_reset), False),
    "count_over_time": (Flat(_count), False),
    "present_over_time": (Flat(_present), False),
    "last_over_time": (_pick(-1), True),
    "first_over_time": (_pick(0), True),
    "ts_of_last_over_time": (_pick(-1, use_time=True), False),
    "ts_of_first_over_time": (_pick(0, use_time=True), False),
    "ts_of_max_over_time": (Lockstep(fw.ts_of_extreme(np.greater_equal)), False),
    "ts_of_min_over_time": (Lockstep(fw.ts_of_extreme(np.less_equal)), False),
    "max_over_time": (_reduceat(np.fmax, math.nan), False),
    "min_over_time": (_reduceat(np.fmin, math.nan), False),
    "sum_over_time": (Lockstep(fw.sum_windows, prefix_sum=True), False),
    "avg_over_time": (Lockstep(fw.avg_windows, prefix_sum=True, avg=True), False),
    "stddev_over_time": (Lockstep(fw.stddev_windows), False),
    "stdvar_over_time": (Lockstep(fw.stdvar_windows), False),
    "quantile_over_time": (Lockstep(fw.quantile_windows), False),
    "mad_over_time": (Lockstep(fw.mad_windows), False),
    "deriv": (Lockstep(fw.deriv_windows), False),
    "predict_linear": (Lockstep(fw.predict_linear_windows), False),
    "double_exponential_smoothing": (Lockstep(fw.holt_winters_windows), False),
}


def call_range_function(name: str, rb: RangeBlock, scalars: list[ScalarBlock]) -> InstantBlock:
    """Evaluate a range-vector function; scalar arguments vary per step."""
    fn, keeps_name = RANGE_FUNCTIONS[name]
    params: list[float]
    if name == "double_exponential_smoothing":
        params = [float(scalars[0].values[0]), float(scalars[1].values[0])]
    elif scalars:
        params = scalars[0].values.tolist()
    else:
        params = []
    return _apply(rb, fn, params, keep_name=keeps_name)
