"""Metric metadata against a real Prometheus: both scrape the same live targets, then compare.

Metadata is not in a TSDB block (``promtool`` backfill drops it), so unlike
``test_against_prometheus.py`` both sides scrape: one exporter on 127.0.0.1
serves the text format on ``/metrics`` (counter, gauge, histogram, summary,
untyped, a HELP without TYPE, escapes) and OpenMetrics on ``/om`` (a unit,
info, and a counter whose family name drops ``_total``); a real Prometheus
and Vigil's agent scrape both paths every second, and each case sends the
same request to Prometheus and to ``vigil serve``. Entries are compared as
sets (Prometheus lists targets and families in Go map order); with a
``limit`` only the count is compared. ``limit_per_metric`` is newer than the
Debian package's Prometheus 2.42, so ``tests/integration/console`` covers it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import yaml

from tests.processes import free_port, start, stop, wait_for
from tests.prometheus_server import StartPrometheus, require_binary

pytestmark = pytest.mark.slow

TEXT = """\
# HELP demo_requests_total Requests served, by code.
# TYPE demo_requests_total counter
demo_requests_total{code="200"} 10
demo_requests_total{code="500"} 1
# HELP demo_temperature_celsius Room temperature with a \\\\ backslash and a \\n newline.
# TYPE demo_temperature_celsius gauge
demo_temperature_celsius 21.5
# HELP demo_latency_seconds Request latency.
# TYPE demo_latency_seconds histogram
demo_latency_seconds_bucket{le="0.1"} 3
demo_latency_seconds_bucket{le="+Inf"} 4
demo_latency_seconds_sum 0.7
demo_latency_seconds_count 4
# HELP demo_rpc_seconds RPC durations.
# TYPE demo_rpc_seconds summary
demo_rpc_seconds{quantile="0.5"} 0.2
demo_rpc_seconds_sum 3
demo_rpc_seconds_count 12
# TYPE demo_legacy untyped
demo_legacy 7
# HELP demo_help_only Only a HELP line.
demo_help_only 1
demo_no_metadata 2
"""
OPENMETRICS = """\
# TYPE om_temperature_celsius gauge
# UNIT om_temperature_celsius celsius
# HELP om_temperature_celsius Temperature with a unit.
om_temperature_celsius 20.0
# TYPE om_jobs counter
# HELP om_jobs Jobs done.
om_jobs_total 3
# TYPE om_build info
# HELP om_build Build information.
om_build_info{version="1.2"} 1
# EOF
"""
SHARED_FAMILY = "demo_requests_total"  # served by both paths, with different HELP
OM_SHARED = "# TYPE demo_requests_total counter\n# HELP demo_requests_total Other help.\n"
CONTENT_TYPES = {
    "/metrics": ("text/plain; version=0.0.4; charset=utf-8", TEXT),
    "/om": (
        "application/openmetrics-text; version=1.0.0; charset=utf-8",
        OM_SHARED.replace("counter\n", "unknown\n") + OPENMETRICS,
    ),
}


class Exporter(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        content_type, body = CONTENT_TYPES.get(self.path.partition("?")[0], ("", ""))
        data = body.encode()
        self.send_response(200 if content_type else 404)
        self.send_header("Content-Type", content_type or "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@dataclass
class Servers:
    prometheus: str
    vigil: str


def _scrape_configs(address: str) -> list[dict[str, Any]]:
    return [
        {"job_name": "text", "static_configs": [{"targets": [address]}]},
        {"job_name": "om", "metrics_path": "/om", "static_configs": [{"targets": [address]}]},
    ]


def _has_both_targets(base: str) -> bool:
    response = requests.get(f"{base}/api/v1/targets/metadata", timeout=5).json()
    return _count(response["data"]) == 2


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, start_prometheus: StartPrometheus
) -> Iterator[Servers]:
    require_binary("prometheus")
    exporter = ThreadingHTTPServer(("127.0.0.1", 0), Exporter)
    threading.Thread(target=exporter.serve_forever, daemon=True).start()
    address = f"127.0.0.1:{exporter.server_address[1]}"
    work = tmp_path_factory.mktemp("metadata-compat")
    prometheus_config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
        "scrape_configs": _scrape_configs(address),
    }
    prometheus = start_prometheus(work / "tsdb", yaml.safe_dump(prometheus_config))
    port, agent_port = free_port(), free_port()
    config = work / "vigil.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
                "storage": {"data_dir": str(work / "var")},
                "server": {"bind": f"127.0.0.1:{port}", "workers": 1},
                "agent": {"bind": f"127.0.0.1:{agent_port}"},
                "auth": {"anonymous_read": True},
                "scrape_configs": _scrape_configs(address),
            }
        )
    )
    agent = start(config, "agent")
    console = start(config, "serve")
    vigil = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{vigil}/-/ready", timeout=1).ok, 60, "vigil serve ready")
        for base in (prometheus.url, vigil):
            wait_for(partial(_has_both_targets, base), 60, f"metadata of both targets at {base}")
        yield Servers(prometheus.url, vigil)
    finally:
        outputs = [stop(process)[1] for process in (console, agent)]
        exporter.shutdown()
        exporter.server_close()
        for output in outputs:
            assert "Traceback" not in output, output[-5000:]


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    count_only: bool = False


METADATA, TARGETS = "/api/v1/metadata", "/api/v1/targets/metadata"
CASES = [
    Case("all", METADATA),
    *(
        Case(f"metric-{kind}", METADATA, (("metric", name),))
        for kind, name in [
            ("counter", "demo_requests_total"),
            ("gauge-escapes", "demo_temperature_celsius"),
            ("histogram", "demo_latency_seconds"),
            ("summary", "demo_rpc_seconds"),
            ("untyped", "demo_legacy"),
            ("help-only", "demo_help_only"),
            ("unit", "om_temperature_celsius"),
            ("openmetrics-counter", "om_jobs"),
            ("info", "om_build"),
            ("no-metadata", "demo_no_metadata"),
            ("missing", "nothing_like_this"),
        ]
    ),
    Case("limit", METADATA, (("limit", "3"),), count_only=True),
    Case("limit-zero", METADATA, (("limit", "0"),)),
    Case("limit-bad", METADATA, (("limit", "many"),)),
    Case("targets-all", TARGETS),
    Case("targets-match", TARGETS, (("match_target", '{job="om"}'),)),
    Case(
        "targets-match-metric",
        TARGETS,
        (("match_target", '{job=~".+"}'), ("metric", SHARED_FAMILY)),
    ),
    Case("targets-unit", TARGETS, (("metric", "om_temperature_celsius"),)),
    Case("targets-match-none", TARGETS, (("match_target", '{job="nope"}'),)),
    Case("targets-limit", TARGETS, (("limit", "1"),), count_only=True),
    Case("targets-bad-limit", TARGETS, (("limit", "1.5"),)),
]


def _canonical(data: Any) -> Any:
    """Order-free form: families' entries and target items as sorted JSON texts."""
    if isinstance(data, dict):
        return {name: sorted(json.dumps(e, sort_keys=True) for e in v) for name, v in data.items()}
    return sorted(json.dumps(item, sort_keys=True) for item in data)


