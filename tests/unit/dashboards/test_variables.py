"""Variables: label_values parsing, chained resolution, interpolation and repeats."""

from __future__ import annotations

import pytest

from dashboards.model import Dashboard
from dashboards.variables import (
    ALL,
    VariableError,
    expand_rows,
    interpolate,
    panel_values,
    parse_label_values,
    resolve_variables,
)

DASHBOARD = Dashboard.model_validate(
    {
        "title": "d",
        "variables": [
            {"name": "service", "query": "label_values(http_requests_total, service)"},
            {
                "name": "route",
                "query": 'label_values(http_requests_total{service="$service"}, route)',
                "multi": True,
                "include_all": True,
            },
            {"name": "q", "type": "custom", "values": ["0.5", "0.99"], "default": "0.99"},
        ],
        "rows": [
            {
                "title": "$service",
                "panels": [
                    {
                        "type": "timeseries",
                        "title": "$route",
                        "repeat": "route",
                        "queries": [{"expr": 'x{route=~"$route", q="${q}"}'}],
                    }
                ],
            }
        ],
    }
)
ROUTES = {"api": ["/a", "/b"], "web": ["/"]}


def fake_label_values(selector: str | None, label: str, datasource: str) -> list[str]:
    assert datasource == "vigil"
    if label == "service":
        return sorted(ROUTES)
    service = (selector or "").split('"')[1]
    return ROUTES[service]


def test_it_parses_both_forms_of_label_values() -> None:
    assert parse_label_values('label_values(up{job="a", x="b"}, instance)') == (
        'up{job="a", x="b"}',
        "instance",
    )
    assert parse_label_values("label_values(job)") == (None, "job")
    with pytest.raises(VariableError):
        parse_label_values("query_result(up)")


def test_a_variable_sees_the_values_of_those_before_it() -> None:
    resolved = resolve_variables(DASHBOARD, {"service": ["web"]}, fake_label_values)
    assert [item.options for item in resolved] == [["api", "web"], ["/"], ["0.5", "0.99"]]
    assert resolved[1].selected == [ALL]
    assert resolved[2].selected == ["0.99"]


def test_unknown_picked_values_fall_back_to_the_first_option() -> None:
    resolved = resolve_variables(DASHBOARD, {"service": ["gone"]}, fake_label_values)
    assert resolved[0].selected == ["api"]


def test_interpolation_joins_several_values_as_an_escaped_alternation() -> None:
    text = interpolate('x{r=~"$r"} ${n} $unknown', {"r": ["/a/{id}", "b.c"], "n": ["1"]})
    assert text == 'x{r=~"/a/\\\\{id\\\\}|b\\\\.c"} 1 $unknown'


def test_a_repeated_panel_appears_once_per_value_with_the_value_set() -> None:
    resolved = resolve_variables(DASHBOARD, {"service": ["api"]}, fake_label_values)
    [(title, panels)] = expand_rows(DASHBOARD, resolved)
    assert title == "api"
    assert [p.panel.title for p in panels] == ["/a", "/b"]
    assert [p.overrides for p in panels] == [{"route": "/a"}, {"route": "/b"}]
    assert panels[1].panel.queries[0].expr == 'x{route=~"/b", q="0.99"}'
    assert {p.id for p in panels} == {"r0p0"}


def test_a_failing_variable_query_is_reported_not_raised() -> None:
    def broken(selector: str | None, label: str, datasource: str) -> list[str]:
        raise ValueError("datasource down")

    resolved = resolve_variables(DASHBOARD, {}, broken)
    assert resolved[0].error == "datasource down"
    assert resolved[0].options == []


def test_a_panel_request_runs_no_variable_query_when_every_value_is_given() -> None:
    asked: list[str] = []

    def counting(selector: str | None, label: str, datasource: str) -> list[str]:
        asked.append(label)
        return fake_label_values(selector, label, datasource)

    values = panel_values(DASHBOARD, {"service": ["web"], "route": ["/"], "q": ["0.5"]}, counting)
    assert values == {"service": ["web"], "route": ["/"], "q": ["0.5"]}
    assert asked == []
    all_routes = panel_values(DASHBOARD, {"service": ["api"], "route": [ALL]}, counting)
    assert all_routes["route"] == ["/a", "/b"]
    assert asked == ["route"]
