"""The per-target scrape caches: interned label sets, and a bound that churn cannot pass."""

from __future__ import annotations

from collections.abc import Mapping

from collectors.config import ScrapeConfig
from collectors.httpfetch import HttpResponse
from collectors.scrape import scrape_target
from collectors.scrape_cache import LabelInterner, SeriesCaches, churn_bound, target_labeller
from collectors.staleness import ScrapeLoopState
from collectors.targets import Target, targets_from_config
from promql.labels import Labels


class Bodies:
    """Serves the given bodies in turn (Prometheus text format)."""

    def __init__(self, bodies: list[str]) -> None:
        self.bodies = bodies

    def __call__(
        self, url: str, *, headers: Mapping[str, str], timeout: float, max_bytes: int
    ) -> HttpResponse:
        return HttpResponse(200, "text/plain", self.bodies.pop(0).encode(), url, 0, 1.1)


def one_target(honor_labels: bool = False) -> Target:
    config = ScrapeConfig.model_validate(
        {
            "job_name": "app",
            "honor_labels": honor_labels,
            "static_configs": [{"targets": ["app:9100"]}],
        }
    )
    (target,) = targets_from_config(config, 15.0, 10.0)
    return target


def exposed(result_samples: list[tuple[Labels, int, float]]) -> list[Labels]:
    return [labels for labels, _, _ in result_samples if dict(labels).get("route")]


def test_interning_keeps_equality_and_shares_one_pair_object() -> None:
    intern = LabelInterner()
    first = intern((("__name__", "http_requests_total"), ("method", "GET"), ("route", "a")))
    other = (("__name__", "http_requests_total"), ("method", "GET"), ("route", "b"))
    second = intern(other)
    assert second == other
    assert hash(second) == hash(other)
    assert first[0] is second[0] and first[1] is second[1]
    assert first[2] is not second[2]
    assert len(intern) == 4


def test_scraped_label_sets_equal_the_uncached_ones_and_share_pairs() -> None:
    target = one_target()
    body = "".join(f'http_requests_total{{route="r{i}",method="GET"}} {i}\n' for i in range(50))
    caches = SeriesCaches()
    cached = scrape_target(target, Bodies([body]), 1.0, cache=caches, clock=lambda: 0.0)
    plain = scrape_target(target, Bodies([body]), 1.0, clock=lambda: 0.0)
    assert cached.samples == plain.samples
    assert cached.state == plain.state
    method_pairs = {
        id(pair) for labels in exposed(cached.samples) for pair in labels if pair[0] == "method"
    }
    assert len(method_pairs) == 1
    instance_pairs = {
        id(pair) for labels in exposed(cached.samples) for pair in labels if pair[0] == "instance"
    }
    assert len(instance_pairs) == 1


def test_interning_follows_honor_labels() -> None:
    body = 'up_like{instance="exposed",job="mine"} 1\n'
    for honor, instance in ((True, "exposed"), (False, "app:9100")):
        result = scrape_target(one_target(honor), Bodies([body]), 1.0, cache=SeriesCaches())
        (labels,) = [labels for labels, _, _ in result.samples if labels[0][1] == "up_like"]
        assert labels == target_labeller(one_target(honor))(
            (("__name__", "up_like"), ("instance", "exposed"), ("job", "mine"))
        )
        assert dict(labels)["instance"] == instance


def test_churning_series_never_grow_the_cache_past_its_bound() -> None:
    target = one_target()
    live = 20
    caches = SeriesCaches()
    state = ScrapeLoopState()
    bodies = [
        "".join(f'churn{{pod="p{scrape}-{i}",route="x"}} 1\n' for i in range(live))
        for scrape in range(200)
    ]
    fetch = Bodies(list(bodies))
    for scrape in range(200):
        result = scrape_target(target, fetch, 1.0 + scrape, state, cache=caches)
        state = result.state
        assert result.error is None
        assert caches.entries() <= churn_bound(live)
        # Only pairs of cached series are kept: at most every label of every entry.
        assert caches.interned_pairs() <= caches.entries() * 5
        assert len(state.series) == live
