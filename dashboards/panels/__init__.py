"""Panel types: one module each, one registry. YAML ``type:`` = registry key.

A panel type says which kind of query it needs (a range over the picked time,
an instant at its end, or a log search) and builds a plotly figure from the
results, with no I/O: the console runs the queries and hands them over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from dashboards.model import Panel, Query
from promql.values import Matrix, Vector

QueryKind = Literal["range", "instant", "logs"]
QueryResult = tuple[Query, Matrix | Vector]


@dataclass(frozen=True)
class PanelType:
    name: str
    query_kind: QueryKind
    build: Callable[[Panel, Sequence[QueryResult]], dict[str, Any]]
    """Query results (in the panel's query order) to a plotly figure dict."""


def _registry() -> dict[str, PanelType]:
    from dashboards.panels import (
        bar,
        gauge,
        health_grid,
        heatmap,
        logs,
        stat,
        table,
        timeseries,
    )

    types = (
        timeseries.PANEL,
        stat.PANEL,
        gauge.PANEL,
        bar.PANEL,
        heatmap.PANEL,
        table.PANEL,
        logs.PANEL,
        health_grid.PANEL,
    )
    return {panel_type.name: panel_type for panel_type in types}


PANEL_TYPES: dict[str, PanelType] = _registry()
"""Every panel type by its YAML name (``health-grid`` lives in ``health_grid.py``)."""
