"""Scraping real HTTP servers on 127.0.0.1: an exporter and misbehaving targets."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from collectors.config import ScrapeConfig
from collectors.exposition import MetricMetadata
from collectors.scrape import ACCEPT_HEADER, RequestsFetcher, ScrapeResult, scrape_target
from collectors.targets import Target, targets_from_config
from promql.labels import Labels

STOP = threading.Event()


class Misbehaving(BaseHTTPRequestHandler):
    """One path per way a target can go wrong."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, body: bytes, status: int = 200, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.partition("?")[0]
        if path == "/echo":
            query = self.path.partition("?")[2]
            om = self.headers.get("Accept", "").startswith("application/openmetrics-text")
            body = f'echo{{query="{query}",accept_om="{om}"}} 1\n'
            self._send(body.encode())
        elif path == "/conflict":
            self._send(b'm{job="theirs",instance="i",exported_job="x",zone="z"} 1\n')
        elif path == "/hang":
            STOP.wait(5)
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"# ")
            while not STOP.is_set():
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)
        elif path == "/malformed":
            self._send(b"good 1\nbad{x=1} 2\n")
        elif path == "/big":
            self._send(b"big_metric 1\n" * 20_000)
        elif path == "/latin1":
            self._send('m{city="Zürich"} 1\n'.encode("latin-1"))
        elif path == "/error":
            self._send(b"oops", status=503)
        else:
            self._send(b"not found", status=404)


@pytest.fixture(scope="module")
def misbehaving() -> Iterator[str]:
    STOP.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    STOP.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def exporter() -> Iterator[str]:
    registry = CollectorRegistry()
    Counter("jobs_done", "Jobs finished.", ["queue"], registry=registry).labels("fast").inc(7)
    Gauge("queue_depth", "Items waiting.", registry=registry).set(3)
    server, thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=2)


@pytest.fixture()
def fetcher() -> Iterator[RequestsFetcher]:
    fetch = RequestsFetcher()
    yield fetch
    fetch.close()


def target(address: str, path: str = "/metrics", **options: Any) -> Target:
    config = ScrapeConfig.model_validate(
        {
            "job_name": "test",
            "metrics_path": path,
            "scrape_interval": "1s",
            "scrape_timeout": options.pop("timeout", "500ms"),
            "static_configs": [{"targets": [address], "labels": {"env": "ci"}}],
            **options,
        }
    )
    (only,) = targets_from_config(config, 15.0, 10.0)
    return only


def by_name(result: ScrapeResult, name: str) -> list[tuple[Labels, float]]:
    return [(labels, v) for labels, _, v in result.samples if dict(labels)["__name__"] == name]


def test_scrapes_a_real_exporter_in_openmetrics_with_target_labels(
    exporter: str, fetcher: RequestsFetcher
) -> None:
    result = scrape_target(target(exporter), fetcher, 1000.0)
    assert result.error is None
    expected = (
        ("__name__", "jobs_done_total"),
        ("env", "ci"),
        ("instance", exporter),
        ("job", "test"),
        ("queue", "fast"),
    )
    assert by_name(result, "jobs_done_total") == [(expected, 7.0)]
    assert len(by_name(result, "jobs_done_created")) == 1  # only OpenMetrics exposes these
    assert result.metadata["jobs_done"] == MetricMetadata("counter", "Jobs finished.")
    assert by_name(result, "up")[0][1] == 1.0
    assert all(ts == 1_000_000 for _, ts, _ in result.samples)
    scraped = by_name(result, "scrape_samples_scraped")[0][1]
    assert scraped == len(result.samples) - 5
    assert by_name(result, "scrape_series_added")[0][1] == scraped


def test_accept_header_prefers_openmetrics_and_params_reach_the_url(
    misbehaving: str, fetcher: RequestsFetcher
) -> None:
    assert ACCEPT_HEADER.startswith("application/openmetrics-text;version=1.0.0")
    result = scrape_target(
        target(misbehaving, "/echo", params={"module": ["a", "b"]}), fetcher, 1.0
    )
    assert result.error is None
    ((labels, _),) = by_name(result, "echo")
    assert dict(labels)["query"] == "module=a&module=b"
    assert dict(labels)["accept_om"] == "True"


@pytest.mark.parametrize(
    ("honor", "expected"),
    [
        (
            False,
            # exported_job is taken by the exposed label, so Prometheus prefixes again.
            {
                "job": "test",
                "exported_job": "x",
                "exported_exported_job": "theirs",
                "exported_instance": "i",
            },
        ),
        (True, {"job": "theirs", "exported_job": "x", "instance": "i"}),
    ],
)
def test_conflicting_labels_follow_honor_labels(
    misbehaving: str, fetcher: RequestsFetcher, honor: bool, expected: dict[str, str]
) -> None:
    result = scrape_target(target(misbehaving, "/conflict", honor_labels=honor), fetcher, 1.0)
    ((labels, _),) = by_name(result, "m")
    assert dict(labels).items() >= expected.items()
    assert dict(labels)["zone"] == "z"


