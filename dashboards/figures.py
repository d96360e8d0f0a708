"""Plotly figures from query results, built server-side and drawn by plotly.js in the page."""

from __future__ import annotations

import json
import re
from typing import Any

import plotly.graph_objects as go
import plotly.io

from dashboards.units import unit_named
from promql.labels import Labels, format_labels
from promql.values import Matrix

_LEGEND_REFERENCE = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")


def legend_for(labels: Labels, template: str | None) -> str:
    """``{{service}} {{route}}`` filled from the labels, or the series as Prometheus prints it."""
    if not template:
        return format_labels(labels)
    values = dict(labels)
    return _LEGEND_REFERENCE.sub(lambda match: values.get(match.group(1), ""), template)


def timeseries_figure(
    matrix: Matrix, *, title: str = "", unit: str | None = None, legend: str | None = None
) -> dict[str, Any]:
    """A line chart, one trace per series, with the unit on the y axis."""
    axis_unit = unit_named(unit)
    figure = go.Figure()
    for series in matrix.series:
        figure.add_trace(
            go.Scatter(
                x=list(series.timestamps),  # epoch ms: plotly reads numbers on a date axis as UTC
                y=series.values,
                mode="lines",
                name=legend_for(series.labels, legend),
                hovertemplate=f"%{{y:{axis_unit.tickformat}}}{axis_unit.ticksuffix}<extra>%{{fullData.name}}</extra>",
            )
        )
    figure.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 14}},
        margin={"l": 60, "r": 10, "t": 36 if title else 10, "b": 36},
        height=280,
        showlegend=True,
        legend={"orientation": "h", "y": -0.2},
        yaxis={
            "tickformat": axis_unit.tickformat,
            "ticksuffix": axis_unit.ticksuffix,
            "rangemode": "tozero",
            "title": {"text": axis_unit.label},
        },
        xaxis={"type": "date"},
        template="plotly_white",
        uirevision="keep",
    )
    result: dict[str, Any] = json.loads(plotly.io.to_json(figure, validate=False))
    return result


def volume_figure(
    buckets: list[tuple[int, int]], *, step_ms: int, title: str = ""
) -> dict[str, Any]:
    """Lines per time bucket as bars: the log search page's volume histogram."""
    figure = go.Figure(
        go.Bar(
            x=[start for start, _ in buckets],  # epoch ms, read as UTC on a date axis
            y=[count for _, count in buckets],
            width=step_ms * 0.9,
            hovertemplate="%{y} lines<extra></extra>",
        )
    )
    figure.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 14}},
        margin={"l": 60, "r": 10, "t": 36 if title else 10, "b": 36},
        height=160,
        showlegend=False,
        yaxis={"rangemode": "tozero", "title": {"text": "lines"}},
        xaxis={"type": "date"},
        template="plotly_white",
        uirevision="keep",
    )
    result: dict[str, Any] = json.loads(plotly.io.to_json(figure, validate=False))
    return result
