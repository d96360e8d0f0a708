"""Running a dashboard panel's queries: the I/O between the pure panel builders and datasources."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboards.model import Panel
from dashboards.panels import PANEL_TYPES, QueryResult
from dashboards.timerange import TimeRange
from dashboards.variables import LabelValues
from promql.values import Matrix, Sample, Scalar, Vector
from store.datasources import Datasource


class UnknownDatasource(LookupError):
    pass


def datasource_named(datasources: Mapping[str, Datasource], name: str) -> Datasource:
    try:
        return datasources[name]
    except KeyError:
        raise UnknownDatasource(f'unknown datasource "{name}"') from None


def panel_figure(
    panel: Panel, datasources: Mapping[str, Datasource], time_range: TimeRange
) -> dict[str, Any]:
    """Query every expression of an interpolated panel and build its figure.

    Raises the datasource's PromQLError (a parse error carries its position).
    """
    panel_type = PANEL_TYPES[panel.type]
    results: list[QueryResult] = []
    if panel_type.query_kind != "logs":
        for query in panel.queries:
            source = datasource_named(datasources, query.datasource)
            if panel_type.query_kind == "range":
                results.append(
                    (
                        query,
                        source.range_query(
                            query.expr, time_range.start, time_range.end, time_range.step
                        ),
                    )
                )
            else:
                results.append((query, as_vector(source.instant_query(query.expr, time_range.end))))
    return panel_type.build(panel, results)


def as_vector(value: object) -> Vector | Matrix:
    if isinstance(value, Vector | Matrix):
        return value
    if isinstance(value, Scalar):
        return Vector([Sample((), value.t_ms, value.value)])
    return Vector([])


def label_values_from(datasources: Mapping[str, Datasource], at: float) -> LabelValues:
    """``label_values`` as a query any datasource answers: ``group by (label) (selector)``."""

    def label_values(selector: str | None, label: str, datasource: str) -> list[str]:
        source = datasource_named(datasources, datasource)
        series = selector or f'{{{label}!=""}}'
        result = source.instant_query(f"group by ({label}) ({series})", at)
        if not isinstance(result, Vector):
            return []
        return sorted({dict(sample.labels).get(label, "") for sample in result.samples} - {""})

    return label_values
