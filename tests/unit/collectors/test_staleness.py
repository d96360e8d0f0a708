"""Staleness markers and scrape_series_added across successive scrapes."""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping

from collectors.httpfetch import FetchError, HttpResponse
from collectors.scrape import final_stale_markers, scrape_target
from collectors.scrape_cache import SeriesCaches
from collectors.staleness import ScrapeLoopState, stale_markers, track_series
from collectors.targets import Target
from promql.labels import Labels, make_labels
from promql.staleness import STALE_NAN, STALE_NAN_BITS, is_stale_nan

TARGET_LABELS = make_labels({"job": "app", "instance": "app:9100"})
TARGET = Target("app", "http://app:9100/metrics", TARGET_LABELS, 15.0, 10.0)


def series(name: str, **labels: str) -> Labels:
    return make_labels({"__name__": name, **dict(TARGET_LABELS), **labels})


def test_stale_nan_has_the_prometheus_bits_and_is_told_apart_from_nan() -> None:
    assert struct.pack(">d", STALE_NAN) == STALE_NAN_BITS.to_bytes(8, "big")
    assert is_stale_nan(STALE_NAN)
    assert not is_stale_nan(math.nan)
    assert not is_stale_nan(float("-nan"))
    assert not is_stale_nan(0.0)
    assert not is_stale_nan(math.inf)


def test_track_series_reports_vanished_and_new_series() -> None:
    a, b, c = series("a"), series("b"), series("c")
    first = track_series(ScrapeLoopState(), frozenset({a, b}))
    assert first.stale == () and first.added == 2
    second = track_series(first.state, frozenset({b, c}))
    assert second.stale == (a,)
    assert second.added == 1
    assert second.state.series == frozenset({b, c})


def test_a_failed_scrape_makes_every_previous_series_stale() -> None:
    a, b = series("a"), series("b")
    down = track_series(ScrapeLoopState(frozenset({a, b})), None)
    assert down.stale == (a, b)
    assert down.added == 0
    assert down.state.series == frozenset()
    markers = stale_markers(down.stale, 5000)
    assert [(labels, ts) for labels, ts, _ in markers] == [(a, 5000), (b, 5000)]
    assert all(is_stale_nan(value) for _, _, value in markers)


class CannedFetcher:
    """A Fetcher that answers from a list; None stands for a refused connection."""

    def __init__(self, bodies: list[str | None]) -> None:
        self.bodies = bodies

    def __call__(
        self, url: str, *, headers: Mapping[str, str], timeout: float, max_bytes: int
    ) -> HttpResponse:
        body = self.bodies.pop(0)
        if body is None:
            raise FetchError(f'GET "{url}": Connection refused')
        return HttpResponse(200, "text/plain; version=0.0.4", body.encode(), url, 0, 1.1)


def _report(samples: list[tuple[Labels, int, float]], name: str) -> float:
    values = [value for labels, _, value in samples if dict(labels)["__name__"] == name]
    assert len(values) == 1
    return values[0]


def test_successive_scrapes_write_markers_and_count_added_series() -> None:
    fetch = CannedFetcher(["a 1\nb 2\n", "b 3\nc 4\nexplicit 5 1000\n", None, "b 1\n"])
    cache = SeriesCaches()
    first = scrape_target(TARGET, fetch, 10.0, cache=cache)
    assert first.stale_markers == []
    assert _report(first.samples, "scrape_series_added") == 2

    second = scrape_target(TARGET, fetch, 25.0, first.state, cache=cache)
    assert [labels for labels, _, _ in second.stale_markers] == [series("a")]
    assert second.stale_markers[0][1] == 25000
    assert _report(second.samples, "scrape_series_added") == 1  # c; explicit is not tracked
    assert _report(second.samples, "scrape_samples_scraped") == 3
    assert series("explicit") not in second.state.series

    third = scrape_target(TARGET, fetch, 40.0, second.state, cache=cache)
    assert third.error == 'GET "http://app:9100/metrics": Connection refused'
    assert _report(third.samples, "up") == 0
    assert sorted(labels for labels, _, _ in third.stale_markers) == [series("b"), series("c")]

    fourth = scrape_target(TARGET, fetch, 55.0, third.state, cache=cache)
    assert fourth.stale_markers == []
    assert _report(fourth.samples, "scrape_series_added") == 1

    final = final_stale_markers(TARGET, fourth.state, 70000)
    assert {dict(labels)["__name__"] for labels, _, _ in final} == {
        "b",
        "up",
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
    }


def test_a_series_repeated_in_one_scrape_is_kept_once() -> None:
    result = scrape_target(TARGET, CannedFetcher(["a 1\na 2\n"]), 1.0)
    assert [value for labels, _, value in result.samples if labels == series("a")] == [1.0]
    assert _report(result.samples, "scrape_samples_scraped") == 2
