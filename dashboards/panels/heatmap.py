"""``heatmap``: a histogram's buckets over time, from its cumulative ``_bucket`` series.

The query returns one series per ``le`` (``sum by (le) (rate(x_bucket[1m]))``);
each row of the heatmap is one bucket's own share: its cumulative count minus
the bucket below it, as Grafana's "heatmap from Prometheus buckets" shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from dashboards.figures import base_layout, empty_annotation, time_axis
from dashboards.model import Panel
from dashboards.panels import PanelType, QueryResult
from dashboards.panels.common import range_series
from dashboards.units import unit_named


def _bound(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def bucket_rows(
    buckets: Sequence[tuple[float, list[int], list[float]]],
) -> tuple[list[int], list[float], list[list[float | None]]]:
    """Times, upper bounds and per-bucket (non-cumulative) counts, lowest bucket first."""
    ordered = sorted(buckets, key=lambda bucket: bucket[0])
    times = sorted({t for _, stamps, _ in ordered for t in stamps})
    cumulative = [dict(zip(stamps, values, strict=True)) for _, stamps, values in ordered]
    rows: list[list[float | None]] = []
    below: dict[int, float] = {}
    for counts in cumulative:
        row: list[float | None] = []
        for t in times:
            value = counts.get(t)
            if value is None or math.isnan(value):
                row.append(None)
                continue
            row.append(max(value - below.get(t, 0.0), 0.0))
        rows.append(row)
        below = {t: v for t, v in counts.items() if not math.isnan(v)}
    return times, [bound for bound, _, _ in ordered], rows


def build(panel: Panel, results: Sequence[QueryResult]) -> dict[str, Any]:
    unit = unit_named(panel.unit)
    buckets = [
        (_bound(dict(labels).get("le", "")), times, values)
        for _, labels, times, values in range_series(results)
    ]
    buckets = [bucket for bucket in buckets if not math.isnan(bucket[0])]
    layout = base_layout(panel.title)
    layout.update(xaxis=time_axis(), yaxis={"type": "category", "title": {"text": unit.label}})
    if not buckets:
        layout["annotations"] = [
            empty_annotation("No histogram buckets (the query must keep the le label)")
        ]
        return {"data": [], "layout": layout}
    times, bounds, rows = bucket_rows(buckets)
    trace = {
        "type": "heatmap",
        "x": times,
        "y": ["+Inf" if math.isinf(bound) else unit.format(bound) for bound in bounds],
        "z": rows,
        "colorscale": "Viridis",
        "colorbar": {"thickness": 10, "title": {"text": "per s"}},
        "hovertemplate": "%{x}<br>≤ %{y}: %{z:.3~s}/s<extra></extra>",
    }
    return {"data": [trace], "layout": layout}


PANEL = PanelType("heatmap", "range", build)
