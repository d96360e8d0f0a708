"""Shared helpers for the engine tests: load series in test-script notation, query."""

from __future__ import annotations

from promql.engine import Engine, EngineOptions
from promql.memory import MemoryQuerier
from promql.testscript_notation import parse_series
from promql.values import Matrix, Scalar, Value, Vector


def load(text: str, interval_s: float = 60.0) -> MemoryQuerier:
    querier = MemoryQuerier()
    for line in text.strip().splitlines():
        labels, values = parse_series(line.strip())
        for i, value in enumerate(values):
            if not value.omitted:
                querier.add(labels, round(i * interval_s * 1000), value.value)
    return querier


def instant(querier: MemoryQuerier, query: str, t_s: float, **options: float) -> Value:
    return Engine(EngineOptions(**options)).instant_query(querier, query, t_s)  # type: ignore[arg-type]


def vector(querier: MemoryQuerier, query: str, t_s: float) -> dict[str, float]:
    """An instant vector as {"name{a=\"b\"}": value} (sorted labels), for compact asserts."""
    result = instant(querier, query, t_s)
    assert isinstance(result, Vector), result
    return {_key(s.labels): s.value for s in result.samples}


def ordered(querier: MemoryQuerier, query: str, t_s: float) -> list[str]:
    result = instant(querier, query, t_s)
    assert isinstance(result, Vector)
    return [_key(s.labels) for s in result.samples]


def scalar(querier: MemoryQuerier, query: str, t_s: float) -> float:
    result = instant(querier, query, t_s)
    assert isinstance(result, Scalar), result
    return result.value


def matrix(
    querier: MemoryQuerier, query: str, start: float, end: float, step: float
) -> dict[str, list[float]]:
    result = Engine().range_query(querier, query, start, end, step)
    assert isinstance(result, Matrix)
    return {_key(s.labels): s.values for s in result.series}


def _key(labels: tuple[tuple[str, str], ...]) -> str:
    name = dict(labels).get("__name__", "")
    rest = ",".join(f'{k}="{v}"' for k, v in labels if k != "__name__")
    return f"{name}{{{rest}}}"
