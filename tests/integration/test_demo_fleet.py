"""The demo fleet over real HTTP on 127.0.0.1: metrics, health, logs, lifecycle."""

from __future__ import annotations

import gzip
import json
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from demo import FAULTS, Fleet

EXPECTED = {"gateway", "orders", "search", "payments", "inventory", "database", "cache",
            "queue-worker"}
OPENMETRICS = "application/openmetrics-text;version=1.0.0"
RFC3339_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET without raising on 5xx, always closing the response."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers.items()), err.read()


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_fleet(tmp_path: Path) -> Iterator[tuple[Fleet, FakeClock]]:
    """A fleet on an injected clock with an error burst starting 30 s in."""
    clock = FakeClock(1_700_000_000.0)
    with Fleet(log_dir=tmp_path, fault="error-burst", fault_delay=30.0, seed=2, clock=clock,
               tick_interval=None) as fleet:
        yield fleet, clock


def test_topology(demo_fleet: Fleet) -> None:
    services = {s.name: s for s in demo_fleet.services}
    assert set(services) == EXPECTED
    assert services["gateway"].depends_on == ["search", "orders"]
    assert services["orders"].depends_on == ["payments", "inventory"]
    assert services["orders"].feeds == ["queue-worker"]
    assert services["search"].depends_on == ["cache", "database"]
    assert services["inventory"].depends_on == ["cache", "database"]
    assert services["payments"].depends_on == ["database"]
    assert services["database"].depends_on == []
    assert len({s.url for s in services.values()}) == len(EXPECTED)
    for svc in services.values():
        assert svc.url.startswith("http://127.0.0.1:")
        assert svc.metrics_url == svc.url + "/metrics"
        assert svc.health_url == svc.url + "/health"


def test_metrics_parse_as_prometheus_text(demo_fleet: Fleet) -> None:
    for svc in demo_fleet.services:
        status, headers, body = get(svc.metrics_url)
        assert status == 200
        assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
        families = {f.name: f for f in text_string_to_metric_families(body.decode())}
        assert "process_cpu_seconds" in families, svc.name
        assert "process_resident_memory_bytes" in families, svc.name
        for family in families.values():
            for sample in family.samples:
                assert "service" not in sample.labels and "job" not in sample.labels
        if svc.name != "queue-worker":
            assert families["http_request_duration_seconds"].type == "histogram"
    _, _, body = get(demo_fleet.service("gateway").metrics_url)
    text = body.decode()
    assert 'http_client_requests_total{server_address="search",status="200"}' in text
    assert 'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/search"}' \
        in text


def test_openmetrics_is_negotiated(demo_fleet: Fleet) -> None:
    for svc in demo_fleet.services:
        status, headers, body = get(svc.metrics_url, {"Accept": OPENMETRICS})
        assert status == 200
        assert headers["Content-Type"].startswith("application/openmetrics-text")
        text = body.decode()
        assert text.endswith("# EOF\n")
        names = {f.name for f in openmetrics_families(text)}  # type: ignore[no-untyped-call]
        assert "process_cpu_seconds" in names


def test_gzip_when_accepted(demo_fleet: Fleet) -> None:
    status, headers, body = get(demo_fleet.service("database").metrics_url,
                                {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert b"db_connections_active" in gzip.decompress(body)


def test_health_and_index(demo_fleet: Fleet) -> None:
    for svc in demo_fleet.services:
        status, _, body = get(svc.health_url)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, _, body = get(svc.url + "/")
        info = json.loads(body)
        assert status == 200 and info["service"] == svc.name
        assert info["depends_on"] == svc.depends_on
    assert get(demo_fleet.services[0].url + "/nope")[0] == 404


def test_logs_are_json_lines(fake_fleet: tuple[Fleet, FakeClock]) -> None:
    fleet, clock = fake_fleet
    clock.now += 90.0
    assert get(fleet.service("gateway").metrics_url)[0] == 200
    records: dict[str, list[dict[str, object]]] = {}
    for name in EXPECTED:
        lines = fleet.log_path(name).read_text().splitlines()
        records[name] = [json.loads(line) for line in lines]
        assert 1 < len(records[name]) <= 90 * 50, name
        for rec in records[name]:
            assert RFC3339_MS.match(str(rec["ts"])), rec
            assert rec["service"] == name
            assert rec["level"] in {"INFO", "WARNING", "ERROR"}
            assert isinstance(rec["msg"], str)
    requests = [r for r in records["payments"] if "trace_id" in r]
    assert requests and all(
        isinstance(r["duration_ms"], float) and isinstance(r["status"], int) for r in requests)
    errors = [r for r in records["payments"] if r["level"] == "ERROR"]
    assert len(errors) > 50
    assert any("\n" in str(r.get("exc_info", "")) for r in errors)
    gateway_traces = {r.get("trace_id") for r in records["gateway"] if r["level"] == "ERROR"}
    assert gateway_traces & {r["trace_id"] for r in errors}


def test_fault_shows_over_http(tmp_path: Path) -> None:
    clock = FakeClock(1_700_000_000.0)
    with Fleet(log_dir=tmp_path, fault="cache-down", fault_delay=10.0, clock=clock,
               tick_interval=None) as fleet:
        cache = fleet.service("cache")
        assert get(cache.health_url)[0] == 200
        clock.now += 20.0
        status, _, body = get(cache.health_url)
        assert (status, json.loads(body)) == (503, {"status": "down"})
        assert get(fleet.service("search").health_url)[0] == 200
        _, _, text = get(cache.metrics_url)
        assert b'status="503"' in text
    assert FAULTS["cache-down"].service == "cache"


def test_stop_releases_ports_and_threads(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    fleet = Fleet(log_dir=tmp_path, tick_interval=0.05).start()
    ports = [int(s.url.rsplit(":", 1)[1]) for s in fleet.services]
    assert get(fleet.services[0].health_url)[0] == 200
    fleet.stop()
    fleet.stop()  # idempotent
    leftover = [t for t in set(threading.enumerate()) - before if t.name.startswith("vigil")]
    assert leftover == []
    for port in ports:
        with socket.socket() as sock, pytest.raises(OSError):
            sock.connect(("127.0.0.1", port))
    with pytest.raises(ValueError, match="unknown fault"):
        Fleet(fault="nope")
