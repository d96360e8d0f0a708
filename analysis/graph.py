"""The service dependency graph: configured ``depends_on`` plus calls seen in client metrics."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from analysis.signals import Signals

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


@dataclass(frozen=True)
class Edge:
    caller: str
    callee: str
    calls_per_second: float
    """Mean over the window; 0 when only configured or when no client metrics exist."""
    wait_seconds_per_second: float
    """Time the caller spent waiting on the callee per second (the edge's weight)."""
    source: str  # "metrics" | "config"


@dataclass(frozen=True)
class Graph:
    nodes: tuple[str, ...]
    edges: tuple[Edge, ...]
    entries: tuple[str, ...]
    """Front doors: services serving requests that no other service calls."""
    critical_path: tuple[str, ...]
    """From the busiest front door, always to the callee waited on longest."""

    def critical_edges(self) -> set[tuple[str, str]]:
        return set(itertools.pairwise(self.critical_path))

    def callees(self, service: str) -> list[str]:
        return [edge.callee for edge in self.edges if edge.caller == service]

    def callers(self, service: str) -> list[str]:
        return [edge.caller for edge in self.edges if edge.callee == service]


def resolve_peer(value: str, known: Iterable[str]) -> str:
    """The service a peer label names: ``http://payments.prod.svc:8080`` -> ``payments``."""
    names = set(known)
    if value in names:
        return value
    host = _SCHEME.sub("", value).split("/")[0]
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if host in names:
        return host
    first = host.split(".")[0]
    return first if first in names else host


def window_mean(values: np.ndarray, times: np.ndarray, window_start: float) -> float:
    part = values[times >= window_start]
    part = part[np.isfinite(part)]
    return float(part.mean()) if part.size else 0.0


def build_graph(signals: Signals, depends_on: Mapping[str, list[str]]) -> Graph:
    services = set(signals.services)
    times, window_start = signals.grid.times, signals.grid.window_start
    edges: dict[tuple[str, str], Edge] = {}
    for (caller, peer), call in signals.calls.items():
        callee = resolve_peer(peer, services)
        key = (caller, callee)
        rate = window_mean(call.calls, times, window_start)
        wait = window_mean(call.time_spent, times, window_start)
        known = edges.get(key)
        if known is not None:
            rate, wait = rate + known.calls_per_second, wait + known.wait_seconds_per_second
        edges[key] = Edge(caller, callee, rate, wait, "metrics")
    for caller, callees in depends_on.items():
        for callee in callees:
            edges.setdefault((caller, callee), Edge(caller, callee, 0.0, 0.0, "config"))
    nodes = sorted(services | {n for key in edges for n in key})
    called = {callee for _, callee in edges}
    serving = {
        name
        for name, series in signals.services.items()
        if not series.off_path and name not in called
    }
    entries = sorted(
        serving,
        key=lambda name: -window_mean(signals.services[name].requests, times, window_start),
    )
    edge_list = tuple(sorted(edges.values(), key=lambda e: (e.caller, e.callee)))
    path = _critical_path(entries[0] if entries else None, edge_list)
    return Graph(tuple(nodes), edge_list, tuple(entries), path)


def _critical_path(entry: str | None, edges: tuple[Edge, ...]) -> tuple[str, ...]:
    if entry is None:
        return ()
    path = [entry]
    while True:
        out = [e for e in edges if e.caller == path[-1] and e.callee not in path]
        if not out:
            return tuple(path)
        path.append(max(out, key=lambda e: (e.wait_seconds_per_second, e.calls_per_second)).callee)
