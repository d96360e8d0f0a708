"""Kahan-compensated arithmetic exactly as Prometheus does it.

Prometheus's results for sums and means of badly-scaled data depend on its
specific compensation steps; conformance needs the same rounding. The array
form applies one step of the compensation to many independent sums at once.
"""

from __future__ import annotations

import math

import numpy as np

from promql.blocks import FloatArray


def kahan_inc(inc: float, total: float, comp: float) -> tuple[float, float]:
    t = total + inc
    if math.isinf(t):
        comp = 0.0
    elif abs(total) >= abs(inc):
        comp += (total - t) + inc
    else:
        comp += (inc - t) + total
    return t, comp


def kahan_inc_arrays(
    inc: FloatArray, total: FloatArray, comp: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``kahan_inc`` element-wise, for summing many steps at once."""
    with np.errstate(invalid="ignore", over="ignore"):
        t = total + inc
        big = np.abs(total) >= np.abs(inc)
        delta = np.where(big, (total - t) + inc, (inc - t) + total)
        comp = np.where(np.isinf(t), 0.0, comp + delta)
    return t, comp
