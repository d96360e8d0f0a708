"""The issue's acceptance: on the demo fleet, every injected fault's service is the top
suspect within two minutes of the fault starting, and with no fault nobody scores at
the threshold. History is pre-generated (``demo.iter_history``), so no clock runs."""

from __future__ import annotations

import pytest

from analysis.analyze import analyze
from analysis.config import AnalysisConfig
from bench.bottlenecks import (
    HORIZON,
    START,
    analyze_at,
    demo_history,
    engine_query,
    evaluate_fault,
    load_scrapes,
    quiet_max_score,
)
from demo import FAULTS, iter_history
from promql.memory import MemoryQuerier

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_it_names_the_injected_service_within_two_minutes(fault: str) -> None:
    result = evaluate_fault(fault)
    assert result.top == FAULTS[fault].service
    assert result.detected_after is not None and result.detected_after <= HORIZON
    assert result.score >= AnalysisConfig().threshold


def test_it_reports_no_bottleneck_without_a_fault() -> None:
    assert quiet_max_score() < AnalysisConfig().threshold


def test_it_explains_a_slow_database_by_the_database_not_its_callers() -> None:
    report = analyze_at(engine_query(demo_history("db-slow")), HORIZON, AnalysisConfig())
    top = report.suspects[0]
    assert (top.service, top.kind) == ("database", "latency")
    # The front door's added latency is attributed to the database's own time ...
    assert top.added_latency_seconds > 0.05
    callers = {s.service: s for s in report.suspects if s.service in ("gateway", "orders")}
    # ... and none of it to the services that only wait on it.
    assert all(s.added_latency_seconds < 0.005 for s in callers.values())
    assert top.since is not None and top.since >= report.end - HORIZON
    assert report.graph.critical_path[-1] == "database"
    assert report.graph.entries == ("gateway",)


def test_it_reports_a_growing_queue_as_a_backlog_off_the_request_path() -> None:
    report = analyze_at(engine_query(demo_history("queue-backlog")), HORIZON, AnalysisConfig())
    top = report.suspects[0]
    assert top.kind == "backlog"
    assert top.service not in report.graph.critical_path
    assert any(e.signal == "queue" and e.significant for e in top.evidence)


def _young_store(fault: str | None) -> MemoryQuerier:
    """Five minutes of history at the demo's 5 s scrape, the fault two minutes in."""
    return load_scrapes(iter_history(START, START + 300, 5.0, fault=fault, fault_delay=120, seed=2))


@pytest.mark.parametrize("fault", ["cache-down", "cpu-hog", None])
def test_a_store_younger_than_the_window_still_gets_an_answer(fault: str | None) -> None:
    """`vigil demo` just started: the default 15-minute baseline holds no data yet."""
    end = START + 240
    report = analyze(engine_query(_young_store(fault)), AnalysisConfig(), end - 900, end)
    if fault is None:
        assert report.bottlenecks == ()
    else:
        assert report.bottlenecks[0].service == FAULTS[fault].service