def _count(data: Any) -> int:
    if isinstance(data, dict):
        return len(data)
    return len({json.dumps(item["target"], sort_keys=True) for item in data})


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_vigil_serves_metadata_like_prometheus(servers: Servers, case: Case) -> None:
    theirs = requests.get(servers.prometheus + case.path, params=case.params, timeout=10)
    ours = requests.get(servers.vigil + case.path, params=case.params, timeout=10)
    context = (
        f"{case.path} {case.params}\nVigil: {ours.text[:2000]}\nPrometheus: {theirs.text[:2000]}"
    )
    assert ours.status_code == theirs.status_code, context
    mine, want = ours.json(), theirs.json()
    if want["status"] == "error":
        assert (mine["errorType"], mine["error"]) == (want["errorType"], want["error"]), context
        return
    if case.count_only:
        assert _count(mine["data"]) == _count(want["data"]), context
    else:
        assert _canonical(mine["data"]) == _canonical(want["data"]), context


def test_the_cases_see_metadata_of_every_kind(servers: Servers) -> None:
    """Guards the cases: Prometheus reports each type (and the unit) the cases ask about."""
    data = requests.get(servers.prometheus + METADATA, timeout=10).json()["data"]
    kinds = {entry["type"] for entries in data.values() for entry in entries}
    assert {"counter", "gauge", "histogram", "summary", "unknown", "info"} <= kinds
    assert data["om_temperature_celsius"][0]["unit"] == "celsius"
    assert len(data[SHARED_FAMILY]) == 2
