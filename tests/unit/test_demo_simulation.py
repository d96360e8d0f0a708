"""The demo fleet's pure simulation: Prometheus invariants, determinism, faults."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from demo import FAULTS, SERVICES, Simulation, generate_openmetrics_history, iter_history
from demo.exposition import ServiceCollector
from demo.state import BUCKETS, MetricStore

START = 1_700_000_000.0
FAULT_DELAY = 30.0
WINDOW = (90.0, 270.0)  # measured after the fault has fully ramped in


class FakeClock:
    """An injectable clock that only moves when told to."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- helpers -------------------------------------------------------------------------
def _hist(store: MetricStore, name: str) -> np.ndarray:
    total = np.zeros(len(BUCKETS) + 1)
    for (metric, _), hist in store.histograms.items():
        if metric == name:
            total += hist.counts
    return total


def _quantile(counts: np.ndarray, q: float) -> float:
    """histogram_quantile() over non-cumulative bucket counts (linear within a bucket)."""
    cum = np.cumsum(counts)
    if cum[-1] == 0:
        return float("nan")
    rank = q * cum[-1]
    i = int(np.searchsorted(cum, rank))
    if i >= len(BUCKETS):
        return BUCKETS[-1]
    lower = 0.0 if i == 0 else BUCKETS[i - 1]
    below = 0.0 if i == 0 else cum[i - 1]
    return float(lower + (BUCKETS[i] - lower) * (rank - below) / max(cum[i] - below, 1.0))


def _requests(store: MetricStore, server_errors_only: bool = False) -> float:
    return sum(v for (name, lbl), v in store.counters.items()
               if name == "http_requests_total"
               and (not server_errors_only or dict(lbl)["status"].startswith("5")))


def _counter(store: MetricStore, name: str) -> float:
    return sum(v for (n, _), v in store.counters.items() if n == name)


@dataclass
class Window:
    """What happened to each service between two snapshots."""

    before: dict[str, MetricStore]
    after: dict[str, MetricStore]
    gauges: dict[str, dict[str, list[float]]]
    healthy: dict[str, bool]

    def p(self, service: str, q: float, metric: str = "http_request_duration_seconds") -> float:
        return _quantile(_hist(self.after[service], metric) - _hist(self.before[service], metric),
                         q)

    def error_ratio(self, service: str) -> float:
        total = _requests(self.after[service]) - _requests(self.before[service])
        errors = (_requests(self.after[service], True)
                  - _requests(self.before[service], True))
        return errors / total

    def rate(self, service: str, counter: str = "http_requests_total") -> float:
        delta = _counter(self.after[service], counter) - _counter(self.before[service], counter)
        return delta / (WINDOW[1] - WINDOW[0])

    def mean_gauge(self, service: str, gauge: str) -> float:
        return float(np.mean(self.gauges[service][gauge]))


def _run(fault: str | None) -> Window:
    clock = FakeClock(START)
    sim = Simulation(clock(), seed=7, fault=fault, fault_delay=FAULT_DELAY, collect_logs=False)
    clock.advance(WINDOW[0])
    sim.advance_to(clock())
    before = {n: sim.metrics(n) for n in sim.names}
    gauges: dict[str, dict[str, list[float]]] = {n: {} for n in sim.names}
    while clock() < START + WINDOW[1]:
        clock.advance(5.0)
        sim.advance_to(clock())
        for name in sim.names:
            for (gauge, _), value in sim.state[name].metrics.gauges.items():
                gauges[name].setdefault(gauge, []).append(value)
    after = {n: sim.metrics(n) for n in sim.names}
    return Window(before, after, gauges, {n: sim.healthy(n) for n in sim.names})


@pytest.fixture(scope="module")
def runs() -> dict[str | None, Window]:
    return {fault: _run(fault) for fault in [None, *FAULTS]}


