"""Which conventions the data follows, and which labels name services, peers and status.

One query asks which of the candidate metric names exist and with which of the
candidate labels; everything else is decided from that answer, so a fleet is
analysed without being described first.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.config import AnalysisConfig
from analysis.conventions import (
    CONVENTIONS,
    PEER_LABELS,
    SERVICE_LABELS,
    Convention,
    Gauge,
    RequestMetrics,
)
from analysis.source import RangeQuery, regex_alternation

DETECTION_POINTS = 8


@dataclass(frozen=True)
class ResolvedRequests:
    """Request metrics found in the data, with the labels they actually carry."""

    convention: str
    metrics: RequestMetrics
    requests_metric: str
    status_label: str | None
    peer_label: str | None = None


@dataclass(frozen=True)
class Detection:
    service_label: str | None
    conventions: tuple[str, ...]
    server: tuple[ResolvedRequests, ...]
    client: tuple[ResolvedRequests, ...]
    gauges: tuple[Gauge, ...]


def candidate_conventions(config: AnalysisConfig) -> list[Convention]:
    """The user's mapping first, then every built-in convention."""
    custom = [config.metrics.to_convention()] if config.metrics else []
    return [*custom, *CONVENTIONS.values()]


def _metric_names(convention: Convention) -> set[str]:
    names: set[str] = set()
    for side in (convention.server, convention.client, convention.workers):
        if side is not None:
            names.update({f"{side.duration}_count", f"{side.duration}_bucket"})
            if side.requests:
                names.add(side.requests)
    for gauge in convention.gauges:
        names.add(gauge.metric)
    return names


def _available(
    query: RangeQuery, conventions: list[Convention], labels: list[str], start: float, end: float
) -> dict[str, set[str]]:
    """Metric name -> the candidate labels its series carry, over [start, end]."""
    names = set().union(*(_metric_names(c) for c in conventions))
    by = ", ".join(["__name__", *labels])
    expression = f'count by ({by}) ({{__name__=~"{regex_alternation(names)}"}})'
    step = max((end - start) / DETECTION_POINTS, 1.0)
    found: dict[str, set[str]] = {}
    for series in query(expression, start, end, step).series:
        pairs = dict(series.labels)
        name = pairs.pop("__name__", "")
        found.setdefault(name, set()).update(pairs)
    return found


def _first(preferred: tuple[str, ...], present: set[str]) -> str | None:
    return next((label for label in preferred if label in present), None)


def _resolve(
    convention: str,
    side: RequestMetrics | None,
    available: dict[str, set[str]],
    peer_labels: tuple[str, ...] = (),
    *,
    strict: bool = False,
) -> ResolvedRequests | None:
    if side is None or f"{side.duration}_count" not in available:
        return None
    if strict and side.requests is not None and side.requests not in available:
        return None
    requests = (
        side.requests if side.requests and side.requests in available else f"{side.duration}_count"
    )
    labels = available[requests]
    peer = _first(peer_labels, available[f"{side.duration}_count"]) if peer_labels else None
    if peer_labels and peer is None:
        return None
    return ResolvedRequests(convention, side, requests, _first(side.status_labels, labels), peer)


def detect(query: RangeQuery, config: AnalysisConfig, start: float, end: float) -> Detection:
    conventions = candidate_conventions(config)
    service_labels = _unique([config.service_label, *SERVICE_LABELS])
    peer_labels = tuple(_unique([config.peer_label, *PEER_LABELS]))
    status_labels = {
        label
        for c in conventions
        for side in (c.server, c.client, c.workers)
        if side is not None
        for label in side.status_labels
    }
    labels = _unique([*service_labels, *peer_labels, *sorted(status_labels)])
    available = _available(query, conventions, labels, start, end)
    server: list[ResolvedRequests] = []
    client: list[ResolvedRequests] = []
    gauges: list[Gauge] = []
    used: set[str] = set()
    matched: set[str] = set()
    # First the conventions whose named request counter exists, then the rest: a
    # histogram two conventions share belongs to the one whose counter is there.
    for strict in (True, False):
        for convention in conventions:
            for side, into, peers in (
                (convention.server, server, ()),
                (convention.workers, server, ()),
                (convention.client, client, peer_labels),
            ):
                resolved = _resolve(convention.name, side, available, peers, strict=strict)
                if resolved is not None and resolved.metrics.duration not in used:
                    used.add(resolved.metrics.duration)
                    into.append(resolved)
                    matched.add(convention.name)
            for gauge in convention.gauges:
                if gauge.metric in available and gauge.metric not in used:
                    used.add(gauge.metric)
                    gauges.append(gauge)
                    matched.add(convention.name)
    names = [c.name for c in conventions if c.name in matched]
    on_server = (
        set().union(*(available[f"{r.metrics.duration}_count"] for r in server))
        if server
        else set()
    )
    return Detection(
        service_label=_first(tuple(service_labels), on_server),
        conventions=tuple(names),
        server=tuple(server),
        client=tuple(client),
        gauges=tuple(gauges),
    )


def _unique(items: list[str | None]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out
