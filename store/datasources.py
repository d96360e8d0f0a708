"""Datasources: where a PromQL query runs — Vigil's own store, or an existing Prometheus.

Rule groups and dashboard panels name a datasource; both only need "run this
query at this time" (or over this range), so a datasource is that and nothing
more. The built-in ``vigil`` datasource evaluates with Vigil's engine over the
store; a ``prometheus`` datasource sends the query to a Prometheus, Thanos or
Mimir through prometheus-api-client and turns the answer into the same value
types, so callers cannot tell the difference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol

from pydantic import Field, SecretStr

from promql.engine import Engine as QueryEngine
from promql.errors import PromQLError
from promql.labels import Labels, make_labels
from promql.overlay import OverlayQuerier
from promql.querier import Querier
from promql.values import Matrix, Sample, Scalar, Series, String, Value, Vector
from store.configfile import ConfigModel, Duration

LOCAL_DATASOURCE = "vigil"


class DatasourceError(PromQLError):
    """The datasource could not answer (unreachable, or it returned an error)."""


class Datasource(Protocol):
    name: str

    def instant_query(self, expression: str, at: float) -> Value: ...

    def range_query(self, expression: str, start: float, end: float, step: float) -> Matrix: ...

    def prepare(self, expressions: Sequence[str]) -> None:
        """Get ready for queries that will be asked every evaluation (rule expressions)."""
        ...

    def prefetched(self, expressions: Sequence[str], at: float) -> Datasource:
        """This datasource for a batch of instant queries at ``at`` (a rule group's
        evaluation): the same answers, read together where that is cheaper."""
        ...

    def record(self, samples: Sequence[tuple[Labels, float]], at: float) -> None:
        """Samples a rule recorded at ``at``, for the next queries of the same evaluation
        to see before they are stored (a no-op where the data lives elsewhere)."""
        ...


class LocalDatasource:
    """Vigil's own engine over its own store."""

    def __init__(self, engine: QueryEngine, querier: Querier, name: str = LOCAL_DATASOURCE):
        self.name = name
        self._engine = engine
        self._querier = querier

    def instant_query(self, expression: str, at: float) -> Value:
        return self._engine.instant_query(self._querier, expression, at)

    def range_query(self, expression: str, start: float, end: float, step: float) -> Matrix:
        return self._engine.range_query(self._querier, expression, start, end, step)

    def prepare(self, expressions: Sequence[str]) -> None:
        self._engine.prepare(self._querier, expressions)

    def prefetched(self, expressions: Sequence[str], at: float) -> LocalDatasource:
        querier = OverlayQuerier(self._engine.prefetch(self._querier, expressions, at))
        return LocalDatasource(self._engine, querier, self.name)

    def record(self, samples: Sequence[tuple[Labels, float]], at: float) -> None:
        if isinstance(self._querier, OverlayQuerier):
            for labels, value in samples:
                self._querier.add(labels, round(at * 1000), value)


class DatasourceConfig(ConfigModel):
    """One entry of ``datasources:`` in vigil.yml."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    type: Literal["prometheus"] = "prometheus"
    url: str = Field(min_length=1, pattern=r"^https?://")
    timeout: Duration = Field(default=60.0, gt=0)
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    """Sent with every query, e.g. an Authorization or X-Scope-OrgID header for Mimir."""
    disable_ssl: bool = False


class PromClient(Protocol):
    """The part of prometheus_api_client.PrometheusConnect we use (injectable in tests)."""

    def custom_query(self, query: str, params: dict[str, Any] | None = None) -> Any: ...

    def custom_query_range(
        self, query: str, start_time: Any, end_time: Any, step: str, params: Any = None
    ) -> Any: ...


def connect_prometheus(config: DatasourceConfig) -> PromClient:
    from prometheus_api_client import PrometheusConnect  # only this datasource needs it

    client: PromClient = PrometheusConnect(
        url=config.url,
        headers={name: value.get_secret_value() for name, value in config.headers.items()},
        disable_ssl=config.disable_ssl,
        timeout=config.timeout,
    )
    return client


class PrometheusDatasource:
    """Queries a remote Prometheus-compatible API through prometheus-api-client."""

    def __init__(
        self,
        config: DatasourceConfig,
        connect: Callable[[DatasourceConfig], PromClient] = connect_prometheus,
    ) -> None:
        self.name = config.name
        self._client = connect(config)

    def prepare(self, expressions: Sequence[str]) -> None:
        pass  # the server keeps its own index

    def prefetched(self, expressions: Sequence[str], at: float) -> PrometheusDatasource:
        return self  # each query is one request to the server; nothing to share

    def record(self, samples: Sequence[tuple[Labels, float]], at: float) -> None:
        pass  # recorded series go to Vigil's store, which this server does not read

    def instant_query(self, expression: str, at: float) -> Value:
        result = self._call(lambda: self._client.custom_query(expression, params={"time": at}))
        return value_from_result(result, at)

    def range_query(self, expression: str, start: float, end: float, step: float) -> Matrix:
        from datetime import UTC, datetime

        result = self._call(
            lambda: self._client.custom_query_range(
                expression,
                start_time=datetime.fromtimestamp(start, UTC),
                end_time=datetime.fromtimestamp(end, UTC),
                step=repr(step),
            )
        )
        value = value_from_result(result, end)
        if not isinstance(value, Matrix):
            raise DatasourceError(f"datasource {self.name}: range query did not return a matrix")
        return value

    def _call(self, request: Callable[[], Any]) -> Any:
        try:
            return request()
        except Exception as error:  # the client raises its own and requests' exceptions
            raise DatasourceError(f"datasource {self.name}: {error}") from error


def _float(text: str) -> float:
    return float(text)  # Prometheus writes NaN, +Inf, -Inf, which float() reads


def value_from_result(result: Any, at: float) -> Value:
    """Prometheus API ``data.result`` (without its resultType) as a Vigil value.

    prometheus-api-client returns only the result, so the type is read from its
    shape: objects with ``value`` (vector) or ``values`` (matrix), or a bare
    ``[time, "text"]`` pair — a scalar when the text is a number, else a string.
    """
    if isinstance(result, list) and len(result) == 2 and not isinstance(result[0], dict):
        t_ms = round(float(result[0]) * 1000)
        try:
            return Scalar(t_ms, _float(str(result[1])))
        except ValueError:
            return String(t_ms, str(result[1]))
    if not isinstance(result, list):
        raise DatasourceError(f"unexpected query result: {str(result)[:200]}")
    if result and "values" in result[0]:
        return Matrix(
            sorted(
                (
                    Series(
                        make_labels(item["metric"]),
                        [round(float(t) * 1000) for t, _ in item["values"]],
                        [_float(v) for _, v in item["values"]],
                    )
                    for item in result
                ),
                key=lambda series: series.labels,
            )
        )
    return Vector(
        [
            Sample(
                make_labels(item["metric"]),
                round(float(item["value"][0]) * 1000),
                _float(item["value"][1]),
            )
            for item in result
        ]
    )


DatasourceFactory = Callable[[DatasourceConfig], Datasource]
DATASOURCE_TYPES: dict[str, DatasourceFactory] = {"prometheus": PrometheusDatasource}
"""type: in vigil.yml → how to build it."""


def build_datasources(
    configs: Sequence[DatasourceConfig], local: Datasource
) -> Mapping[str, Datasource]:
    """Every configured datasource by name, plus the local one."""
    built: dict[str, Datasource] = {local.name: local}
    for config in configs:
        built[config.name] = DATASOURCE_TYPES[config.type](config)
    return built
