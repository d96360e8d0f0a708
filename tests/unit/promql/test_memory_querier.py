"""MemoryQuerier: the in-memory data source of tests and the conformance runner."""

from __future__ import annotations

from promql.labels import make_labels
from promql.matchers import Matcher, MatchType
from promql.memory import MemoryQuerier


def _querier() -> MemoryQuerier:
    q = MemoryQuerier()
    q.add_series(make_labels({"__name__": "up", "job": "a"}), [0, 1000, 2000], [1.0, 2.0, 3.0])
    q.add_series(make_labels({"__name__": "up", "job": "b"}), [500], [7.0])
    q.add(make_labels({"__name__": "other"}), 0, 1.0)
    return q


def test_select_filters_by_matchers_and_time() -> None:
    result = _querier().select([Matcher("__name__", MatchType.EQUAL, "up")], 900, 2000)
    assert [dict(s.labels)["job"] for s in result] == ["a"]
    assert result[0].timestamps.tolist() == [1000, 2000]
    assert result[0].values.tolist() == [2.0, 3.0]


def test_regex_matcher_and_sorted_output() -> None:
    result = _querier().select([Matcher("job", MatchType.REGEX, "a|b")], 0, 5000)
    assert [s.labels for s in result] == sorted(s.labels for s in result)
    assert len(result) == 2


def test_later_append_at_same_time_wins() -> None:
    q = MemoryQuerier()
    labels = make_labels({"__name__": "m"})
    q.add(labels, 0, 1.0)
    q.add(labels, 0, 2.0)
    assert q.select([], 0, 0)[0].values.tolist() == [2.0]


def test_label_names_and_values() -> None:
    q = _querier()
    assert q.label_names() == ["__name__", "job"]
    assert q.label_values("job") == ["a", "b"]
    assert q.label_values("job", [Matcher("job", MatchType.NOT_EQUAL, "a")]) == ["b"]


def test_clear() -> None:
    q = _querier()
    q.clear()
    assert q.select([], 0, 10_000) == []
