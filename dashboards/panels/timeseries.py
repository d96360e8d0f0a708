"""``timeseries``: lines over the picked time range, one per series."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboards.figures import lines_figure
from dashboards.model import Panel
from dashboards.panels import PanelType, QueryResult
from dashboards.panels.common import range_series, thresholds_of
from dashboards.units import unit_named


def build(panel: Panel, results: Sequence[QueryResult]) -> dict[str, Any]:
    traces = [(name, times, values) for name, _, times, values in range_series(results)]
    figure = lines_figure(
        traces,
        title=panel.title,
        unit=unit_named(panel.unit),
        colors=panel.colors,
        thresholds=thresholds_of(panel),
    )
    if panel.min is not None or panel.max is not None:
        figure["layout"]["yaxis"]["range"] = [panel.min, panel.max]
    return figure


PANEL = PanelType("timeseries", "range", build)
