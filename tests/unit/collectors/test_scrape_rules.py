"""Target relabelling, metric relabelling and limits inside one scrape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from collectors import target_labels
from collectors.config import ScrapeConfig
from collectors.httpfetch import HttpResponse
from collectors.relabel import RelabelConfig, relabel
from collectors.scrape import ScrapeResult, scrape_target
from collectors.scrape_cache import SeriesCaches
from collectors.staleness import ScrapeLoopState
from collectors.targets import Target, TargetGroup, resolve_targets, targets_from_config
from promql.labels import Labels, make_labels


class Canned:
    def __init__(self, body: str) -> None:
        self.body = body

    def __call__(
        self, url: str, *, headers: Mapping[str, str], timeout: float, max_bytes: int
    ) -> HttpResponse:
        return HttpResponse(200, "text/plain", self.body.encode(), url, 0, 1.1)


def job(**options: Any) -> ScrapeConfig:
    return ScrapeConfig.model_validate({"job_name": "app", **options})


def one_target(**options: Any) -> Target:
    config = job(static_configs=[{"targets": ["app:9100"]}], **options)
    (target,) = targets_from_config(config, 15.0, 10.0)
    return target


def names(result: ScrapeResult) -> list[str]:
    return sorted(dict(labels)["__name__"] for labels, _, _ in result.samples)


def report(result: ScrapeResult, name: str) -> float:
    (value,) = [v for labels, _, v in result.samples if dict(labels)["__name__"] == name]
    return value


BODY = 'keep_me{pid="1"} 1\ngo_gc_x 2\ngo_gc_y 3\nother 4\n'


def test_metric_relabelling_drops_and_rewrites_series_before_storage() -> None:
    target = one_target(
        metric_relabel_configs=[
            {"source_labels": ["__name__"], "regex": "go_gc_.*", "action": "drop"},
            {"regex": "pid", "action": "labeldrop"},
        ]
    )
    result = scrape_target(target, Canned(BODY), 1.0)
    assert result.error is None
    kept = [labels for labels, _, _ in result.samples][:2]
    assert kept == [
        make_labels({"__name__": "keep_me", "instance": "app:9100", "job": "app"}),
        make_labels({"__name__": "other", "instance": "app:9100", "job": "app"}),
    ]
    assert report(result, "scrape_samples_scraped") == 4
    assert report(result, "scrape_samples_post_metric_relabeling") == 2
    assert report(result, "scrape_series_added") == 2


def test_relabelling_runs_once_per_series_text_on_a_steady_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = 0

    def counting(labels: Labels, configs: Sequence[RelabelConfig]) -> Labels | None:
        nonlocal calls
        calls += 1
        return relabel(labels, configs)

    monkeypatch.setattr(target_labels, "relabel", counting)
    target = one_target(metric_relabel_configs=[{"regex": "pid", "action": "labeldrop"}])
    caches, state = SeriesCaches(), ScrapeLoopState()
    for now in (1.0, 16.0, 31.0):
        result = scrape_target(target, Canned(BODY), now, state, cache=caches)
        state = result.state
    assert calls == 4  # one per series, on the first scrape only
    assert report(result, "scrape_samples_post_metric_relabeling") == 4


def test_relabelling_away_the_metric_name_fails_the_scrape() -> None:
    target = one_target(metric_relabel_configs=[{"regex": "__name__", "action": "labeldrop"}])
    result = scrape_target(target, Canned(BODY), 1.0)
    assert result.error == "missing metric name (__name__ label)"
    assert report(result, "up") == 0


def test_over_the_sample_limit_nothing_but_report_samples_is_stored() -> None:
    previous = ScrapeLoopState(frozenset({make_labels({"__name__": "old", "job": "app"})}))
    target = one_target(sample_limit=3)
    result = scrape_target(target, Canned(BODY), 1.0, previous)
    assert result.error == "sample limit exceeded"
    assert names(result) == sorted(
        ["up", "scrape_duration_seconds", "scrape_samples_scraped",
         "scrape_samples_post_metric_relabeling", "scrape_series_added"]
    )  # fmt: skip
    assert report(result, "up") == 0
    assert report(result, "scrape_samples_scraped") == 4
    assert len(result.stale_markers) == 1  # the previous series go stale, as in Prometheus


def test_the_sample_limit_counts_what_metric_relabelling_left() -> None:
    target = one_target(
        sample_limit=2,
        metric_relabel_configs=[
            {"source_labels": ["__name__"], "regex": "go_gc_.*", "action": "drop"}
        ],
    )
    assert scrape_target(target, Canned(BODY), 1.0).error is None


@pytest.mark.parametrize(
    ("limits", "error"),
    [
        ({"label_limit": 3},
         "label_limit exceeded (metric: keep_me, number of labels: 4, limit: 3)"),
        ({"label_name_length_limit": 3},
         "label_name_length_limit exceeded (metric: keep_me, label name: __name__, length: 8, "
         "limit: 3)"),
        ({"label_value_length_limit": 7},
         'label_value_length_limit exceeded (metric: keep_me, label name: instance, '
         'value: "app:9100", length: 8, limit: 7)'),
    ],
)  # fmt: skip
def test_label_limits_fail_the_scrape_with_prometheus_messages(
    limits: dict[str, int], error: str
) -> None:
    result = scrape_target(one_target(**limits), Canned(BODY), 1.0)
    assert result.error == error
    assert report(result, "up") == 0
    assert len(result.samples) == 5


def test_target_relabelling_rewrites_drops_and_then_removes_meta_labels() -> None:
    config = job(
        params={"module": ["m1"]},
        relabel_configs=[
            {"source_labels": ["__meta_env"], "regex": "staging", "action": "drop"},
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"target_label": "__address__", "replacement": "prober:9115"},
            {"source_labels": ["__meta_env"], "target_label": "env"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
        ],
    )
    groups = [
        TargetGroup(("db:5432",), make_labels({"__meta_env": "prod"}), "sd.json:0"),
        TargetGroup(("db2:5432",), make_labels({"__meta_env": "staging"}), "sd.json:1"),
        TargetGroup(("bad",), make_labels({"__scheme__": "gopher"}), "sd.json:2"),
    ]
    result = resolve_targets(config, groups, 15.0, 10.0)
    (target,) = result.targets
    assert target.url == "http://prober:9115/metrics?module=m1&target=db%3A5432"
    assert target.labels == make_labels({"env": "prod", "instance": "db:5432", "job": "app"})
    assert dict(target.discovered_labels)["__meta_env"] == "prod"
    assert [dict(labels)["__address__"] for labels in result.dropped] == ["db2:5432"]
    assert result.errors == ['sd.json:2: target bad: unsupported scheme "gopher"']


def test_relabelling_can_drop_the_address_which_makes_the_target_invalid() -> None:
    config = job(
        static_configs=[{"targets": ["a:1"]}],
        relabel_configs=[{"regex": "__address__", "action": "labeldrop"}],
    )
    with pytest.raises(ValueError, match="target a:1: no address"):
        targets_from_config(config, 15.0, 10.0)
