"""``gauge``: one value on a dial between min and max, the bands from the thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from dashboards.figures import base_layout, empty_figure, threshold_color
from dashboards.model import Panel
from dashboards.panels import PanelType, QueryResult
from dashboards.panels.common import DEFAULT_COLOR, instant_rows, thresholds_of
from dashboards.units import unit_named

GAUGE_HEIGHT = 200


def build(panel: Panel, results: Sequence[QueryResult]) -> dict[str, Any]:
    unit = unit_named(panel.unit)
    rows = instant_rows(results)
    layout = base_layout(panel.title, height=GAUGE_HEIGHT)
    layout["margin"] = {"l": 40, "r": 40, "t": 40 if panel.title else 10, "b": 10}
    if not rows:
        return empty_figure(layout, "No data", hide_axes=True)
    name, _, value = rows[0]
    low = panel.min if panel.min is not None else 0.0
    high = panel.max if panel.max is not None else (1.0 if unit.ratio else max(value * 1.5, 1.0))
    limits = thresholds_of(panel)
    bounds = [low, *(limit for limit, _ in limits if low < limit < high), high]
    steps = [
        {
            "range": [start, end],
            "color": _faint(threshold_color(start, limits, "#e5e7eb")),
        }
        for start, end in pairwise(bounds)
    ]
    bar_color = panel.colors[0] if panel.colors else DEFAULT_COLOR
    number_format = ".1%" if unit.ratio else ".3~s"
    trace = {
        "type": "indicator",
        "mode": "gauge+number",
        "value": value if value == value else None,
        "title": {"text": name if len(rows) > 1 else ""},
        "number": {"valueformat": number_format, "suffix": unit.ticksuffix},
        "gauge": {
            "axis": {"range": [low, high], "tickformat": unit.tickformat},
            "bar": {"color": threshold_color(value, limits, bar_color)},
            "steps": steps,
        },
    }
    return {"data": [trace], "layout": layout}


def _faint(color: str) -> str:
    """A band behind the bar: the threshold colour, mostly transparent when it is #rrggbb."""
    return color + "40" if len(color) == 7 and color.startswith("#") else color


PANEL = PanelType("gauge", "instant", build)
