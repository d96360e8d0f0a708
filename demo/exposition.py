"""Rendering simulated series as prometheus_client metric families.

Live servers use :class:`ServiceCollector` on a private ``CollectorRegistry``;
:func:`generate_openmetrics_history` renders a whole window at once (with
timestamps and a ``service`` label) so tests can pre-load data instantly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics.exposition import generate_latest as om_generate_latest

from demo.simulation import Simulation
from demo.state import Labels, MetricStore

#: name -> (type, unit, help). Families are emitted in this order.
METRICS: dict[str, tuple[str, str, str]] = {
    "http_requests_total": ("counter", "", "HTTP requests served, by route and status."),
    "http_request_duration_seconds": (
        "histogram", "seconds", "Server-side HTTP request latency."),
    "http_server_active_requests": ("gauge", "", "Requests currently in flight."),
    "http_client_requests_total": (
        "counter", "", "Outgoing calls to downstream services, by status (or timeout)."),
    "http_client_request_duration_seconds": (
        "histogram", "seconds", "Client-side latency of outgoing calls, incl. pool waits."),
    "process_cpu_seconds_total": ("counter", "seconds", "Total user and system CPU time."),
    "process_resident_memory_bytes": ("gauge", "bytes", "Resident memory size."),
    "process_start_time_seconds": ("gauge", "seconds", "Start time of the process (epoch)."),
    "db_pool_connections_in_use": ("gauge", "", "Database pool connections checked out."),
    "db_pool_connections_max": ("gauge", "", "Database pool size."),
    "db_connections_active": ("gauge", "", "Client connections open on the database."),
    "db_connections_max": ("gauge", "", "Configured maximum database connections."),
    "queue_depth": ("gauge", "", "Jobs waiting in the queue."),
    "queue_jobs_enqueued_total": ("counter", "", "Jobs published to the queue."),
    "queue_jobs_processed_total": ("counter", "", "Jobs handled by the worker, by outcome."),
    "queue_job_duration_seconds": ("histogram", "seconds", "Time to process one job."),
    "cache_hits_total": ("counter", "", "Cache lookups that found the key."),
    "cache_misses_total": ("counter", "", "Cache lookups that missed."),
}


def _family(name: str) -> Metric:
    typ, unit, doc = METRICS[name]
    base = name.removesuffix("_total") if typ == "counter" else name
    return Metric(base, doc, typ, unit)


def add_samples(families: dict[str, Metric], store: MetricStore,
                extra: Labels = (), timestamp: float | None = None) -> None:
    """Append one scrape of ``store`` to ``families`` (created on demand)."""

    def fam(name: str) -> Metric:
        if name not in families:
            families[name] = _family(name)
        return families[name]

    for (name, lbl), value in store.counters.items():
        fam(name).add_sample(name, dict(extra + lbl), value, timestamp)
    for (name, lbl), value in store.gauges.items():
        fam(name).add_sample(name, dict(extra + lbl), value, timestamp)
    for (name, lbl), hist in store.histograms.items():
        metric = fam(name)
        base = dict(extra + lbl)
        buckets = hist.cumulative()
        for le, count in buckets:
            metric.add_sample(f"{name}_bucket", {**base, "le": le}, count, timestamp)
        metric.add_sample(f"{name}_count", base, buckets[-1][1], timestamp)
        metric.add_sample(f"{name}_sum", base, hist.total, timestamp)


def ordered(families: dict[str, Metric]) -> list[Metric]:
    """Families in the canonical order of :data:`METRICS`."""
    return [families[n] for n in METRICS if n in families]


class ServiceCollector:
    """A prometheus_client custom collector for one simulated service."""

    def __init__(self, snapshot: Callable[[], MetricStore]) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterable[Metric]:
        families: dict[str, Metric] = {}
        add_samples(families, self._snapshot())
        return ordered(families)


@dataclass(frozen=True)
class _Families:
    """Adapter so openmetrics.generate_latest can render a prepared list."""

    metrics: list[Metric]

    def collect(self) -> Iterable[Metric]:
        return self.metrics


def scrape_times(start: float, end: float, step: float) -> Iterator[float]:
    """start, start+step, ... up to and including end."""
    k = 0
    while start + k * step <= end + 1e-9:
        yield start + k * step
        k += 1


class HistoryScrape(NamedTuple):
    """One simulated scrape of one service, rendered as OpenMetrics text."""

    timestamp: float
    service: str
    text: str


def iter_history(
    start: float,
    end: float,
    step: float = 15.0,
    *,
    fault: str | None = None,
    fault_delay: float = 60.0,
    seed: int = 0,
    services: Iterable[str] | None = None,
) -> Iterator[HistoryScrape]:
    """Scrape a simulated fleet booted at ``start`` every ``step`` s until ``end``.

    The fault (if any) begins at ``start + fault_delay``.  Each document is a
    complete OpenMetrics exposition (ending in ``# EOF``) whose samples carry
    the scrape timestamp and a ``service="<name>"`` label, since no scraper is
    there to add one.  One document per scrape keeps every series' points in
    separate expositions, which every OpenMetrics parser accepts.
    """
    sim = Simulation(start, seed=seed, fault=fault, fault_delay=fault_delay,
                     collect_logs=False)
    names = list(services) if services is not None else list(sim.names)
    for ts in scrape_times(start, end, step):
        sim.advance_to(ts)
        for name in names:
            families: dict[str, Metric] = {}
            add_samples(families, sim.state[name].metrics, (("service", name),), timestamp=ts)
            text: bytes = om_generate_latest(  # type: ignore[no-untyped-call]
                _Families(ordered(families)))
            yield HistoryScrape(ts, name, text.decode("utf-8"))


def generate_openmetrics_history(
    start: float,
    end: float,
    step: float = 15.0,
    *,
    fault: str | None = None,
    fault_delay: float = 60.0,
    seed: int = 0,
    services: Iterable[str] | None = None,
) -> Iterator[str]:
    """OpenMetrics documents, one per (scrape time, service); see :func:`iter_history`."""
    for scrape in iter_history(start, end, step, fault=fault, fault_delay=fault_delay,
                               seed=seed, services=services):
        yield scrape.text
