"""Many selections answered together equal the same selections answered one by one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event

from promql.engine import Engine as QueryEngine
from promql.labels import make_labels
from promql.matchers import Matcher, MatchType
from promql.selections import Selection
from promql.values import Vector
from store import querier as store_querier
from store.compaction import compact
from store.db import write_transaction
from store.querier import READ_SPAN_MS, StoreQuerier
from store.samples import Sample, append_samples
from store.series import SeriesIndex, select_series, select_series_many

STEP_MS = 15_000
END_MS = 4 * 3_600_000


def _fill(database: Engine) -> None:
    """Four hours of three jobs' series at 15 s, the older part compacted into chunks."""
    index = SeriesIndex()
    for start in range(0, END_MS + 1, 600_000):
        samples: list[Sample] = []
        for t in range(start, min(start + 600_000, END_MS + 1), STEP_MS):
            for job in ("api", "web", "db"):
                for code in ("200", "500"):
                    labels = make_labels({"__name__": "requests", "job": job, "code": code})
                    samples.append((labels, t, float(t // STEP_MS)))
                samples.append((make_labels({"__name__": "up", "job": job}), t, 1.0))
        with write_transaction(database) as connection:
            append_samples(connection, index, samples)
    compact(database, until_ms=END_MS - 900_000)


def _m(name: str, kind: MatchType, value: str) -> Matcher:
    return Matcher(name, kind, value)


REQUESTS = _m("__name__", MatchType.EQUAL, "requests")
SELECTIONS = [
    Selection.of([REQUESTS, _m("job", MatchType.EQUAL, "api")], END_MS - 300_000 + 1, END_MS),
    Selection.of([REQUESTS, _m("code", MatchType.REGEX, "5..")], END_MS - 60_000 + 1, END_MS),
    Selection.of([REQUESTS], END_MS - 1_800_000 + 1, END_MS),
    Selection.of([REQUESTS], END_MS - 1_200_000 + 1, END_MS - 600_000),
    Selection.of([_m("__name__", MatchType.EQUAL, "up")], END_MS - 300_000 + 1, END_MS),
    # Far from the others: a read of its own.
    Selection.of([REQUESTS, _m("job", MatchType.NOT_EQUAL, "db")], 0, 1_800_000),
    Selection.of([_m("__name__", MatchType.EQUAL, "nothing")], END_MS - 300_000, END_MS),
    # Wider than one read may span.
    Selection.of([_m("__name__", MatchType.EQUAL, "up")], 0, END_MS),
]


def test_answers_match_single_selects_across_chunks_and_head(database: Engine) -> None:
    _fill(database)
    querier = StoreQuerier(database)
    together = querier.select_many(SELECTIONS)
    alone = [StoreQuerier(database).select(s.matchers, s.start_ms, s.end_ms) for s in SELECTIONS]
    assert [len(answer) for answer in together] == [2, 3, 6, 6, 3, 4, 0, 3]
    for answer, expected in zip(together, alone, strict=True):
        assert [s.labels for s in answer] == [s.labels for s in expected]
        for got, want in zip(answer, expected, strict=True):
            assert got.timestamps.tolist() == want.timestamps.tolist()
            assert got.values.tolist() == want.values.tolist()
    widest = together[-1][0]
    assert widest.timestamps[0] == 0 and widest.timestamps[-1] == END_MS
    assert END_MS > READ_SPAN_MS  # so the last selection is read on its own
    first = together[2][0]
    assert first.timestamps[0] == END_MS - 1_800_000 + STEP_MS
    assert len(first.timestamps) == 1_800_000 // STEP_MS


def test_series_for_many_matcher_sets_equal_each_set_alone(database: Engine) -> None:
    _fill(database)
    sets = [
        [REQUESTS],
        [REQUESTS, _m("job", MatchType.NOT_EQUAL, "api")],
        [_m("job", MatchType.REGEX, "api|db"), _m("code", MatchType.EQUAL, "")],
        [_m("__name__", MatchType.EQUAL, "absent")],
        [_m("job", MatchType.NOT_REGEX, "web")],  # no narrowing matcher: every series read
        [_m("code", MatchType.REGEX, "5..|2.."), _m("job", MatchType.EQUAL, "web")],
    ]
    with database.connect() as connection:
        together = select_series_many(connection, sets)
        alone = [select_series(connection, matchers) for matchers in sets]
    assert [sorted(found) for found in together] == [sorted(found) for found in alone]
    assert [len(found) for found in together] == [6, 4, 2, 0, 6, 2]


def test_rules_prepared_at_load_select_without_reading_the_index(database: Engine) -> None:
    _fill(database)
    querier = StoreQuerier(database)
    rules = ['sum(rate(requests{code=~"5.."}[5m])) / sum(rate(requests[5m]))', "up == 0"]
    QueryEngine().prepare(querier, [*rules, "not ( parsable"])
    statements: list[str] = []

    def note(*args: Any) -> None:
        statements.append(args[2])

    event.listen(database, "before_cursor_execute", note)
    try:
        values = [QueryEngine().instant_query(querier, rule, END_MS / 1000) for rule in rules]
    finally:
        event.remove(database, "before_cursor_execute", note)
    assert not [s for s in statements if "postings" in s or "label_pairs" in s]
    assert [len(value.samples) for value in values if isinstance(value, Vector)] == [1, 0]


def test_selections_beyond_the_series_budget_are_left_for_later(
    database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(database)
    monkeypatch.setattr(store_querier, "PREFETCH_MAX_SERIES", 4)
    querier = StoreQuerier(database)
    answers = querier.select_many(SELECTIONS[:5])
    # 2 series (api), then 3 with code 5xx (1 more: 3), then all 6 requests: over 4.
    assert [None if a is None else len(a) for a in answers] == [2, 3, None, None, None]
    rules = ["sum(rate(requests[5m]))", 'rate(requests{job="api"}[5m])']
    bound = QueryEngine().prefetch(querier, rules, END_MS / 1000)
    for rule in rules:
        assert QueryEngine().instant_query(
            bound, rule, END_MS / 1000
        ) == QueryEngine().instant_query(StoreQuerier(database), rule, END_MS / 1000)
