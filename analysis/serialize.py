"""The report as JSON-ready dicts: what the API returns and the page charts."""

from __future__ import annotations

import math
from typing import Any

from analysis.analyze import Report, Suspect
from analysis.findings import Evidence
from analysis.graph import Graph


def _number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(value, 6)


def evidence_json(item: Evidence, *, series: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "signal": item.signal,
        "baseline": _number(item.baseline),
        "current": _number(item.current),
        "ratio": _number(item.ratio),
        "difference": _number(item.current - item.baseline),
        "since": item.since,
        "z": _number(item.z),
    }
    if series:
        out["values"] = [
            [t, _number(v)] for t, v in zip(item.times, item.values, strict=True) if v is not None
        ]
    return out


def suspect_json(suspect: Suspect, *, series: bool = True) -> dict[str, Any]:
    return {
        "service": suspect.service,
        "score": suspect.score,
        "kind": suspect.kind,
        "since": suspect.since,
        "on_critical_path": suspect.on_critical_path,
        "added_latency_seconds": _number(suspect.added_latency_seconds),
        "findings": [
            {"kind": f.kind, "score": _number(f.score), "signal": f.signal, "detail": f.detail}
            for f in suspect.findings
        ],
        "evidence": [evidence_json(e, series=series) for e in suspect.evidence],
        "links": dict(suspect.links),
    }


def graph_json(graph: Graph) -> dict[str, Any]:
    path = graph.critical_path
    critical = graph.critical_edges()
    return {
        "nodes": [
            {"id": node, "entry": node in graph.entries, "on_critical_path": node in path}
            for node in graph.nodes
        ],
        "edges": [
            {
                "caller": edge.caller,
                "callee": edge.callee,
                "calls_per_second": _number(edge.calls_per_second),
                "wait_seconds_per_second": _number(edge.wait_seconds_per_second),
                "source": edge.source,
                "critical": (edge.caller, edge.callee) in critical,
            }
            for edge in graph.edges
        ],
        "entries": list(graph.entries),
        "critical_path": list(path),
    }


def report_json(report: Report, *, series: bool = True) -> dict[str, Any]:
    return {
        "start": report.start,
        "end": report.end,
        "baseline_start": report.baseline_start,
        "baseline_end": report.baseline_end,
        "threshold": report.threshold,
        "service_label": report.service_label,
        "conventions": list(report.conventions),
        "suspects": [suspect_json(s, series=series) for s in report.suspects],
        "graph": graph_json(report.graph),
    }
