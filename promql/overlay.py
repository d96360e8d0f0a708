"""Samples a rule group has recorded but not yet stored, visible to its later rules.

Prometheus evaluates a group's rules in order and commits each rule's output
before the next runs, so a rule may use a recording rule defined above it in
the same group and see this evaluation's value. A group here writes its
results in one transaction at the end; ``OverlayQuerier`` lets the later rules
see the recorded samples meanwhile, as if they were already in the store.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from promql.labels import Labels, get_label
from promql.matchers import Matcher
from promql.querier import Querier, SeriesData


class OverlayQuerier:
    """``base`` with extra samples merged in; an extra sample wins over a stored one."""

    def __init__(self, base: Querier) -> None:
        self._base = base
        self._extra: dict[Labels, dict[int, float]] = {}

    def add(self, labels: Labels, t_ms: int, value: float) -> None:
        self._extra.setdefault(labels, {})[t_ms] = value

    def select(
        self, matchers: Sequence[Matcher], start_ms: int, end_ms: int
    ) -> Sequence[SeriesData]:
        stored = self._base.select(matchers, start_ms, end_ms)
        extra = {
            labels: {t: v for t, v in points.items() if start_ms <= t <= end_ms}
            for labels, points in self._extra.items()
            if all(m.matches(get_label(labels, m.name)) for m in matchers)
        }
        extra = {labels: points for labels, points in extra.items() if points}
        if not extra:
            return stored
        merged = [_merge(series, extra.pop(series.labels, {})) for series in stored]
        merged.extend(
            _merge(SeriesData(labels, _NO_TS, _NO_VALUES), points)
            for labels, points in extra.items()
        )
        return sorted(merged, key=lambda series: series.labels)

    def label_names(self, matchers: Sequence[Matcher] = ()) -> list[str]:
        return self._base.label_names(matchers)

    def label_values(self, name: str, matchers: Sequence[Matcher] = ()) -> list[str]:
        return self._base.label_values(name, matchers)


_NO_TS = np.empty(0, np.int64)
_NO_VALUES = np.empty(0, np.float64)


def _merge(series: SeriesData, points: dict[int, float]) -> SeriesData:
    if not points:
        return series
    keep = ~np.isin(series.timestamps, np.fromiter(points, np.int64, len(points)))
    timestamps = np.concatenate([series.timestamps[keep], np.fromiter(points, np.int64)])
    values = np.concatenate(
        [series.values[keep], np.fromiter(points.values(), np.float64, len(points))]
    )
    order = np.argsort(timestamps, kind="stable")
    return SeriesData(series.labels, timestamps[order], values[order])
