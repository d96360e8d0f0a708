"""Recorded samples not yet stored are merged into selections as if they were."""

from __future__ import annotations

from promql.labels import make_labels
from promql.matchers import Matcher, MatchType
from promql.memory import MemoryQuerier
from promql.overlay import OverlayQuerier

SUM = make_labels({"__name__": "job:x:sum", "job": "api"})
NEW = make_labels({"__name__": "job:x:max", "job": "api"})
WEB = make_labels({"__name__": "job:x:sum", "job": "web"})


def _overlay() -> OverlayQuerier:
    stored = MemoryQuerier()
    stored.add_series(SUM, [0, 15_000], [1.0, 2.0])
    stored.add_series(WEB, [0], [5.0])
    overlay = OverlayQuerier(stored)
    overlay.add(SUM, 15_000, 20.0)  # this evaluation's value replaces the stored one
    overlay.add(SUM, 30_000, 30.0)
    overlay.add(NEW, 30_000, 7.0)  # a series the store does not have yet
    return overlay


def _select(overlay: OverlayQuerier, *matchers: Matcher, end: int = 60_000) -> dict:
    return {
        tuple(series.labels): list(
            zip(series.timestamps.tolist(), series.values.tolist(), strict=True)
        )
        for series in overlay.select(matchers, 0, end)
    }


def test_named_selection_merges_its_metrics_extra_samples() -> None:
    found = _select(_overlay(), Matcher("__name__", MatchType.EQUAL, "job:x:sum"))
    assert found == {
        SUM: [(0, 1.0), (15_000, 20.0), (30_000, 30.0)],
        WEB: [(0, 5.0)],
    }


def test_selection_without_a_name_sees_new_series_in_label_order() -> None:
    found = _select(_overlay(), Matcher("job", MatchType.EQUAL, "api"))
    assert list(found) == [NEW, SUM]
    assert found[NEW] == [(30_000, 7.0)]


def test_extra_samples_outside_the_window_are_left_out() -> None:
    found = _select(_overlay(), Matcher("__name__", MatchType.REGEX, "job:x:.*"), end=20_000)
    assert found == {SUM: [(0, 1.0), (15_000, 20.0)], WEB: [(0, 5.0)]}
