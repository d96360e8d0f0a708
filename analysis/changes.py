"""A robust change test for one signal: did it move in the window, by how much, since when.

The window's level is the median after the most likely change point inside
the window (so a fault that began two minutes ago is not diluted by the calm
minutes before it), compared with the baseline's median; the noise scale is
the baseline's median absolute deviation with a floor, so a flat baseline
does not make every wiggle significant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.source import FloatArray

MIN_BASELINE_POINTS = 3
Z_SIGNIFICANT = 5.0


@dataclass(frozen=True)
class Change:
    baseline: float
    current: float
    since: float | None
    """Time of the first step at the new level (None: no change point in the window)."""
    z: float
    """Robust z-score of current against the baseline's noise."""

    @property
    def difference(self) -> float:
        return self.current - self.baseline

    @property
    def ratio(self) -> float:
        if self.baseline > 0:
            return self.current / self.baseline
        return math.inf if self.current > 0 else 1.0

    def is_significant(self, relative: float = 0.2, absolute: float = 0.0) -> bool:
        """Moved beyond noise, by at least ``relative`` of the baseline and ``absolute``."""
        moved = abs(self.difference)
        return (
            abs(self.z) >= Z_SIGNIFICANT
            and moved >= relative * abs(self.baseline)
            and moved > absolute
        )


def compare(
    times: FloatArray, values: FloatArray, window_start: float, *, floor: float = 0.0
) -> Change | None:
    """Compare the window with the baseline; None when there is too little data.

    ``floor`` is the smallest noise scale (in the signal's unit): below it a
    move is never significant, which keeps a quiet zero baseline from turning
    one stray error into an infinite z-score. When the baseline holds no data
    (a store younger than window and baseline together), the window's own
    points before its change point stand in for it.
    """
    ok = np.isfinite(values)
    series, stamps = values[ok], times[ok]
    first = int(np.searchsorted(stamps, window_start, "left"))
    if first >= series.size:
        return None
    if first < MIN_BASELINE_POINTS:
        if series.size < 2 * MIN_BASELINE_POINTS:
            return None
        split = _change_point(series, MIN_BASELINE_POINTS)
        first = split
    else:
        split = _change_point(series, first)
    base = series[:first]
    level = float(np.median(base))
    spread = 1.4826 * float(np.median(np.abs(base - level)))
    scale = max(spread, 0.05 * abs(level), floor, 1e-12)
    current = float(np.median(series[split:]))
    z = (current - level) / scale
    since = float(stamps[split]) if abs(z) >= Z_SIGNIFICANT else None
    return Change(level, current, since, z)


def _change_point(series: FloatArray, first: int) -> int:
    """The split inside the window that best separates two constant levels (least squares).

    Maximises n_left * n_right / n * (mean_left - mean_right)^2, the classic
    single change-point estimator; the new segment keeps at least two points
    unless the window has only one.
    """
    n = series.size
    last = n - 2 if n - first >= 2 else n - 1
    if last <= first:
        return first
    cumulative = np.concatenate(([0.0], np.cumsum(series)))
    k = np.arange(first, last + 1)
    left_mean = cumulative[k] / k
    right_mean = (cumulative[n] - cumulative[k]) / (n - k)
    gain = k * (n - k) / n * (left_mean - right_mean) ** 2
    return int(k[int(np.argmax(gain))])