def assert_down(result: ScrapeResult, error: str) -> None:
    assert result.error is not None and error in result.error, result.error
    assert by_name(result, "up")[0][1] == 0.0
    assert by_name(result, "scrape_samples_scraped")[0][1] == 0.0
    assert len(result.samples) == 5


def test_a_refused_connection_is_a_failed_scrape(fetcher: RequestsFetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert_down(scrape_target(target(f"127.0.0.1:{port}"), fetcher, 1.0), "Connection refused")


def test_a_target_that_hangs_times_out(misbehaving: str, fetcher: RequestsFetcher) -> None:
    start = time.monotonic()
    assert_down(scrape_target(target(misbehaving, "/hang"), fetcher, 1.0), "timeout")
    assert time.monotonic() - start < 1.5


def test_a_target_that_trickles_forever_times_out(
    misbehaving: str, fetcher: RequestsFetcher
) -> None:
    start = time.monotonic()
    result = scrape_target(target(misbehaving, "/trickle"), fetcher, 1.0)
    elapsed = time.monotonic() - start
    assert_down(result, "timeout while reading the body")
    assert 0.4 < elapsed < 1.5
    assert 0.4 < by_name(result, "scrape_duration_seconds")[0][1] < 1.5


def test_a_malformed_line_fails_the_scrape(misbehaving: str, fetcher: RequestsFetcher) -> None:
    assert_down(
        scrape_target(target(misbehaving, "/malformed"), fetcher, 1.0),
        "line 2: expected label value in quotes for 'x'",
    )


def test_an_oversize_body_fails_the_scrape(misbehaving: str, fetcher: RequestsFetcher) -> None:
    result = scrape_target(target(misbehaving, "/big", body_size_limit="100KB"), fetcher, 1.0)
    assert_down(result, "body size limit exceeded (102400 bytes)")
    bigger = scrape_target(target(misbehaving, "/big", body_size_limit="1MB"), fetcher, 1.0)
    assert bigger.error is None


def test_a_body_that_is_not_utf8_fails_the_scrape(
    misbehaving: str, fetcher: RequestsFetcher
) -> None:
    assert_down(
        scrape_target(target(misbehaving, "/latin1"), fetcher, 1.0),
        "the body is not UTF-8 text (at byte offset 9)",
    )


def test_an_error_status_fails_the_scrape(misbehaving: str, fetcher: RequestsFetcher) -> None:
    assert_down(
        scrape_target(target(misbehaving, "/error"), fetcher, 1.0),
        "server returned HTTP status 503 Service Unavailable",
    )


def test_targets_are_labelled_like_prometheus() -> None:
    config = ScrapeConfig.model_validate(
        {
            "job_name": "node",
            "scrape_interval": "30s",
            "params": {"module": ["m1"]},
            "static_configs": [
                {"targets": ["a:9100", "a:9100"], "labels": {"team": "x"}},
                {
                    "targets": ["b:443"],
                    "labels": {
                        "__scheme__": "https",
                        "__metrics_path__": "/probe",
                        "__param_module": "m2",
                        "__scrape_interval__": "5s",
                        "__scrape_timeout__": "2s",
                        "instance": "bee",
                    },
                },
            ],
        }
    )
    first, second = targets_from_config(config, 15.0, 10.0)
    assert first.url == "http://a:9100/metrics?module=m1"
    assert first.labels == (("instance", "a:9100"), ("job", "node"), ("team", "x"))
    assert (first.scrape_interval, first.scrape_timeout) == (30.0, 10.0)
    assert second.url == "https://b:443/probe?module=m2"
    assert second.labels == (("instance", "bee"), ("job", "node"))
    assert (second.scrape_interval, second.scrape_timeout) == (5.0, 2.0)


def test_target_config_errors() -> None:
    with pytest.raises(ValueError, match="scrape_timeout must not be greater"):
        ScrapeConfig.model_validate(
            {"job_name": "j", "scrape_interval": "5s", "scrape_timeout": "10s"}
        )
    with pytest.raises(ValueError, match="must be host:port, without scheme or path"):
        ScrapeConfig.model_validate(
            {"job_name": "j", "static_configs": [{"targets": ["http://a/"]}]}
        )
    with pytest.raises(ValueError, match="is not a size"):
        ScrapeConfig.model_validate({"job_name": "j", "body_size_limit": "ten"})
    bad = ScrapeConfig.model_validate(
        {"job_name": "j", "static_configs": [{"targets": ["a:1"], "labels": {"__scheme__": "ftp"}}]}
    )
    with pytest.raises(ValueError, match='unsupported scheme "ftp"'):
        targets_from_config(bad, 15.0, 10.0)
