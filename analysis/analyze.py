"""The analysis entry point: detect, fetch, attribute, score, rank.

``analyze`` is pure apart from the injected query function: give it the same
answers and it returns the same report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import quote

import numpy as np

from analysis.attribution import Derived, derive
from analysis.config import AnalysisConfig
from analysis.detect import detect
from analysis.findings import (
    PRODUCER_SHARE,
    Evidence,
    Finding,
    cpu_finding,
    error_finding,
    evidence,
    latency_finding,
    memory_finding,
    pool_finding,
    queue_finding,
)
from analysis.graph import Graph, build_graph
from analysis.signals import Grid, Signals, fetch_signals
from analysis.source import FloatArray, RangeQuery

TARGET_POINTS = 120
MIN_STEP = 15.0
SECONDARY_WEIGHT = 0.1
"""Findings beyond a suspect's strongest add this share of their score."""


@dataclass(frozen=True)
class Suspect:
    service: str
    score: float
    kind: str
    since: float | None
    """When the strongest finding's signal changed."""
    on_critical_path: bool
    added_latency_seconds: float
    """Own time added per front-door request (attribution), 0 off the request path."""
    findings: tuple[Finding, ...]
    evidence: tuple[Evidence, ...]
    links: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    start: float
    end: float
    baseline_start: float
    baseline_end: float
    threshold: float
    service_label: str | None
    conventions: tuple[str, ...]
    suspects: tuple[Suspect, ...]
    graph: Graph

    @property
    def bottlenecks(self) -> tuple[Suspect, ...]:
        """Suspects at or above the threshold."""
        return tuple(s for s in self.suspects if s.score >= self.threshold)


def default_step(start: float, end: float) -> float:
    return max(MIN_STEP, math.ceil((end - start) / TARGET_POINTS))


def analyze(
    query: RangeQuery,
    config: AnalysisConfig,
    start: float,
    end: float,
    *,
    baseline_start: float | None = None,
    baseline_end: float | None = None,
) -> Report:
    """Rank the services that explain the change in [start, end] against the baseline.

    The baseline defaults to the same length just before ``start``.
    """
    if end <= start:
        raise ValueError("end must be after start")
    b_end = start if baseline_end is None else baseline_end
    b_start = b_end - (end - start) if baseline_start is None else baseline_start
    if b_end <= b_start or b_end > start:
        raise ValueError("the baseline must be a non-empty range before start")
    step = config.step or default_step(b_start, end)
    grid = Grid(b_start, start, end, step, baseline_end=b_end if b_end < start else None)
    detection = detect(query, config, b_start, end)
    suspects: tuple[Suspect, ...] = ()
    graph = Graph((), (), (), ())
    if detection.service_label is not None:
        signals = fetch_signals(query, detection, grid, config.rate_interval)
        graph = build_graph(signals, config.depends_on)
        suspects = _rank(signals, graph, derive(signals, graph), config)
    return Report(
        start,
        end,
        b_start,
        b_end,
        config.threshold,
        detection.service_label,
        detection.conventions,
        suspects,
        graph,
    )


def _reachable(graph: Graph) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.entries)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.callees(node))
    return seen


def _front_door(graph: Graph, found: dict[str, dict[str, Evidence]]) -> tuple[float, float]:
    """(baseline mean latency, current request rate) of the front doors together."""
    spent = served = rate = 0.0
    for name in graph.entries:
        latency = found.get(name, {}).get("latency_seconds")
        requests = found.get(name, {}).get("requests_per_second")
        if latency is None or requests is None:
            continue
        spent += latency.baseline * requests.baseline
        served += requests.baseline
        rate += requests.current
    return (spent / served if served > 0 else 0.0), rate


def _ratio(a: FloatArray, b: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / b, np.nan)


def _service_evidence(signals: Signals, name: str, values: Derived | None) -> dict[str, Evidence]:
    times, window_start = signals.grid.times, signals.grid.window_start
    series = signals.services.get(name)
    candidates: dict[str, FloatArray] = {}
    if series is not None and values is not None:
        candidates.update(
            {
                "requests_per_second": values.rate,
                "error_ratio": values.error_ratio,
                "own_error_ratio": values.own_error_ratio,
                "latency_seconds": values.latency,
                "own_latency_seconds": values.own_latency,
                "own_seconds_per_second": values.own_time,
            }
        )
        candidates.update({f"{q}_seconds": v for q, v in series.quantiles.items()})
    gauges = signals.gauges.get(name, {})
    for kind, level in gauges.items():
        candidates[kind] = level
    if "cpu" in gauges and series is not None:
        candidates["cpu_per_request"] = _ratio(gauges["cpu"], series.requests)
    out: dict[str, Evidence] = {}
    for signal, data in candidates.items():
        found = evidence(signal, times, data, window_start)
        if found is not None:
            out[signal] = found
    return out


