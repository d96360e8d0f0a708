"""Order-dependent range functions, replayed over all windows in lockstep.

Prometheus computes stddev_over_time, deriv, avg_over_time, … with sequential
Kahan-compensated loops, and conformance needs the same rounding. Gathering
every step's window into a (steps x longest-window) matrix lets us run that
exact sequence once per window *position*, vectorised across all steps, so
there is no Python loop over samples or steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from promql.aggregations import REDUCERS
from promql.blocks import BoolArray, FloatArray, IntArray
from promql.kahan import kahan_inc_arrays

Out = tuple[FloatArray, BoolArray]


class Windows:
    """Window k of step j is ``values[j, :count[j]]`` (``mask`` marks real samples)."""

    def __init__(self, t: IntArray, v: FloatArray, lo: IntArray, hi: IntArray) -> None:
        self.count = hi - lo
        width = int(self.count.max(initial=0))
        idx = lo[:, np.newaxis] + np.arange(width)[np.newaxis, :]
        self.mask: BoolArray = idx < hi[:, np.newaxis]
        safe = np.clip(idx, 0, max(len(v) - 1, 0))
        self.values: FloatArray = v[safe] if len(v) else np.zeros(idx.shape)
        self.times: IntArray = t[safe] if len(t) else np.zeros(idx.shape, np.int64)
        self.width = width


WindowImpl = Callable[[Windows, IntArray, FloatArray], Out]


def sum_windows(w: Windows, step_ts: IntArray, params: FloatArray) -> Out:
    return REDUCERS["sum"](w.values.T, w.mask.T, params), w.count > 0


def avg_windows(w: Windows, step_ts: IntArray, params: FloatArray) -> Out:
    return REDUCERS["avg"](w.values.T, w.mask.T, params), w.count > 0


def quantile_windows(w: Windows, step_ts: IntArray, params: FloatArray) -> Out:
    return REDUCERS["quantile"](w.values.T, w.mask.T, params), w.count > 0


def mad_windows(w: Windows, step_ts: IntArray, params: FloatArray) -> Out:
    half = np.full(len(w.count), 0.5)
    median = REDUCERS["quantile"](w.values.T, w.mask.T, half)
    deviation = np.abs(w.values - median[:, np.newaxis])
    return REDUCERS["quantile"](deviation.T, w.mask.T, half), w.count > 0


def _variance(w: Windows) -> FloatArray:
    """Prometheus's compensated Welford variance, one window position at a time."""
    steps = len(w.count)
    count, mean, c_mean, aux, c_aux = (np.zeros(steps) for _ in range(5))
    with np.errstate(all="ignore"):
        for k in range(w.width):
            active = w.mask[:, k]
            f = w.values[:, k]
            new_count = count + 1
            delta = f - (mean + c_mean)
            new_mean, new_c_mean = kahan_inc_arrays(delta / new_count, mean, c_mean)
            new_aux, new_c_aux = kahan_inc_arrays(delta * (f - (new_mean + new_c_mean)), aux, c_aux)
            count = np.where(active, new_count, count)
            mean = np.where(active, new_mean, mean)
            c_mean = np.where(active, new_c_mean, c_mean)
            aux = np.where(active, new_aux, aux)
            c_aux = np.where(active, new_c_aux, c_aux)
        return np.asarray((aux + c_aux) / count, np.float64)


def stdvar_windows(w: Windows, step_ts: IntArray, params: FloatArray) -> Out:
    return _variance(w), w.count > 0


def stddev_windows(w: Windows, step_ts: IntArray, params: FloatArray) -> Out:
    with np.errstate(invalid="ignore"):
        return np.sqrt(_variance(w)), w.count > 0


def _linear_regression(w: Windows, intercept_ms: IntArray) -> tuple[FloatArray, FloatArray]:
    steps = len(w.count)
    n, sx, cx, sy, cy, sxy, cxy, sx2, cx2 = (np.zeros(steps) for _ in range(9))
    first = w.values[:, 0] if w.width else np.zeros(steps)
    const_y = np.ones(steps, bool)
    with np.errstate(all="ignore"):
        for k in range(w.width):
            active = w.mask[:, k]
            y = w.values[:, k]
            if k > 0:
                const_y &= ~(active & (y != first))
            x = (w.times[:, k] - intercept_ms) / 1e3
            n = n + active
            for total, comp, inc in (
                (sx, cx, x),
                (sy, cy, y),
                (sxy, cxy, x * y),
                (sx2, cx2, x * x),
            ):
                new_total, new_comp = kahan_inc_arrays(inc, total, comp)
                total[:] = np.where(active, new_total, total)
                comp[:] = np.where(active, new_comp, comp)
        sx, sy, sxy, sx2 = sx + cx, sy + cy, sxy + cxy, sx2 + cx2
        slope = (sxy - sx * sy / n) / (sx2 - sx * sx / n)
        intercept = sy / n - slope * sx / n
    inf_const = const_y & np.isinf(first)
    slope = np.where(const_y, np.where(inf_const, math.nan, 0.0), slope)
    intercept = np.where(const_y, np.where(inf_const, math.nan, first), intercept)
    return slope, intercept


def deriv_windows(w: Windows, step_ts: IntArray, params: FloatArray) -> Out:
    first_t = w.times[:, 0] if w.width else np.zeros(len(w.count), np.int64)
    return _linear_regression(w, first_t)[0], w.count >= 2


def predict_linear_windows(w: Windows, step_ts: IntArray, params: FloatArray) -> Out:
    slope, intercept = _linear_regression(w, step_ts)
    return slope * params + intercept, w.count >= 2


def holt_winters_windows(w: Windows, step_ts: IntArray, params: FloatArray) -> Out:
    """double_exponential_smoothing; ``params`` holds the smoothing and trend factors."""
    steps = len(w.count)
    if w.width < 2:
        return np.zeros(steps), np.zeros(steps, bool)
    sf, tf = float(params[0]), float(params[1])
    s0 = np.zeros(steps)
    s1 = w.values[:, 0].copy()
    b = w.values[:, 1] - w.values[:, 0]
    with np.errstate(all="ignore"):
        for i in range(1, w.width):
            active = w.mask[:, i]
            x = sf * w.values[:, i]
            new_b = tf * (s1 - s0) + (1 - tf) * b if i > 1 else b
            y = (1 - sf) * (s1 + new_b)
            b = np.where(active, new_b, b)
            s0, s1 = np.where(active, s1, s0), np.where(active, x + y, s1)
    return s1, w.count >= 2


def ts_of_extreme(better: Callable[[FloatArray, FloatArray], BoolArray]) -> WindowImpl:
    """Timestamp (seconds) of the window's max/min sample; ties go to the later sample."""

    def impl(w: Windows, step_ts: IntArray, params: FloatArray) -> Out:
        steps = len(w.count)
        if w.width == 0:
            return np.zeros(steps), np.zeros(steps, bool)
        best, best_t = w.values[:, 0].copy(), w.times[:, 0].copy()
        with np.errstate(invalid="ignore"):
            for k in range(1, w.width):
                f = w.values[:, k]
                take = w.mask[:, k] & (better(f, best) | np.isnan(best))
                best = np.where(take, f, best)
                best_t = np.where(take, w.times[:, k], best_t)
        return best_t / 1000.0, w.count > 0

    return impl
