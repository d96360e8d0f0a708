"""Plotly figures as plain JSON-ready dicts, built from query results with no I/O.

Panels build the figure dict themselves instead of through ``plotly.graph_objects``:
the JSON plotly.js reads is the same, and a dashboard of twelve panels is built
several times faster. Unit tests check every figure against plotly's schema.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from dashboards.units import Unit, unit_named
from promql.labels import Labels, format_labels
from promql.values import Matrix

Figure = dict[str, Any]
_LEGEND_REFERENCE = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")
PANEL_HEIGHT = 260
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}


def legend_for(labels: Labels, template: str | None) -> str:
    """``{{service}} {{route}}`` filled from the labels, or the series as Prometheus prints it."""
    if not template:
        return format_labels(labels)
    values = dict(labels)
    return _LEGEND_REFERENCE.sub(lambda match: values.get(match.group(1), ""), template)


def finite(values: Sequence[float]) -> list[float | None]:
    """NaN and ±Inf as gaps: JSON has no NaN, and plotly draws None as a gap."""
    return [value if math.isfinite(value) else None for value in values]


def threshold_color(
    value: float | None, thresholds: Sequence[tuple[float, str]], default: str
) -> str:
    """The colour of the highest threshold at or below ``value``."""
    color = default
    if value is None or math.isnan(value):
        return color
    for limit, threshold in thresholds:
        if value >= limit:
            color = threshold
    return color


def translucent(color: str, alpha: float) -> str:
    """``#rrggbb`` as ``rgba(...)`` with ``alpha``; other colour forms are returned as given."""
    if len(color) == 7 and color.startswith("#"):
        red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgba({red},{green},{blue},{alpha})"
    return color


def base_layout(title: str, *, height: int = PANEL_HEIGHT) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0.01, "font": {"size": 14}} if title else None,
        "margin": {"l": 64, "r": 12, "t": 34 if title else 8, "b": 34},
        "height": height,
        "font": FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "uirevision": "keep",
    }


def value_axis(unit: Unit) -> dict[str, Any]:
    return {
        "tickformat": unit.tickformat,
        "ticksuffix": unit.ticksuffix,
        "rangemode": "tozero",
        "title": {"text": unit.label},
        "gridcolor": "#e5e7eb",
        "automargin": True,
    }


def time_axis() -> dict[str, Any]:
    return {"type": "date", "gridcolor": "#f1f5f9", "hoverformat": "%Y-%m-%d %H:%M:%S UTC"}


def empty_annotation(message: str) -> dict[str, Any]:
    return {
        "text": message,
        "showarrow": False,
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": 0.5,
        "font": {"size": 13, "color": "#6b7280"},
    }


def empty_figure(layout: dict[str, Any], message: str, *, hide_axes: bool = False) -> Figure:
    """No traces, and the reason written where the chart would be."""
    layout["annotations"] = [empty_annotation(message)]
    if hide_axes:
        layout["xaxis"] = {"visible": False}
        layout["yaxis"] = {"visible": False}
    return {"data": [], "layout": layout}


def timeseries_figure(
    matrix: Matrix,
    *,
    title: str = "",
    unit: str | None = None,
    legend: str | None = None,
    colors: Sequence[str] = (),
    thresholds: Sequence[tuple[float, str]] = (),
    height: int = PANEL_HEIGHT,
) -> Figure:
    """A line chart, one trace per series, with the unit on the y axis."""
    return lines_figure(
        [
            (legend_for(series.labels, legend), series.timestamps, series.values)
            for series in matrix.series
        ],
        title=title,
        unit=unit_named(unit),
        colors=colors,
        thresholds=thresholds,
        height=height,
    )


def lines_figure(
    traces: Sequence[tuple[str, Sequence[int], Sequence[float]]],
    *,
    title: str,
    unit: Unit,
    colors: Sequence[str] = (),
    thresholds: Sequence[tuple[float, str]] = (),
    height: int = PANEL_HEIGHT,
) -> Figure:
    data: list[dict[str, Any]] = []
    hover = f"%{{y:{unit.tickformat}}}{unit.ticksuffix}<extra>%{{fullData.name}}</extra>"
    for index, (name, timestamps, values) in enumerate(traces):
        trace: dict[str, Any] = {
            "type": "scatter",
            "mode": "lines",
            "name": name,
            "x": list(timestamps),  # epoch ms: plotly reads numbers on a date axis as UTC
            "y": finite(values),
            "hovertemplate": hover,
            "line": {"width": 1.5},
        }
        if index < len(colors):
            trace["line"]["color"] = colors[index]
        data.append(trace)
    layout = base_layout(title, height=height)
    layout.update(
        showlegend=True,
        legend={"orientation": "h", "y": -0.25},
        yaxis=value_axis(unit),
        xaxis=time_axis(),
        shapes=[
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": limit,
                "y1": limit,
                "line": {"color": color, "dash": "dash", "width": 1},
            }
            for limit, color in thresholds
        ],
    )
    if not data:
        layout["annotations"] = [empty_annotation("No data in this time range")]
    return {"data": data, "layout": layout}


def volume_figure(
    buckets: Sequence[tuple[int, int]], *, step_ms: int, title: str = ""
) -> Figure:
    """Lines per time bucket as bars: the log search page's volume histogram."""
    layout = base_layout(title, height=160)
    layout.update(
        showlegend=False,
        yaxis={"rangemode": "tozero", "title": {"text": "lines"}},
        xaxis=time_axis(),
    )
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "x": [start for start, _ in buckets],  # epoch ms, read as UTC on a date axis
            "y": [count for _, count in buckets],
            "width": step_ms * 0.9,
            "hovertemplate": "%{y} lines<extra></extra>",
        }
    ]
    if not buckets:
        layout["annotations"] = [empty_annotation("No lines in this time range")]
    return {"data": data, "layout": layout}
