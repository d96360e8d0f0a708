"""``bar``: one bar per series at the end of the range (top routes, errors by service)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboards.figures import base_layout, empty_annotation, finite, threshold_color, value_axis
from dashboards.model import Panel
from dashboards.panels import PanelType, QueryResult
from dashboards.panels.common import DEFAULT_COLOR, instant_rows, thresholds_of
from dashboards.units import unit_named


def build(panel: Panel, results: Sequence[QueryResult]) -> dict[str, Any]:
    unit = unit_named(panel.unit)
    rows = sorted(instant_rows(results), key=lambda row: -row[2] if row[2] == row[2] else 0)
    default = panel.colors[0] if panel.colors else DEFAULT_COLOR
    limits = thresholds_of(panel)
    layout = base_layout(panel.title)
    layout.update(
        showlegend=False,
        yaxis=value_axis(unit),
        xaxis={"type": "category", "automargin": True, "title": {"text": ""}},
    )
    if not rows:
        layout["annotations"] = [empty_annotation("No data")]
    trace = {
        "type": "bar",
        "x": [name for name, _, _ in rows],
        "y": finite([value for _, _, value in rows]),
        "marker": {"color": [threshold_color(value, limits, default) for _, _, value in rows]},
        "hovertemplate": f"%{{x}}: %{{y:{unit.tickformat}}}{unit.ticksuffix}<extra></extra>",
    }
    return {"data": [trace] if rows else [], "layout": layout}


PANEL = PanelType("bar", "instant", build)
