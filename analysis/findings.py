"""Findings: one scored observation about one service (its own latency rose, its queue grew).

Scores are in "bottleneck units": 1.0 is the default threshold for naming a
suspect. Each scoring rule reads only changes (``analysis.changes``) and the
attribution, never a service name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from analysis.changes import Change, compare
from analysis.source import FloatArray

#: Smallest noise scale per signal (its unit), so quiet baselines do not inflate z.
FLOORS: dict[str, float] = {
    "error_ratio": 0.005,
    "own_error_ratio": 0.005,
    "latency_seconds": 0.0005,
    "own_latency_seconds": 0.0005,
    "p50_seconds": 0.0005,
    "p95_seconds": 0.001,
    "p99_seconds": 0.001,
    "requests_per_second": 0.05,
    "cpu_per_request": 1e-5,
    "cpu": 0.01,
    "memory": 1e6,
    "pool": 0.1,
    "queue": 1.0,
}
ERROR_WEIGHT = 5.0
"""A service failing 20 percentage points more of its own requests scores 1.0."""
LATENCY_RATIO_WEIGHT = 0.25
CPU_WEIGHT = 0.5
POOL_SCORE = 0.5
BACKLOG_SECONDS_UNIT = 10.0
PRODUCER_SHARE = 0.25


@dataclass(frozen=True)
class Evidence:
    """One signal of one service, baseline against window, with its series for charts."""

    signal: str
    baseline: float
    current: float
    ratio: float
    since: float | None
    z: float
    significant: bool
    times: tuple[float, ...] = field(default=(), repr=False)
    values: tuple[float | None, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Finding:
    kind: str  # latency | errors | saturation | backlog
    score: float
    signal: str
    detail: str


def evidence(
    signal: str, times: FloatArray, values: FloatArray, window_start: float
) -> Evidence | None:
    change = compare(times, values, window_start, floor=FLOORS.get(signal, 0.0))
    if change is None:
        return None
    return _evidence(signal, change, times, values)


def _evidence(signal: str, change: Change, times: FloatArray, values: FloatArray) -> Evidence:
    ratio = change.ratio
    return Evidence(
        signal=signal,
        baseline=change.baseline,
        current=change.current,
        ratio=ratio if math.isfinite(ratio) else 0.0,
        since=change.since,
        z=change.z,
        significant=change.is_significant(),
        times=tuple(float(t) for t in times),
        values=tuple(None if not np.isfinite(v) else float(v) for v in values),
    )


def latency_finding(
    own: Evidence, added_seconds: float, entry_latency: float, off_path: bool
) -> Finding | None:
    """Own latency rose: scored by the front-door latency it adds, and by its own ratio.

    Off the request path nothing reaches the front door; the slowdown shows as
    a backlog, so it is scored by its ratio alone and reported as one.
    """
    if not own.significant or own.current <= own.baseline:
        return None
    ratio_term = math.log2(max(own.current / max(own.baseline, 1e-9), 1.0))
    if off_path:
        return Finding(
            "backlog",
            ratio_term,
            own.signal,
            f"own time per job x{own.current / max(own.baseline, 1e-9):.1f}",
        )
    impact = max(added_seconds, 0.0) / max(entry_latency, 1e-3)
    score = math.log2(1.0 + 2.0 * impact) + LATENCY_RATIO_WEIGHT * ratio_term
    return Finding(
        "latency",
        score,
        own.signal,
        f"adds {added_seconds * 1000:.1f} ms to each front-door request",
    )


def error_finding(own: Evidence) -> Finding | None:
    if not own.significant or own.current <= own.baseline:
        return None
    added = own.current - own.baseline
    return Finding(
        "errors",
        ERROR_WEIGHT * added,
        own.signal,
        f"fails {added * 100:.1f} percentage points more of its own requests",
    )


def cpu_finding(per_request: Evidence | None, total: Evidence | None) -> Finding | None:
    """CPU per request served rose (so not just more traffic)."""
    chosen = per_request if per_request is not None and per_request.significant else None
    if chosen is None and total is not None and total.significant and per_request is None:
        chosen = total
    if chosen is None or chosen.current <= chosen.baseline:
        return None
    ratio = chosen.current / max(chosen.baseline, 1e-9)
    return Finding("saturation", CPU_WEIGHT * math.log2(ratio), chosen.signal, f"CPU x{ratio:.1f}")


def pool_finding(pool: Evidence) -> Finding | None:
    if not pool.significant or pool.current < 0.9:
        return None
    return Finding("saturation", POOL_SCORE, pool.signal, "connection pool exhausted")


def memory_finding(memory: Evidence) -> Finding | None:
    if not memory.significant or memory.current <= memory.baseline:
        return None
    ratio = memory.current / max(memory.baseline, 1.0)
    return Finding(
        "saturation", CPU_WEIGHT * math.log2(ratio), memory.signal, f"memory x{ratio:.1f}"
    )


def queue_finding(queue: Evidence, drain_rate: float, *, consumer: bool) -> Finding | None:
    """A growing queue, scored by how many seconds of work it now holds."""
    if not queue.significant or queue.current <= queue.baseline:
        return None
    added = queue.current - queue.baseline
    backlog = added / drain_rate if drain_rate > 0 else added
    score = math.log2(1.0 + backlog / BACKLOG_SECONDS_UNIT)
    share = 1.0 if consumer else PRODUCER_SHARE
    return Finding(
        "backlog",
        share * score,
        queue.signal,
        f"queue grew by {added:.0f} (~{backlog:.0f} s of work)",
    )