# -- Prometheus invariants -----------------------------------------------------------
def test_counters_monotonic_and_histograms_cumulative() -> None:
    clock = FakeClock(START)
    sim = Simulation(clock(), seed=3, fault="error-burst", fault_delay=20.0)
    previous: dict[tuple[str, str, tuple[tuple[str, str], ...]], float] = {}
    for _ in range(6):
        clock.advance(17.0)
        sim.advance_to(clock())
        for name in sim.names:
            for family in ServiceCollector(partial(sim.metrics, name)).collect():
                buckets: dict[tuple[tuple[str, str], ...], list[float]] = {}
                counts: dict[tuple[tuple[str, str], ...], float] = {}
                for sample in family.samples:
                    assert "service" not in sample.labels and "job" not in sample.labels
                    key = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
                    if family.type == "counter" or sample.name.endswith(("_count", "_sum")):
                        ident = (name, sample.name, key)
                        assert sample.value >= previous.get(ident, 0.0), ident
                        previous[ident] = sample.value
                    if sample.name.endswith("_bucket"):
                        buckets.setdefault(key, []).append(sample.value)
                        assert float(sample.labels["le"]) > 0
                    if sample.name.endswith("_count"):
                        counts[key] = sample.value
                for key, values in buckets.items():
                    assert values == sorted(values), (name, family.name, key)
                    assert len(values) == len(BUCKETS) + 1
                    assert counts[key] == values[-1]
    assert previous[("gateway", "http_requests_total",
                     (("method", "GET"), ("route", "/api/search"), ("status", "200")))] > 1000


def test_every_service_exposes_its_resource_signals() -> None:
    sim = Simulation(START, seed=1)
    sim.advance_to(START + 30)
    for spec in SERVICES:
        store = sim.metrics(spec.name)
        names = {n for n, _ in store.counters} | {n for n, _ in store.gauges} | {
            n for n, _ in store.histograms}
        assert {"process_cpu_seconds_total", "process_resident_memory_bytes"} <= names
        assert ("db_pool_connections_max" in names) == (spec.db_pool_max > 0)
        if spec.routes:
            assert {"http_requests_total", "http_request_duration_seconds"} <= names
        if spec.depends_on:
            assert {"http_client_requests_total",
                    "http_client_request_duration_seconds"} <= names
            peers = {dict(lbl)["server_address"] for n, lbl in store.counters
                     if n == "http_client_requests_total"}
            assert peers <= set(spec.depends_on)
    assert "queue_depth" in {n for n, _ in sim.metrics("orders").gauges}
    assert _counter(sim.metrics("cache"), "cache_hits_total") > 0
    assert _counter(sim.metrics("queue-worker"), "queue_jobs_processed_total") > 0


# -- determinism ---------------------------------------------------------------------
def _stores(sim: Simulation) -> dict[str, tuple[object, ...]]:
    out: dict[str, tuple[object, ...]] = {}
    for name in sim.names:
        store = sim.metrics(name)
        out[name] = (store.counters, store.gauges,
                     {k: (h.counts.tolist(), h.total) for k, h in store.histograms.items()})
    return out


def test_same_seed_same_world_regardless_of_scrape_cadence() -> None:
    one = Simulation(START, seed=11, fault="db-slow", fault_delay=40.0)
    one.advance_to(START + 120.5)
    two = Simulation(START, seed=11, fault="db-slow", fault_delay=40.0)
    clock = FakeClock(START)
    while clock() < START + 120.5:
        clock.advance(3.7)
        two.advance_to(min(clock(), START + 120.5))
    assert one.now == two.now == START + 120.0
    assert _stores(one) == _stores(two)
    assert one.logs is not None and two.logs is not None
    assert one.logs.drain() == two.logs.drain()
    other = Simulation(START, seed=12, fault="db-slow", fault_delay=40.0)
    other.advance_to(START + 120.5)
    assert _stores(other) != _stores(one)


def test_fault_changes_nothing_before_it_starts() -> None:
    healthy = Simulation(START, seed=5)
    faulty = Simulation(START, seed=5, fault="cache-down", fault_delay=50.0)
    healthy.advance_to(START + 49.0)
    faulty.advance_to(START + 49.0)
    assert _stores(healthy) == _stores(faulty)
    faulty.advance_to(START + 52.0)
    assert not faulty.healthy("cache")


def test_unknown_fault_is_rejected() -> None:
    with pytest.raises(ValueError, match="db-slow"):
        Simulation(START, fault="disk-full")


def test_traffic_stays_in_the_advertised_range(runs: dict[str | None, Window]) -> None:
    assert 20.0 <= runs[None].rate("gateway") <= 50.0


# -- faults hit the right service ------------------------------------------------------
def test_fault_registry_names_its_targets() -> None:
    assert {name: f.service for name, f in FAULTS.items()} == {
        "db-slow": "database", "cache-down": "cache", "cpu-hog": "inventory",
        "error-burst": "payments", "queue-backlog": "queue-worker"}


