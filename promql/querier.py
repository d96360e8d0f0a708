"""The narrow interface the engine reads data through.

The engine never knows where samples live: ``store/`` implements ``Querier``
over SQL, ``promql.memory`` implements it in memory for tests and the
conformance runner. Timestamps are int64 milliseconds, values float64, both
sorted by time, as NumPy arrays so evaluation can work on whole series at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from promql.labels import Labels
from promql.matchers import Matcher

Timestamps = npt.NDArray[np.int64]
Values = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SeriesData:
    """One series' raw samples in a time window (staleness markers included)."""

    labels: Labels
    timestamps: Timestamps
    values: Values


class Querier(Protocol):
    def select(
        self, matchers: Sequence[Matcher], start_ms: int, end_ms: int
    ) -> Sequence[SeriesData]:
        """Series matching every matcher, with their samples in [start_ms, end_ms]."""
        ...

    def label_names(self, matchers: Sequence[Matcher] = ()) -> list[str]:
        """Sorted label names of the series matching (all series when no matchers)."""
        ...

    def label_values(self, name: str, matchers: Sequence[Matcher] = ()) -> list[str]:
        """Sorted values of one label among the series matching."""
        ...


def clip(series: SeriesData, start_ms: int, end_ms: int) -> SeriesData | None:
    """The series with only its samples in [start_ms, end_ms]; None if none are."""
    ts = series.timestamps
    lo = int(np.searchsorted(ts, start_ms, "left"))
    hi = int(np.searchsorted(ts, end_ms, "right"))
    if hi <= lo:
        return None
    if lo == 0 and hi == len(ts):
        return series
    return SeriesData(series.labels, ts[lo:hi], series.values[lo:hi])
