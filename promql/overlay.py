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

from promql.labels import METRIC_NAME, Labels, get_label
from promql.matchers import Matcher, required_metric_name
from promql.querier import Querier, SeriesData


class OverlayQuerier:
    """``base`` with extra samples merged in; an extra sample wins over a stored one."""

    def __init__(self, base: Querier) -> None:
        self._base = base
        self._by_name: dict[str, dict[Labels, dict[int, float]]] = {}
        """Extra samples by metric name, then series, then time."""

    def add(self, labels: Labels, t_ms: int, value: float) -> None:
        named = self._by_name.setdefault(get_label(labels, METRIC_NAME), {})
        named.setdefault(labels, {})[t_ms] = value

    def _candidates(self, matchers: Sequence[Matcher]) -> dict[Labels, dict[int, float]]:
        """The extra series a selection could match: those of its metric, if it names one."""
        name = required_metric_name(matchers)
        if name is not None:
            return self._by_name.get(name, {})
        return {
            labels: points for named in self._by_name.values() for labels, points in named.items()
        }

    def select(
        self, matchers: Sequence[Matcher], start_ms: int, end_ms: int
    ) -> Sequence[SeriesData]:
        stored = self._base.select(matchers, start_ms, end_ms)
        extra = {
            labels: {t: v for t, v in points.items() if start_ms <= t <= end_ms}
            for labels, points in self._candidates(matchers).items()
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
