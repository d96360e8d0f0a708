"""The planned selections are exactly those the evaluator makes, and answering them
up front changes no result."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from promql.engine import Engine, EngineOptions
from promql.matchers import Matcher
from promql.memory import MemoryQuerier
from promql.parser import parse_expr
from promql.prefetch import PrefetchedQuerier
from promql.querier import SeriesData
from promql.selections import Selection, selections
from tests.unit.promql.engine_support import load

DATA = """
    http_requests_total{job="api",code="200"} 0+10x120
    http_requests_total{job="api",code="500"} 0+1x120
    http_requests_total{job="web",code="200"} 0+5x120
    latency_bucket{job="api",le="0.1"} 0+3x120
    latency_bucket{job="api",le="+Inf"} 0+4x120
    up{job="api"} 1x120
"""

QUERIES = [
    "up",
    'up{job="api"} offset 5m',
    "http_requests_total @ 3000",
    "rate(http_requests_total[5m])",
    'sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))'
    " / sum by (job) (rate(http_requests_total[5m]))",
    "histogram_quantile(0.9, sum by (le) (rate(latency_bucket[10m])))",
    "sum(rate(http_requests_total[1m])) > 3 * sum(rate(http_requests_total[10m] offset 10m))",
    "max_over_time(rate(http_requests_total[2m])[30m:1m])",
    "max_over_time(deriv(rate(http_requests_total[1m])[10m:])[20m:2m] offset 3m)",
    "avg_over_time(up[10m:30s] @ end())",
    "count_over_time(up[7m] @ start() offset -1m)",
    "absent(nope)",
    "label_replace(up, 'x', '$1', 'job', '(.*)')",
    'topk(1, http_requests_total{job=~"a.*|web"})',
]


class RecordingQuerier(MemoryQuerier):
    """A memory querier that notes every selection asked of it, and answers many at once."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[Selection] = []
        self.batches: list[int] = []

    def select(
        self, matchers: Sequence[Matcher], start_ms: int, end_ms: int
    ) -> Sequence[SeriesData]:
        self.asked.append(Selection.of(matchers, start_ms, end_ms))
        return super().select(matchers, start_ms, end_ms)

    def select_many(self, planned: Sequence[Selection]) -> list[list[SeriesData]]:
        self.batches.append(len(planned))
        return [list(MemoryQuerier.select(self, s.matchers, *s.window)) for s in planned]


def _recording() -> RecordingQuerier:
    querier = RecordingQuerier()
    source = load(DATA)
    for series in source.select([], -(2**62), 2**62):
        querier.add_series(series.labels, series.timestamps.tolist(), series.values.tolist())
    return querier


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("at", [600.0, 3600.0, 7000.5])
def test_the_plan_is_what_an_instant_evaluation_selects(query: str, at: float) -> None:
    querier = _recording()
    options = EngineOptions()
    Engine(options).instant_query(querier, query, at)
    t_ms = round(at * 1000)
    planned = selections(
        parse_expr(query),
        t_ms,
        t_ms,
        lookback_ms=options.lookback_ms,
        default_subquery_step_ms=options.default_subquery_step_ms,
    )
    assert set(querier.asked) == set(planned)


@pytest.mark.parametrize("query", QUERIES)
def test_the_plan_is_what_a_range_evaluation_selects(query: str) -> None:
    querier = _recording()
    options = EngineOptions(lookback_delta=120.0, default_subquery_step=30.0)
    Engine(options).range_query(querier, query, 1200.0, 5400.0, 90.0)
    planned = set(
        selections(
            parse_expr(query),
            1_200_000,
            5_340_000,  # the last step on the grid
            lookback_ms=options.lookback_ms,
            default_subquery_step_ms=options.default_subquery_step_ms,
        )
    )
    assert set(querier.asked) <= planned
    if querier.asked:
        assert set(querier.asked) == planned


def test_prefetching_answers_a_batch_in_one_read_with_the_same_results() -> None:
    engine = Engine()
    plain = [engine.instant_query(_recording(), query, 3600.0) for query in QUERIES]
    querier = _recording()
    bound = engine.prefetch(querier, [*QUERIES, "not ( valid"], 3600.0)
    assert isinstance(bound, PrefetchedQuerier)
    assert len(querier.batches) == 1
    prefetched = [engine.instant_query(bound, query, 3600.0) for query in QUERIES]
    assert prefetched == plain
    assert querier.asked == []  # every selection came from the one read


def test_a_selection_not_planned_goes_to_the_querier() -> None:
    querier = _recording()
    bound = Engine().prefetch(querier, ["up"], 3600.0)
    Engine().instant_query(bound, "up offset 1h", 3600.0)
    assert [s.end_ms for s in querier.asked] == [0]


def test_a_querier_without_select_many_is_used_as_it_is() -> None:
    querier = load(DATA)
    assert Engine().prefetch(querier, QUERIES, 3600.0) is querier


def test_an_answer_is_let_go_after_its_planned_uses() -> None:
    querier = _recording()
    bound = Engine().prefetch(querier, ["up", "up > 0"], 3600.0)
    for _ in range(2):
        Engine().instant_query(bound, "up", 3600.0)
    assert querier.asked == []
    Engine().instant_query(bound, "up", 3600.0)  # a third use was not planned
    assert len(querier.asked) == 1


def test_long_windows_are_left_to_their_own_select() -> None:
    querier = _recording()
    bound = Engine().prefetch(querier, ["rate(up[1d])", "rate(up[5m])"], 7000.0)
    assert querier.batches == [1]
    Engine().instant_query(bound, "rate(up[1d])", 7000.0)
    assert [s.end_ms - s.start_ms for s in querier.asked] == [86_400_000 - 1]
