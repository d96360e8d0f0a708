"""Prometheus's ``almost.Equal``: relative float comparison used by tests and buckets."""

from __future__ import annotations

import math
import sys

from promql.staleness import is_stale_nan

_MIN_NORMAL = sys.float_info.min


def almost_equal(a: float, b: float, epsilon: float) -> bool:
    """True if a and b differ by less than epsilon relative to their size; NaN equals NaN."""
    if is_stale_nan(a) or is_stale_nan(b):
        return is_stale_nan(a) and is_stale_nan(b)
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    abs_sum = abs(a) + abs(b)
    diff = abs(a - b)
    if a == 0 or b == 0 or abs_sum < _MIN_NORMAL:
        return diff < epsilon * _MIN_NORMAL
    return diff / min(abs_sum, sys.float_info.max) < epsilon
