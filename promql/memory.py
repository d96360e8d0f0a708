"""An in-memory ``Querier``: the engine's data source in tests and the conformance runner."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from promql.labels import Labels, get_label
from promql.matchers import Matcher
from promql.querier import SeriesData, clip


class MemoryQuerier:
    """Series kept as sorted NumPy arrays; appends are merged and re-sorted lazily."""

    def __init__(self) -> None:
        self._pending: dict[Labels, list[tuple[int, float]]] = {}
        self._series: dict[Labels, tuple[np.ndarray, np.ndarray]] = {}

    def add(self, labels: Labels, t_ms: int, value: float) -> None:
        self._pending.setdefault(labels, []).append((int(t_ms), float(value)))

    def add_series(
        self, labels: Labels, timestamps: Sequence[int], values: Sequence[float]
    ) -> None:
        self._pending.setdefault(labels, []).extend(
            (int(t), float(v)) for t, v in zip(timestamps, values, strict=True)
        )

    def clear(self) -> None:
        self._pending.clear()
        self._series.clear()

    def _flush(self) -> None:
        for labels, points in self._pending.items():
            old_t, old_v = self._series.get(labels, (np.empty(0, np.int64), np.empty(0)))
            merged: dict[int, float] = dict(zip(old_t.tolist(), old_v.tolist(), strict=True))
            merged.update(points)  # a later append at the same timestamp wins
            ts = np.array(sorted(merged), dtype=np.int64)
            self._series[labels] = (ts, np.array([merged[t] for t in ts.tolist()], np.float64))
        self._pending.clear()

    def _matching(self, matchers: Sequence[Matcher]) -> list[Labels]:
        self._flush()
        return [
            labels
            for labels in self._series
            if all(m.matches(get_label(labels, m.name)) for m in matchers)
        ]

    def select(
        self, matchers: Sequence[Matcher], start_ms: int, end_ms: int
    ) -> Sequence[SeriesData]:
        out: list[SeriesData] = []
        for labels in sorted(self._matching(matchers)):
            clipped = clip(SeriesData(labels, *self._series[labels]), start_ms, end_ms)
            if clipped is not None:
                out.append(clipped)
        return out

    def label_names(self, matchers: Sequence[Matcher] = ()) -> list[str]:
        return sorted({name for labels in self._matching(matchers) for name, _ in labels})

    def label_values(self, name: str, matchers: Sequence[Matcher] = ()) -> list[str]:
        values = {get_label(labels, name) for labels in self._matching(matchers)}
        values.discard("")
        return sorted(values)
