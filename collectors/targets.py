"""Scrape targets from scrape_configs, labelled the way Prometheus labels them.

A target starts as ``__address__`` plus its group's labels; the job's settings
fill in ``job``, ``__scheme__``, ``__metrics_path__``, ``__scrape_interval__``,
``__scrape_timeout__`` and ``__param_<name>`` where the labels do not set them.
Then ``relabel_configs`` run (and may drop the target), ``__meta_*`` labels go,
``instance`` defaults to the address, and the labels starting with ``__`` shape
the URL and the intervals but are not attached to the samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from collectors.config import ScrapeConfig
from collectors.http_config import HttpClientConfig
from collectors.relabel import RelabelConfig, relabel
from promql.durations import DurationError, format_duration, parse_duration
from promql.labels import Labels, make_labels

ADDRESS = "__address__"
SCHEME = "__scheme__"
METRICS_PATH = "__metrics_path__"
SCRAPE_INTERVAL = "__scrape_interval__"
SCRAPE_TIMEOUT = "__scrape_timeout__"
PARAM_PREFIX = "__param_"
META_PREFIX = "__meta_"


@dataclass(frozen=True)
class ScrapeLimits:
    """Prometheus's per-scrape limits; 0 means no limit."""

    sample_limit: int = 0
    label_limit: int = 0
    label_name_length_limit: int = 0
    label_value_length_limit: int = 0


@dataclass(frozen=True)
class TargetGroup:
    """Addresses sharing labels: one ``static_configs`` entry or one group of an SD file."""

    targets: tuple[str, ...]
    labels: Labels = ()
    source: str = ""
    """Where the group came from (``file.json:0``); "" for static_configs."""


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
    metric_relabel_configs: tuple[RelabelConfig, ...] = ()
    limits: ScrapeLimits = ScrapeLimits()
    http_client: HttpClientConfig | None = None
    """Auth and TLS for the fetcher; file names already relative to the config file."""
    discovered_labels: Labels = field(default=(), compare=False)
    """The labels before relabelling, for the console's target page."""

    @property
    def instance(self) -> str:
        return dict(self.labels).get("instance", "")


@dataclass(frozen=True)
class TargetSet:
    """One job's targets after relabelling, what it dropped, and the targets that failed."""

    targets: list[Target]
    dropped: list[Labels]
    """Discovered labels of the targets that relabelling dropped."""
    errors: list[str]


def static_groups(scrape_config: ScrapeConfig) -> list[TargetGroup]:
    return [
        TargetGroup(tuple(group.targets), make_labels(group.labels))
        for group in scrape_config.static_configs
    ]


def resolve_targets(
    scrape_config: ScrapeConfig,
    groups: Sequence[TargetGroup],
    global_interval: float,
    global_timeout: float,
    *,
    base_dir: Path | None = None,
) -> TargetSet:
    """Every target of the groups, in order and without duplicates; bad ones become errors.

    An unset timeout is the global one capped at the job's interval, as in
    Prometheus; relative file names in the HTTP settings are taken from ``base_dir``.
    """
    interval = scrape_config.scrape_interval or global_interval
    timeout = scrape_config.scrape_timeout or min(global_timeout, interval)
    client = scrape_config.http_client().with_base_dir(base_dir)
    result = TargetSet([], [], [])
    seen: set[tuple[str, Labels]] = set()
    for group in groups:
        for address in group.targets:
            try:
                target = build_target(
                    scrape_config, address, dict(group.labels), interval, timeout, client
                )
            except ValueError as error:
                where = f"{group.source}: " if group.source else ""
                result.errors.append(f"{where}{error}")
                continue
            if isinstance(target, tuple):
                result.dropped.append(target)
            elif (target.url, target.labels) not in seen:
                seen.add((target.url, target.labels))
                result.targets.append(target)
    return result


