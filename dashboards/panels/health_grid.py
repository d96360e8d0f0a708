"""``health-grid``: one strip per health check, green when ``probe_success`` was 1, red when 0."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboards.figures import base_layout, empty_annotation, finite, time_axis
from dashboards.model import Panel
from dashboards.panels import PanelType, QueryResult
from dashboards.panels.common import range_series

UP_COLOR = "#16a34a"
DOWN_COLOR = "#dc2626"
STRIP_HEIGHT = 22


def build(panel: Panel, results: Sequence[QueryResult]) -> dict[str, Any]:
    down, up = (
        (panel.colors[0], panel.colors[1]) if len(panel.colors) >= 2 else (DOWN_COLOR, UP_COLOR)
    )
    series = sorted(range_series(results), key=lambda item: item[0])
    layout = base_layout(panel.title, height=max(120, 70 + STRIP_HEIGHT * len(series)))
    layout.update(
        xaxis=time_axis(), yaxis={"type": "category", "automargin": True, "title": {"text": ""}}
    )
    if not series:
        layout["annotations"] = [empty_annotation("No health checks reported probe_success")]
        return {"data": [], "layout": layout}
    times = sorted({t for _, _, stamps, _ in series for t in stamps})
    rows = []
    for _, _, stamps, values in series:
        by_time = dict(zip(stamps, finite(values), strict=True))
        rows.append([by_time.get(t) for t in times])
    trace = {
        "type": "heatmap",
        "x": times,
        "y": [name for name, _, _, _ in series],
        "z": rows,
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, down], [0.5, down], [0.5, up], [1, up]],
        "showscale": False,
        "xgap": 1,
        "ygap": 3,
        "hovertemplate": "%{y}<br>%{x}: %{z}<extra></extra>",
    }
    return {"data": [trace], "layout": layout}


PANEL = PanelType("health-grid", "range", build)
