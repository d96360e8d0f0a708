"""``stat``: the latest value, large and coloured by threshold, over a sparkline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboards.figures import (
    base_layout,
    empty_annotation,
    finite,
    threshold_color,
    translucent,
)
from dashboards.model import Panel
from dashboards.panels import PanelType, QueryResult
from dashboards.panels.common import DEFAULT_COLOR, range_series, thresholds_of
from dashboards.units import unit_named

STAT_HEIGHT = 150
MAX_VALUES = 4


def build(panel: Panel, results: Sequence[QueryResult]) -> dict[str, Any]:
    unit = unit_named(panel.unit)
    series = range_series(results)[:MAX_VALUES]
    layout = base_layout(panel.title, height=STAT_HEIGHT)
    layout.update(
        showlegend=False,
        margin={"l": 8, "r": 8, "t": 30 if panel.title else 4, "b": 4},
        xaxis={"visible": False, "type": "date", "fixedrange": True},
        yaxis={"visible": False, "rangemode": "tozero", "fixedrange": True},
    )
    if not series:
        layout["annotations"] = [empty_annotation("No data")]
        return {"data": [], "layout": layout}
    data: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    width = 1.0 / len(series)
    for index, (name, _, times, values) in enumerate(series):
        latest = next((value for value in reversed(values) if value == value), None)
        color = panel.colors[index] if index < len(panel.colors) else DEFAULT_COLOR
        color = threshold_color(latest, thresholds_of(panel), color)
        axis = "" if index == 0 else str(index + 1)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": times,
                "y": finite(values),
                "fill": "tozeroy",
                "fillcolor": translucent(color, 0.15),
                "line": {"color": translucent(color, 0.6), "width": 1},
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
                "hovertemplate": f"%{{y:{unit.tickformat}}}{unit.ticksuffix}<extra>{name}</extra>",
            }
        )
        if index:
            domain = [index * width, (index + 1) * width]
            layout[f"xaxis{axis}"] = {**layout["xaxis"], "domain": domain}
            layout[f"yaxis{axis}"] = {**layout["yaxis"], "anchor": f"x{axis}"}
        else:
            layout["xaxis"]["domain"] = [0, width]
        annotations.append(
            {
                "text": f"<b>{unit.format(latest)}</b>",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": (index + 0.5) * width,
                "y": 0.6,
                "font": {"size": 26, "color": color},
            }
        )
        if len(series) > 1:
            annotations.append(
                {
                    "text": name,
                    "showarrow": False,
                    "xref": "paper",
                    "yref": "paper",
                    "x": (index + 0.5) * width,
                    "y": 0.15,
                    "font": {"size": 11, "color": "#4b5563"},
                }
            )
    layout["annotations"] = annotations
    return {"data": data, "layout": layout}


PANEL = PanelType("stat", "range", build)
