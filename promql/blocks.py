"""The engine's internal, whole-query-at-once value representations.

Every node is evaluated for all steps in one go: an instant vector is a
(series x steps) float matrix plus a presence mask, a range vector keeps each
series' raw samples plus per-step window bounds. Operators then work on whole
arrays instead of looping per step or per sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from promql.errors import PromQLError
from promql.labels import METRIC_NAME, Labels

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class EvalError(PromQLError):
    """A query that parsed but cannot be evaluated."""


class QueryTimeoutError(EvalError):
    """The query ran longer than the engine's timeout."""


class TooManySamplesError(EvalError):
    """The query would hold more samples in memory than allowed."""


class NativeHistogramError(EvalError):
    """The query touches native histograms, which Vigil does not support."""


@dataclass
class InstantBlock:
    """An instant vector over all steps: row i is series ``labels[i]``.

    ``drop_name`` implements Prometheus 3's delayed ``__name__`` removal: the
    name is kept for matching and removed only when the result is returned.
    ``sample_ts`` holds the timestamps of the samples picked by a selector
    (``timestamp()`` needs them); ``rank`` gives an explicit result order.
    """

    labels: list[Labels]
    values: FloatArray
    present: BoolArray
    drop_name: BoolArray
    sample_ts: IntArray | None = None
    rank: FloatArray | None = None

    @classmethod
    def empty(cls, steps: int) -> InstantBlock:
        return cls([], np.zeros((0, steps)), np.zeros((0, steps), bool), np.zeros(0, bool))

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, rows: list[int] | IntArray) -> InstantBlock:
        idx = np.asarray(rows, dtype=np.int64)
        return InstantBlock(
            [self.labels[i] for i in idx.tolist()],
            self.values[idx],
            self.present[idx],
            self.drop_name[idx],
            None if self.sample_ts is None else self.sample_ts[idx],
            None if self.rank is None else self.rank[idx],
        )

    def nonempty(self) -> InstantBlock:
        """Drop rows that are absent at every step."""
        keep = np.flatnonzero(self.present.any(axis=1))
        return self if len(keep) == len(self.labels) else self.take(keep)


@dataclass
class RangeBlock:
    """A range vector over all steps: raw samples per series and per-step windows.

    Window of series i at step j is ``samples[i][lo[i, j]:hi[i, j]]``;
    ``range_ms`` and ``window_end`` are what rate()-style extrapolation needs;
    ``step_ts`` is the evaluation time (predict_linear's intercept).
    """

    labels: list[Labels]
    times: list[IntArray]
    values: list[FloatArray]
    lo: IntArray
    hi: IntArray
    range_ms: int
    window_end: IntArray
    step_ts: IntArray
    drop_name: BoolArray = field(default_factory=lambda: np.zeros(0, bool))
    flat: tuple[IntArray, FloatArray, IntArray] | None = None
    """Optionally ``times`` and ``values`` concatenated, and where each series starts
    (``len(labels) + 1`` offsets), for functions that work on all series at once."""

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class ScalarBlock:
    values: FloatArray


@dataclass
class StringBlock:
    value: str


Block = InstantBlock | RangeBlock | ScalarBlock | StringBlock


def drop_metric_name(labels: Labels) -> Labels:
    return tuple(pair for pair in labels if pair[0] != METRIC_NAME)


def merge_same_labels(block: InstantBlock, *, check: bool) -> InstantBlock:
    """Merge rows with equal labels; with ``check``, overlap at a step is an error.

    Rows with equal labels arise when different inputs map to one output
    series at different steps; Prometheus sees one series in that case.
    """
    groups: dict[tuple[Labels, bool], list[int]] = {}
    for i, labels in enumerate(block.labels):
        groups.setdefault((labels, bool(block.drop_name[i])), []).append(i)
    if len(groups) == len(block.labels):
        return block
    rows: list[int] = []
    values = block.values.copy()
    present = block.present.copy()
    ts = None if block.sample_ts is None else block.sample_ts.copy()
    for members in groups.values():
        first = members[0]
        rows.append(first)
        for other in members[1:]:
            overlap = present[first] & block.present[other]
            if overlap.any():
                if check:
                    raise EvalError("vector cannot contain metrics with the same labelset")
                rows.append(other)  # both exist at some step: keep them apart
                continue
            mask = block.present[other]
            values[first, mask] = block.values[other, mask]
            present[first] |= mask
            if ts is not None:
                ts[first, mask] = block.sample_ts[other, mask]  # type: ignore[index]
    merged = InstantBlock(block.labels, values, present, block.drop_name, ts, block.rank)
    return merged.take(rows)