def test_db_slow(runs: dict[str | None, Window]) -> None:
    base, hit = runs[None], runs["db-slow"]
    assert hit.p("database", 0.5) > 8 * base.p("database", 0.5)
    assert hit.p("gateway", 0.95) > 2 * base.p("gateway", 0.95)
    assert hit.p("payments", 0.95) > 3 * base.p("payments", 0.95)
    assert hit.mean_gauge("payments", "db_pool_connections_in_use") > 2.0
    assert base.mean_gauge("payments", "db_pool_connections_in_use") < 1.0
    assert hit.p("cache", 0.95) == pytest.approx(base.p("cache", 0.95), rel=0.2)
    assert all(hit.healthy.values())


def test_cache_down(runs: dict[str | None, Window]) -> None:
    base, hit = runs[None], runs["cache-down"]
    assert not hit.healthy["cache"]
    assert all(ok for name, ok in hit.healthy.items() if name != "cache")
    assert hit.error_ratio("cache") == pytest.approx(1.0)
    assert hit.p("search", 0.5) > 2 * base.p("search", 0.5)
    assert hit.rate("database") > 1.2 * base.rate("database")
    assert hit.error_ratio("search") > base.error_ratio("search")
    assert _counter(hit.after["cache"], "cache_hits_total") == _counter(
        hit.before["cache"], "cache_hits_total")


def test_cpu_hog(runs: dict[str | None, Window]) -> None:
    base, hit = runs[None], runs["cpu-hog"]
    assert hit.rate("inventory", "process_cpu_seconds_total") > 0.9
    assert base.rate("inventory", "process_cpu_seconds_total") < 0.3
    assert hit.p("inventory", 0.5) > 2 * base.p("inventory", 0.5)
    for other in ("gateway", "search", "payments", "database"):
        assert hit.rate(other, "process_cpu_seconds_total") == pytest.approx(
            base.rate(other, "process_cpu_seconds_total"), rel=0.2)
    assert hit.p("search", 0.95) == pytest.approx(base.p("search", 0.95), rel=0.2)


def test_error_burst(runs: dict[str | None, Window]) -> None:
    base, hit = runs[None], runs["error-burst"]
    assert hit.error_ratio("payments") > 0.25 > base.error_ratio("payments")
    assert hit.error_ratio("orders") > 0.2
    assert hit.error_ratio("gateway") > 5 * base.error_ratio("gateway")
    assert hit.error_ratio("search") < 0.02
    assert hit.error_ratio("database") < 0.01


def test_queue_backlog_stays_off_the_request_path(runs: dict[str | None, Window]) -> None:
    base, hit = runs[None], runs["queue-backlog"]
    assert hit.gauges["queue-worker"]["queue_depth"][-1] > 300
    assert max(base.gauges["queue-worker"]["queue_depth"]) < 30
    assert hit.gauges["orders"]["queue_depth"] == hit.gauges["queue-worker"]["queue_depth"]
    assert hit.p("queue-worker", 0.5, "queue_job_duration_seconds") > 10 * base.p(
        "queue-worker", 0.5, "queue_job_duration_seconds")
    assert hit.p("gateway", 0.95) < 1.3 * base.p("gateway", 0.95)
    assert hit.error_ratio("gateway") < 0.02


# -- offline history -----------------------------------------------------------------
def test_openmetrics_history_is_timestamped_and_labelled() -> None:
    services = ["gateway", "cache"]
    scrapes = list(iter_history(START, START + 120, 30.0, fault="error-burst",
                                fault_delay=30.0, services=services))
    assert [(s.timestamp, s.service) for s in scrapes] == [
        (START + k * 30.0, name) for k in range(5) for name in services]
    assert list(generate_openmetrics_history(START, START + 30, 30.0, services=["cache"])) == [
        s.text for s in iter_history(START, START + 30, 30.0, services=["cache"])]
    last: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for scrape in scrapes:
        assert scrape.text.endswith("# EOF\n")
        for family in text_string_to_metric_families(  # type: ignore[no-untyped-call]
                scrape.text):
            for sample in family.samples:
                assert sample.labels["service"] == scrape.service
                assert sample.timestamp is not None
                assert float(sample.timestamp) == scrape.timestamp
                if family.type == "counter":
                    key = (sample.name, tuple(sorted(sample.labels.items())))
                    assert sample.value >= last.get(key, 0.0)
                    last[key] = sample.value
    gateway_502 = sum(v for (name, labels), v in last.items()
                      if name == "http_requests_total" and ("status", "502") in labels
                      and ("service", "gateway") in labels)
    assert gateway_502 > 10
