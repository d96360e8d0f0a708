"""What several panel types share: thresholds as pairs, and instant results as rows."""

from __future__ import annotations

from collections.abc import Sequence

from dashboards.figures import legend_for
from dashboards.model import Panel
from dashboards.panels import QueryResult
from promql.labels import Labels
from promql.values import Matrix, Vector

DEFAULT_COLOR = "#2563eb"


def thresholds_of(panel: Panel) -> list[tuple[float, str]]:
    return [(threshold.value, threshold.color) for threshold in panel.thresholds]


def instant_rows(results: Sequence[QueryResult]) -> list[tuple[str, Labels, float]]:
    """(legend, labels, value) per sample; a matrix contributes each series' last point."""
    rows: list[tuple[str, Labels, float]] = []
    for query, value in results:
        if isinstance(value, Vector):
            rows.extend(
                (legend_for(sample.labels, query.legend), sample.labels, sample.value)
                for sample in value.samples
            )
        elif isinstance(value, Matrix):
            rows.extend(
                (legend_for(series.labels, query.legend), series.labels, series.values[-1])
                for series in value.series
                if series.values
            )
    return rows


def range_series(
    results: Sequence[QueryResult],
) -> list[tuple[str, Labels, list[int], list[float]]]:
    """(legend, labels, timestamps ms, values) per series of every range result."""
    return [
        (legend_for(series.labels, query.legend), series.labels, series.timestamps, series.values)
        for query, value in results
        if isinstance(value, Matrix)
        for series in value.series
    ]