def _findings(
    signals: Signals,
    name: str,
    found: dict[str, Evidence],
    added: float,
    entry_latency: float,
    on_path: bool,
    consumers_backlogged: bool,
    entry_growth: float,
) -> list[Finding]:
    series = signals.services.get(name)
    off_path = series is not None and series.off_path
    load = _extra_load(found.get("requests_per_second"), entry_growth)
    out: list[Finding | None] = []
    if "own_latency_seconds" in found:
        out.append(
            _under_load(
                latency_finding(
                    found["own_latency_seconds"], added, entry_latency, off_path or not on_path
                ),
                load,
            )
        )
    if "own_error_ratio" in found:
        out.append(error_finding(found["own_error_ratio"]))
    if "cpu" in found:
        out.append(_under_load(cpu_finding(found.get("cpu_per_request"), found["cpu"]), load))
    if "pool" in found:
        out.append(pool_finding(found["pool"]))
    if "memory" in found:
        out.append(memory_finding(found["memory"]))
    if "queue" in found:
        rate = found.get("requests_per_second")
        drain = rate.current if rate is not None else 0.0
        queue = queue_finding(found["queue"], drain, consumer=off_path)
        if queue is not None and not off_path and not consumers_backlogged:
            queue = Finding(queue.kind, queue.score / PRODUCER_SHARE, queue.signal, queue.detail)
        out.append(queue)
    return sorted((f for f in out if f is not None and f.score > 0), key=lambda f: -f.score)


def _extra_load(rate: Evidence | None, entry_growth: float) -> float:
    """How much more traffic than the front door's growth explains (1.0: none)."""
    if rate is None or not rate.significant or rate.baseline <= 0:
        return 1.0
    return max(1.0, rate.current / rate.baseline / max(entry_growth, 1e-9))


def _under_load(finding: Finding | None, load: float) -> Finding | None:
    """A slowdown under extra work sent by callers is partly theirs: divide it by the load.

    (When a cache dies, the database behind it slows under the fallback reads; the
    cache, failing every request, must stay the first suspect.)
    """
    if finding is None or load <= 1.0:
        return finding
    detail = f"{finding.detail}, under x{load:.1f} the usual traffic"
    return Finding(finding.kind, finding.score / load, finding.signal, detail)


def _entry_growth(graph: Graph, found: dict[str, dict[str, Evidence]]) -> float:
    rates = [
        found[e]["requests_per_second"]
        for e in graph.entries
        if "requests_per_second" in found.get(e, {})
    ]
    baseline = sum(r.baseline for r in rates)
    return sum(r.current for r in rates) / baseline if baseline > 0 else 1.0


def _rank(
    signals: Signals, graph: Graph, derived: dict[str, Derived], config: AnalysisConfig
) -> tuple[Suspect, ...]:
    on_path = _reachable(graph)
    found = {name: _service_evidence(signals, name, derived[name]) for name in derived}
    for name in signals.gauges.keys() - derived.keys():
        found[name] = _service_evidence(signals, name, None)
    entry_latency, entry_rate = _front_door(graph, found)
    consumers_backlogged = any(
        "queue" in found[name] and found[name]["queue"].significant
        for name, series in signals.services.items()
        if series.off_path and name in found
    )
    entry_growth = _entry_growth(graph, found)
    suspects: list[Suspect] = []
    for name, evidence_by_signal in found.items():
        own_time = evidence_by_signal.get("own_seconds_per_second")
        added = (
            (own_time.current - own_time.baseline) / entry_rate
            if own_time is not None and entry_rate > 0 and name in on_path
            else 0.0
        )
        findings = _findings(
            signals,
            name,
            evidence_by_signal,
            added,
            entry_latency,
            name in on_path,
            consumers_backlogged,
            entry_growth,
        )
        score = (
            findings[0].score + SECONDARY_WEIGHT * sum(f.score for f in findings[1:])
            if findings
            else 0.0
        )
        scored = [f.signal for f in findings]
        shown = tuple(
            sorted(
                (e for e in evidence_by_signal.values() if e.significant),
                key=lambda e: (
                    scored.index(e.signal) if e.signal in scored else len(scored),
                    -abs(e.z),
                ),
            )
        )
        top = evidence_by_signal.get(findings[0].signal) if findings else None
        suspects.append(
            Suspect(
                service=name,
                score=round(score, 4),
                kind=findings[0].kind if findings else "none",
                since=top.since if top is not None else None,
                on_critical_path=name in graph.critical_path,
                added_latency_seconds=max(added, 0.0),
                findings=tuple(findings),
                evidence=shown,
                links=_links(config, name, signals.service_label),
            )
        )
    suspects.sort(key=lambda s: (-s.score, s.service))
    return tuple(suspects)


def _links(config: AnalysisConfig, service: str, label: str) -> dict[str, str]:
    return {
        key: template.replace("{service}", quote(service, safe="")).replace(
            "{label}", quote(label, safe="")
        )
        for key, template in config.links.items()
    }
