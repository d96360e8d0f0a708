"""Own time versus waiting: what each service adds by itself, and what that costs the front door.

A service's latency-seconds per second minus the seconds it spends waiting on
its callees (client-side metrics; else the callees' server-side time, shared
out by call volume) is its *own* time; its 5xx per second minus the failures
it received from callees are its *own* errors. Summed over services and
divided by the front door's request rate, the change in own time explains the
front door's added latency, so a slow database is named instead of the
gateway that waits on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.graph import Graph, resolve_peer
from analysis.signals import Signals
from analysis.source import FloatArray


@dataclass
class Derived:
    """Per-step series of one service, in the units the evidence reports."""

    rate: FloatArray
    error_ratio: FloatArray
    own_error_ratio: FloatArray
    latency: FloatArray
    own_latency: FloatArray
    own_time: FloatArray
    """Own latency-seconds per second: the service's share of fleet-wide busy time."""
    own_errors: FloatArray


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def derive(signals: Signals, graph: Graph) -> dict[str, Derived]:
    known = set(signals.services)
    size = signals.grid.times.size
    waited: dict[str, FloatArray] = {}
    failed: dict[str, FloatArray] = {}
    measured: set[str] = set()
    for (caller, _peer), call in signals.calls.items():  # all waiting, whichever peer
        if caller not in known:
            continue
        measured.add(caller)
        waited[caller] = waited.get(caller, np.zeros(size)) + np.nan_to_num(call.time_spent)
        failed[caller] = failed.get(caller, np.zeros(size)) + np.nan_to_num(call.errors)
    for caller in known - measured:
        wait, fail = _estimated_waits(signals, graph, caller)
        waited[caller], failed[caller] = wait, fail
    out: dict[str, Derived] = {}
    for name, series in signals.services.items():
        own_time = np.maximum(series.time_spent - waited.get(name, 0.0), 0.0)
        own_errors = np.maximum(series.errors - failed.get(name, 0.0), 0.0)
        out[name] = Derived(
            rate=series.requests,
            error_ratio=_ratio(series.errors, series.requests),
            own_error_ratio=_ratio(own_errors, series.requests),
            latency=_ratio(series.time_spent, series.served),
            own_latency=_ratio(own_time, series.served),
            own_time=own_time,
            own_errors=own_errors,
        )
    return out


def _estimated_waits(signals: Signals, graph: Graph, caller: str) -> tuple[FloatArray, FloatArray]:
    """Without client metrics: each callee's server time, shared by its callers' traffic."""
    size = signals.grid.times.size
    wait, fail = np.zeros(size), np.zeros(size)
    services = signals.services
    for callee in graph.callees(caller):
        target = services.get(resolve_peer(callee, services))
        if target is None:
            continue
        callers = [c for c in graph.callers(callee) if c in services]
        total = sum(np.nan_to_num(services[c].requests) for c in callers)
        share = _ratio(np.nan_to_num(services[caller].requests), np.asarray(total, np.float64))
        share = np.nan_to_num(share)
        wait += share * np.nan_to_num(target.time_spent)
        fail += share * np.nan_to_num(target.errors)
    return wait, fail
