"""Every built-in convention is recognised from its own names alone."""

from __future__ import annotations

import pytest

from analysis.config import AnalysisConfig
from analysis.conventions import CONVENTIONS, Convention
from analysis.detect import detect
from bench.bottlenecks import engine_query
from promql.labels import make_labels
from promql.memory import MemoryQuerier

START = 1_700_000_000


def _fleet(convention: Convention) -> MemoryQuerier:
    """Two services exporting the convention's server histogram (and its counter)."""
    assert convention.server is not None
    querier = MemoryQuerier()
    server = convention.server
    for step in range(20):
        t_ms = (START + 15 * step) * 1000
        for service in ("alpha", "beta"):
            base = {"service_name": service, server.status_labels[-1]: "200"}
            for suffix in ("_count", "_sum"):
                name = f"{server.duration}{suffix}"
                querier.add(make_labels({"__name__": name, **base}), t_ms, step * 10.0)
            bucket = {"__name__": f"{server.duration}_bucket", "le": "+Inf", **base}
            querier.add(make_labels(bucket), t_ms, step * 10.0)
            if server.requests:
                querier.add(make_labels({"__name__": server.requests, **base}), t_ms, step * 10.0)
    return querier


@pytest.mark.parametrize("name", sorted(CONVENTIONS))
def test_it_detects_each_convention_by_its_names(name: str) -> None:
    convention = CONVENTIONS[name]
    found = detect(engine_query(_fleet(convention)), AnalysisConfig(), START, START + 285)
    assert found.conventions == (name,)
    assert found.service_label == "service_name"
    assert [r.metrics.duration for r in found.server] == [convention.server.duration]  # type: ignore[union-attr]
    assert found.server[0].status_label == convention.server.status_labels[-1]  # type: ignore[union-attr]
