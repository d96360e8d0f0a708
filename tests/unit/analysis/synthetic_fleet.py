"""A small simulated fleet that shares nothing with ``demo/``: other names, another
topology, OpenTelemetry or Micrometer metric names, rendered into a MemoryQuerier."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from promql.labels import make_labels
from promql.memory import MemoryQuerier

BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


@dataclass(frozen=True)
class Node:
    median: float
    calls: tuple[str, ...] = ()
    error_rate: float = 0.001


@dataclass(frozen=True)
class Naming:
    """How one convention spells the series the fleet exports."""

    server: str
    client: str | None
    service_label: str
    route_label: str
    status_label: str
    peer_label: str = "server_address"
    peer_format: str = "{peer}"


OTEL = Naming(
    server="http_server_request_duration_seconds",
    client="http_client_request_duration_seconds",
    service_label="service_name",
    route_label="http_route",
    status_label="http_response_status_code",
    peer_format="{peer}.shop.svc.cluster.local:8443",
)
#: A fleet's own names, known to the analysis only through vigil.yml's mapping.
HOMEGROWN = Naming(
    server="shop_handler_seconds",
    client="shop_outbound_seconds",
    service_label="app",
    route_label="handler",
    status_label="rc",
    peer_label="dest",
)
MICROMETER = Naming(
    server="http_server_requests_seconds",
    client=None,
    service_label="job",
    route_label="uri",
    status_label="status",
)


@dataclass
class _Histogram:
    counts: np.ndarray = field(default_factory=lambda: np.zeros(len(BOUNDS) + 1))
    total: float = 0.0

    def observe(self, values: np.ndarray) -> None:
        index = np.searchsorted(np.asarray(BOUNDS), values, side="left")
        self.counts += np.bincount(index, minlength=len(BOUNDS) + 1)
        self.total += float(values.sum())


@dataclass(frozen=True)
class Fault:
    service: str
    at: float
    latency_factor: float = 1.0
    error_rate: float = 0.0


class SyntheticFleet:
    def __init__(
        self,
        nodes: Mapping[str, Node],
        entry: str,
        naming: Naming,
        *,
        rate: float = 40.0,
        seed: int = 1,
        fault: Fault | None = None,
    ) -> None:
        self.nodes, self.entry, self.naming, self.rate = dict(nodes), entry, naming, rate
        self.fault = fault
        self.rng = np.random.default_rng(seed)
        self.server: dict[tuple[str, str], _Histogram] = {}
        self.client: dict[tuple[str, str, str], _Histogram] = {}

    def _serve(self, name: str, n: int, t: float) -> tuple[np.ndarray, np.ndarray]:
        node = self.nodes[name]
        hit = self.fault is not None and self.fault.service == name and t >= self.fault.at
        factor = self.fault.latency_factor if hit and self.fault else 1.0
        extra = self.fault.error_rate if hit and self.fault else 0.0
        latency = self.rng.lognormal(np.log(node.median * factor), 0.4, n)
        failed = self.rng.random(n) < node.error_rate + extra
        for callee in node.calls:
            callee_latency, callee_failed = self._serve(callee, n, t)
            code = np.where(callee_failed, "503", "200")
            for status in ("200", "503"):
                chosen = code == status
                key = (name, callee, status)
                self.client.setdefault(key, _Histogram()).observe(callee_latency[chosen])
            latency = latency + callee_latency
            failed = failed | callee_failed
        for status, chosen in (("200", ~failed), ("500", failed)):
            self.server.setdefault((name, status), _Histogram()).observe(latency[chosen])
        return latency, failed

    def run(self, start: float, end: float, step: float = 15.0) -> MemoryQuerier:
        querier = MemoryQuerier()
        t = start
        while t <= end:
            for second in range(int(step)):
                self._serve(self.entry, int(self.rng.poisson(self.rate)), t - step + second)
            self._scrape(querier, t)
            t += step
        return querier

    def _scrape(self, querier: MemoryQuerier, t: float) -> None:
        n = self.naming
        for (name, status), hist in self.server.items():
            labels = {n.service_label: name, n.route_label: "/v1/things", n.status_label: status}
            _write(querier, n.server, labels, hist, t)
        if n.client is None:
            return
        for (name, callee, status), hist in self.client.items():
            peer = n.peer_format.format(peer=callee)
            labels = {n.service_label: name, n.peer_label: peer, n.status_label: status}
            _write(querier, n.client, labels, hist, t)


def _write(
    querier: MemoryQuerier, metric: str, labels: dict[str, str], hist: _Histogram, t: float
) -> None:
    t_ms = int(t * 1000)
    cumulative = np.cumsum(hist.counts)
    for bound, count in zip([*map(repr, BOUNDS), "+Inf"], cumulative.tolist(), strict=True):
        querier.add(
            make_labels({"__name__": f"{metric}_bucket", "le": bound, **labels}), t_ms, count
        )
    querier.add(make_labels({"__name__": f"{metric}_count", **labels}), t_ms, cumulative[-1])
    querier.add(make_labels({"__name__": f"{metric}_sum", **labels}), t_ms, hist.total)
