"""Mutable fleet state: Prometheus-shaped counters, gauges and histograms.

Values are kept exactly as a client library would expose them (cumulative
counters, per-bucket counts plus sum) so exposition is a pure rendering step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Upper bounds of the latency histograms (the prometheus_client defaults).
BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)
_BOUNDS = np.asarray(BUCKETS, dtype=np.float64)

Labels = tuple[tuple[str, str], ...]
SeriesKey = tuple[str, Labels]


def labels(**kv: str) -> Labels:
    """A hashable, order-stable label set."""
    return tuple(kv.items())


@dataclass
class Histogram:
    """Non-cumulative bucket counts (last slot is +Inf) and the running sum."""

    counts: IntArray = field(default_factory=lambda: np.zeros(len(BUCKETS) + 1, np.int64))
    total: float = 0.0

    def observe(self, values: FloatArray) -> None:
        """Add observations; ``le`` semantics mean a value equal to a bound lands in it."""
        if values.size == 0:
            return
        idx = np.searchsorted(_BOUNDS, values, side="left")
        self.counts += np.bincount(idx, minlength=len(BUCKETS) + 1)
        self.total += float(values.sum())

    def cumulative(self) -> list[tuple[str, float]]:
        """Buckets as prometheus_client wants them: cumulative, ending in +Inf."""
        cum = np.cumsum(self.counts)
        out = [(_le(b), float(c)) for b, c in zip(BUCKETS, cum[:-1], strict=True)]
        out.append(("+Inf", float(cum[-1])))
        return out

    def copy(self) -> Histogram:
        return Histogram(self.counts.copy(), self.total)


def _le(bound: float) -> str:
    return repr(float(bound))


@dataclass
class MetricStore:
    """All series of one service, keyed by (metric name, labels)."""

    counters: dict[SeriesKey, float] = field(default_factory=dict)
    gauges: dict[SeriesKey, float] = field(default_factory=dict)
    histograms: dict[SeriesKey, Histogram] = field(default_factory=dict)

    def inc(self, name: str, lbl: Labels, amount: float) -> None:
        key = (name, lbl)
        self.counters[key] = self.counters.get(key, 0.0) + amount

    def set(self, name: str, lbl: Labels, value: float) -> None:
        self.gauges[(name, lbl)] = value

    def observe(self, name: str, lbl: Labels, values: FloatArray) -> None:
        key = (name, lbl)
        hist = self.histograms.get(key)
        if hist is None:
            hist = self.histograms[key] = Histogram()
        hist.observe(values)

    def snapshot(self) -> MetricStore:
        """A deep copy, so exposition never races the simulation."""
        return MetricStore(
            dict(self.counters),
            dict(self.gauges),
            {k: h.copy() for k, h in self.histograms.items()},
        )


@dataclass
class PoolState:
    """A client-side DB connection pool as a fluid queue of connection-seconds."""

    size: int
    backlog: float = 0.0  # connection-seconds waiting for a free connection
    held: float = 0.0  # connection-seconds used during the current step
    in_use: float = 0.0

    def mean_wait(self) -> float:
        """Expected wait for a connection given the current backlog."""
        return self.backlog / self.size if self.size else 0.0


@dataclass
class QueueState:
    """A FIFO work queue between a producer and a worker."""

    depth: float = 0.0
    arrivals: int = 0
    mean_job_seconds: float = 0.05


@dataclass
class ServiceState:
    """Per-service dynamic state besides the exported series."""

    metrics: MetricStore = field(default_factory=MetricStore)
    cpu_work: float = 0.0  # CPU seconds spent on requests during the current step
    busy_seconds: float = 0.0  # summed latency during the current step (for in-flight)
    cpu_util: float = 0.0
    inflight: float = 0.0
    pool: PoolState | None = None
    last_warning: float = float("-inf")
