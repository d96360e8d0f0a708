"""Pytest plugin: real ``prometheus`` processes on free 127.0.0.1 ports.

Register with ``pytest_plugins = ["tests.prometheus_server"]``. The fixture
``start_prometheus`` is a session-wide factory: call it with a TSDB directory
(for instance one filled by ``promtool tsdb create-blocks-from``) and get a
server that answers ``/-/ready`` (pass ``config`` to have it scrape targets
too); every server is stopped at the end of the
session. The binaries are required, not optional: without them the tests fail
and say so, because a skipped comparison with the real thing proves nothing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest
import requests

READY_TIMEOUT_SECONDS = 30.0
_EMPTY_CONFIG = "global:\n  scrape_interval: 15s\nscrape_configs: []\n"


class StartPrometheus(Protocol):
    def __call__(self, tsdb_dir: Path, config: str = ...) -> PrometheusServer: ...


@dataclass
class PrometheusServer:
    url: str
    tsdb_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path


def require_binary(name: str) -> str:
    """The path of ``name``, or a test failure saying how to get it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"the {name!r} binary is required (apt-get install prometheus); "
            "these tests compare against a real Prometheus and do not skip"
        )
    return path


def create_blocks(openmetrics_file: Path, tsdb_dir: Path) -> None:
    """``promtool tsdb create-blocks-from openmetrics``: backfill before the server starts."""
    completed = subprocess.run(
        [require_binary("promtool"), "tsdb", "create-blocks-from", "openmetrics",
         str(openmetrics_file), str(tsdb_dir)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        pytest.fail(f"promtool failed: {completed.stderr or completed.stdout}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(server: PrometheusServer) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"prometheus exited early:\n{server.log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"{server.url}/-/ready", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    pytest.fail(f"prometheus not ready in {READY_TIMEOUT_SECONDS}s:\n{server.log_path.read_text()}")


def _stop(server: PrometheusServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def start_prometheus(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[StartPrometheus]:
    """A factory: ``start_prometheus(tsdb_dir, config)`` → a ready server on a free port."""
    binary = require_binary("prometheus")
    servers: list[PrometheusServer] = []

    def start(tsdb_dir: Path, config: str = _EMPTY_CONFIG) -> PrometheusServer:
        work = tmp_path_factory.mktemp("prometheus")
        config_path = work / "prometheus.yml"
        config_path.write_text(config)
        port = _free_port()
        log_path = work / "prometheus.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [binary, f"--config.file={config_path}", f"--storage.tsdb.path={tsdb_dir}",
                 f"--web.listen-address=127.0.0.1:{port}",
                 "--storage.tsdb.retention.time=100y"],
                stdout=log, stderr=subprocess.STDOUT, cwd=work,
            )  # fmt: skip
        server = PrometheusServer(f"http://127.0.0.1:{port}", tsdb_dir, process, log_path)
        servers.append(server)
        _wait_ready(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            _stop(server)
