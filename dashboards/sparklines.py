"""Sparklines: a tiny axis-less line per value of a label (one per service on the fleet page)."""

from __future__ import annotations

from typing import Any

from dashboards.figures import finite
from dashboards.units import unit_named
from promql.values import Matrix

SPARK_HEIGHT = 36


def sparkline_figures(
    matrix: Matrix, label: str, *, unit: str | None = None, color: str = "#3e63dd"
) -> dict[str, dict[str, Any]]:
    """Label value → a small figure, titled with its latest value in the unit."""
    axis_unit = unit_named(unit)
    figures: dict[str, dict[str, Any]] = {}
    for series in matrix.series:
        key = dict(series.labels).get(label)
        if key is None:
            continue
        latest = next((value for value in reversed(series.values) if value == value), None)
        figures[key] = {
            "data": [
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": series.timestamps,
                    "y": finite(series.values),
                    "line": {"width": 1.2, "color": color},
                    "fill": "tozeroy",
                    "hoverinfo": "skip",
                }
            ],
            "layout": {
                "height": SPARK_HEIGHT,
                "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                "xaxis": {"visible": False, "type": "date"},
                "yaxis": {"visible": False, "rangemode": "tozero"},
                "showlegend": False,
                "paper_bgcolor": "rgba(0,0,0,0)",
                "plot_bgcolor": "rgba(0,0,0,0)",
            },
            "latest": axis_unit.format(latest),
        }
    return figures
