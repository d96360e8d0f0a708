"""The one thing the analysis asks of the outside world: a PromQL range query."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from promql.values import Matrix

FloatArray = npt.NDArray[np.float64]

RangeQuery = Callable[[str, float, float, float], Matrix]
"""(expression, start, end, step), times in Unix seconds -> the range result."""


def regex_alternation(names: list[str] | tuple[str, ...] | set[str]) -> str:
    """``a|b|c`` for a ``=~`` matcher; metric names need no escaping."""
    return "|".join(sorted(names))


def duration_text(seconds: float) -> str:
    """A PromQL duration for a range selector (whole milliseconds)."""
    return f"{max(1, round(seconds * 1000))}ms"
