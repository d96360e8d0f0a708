"""Health checks against real servers on 127.0.0.1, and their configuration."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import ValidationError

from collectors.checks import run_check
from collectors.checks.base import ProbeResult
from collectors.checks.http import HttpCheck, HttpOptions
from collectors.checks.tcp import TcpCheck, TcpOptions
from collectors.config import HealthCheckConfig

STOP = threading.Event()


class Service(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", location: str | None = None) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, b"ok\n")
        elif self.path == "/moved":
            self._send(302, location="/health")
        elif self.path == "/slow":
            STOP.wait(5)
        else:
            self._send(500, b"broken")

    def do_HEAD(self) -> None:
        self._send(204)


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    STOP.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    STOP.set()
    server.shutdown()
    server.server_close()


def check(**fields: Any) -> HealthCheckConfig:
    return HealthCheckConfig.model_validate({"name": "c", "timeout": "500ms", **fields})


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_http_200_is_healthy_with_blackbox_metrics(service: str) -> None:
    result = HttpCheck().run(check(type="http", target=f"http://{service}/health"), 0.0)
    assert result.success and result.error is None
    assert result.metrics["probe_success"] == 1.0
    assert result.metrics["probe_http_status_code"] == 200.0
    assert result.metrics["probe_http_content_length"] == 3.0
    assert result.metrics["probe_http_redirects"] == 0.0
    assert 0 < result.metrics["probe_duration_seconds"] == result.duration_seconds < 0.5


def test_http_follows_redirects(service: str) -> None:
    result = HttpCheck().run(check(type="http", target=f"http://{service}/moved"), 0.0)
    assert result.success
    assert result.metrics["probe_http_redirects"] == 1.0


def test_http_unexpected_status_fails(service: str) -> None:
    result = HttpCheck().run(check(type="http", target=f"http://{service}/broken"), 0.0)
    assert not result.success
    assert result.error == "unexpected HTTP status 500"
    assert result.metrics["probe_success"] == 0.0
    assert result.metrics["probe_http_status_code"] == 500.0


def test_http_expected_status_and_method_are_options(service: str) -> None:
    config = check(
        type="http", target=f"http://{service}/broken", method="HEAD", expected_status=[204]
    )
    assert config.options == HttpOptions(method="HEAD", expected_status=[204])
    assert HttpCheck().run(config, 0.0).success


def test_http_refused_fails(service: str) -> None:
    result = run_check(check(type="http", target=f"http://127.0.0.1:{closed_port()}/"), 0.0)
    assert not result.success
    assert result.error is not None and "Connection refused" in result.error
    assert result.metrics == {
        "probe_success": 0.0,
        "probe_duration_seconds": result.duration_seconds,
    }


def test_http_timeout_fails_within_the_timeout(service: str) -> None:
    result = run_check(check(type="http", target=f"http://{service}/slow"), 0.0)
    assert not result.success
    assert result.error is not None and "timeout" in result.error
    assert 0.4 < result.duration_seconds < 1.5


def test_tcp_open_and_closed_port(service: str) -> None:
    opened = TcpCheck().run(check(type="tcp", target=service), 0.0)
    assert opened.success and opened.metrics["probe_ip_protocol"] == 4.0
    closed = TcpCheck().run(check(type="tcp", target=f"127.0.0.1:{closed_port()}"), 0.0)
    assert not closed.success
    assert closed.error is not None and "refused" in closed.error.lower()


class Flaky:
    """A check type that fails a given number of times, then succeeds."""

    options = TcpOptions

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def check_target(self, target: str) -> None:
        pass

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        self.calls += 1
        return ProbeResult(self.calls > self.failures, 0.0)


def test_config_rejects_an_unknown_type_listing_the_known_ones() -> None:
    with pytest.raises(ValidationError, match='unknown check type "dns"; known types: http, tcp'):
        check(type="dns", target="example.org")


def test_config_checks_the_options_of_the_type() -> None:
    with pytest.raises(ValidationError) as raised:
        check(type="http", target="http://x/", expected_status=["x"], retry_forever=True)
    locations = {error["loc"] for error in raised.value.errors()}
    assert locations == {("expected_status", 0), ("retry_forever",)}
    with pytest.raises(ValidationError, match="Extra inputs"):
        check(type="tcp", target="x:1", method="GET")  # an http option on a tcp check


def test_config_checks_the_target_for_the_type() -> None:
    with pytest.raises(ValidationError, match='needs "host:port" as target'):
        check(type="tcp", target="http://x/")
    with pytest.raises(ValidationError, match="needs an http"):
        check(type="http", target="x:80")