def targets_from_config(
    scrape_config: ScrapeConfig,
    global_interval: float,
    global_timeout: float,
    *,
    base_dir: Path | None = None,
    discovered: Sequence[TargetGroup] = (),
) -> list[Target]:
    """The targets of static_configs and the ``discovered`` groups; ValueError if one is bad."""
    groups = [*static_groups(scrape_config), *discovered]
    result = resolve_targets(
        scrape_config, groups, global_interval, global_timeout, base_dir=base_dir
    )
    if result.errors:
        raise ValueError(result.errors[0])
    return result.targets


def discovered_labels(
    scrape_config: ScrapeConfig,
    address: str,
    group_labels: dict[str, str],
    interval: float,
    timeout: float,
) -> dict[str, str]:
    """The labels relabelling starts from (Prometheus's PopulateDiscoveredLabels)."""
    labels = {name: value for name, value in group_labels.items() if value}
    labels[ADDRESS] = address
    defaults = {
        "job": scrape_config.job_name,
        SCRAPE_INTERVAL: format_duration(interval),
        SCRAPE_TIMEOUT: format_duration(timeout),
        METRICS_PATH: scrape_config.metrics_path,
        SCHEME: scrape_config.scheme,
    }
    defaults.update(
        {PARAM_PREFIX + name: values[0] for name, values in scrape_config.params.items() if values}
    )
    for name, value in defaults.items():
        if not labels.get(name):
            labels[name] = value
    return labels


def build_target(
    scrape_config: ScrapeConfig,
    address: str,
    group_labels: dict[str, str],
    interval: float,
    timeout: float,
    client: HttpClientConfig | None = None,
) -> Target | Labels:
    """The target, or its discovered labels when relabelling drops it; ValueError if invalid."""
    discovered = discovered_labels(scrape_config, address, group_labels, interval, timeout)
    relabelled = relabel(discovered, scrape_config.relabel_configs)
    if relabelled is None:
        return make_labels(discovered)
    labels = {name: value for name, value in relabelled if not name.startswith(META_PREFIX)}
    final_address = labels.get(ADDRESS, "")
    if not final_address:
        raise ValueError(f"target {address}: no address")
    if "/" in final_address:
        raise ValueError(f'target {address}: "{final_address}" is not a valid hostname')
    interval = _duration_label(labels, SCRAPE_INTERVAL)
    timeout = _duration_label(labels, SCRAPE_TIMEOUT)
    if timeout > interval:
        raise ValueError(
            f"target {address}: scrape timeout {labels[SCRAPE_TIMEOUT]} "
            f"is greater than the interval {labels[SCRAPE_INTERVAL]}"
        )
    if labels.get(SCHEME) not in ("http", "https"):
        raise ValueError(f'target {address}: unsupported scheme "{labels.get(SCHEME, "")}"')
    labels.setdefault("instance", final_address)
    labels.setdefault(METRICS_PATH, "")
    return Target(
        job=scrape_config.job_name,
        url=target_url(labels, scrape_config.params),
        labels=make_labels((k, v) for k, v in labels.items() if not k.startswith("__")),
        scrape_interval=interval,
        scrape_timeout=timeout,
        honor_labels=scrape_config.honor_labels,
        honor_timestamps=scrape_config.honor_timestamps,
        body_size_limit=scrape_config.body_size_limit,
        metric_relabel_configs=tuple(scrape_config.metric_relabel_configs),
        limits=ScrapeLimits(
            sample_limit=scrape_config.sample_limit,
            label_limit=scrape_config.label_limit,
            label_name_length_limit=scrape_config.label_name_length_limit,
            label_value_length_limit=scrape_config.label_value_length_limit,
        ),
        http_client=client,
        discovered_labels=make_labels(discovered),
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
    text = labels.get(name, "")
    try:
        seconds = parse_duration(text)
    except DurationError:
        raise ValueError(f'{name}="{text}" is not a duration') from None
    if seconds <= 0:
        raise ValueError(f'{name}="{text}" must be greater than zero')
    return seconds
