"""``table``: one row per series at the end of the range, a column per label and the value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboards.figures import base_layout, empty_figure, threshold_color
from dashboards.model import Panel
from dashboards.panels import PanelType, QueryResult
from dashboards.panels.common import instant_rows, thresholds_of
from dashboards.units import unit_named
from promql.labels import METRIC_NAME

ROW_HEIGHT = 26


def build(panel: Panel, results: Sequence[QueryResult]) -> dict[str, Any]:
    unit = unit_named(panel.unit)
    rows = instant_rows(results)
    columns = sorted({name for _, labels, _ in rows for name, _ in labels if name != METRIC_NAME})
    layout = base_layout(panel.title, height=min(80 + ROW_HEIGHT * max(len(rows), 1), 420))
    layout["margin"] = {"l": 4, "r": 4, "t": 34 if panel.title else 4, "b": 4}
    if not rows:
        return empty_figure(layout, "No data", hide_axes=True)
    cells: list[list[str]] = [
        [dict(labels).get(name, "") for _, labels, _ in rows] for name in columns
    ]
    cells.append([unit.format(value) for _, _, value in rows])
    value_colors = [threshold_color(value, thresholds_of(panel), "white") for _, _, value in rows]
    fill = [["white"] * len(rows) for _ in columns] + [value_colors]
    trace = {
        "type": "table",
        "header": {
            "values": [*columns, "value"],
            "align": "left",
            "fill": {"color": "#f3f4f6"},
            "font": {"size": 12},
        },
        "cells": {"values": cells, "align": "left", "fill": {"color": fill}, "height": ROW_HEIGHT},
    }
    return {"data": [trace], "layout": layout}


PANEL = PanelType("table", "instant", build)
