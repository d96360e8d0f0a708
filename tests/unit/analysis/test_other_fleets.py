"""Fleets the analysis has never seen: other names, another topology, other conventions."""

from __future__ import annotations

import pytest

from analysis.analyze import Report, analyze
from analysis.config import AnalysisConfig
from bench.bottlenecks import engine_query
from tests.unit.analysis.synthetic_fleet import (
    HOMEGROWN,
    MICROMETER,
    OTEL,
    Fault,
    Naming,
    Node,
    SyntheticFleet,
)

START = 1_800_000_000.0
FAULT_AT = START + 600.0
#: storefront -> basket -> ledger, storefront -> pricing -> ledger (ledger is shared).
SHOP = {
    "storefront": Node(0.004, ("basket", "pricing")),
    "basket": Node(0.010, ("ledger",)),
    "pricing": Node(0.006, ("ledger",)),
    "ledger": Node(0.012),
}
SHOP_CALLS = {"storefront": ["basket", "pricing"], "basket": ["ledger"], "pricing": ["ledger"]}
HOMEGROWN_CONFIG = AnalysisConfig.model_validate(
    {
        "service_label": "app",
        "peer_label": "dest",
        "metrics": {
            "server": {"duration": "shop_handler_seconds", "status_label": "rc"},
            "client": {"duration": "shop_outbound_seconds", "status_label": "rc"},
        },
    }
)


def _report(naming: Naming, fault: Fault | None, config: AnalysisConfig) -> Report:
    fleet = SyntheticFleet(SHOP, "storefront", naming, fault=fault)
    querier = fleet.run(START, FAULT_AT + 120)
    end = FAULT_AT + 120
    return analyze(engine_query(querier), config, end - 300, end)


@pytest.mark.parametrize(
    ("naming", "config"),
    [
        (OTEL, AnalysisConfig()),
        (MICROMETER, AnalysisConfig(depends_on=SHOP_CALLS)),
        (HOMEGROWN, HOMEGROWN_CONFIG),
    ],
    ids=["opentelemetry", "micrometer-with-depends_on", "own-names-mapped-in-vigil-yml"],
)
@pytest.mark.parametrize(
    "fault",
    [
        Fault("pricing", FAULT_AT, latency_factor=12.0),
        Fault("ledger", FAULT_AT, latency_factor=8.0),
        Fault("ledger", FAULT_AT, error_rate=0.3),
    ],
    ids=["slow-middle", "slow-leaf", "failing-leaf"],
)
def test_it_names_the_faulty_service_on_an_unseen_fleet(
    naming: Naming, config: AnalysisConfig, fault: Fault
) -> None:
    report = _report(naming, fault, config)
    top = report.suspects[0]
    assert top.service == fault.service
    assert top.score >= config.threshold
    assert report.service_label == naming.service_label
    assert report.graph.entries == ("storefront",)


@pytest.mark.parametrize("naming", [OTEL, MICROMETER], ids=["opentelemetry", "micrometer"])
def test_it_finds_nothing_on_a_healthy_unseen_fleet(naming: Naming) -> None:
    report = _report(naming, None, AnalysisConfig(depends_on=SHOP_CALLS))
    assert report.bottlenecks == ()


def test_it_infers_the_call_graph_from_opentelemetry_client_metrics() -> None:
    report = _report(OTEL, None, AnalysisConfig())
    edges = {(e.caller, e.callee) for e in report.graph.edges}
    assert edges == {
        ("storefront", "basket"),
        ("storefront", "pricing"),
        ("basket", "ledger"),
        ("pricing", "ledger"),
    }
    assert report.conventions == ("opentelemetry",)


def test_own_names_are_found_only_through_the_mapping() -> None:
    assert _report(HOMEGROWN, None, AnalysisConfig()).suspects == ()
    report = _report(HOMEGROWN, None, HOMEGROWN_CONFIG)
    assert report.conventions == ("custom",)
    assert report.graph.critical_path[0] == "storefront"
