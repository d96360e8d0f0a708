"""Panel builders: pure figures from query results, valid for plotly, one test per type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest

from console.api.logs import line_json
from dashboards.library import load_dashboard_file
from dashboards.model import Panel, Query
from dashboards.panels import PANEL_TYPES, QueryResult
from dashboards.panels.heatmap import bucket_rows
from promql.labels import make_labels
from promql.values import Matrix, Sample, Series, Vector
from store.logs.record import LogRecord, StoredLine

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "dashboards" / "every-panel.yml"
T0 = 1_700_000_000_000


def series(labels: dict[str, str], values: list[float]) -> Series:
    return Series(make_labels(labels), [T0 + i * 15_000 for i in range(len(values))], values)


def panel(kind: str, **extra: Any) -> Panel:
    return Panel.model_validate({"type": kind, "title": "T", "queries": [{"expr": "x"}], **extra})


def is_valid_plotly(figure: dict[str, Any]) -> bool:
    go.Figure(figure)  # raises on any property plotly does not know
    return True


def test_every_panel_type_has_an_example_and_the_example_loads() -> None:
    loaded = load_dashboard_file(EXAMPLE, builtin=False)
    assert loaded.error is None
    assert loaded.dashboard is not None
    used = {p.type for row in loaded.dashboard.rows for p in row.panels}
    assert used == set(PANEL_TYPES)


def test_timeseries_names_series_from_the_legend_template_and_draws_thresholds() -> None:
    query = Query(expr="x", legend="{{service}} {{route}}")
    matrix = Matrix([series({"service": "api", "route": "/a"}, [1.0, float("nan"), 3.0])])
    figure = PANEL_TYPES["timeseries"].build(
        panel("timeseries", unit="reqps", thresholds=[{"value": 2, "color": "red"}]),
        [(query, matrix)],
    )
    assert figure["data"][0]["name"] == "api /a"
    assert figure["data"][0]["y"] == [1.0, None, 3.0]
    assert figure["layout"]["yaxis"]["ticksuffix"] == " req/s"
    assert figure["layout"]["shapes"][0]["y0"] == 2
    assert is_valid_plotly(figure)


def test_stat_shows_the_latest_value_in_its_unit_coloured_by_threshold() -> None:
    matrix = Matrix([series({}, [0.1, 0.2, 0.3])])
    figure = PANEL_TYPES["stat"].build(
        panel(
            "stat",
            unit="seconds",
            thresholds=[{"value": 0, "color": "#00aa00"}, {"value": 0.25, "color": "#aa0000"}],
        ),
        [(Query(expr="x"), matrix)],
    )
    annotation = figure["layout"]["annotations"][0]
    assert annotation["text"] == "<b>300ms</b>"
    assert annotation["font"]["color"] == "#aa0000"
    assert is_valid_plotly(figure)


def test_gauge_bands_follow_the_thresholds() -> None:
    vector = Vector([Sample((), T0, 0.07)])
    figure = PANEL_TYPES["gauge"].build(
        panel(
            "gauge",
            unit="percentunit",
            min=0,
            max=0.2,
            thresholds=[{"value": 0, "color": "#00aa00"}, {"value": 0.05, "color": "#aa0000"}],
        ),
        [(Query(expr="x"), vector)],
    )
    gauge = figure["data"][0]
    assert gauge["value"] == 0.07
    assert [step["range"] for step in gauge["gauge"]["steps"]] == [[0, 0.05], [0.05, 0.2]]
    assert gauge["gauge"]["bar"]["color"] == "#aa0000"
    assert is_valid_plotly(figure)


def test_bar_sorts_series_by_value() -> None:
    vector = Vector(
        [
            Sample(make_labels({"route": "/a"}), T0, 1.0),
            Sample(make_labels({"route": "/b"}), T0, 5.0),
        ]
    )
    figure = PANEL_TYPES["bar"].build(panel("bar"), [(Query(expr="x", legend="{{route}}"), vector)])
    assert figure["data"][0]["x"] == ["/b", "/a"]
    assert is_valid_plotly(figure)


def test_heatmap_turns_cumulative_buckets_into_per_bucket_counts() -> None:
    times, bounds, rows = bucket_rows(
        [
            (float("inf"), [T0], [10.0]),
            (0.1, [T0], [4.0]),
            (0.5, [T0], [9.0]),
        ]
    )
    assert times == [T0]
    assert bounds == [0.1, 0.5, float("inf")]
    assert rows == [[4.0], [5.0], [1.0]]
    matrix = Matrix([series({"le": "0.1"}, [4.0]), series({"le": "+Inf"}, [10.0])])
    figure = PANEL_TYPES["heatmap"].build(
        panel("heatmap", unit="seconds"), [(Query(expr="x"), matrix)]
    )
    assert figure["data"][0]["y"] == ["100ms", "+Inf"]
    assert is_valid_plotly(figure)


def test_heatmap_without_le_says_why_it_is_empty() -> None:
    figure = PANEL_TYPES["heatmap"].build(
        panel("heatmap"), [(Query(expr="x"), Matrix([series({"a": "b"}, [1.0])]))]
    )
    assert figure["data"] == []
    assert "le label" in figure["layout"]["annotations"][0]["text"]


def test_table_has_a_column_per_label_and_formats_values() -> None:
    vector = Vector(
        [Sample(make_labels({"__name__": "m", "service": "api", "route": "/a"}), T0, 1500.0)]
    )
    figure = PANEL_TYPES["table"].build(panel("table", unit="bytes"), [(Query(expr="x"), vector)])
    table = figure["data"][0]
    assert table["header"]["values"] == ["route", "service", "value"]
    assert table["cells"]["values"] == [["/a"], ["api"], ["1.5kB"]]
    assert is_valid_plotly(figure)


def test_health_grid_is_red_where_probes_failed() -> None:
    matrix = Matrix([series({"check": "api"}, [1.0, 0.0, 1.0])])
    figure = PANEL_TYPES["health-grid"].build(
        panel("health-grid"), [(Query(expr="x", legend="{{check}}"), matrix)]
    )
    grid = figure["data"][0]
    assert grid["y"] == ["api"]
    assert grid["z"] == [[1.0, 0.0, 1.0]]
    assert is_valid_plotly(figure)


def test_logs_panel_asks_the_logs_api_for_its_query() -> None:
    logs = panel("logs", limit=20)
    figure = PANEL_TYPES["logs"].build(logs, [])
    assert figure["logs"]["query"] == "x"
    assert figure["logs"]["limit"] == 20


def test_logs_panel_shows_fields_the_logs_api_returns() -> None:
    """The page reads ``lines`` of ``GET /api/v1/logs`` and each line's ``columns`` keys."""
    spec = PANEL_TYPES["logs"].build(panel("logs"), [])["logs"]
    line = StoredLine("7", LogRecord(1_700_000_000_000, "boom", "payments", "error"))
    shown = line_json(line)
    assert spec["url"] == "/api/v1/logs"
    assert [shown[column] for column in spec["columns"]] == [
        "2023-11-14T22:13:20.000Z",
        "payments",
        "error",
        "boom",
    ]


@pytest.mark.parametrize("kind", sorted(set(PANEL_TYPES) - {"logs"}))
def test_every_plotted_type_has_an_empty_state(kind: str) -> None:
    empty: list[QueryResult] = [(Query(expr="x"), Matrix([])), (Query(expr="y"), Vector([]))]
    figure = PANEL_TYPES[kind].build(panel(kind), empty)
    assert figure["data"] == []
    assert figure["layout"]["annotations"]
    assert is_valid_plotly(figure)
