"""Scrape targets from scrape_configs, labelled the way Prometheus labels them.

A target starts as ``__address__`` plus its static labels; the job's settings
fill in ``job``, ``__scheme__``, ``__metrics_path__``, ``__scrape_interval__``,
``__scrape_timeout__`` and ``__param_<name>`` where the labels do not set them,
``instance`` defaults to the address, and labels starting with ``__`` are
dropped once they have shaped the URL and the intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from collectors.config import ScrapeConfig
from promql.durations import DurationError, format_duration, parse_duration
from promql.labels import Labels, make_labels

ADDRESS = "__address__"
SCHEME = "__scheme__"
METRICS_PATH = "__metrics_path__"
SCRAPE_INTERVAL = "__scrape_interval__"
SCRAPE_TIMEOUT = "__scrape_timeout__"
PARAM_PREFIX = "__param_"


@dataclass(frozen=True)
class Target:
    job: str
    url: str
    labels: Labels
    """Attached to every scraped sample: ``job``, ``instance`` and the static labels."""
    scrape_interval: float
    scrape_timeout: float
    honor_labels: bool = False
    honor_timestamps: bool = True
    body_size_limit: int = 0
    """Bytes; 0 means no limit."""

    @property
    def instance(self) -> str:
        return dict(self.labels).get("instance", "")


def targets_from_config(
    scrape_config: ScrapeConfig, global_interval: float, global_timeout: float
) -> list[Target]:
    """Every target of one job, in file order, without duplicates.

    An unset timeout is the global one capped at the job's interval, as in
    Prometheus. Raises ValueError for a target whose labels make no valid target.
    """
    interval = scrape_config.scrape_interval or global_interval
    timeout = scrape_config.scrape_timeout or min(global_timeout, interval)
    targets: list[Target] = []
    seen: set[tuple[str, Labels]] = set()
    for group in scrape_config.static_configs:
        for address in group.targets:
            target = build_target(scrape_config, address, group.labels, interval, timeout)
            if (target.url, target.labels) not in seen:
                seen.add((target.url, target.labels))
                targets.append(target)
    return targets


def build_target(
    scrape_config: ScrapeConfig,
    address: str,
    group_labels: dict[str, str],
    interval: float,
    timeout: float,
) -> Target:
    labels = {**group_labels, ADDRESS: address}
    defaults = {
        "job": scrape_config.job_name,
        SCHEME: scrape_config.scheme,
        METRICS_PATH: scrape_config.metrics_path,
        SCRAPE_INTERVAL: format_duration(interval),
        SCRAPE_TIMEOUT: format_duration(timeout),
    }
    defaults.update(
        {PARAM_PREFIX + name: values[0] for name, values in scrape_config.params.items() if values}
    )
    for name, value in defaults.items():
        labels.setdefault(name, value)
    labels.setdefault("instance", labels[ADDRESS])
    interval = _duration_label(labels, SCRAPE_INTERVAL)
    timeout = _duration_label(labels, SCRAPE_TIMEOUT)
    if timeout > interval:
        raise ValueError(
            f"target {address}: scrape timeout {labels[SCRAPE_TIMEOUT]} "
            f"is greater than the interval {labels[SCRAPE_INTERVAL]}"
        )
    if labels[SCHEME] not in ("http", "https"):
        raise ValueError(f'target {address}: unsupported scheme "{labels[SCHEME]}"')
    return Target(
        job=scrape_config.job_name,
        url=target_url(labels, scrape_config.params),
        labels=make_labels((k, v) for k, v in labels.items() if not k.startswith("__")),
        scrape_interval=interval,
        scrape_timeout=timeout,
        honor_labels=scrape_config.honor_labels,
        honor_timestamps=scrape_config.honor_timestamps,
        body_size_limit=scrape_config.body_size_limit,
    )


def target_url(labels: dict[str, str], params: dict[str, list[str]]) -> str:
    """The URL to scrape; a ``__param_x`` label replaces the first value of ``x``."""
    query = {name: list(values) for name, values in params.items()}
    for name, value in labels.items():
        if name.startswith(PARAM_PREFIX):
            key = name[len(PARAM_PREFIX) :]
            query[key] = [value, *query.get(key, [])[1:]]
    path = labels[METRICS_PATH]
    if not path.startswith("/"):
        path = "/" + path
    url = f"{labels[SCHEME]}://{labels[ADDRESS]}{path}"
    return f"{url}?{urlencode(query, doseq=True)}" if query else url


def _duration_label(labels: dict[str, str], name: str) -> float:
    try:
        seconds = parse_duration(labels[name])
    except DurationError:
        raise ValueError(f'{name}="{labels[name]}" is not a duration') from None
    if seconds <= 0:
        raise ValueError(f'{name}="{labels[name]}" must be greater than zero')
    return seconds
