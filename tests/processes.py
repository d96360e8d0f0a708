"""Running Vigil's own processes from tests, as a user starts them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

from demo import Fleet


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fleet_scrape_configs(fleet: Fleet) -> list[dict[str, object]]:
    """One scrape job per demo service, as a user would list them in vigil.yml."""
    return [
        {
            "job_name": service.name,
            "static_configs": [{"targets": [service.url.removeprefix("http://")]}],
        }
        for service in fleet.services
    ]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def start(config: Path, *command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "console.cli", "--config", str(config), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def stop(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    return process.returncode, output.decode(errors="replace")


def kill(process: subprocess.Popen[bytes]) -> str:
    """SIGKILL, as a crash or the OOM killer would, and collect what it printed."""
    process.send_signal(signal.SIGKILL)
    output, _ = process.communicate(timeout=30)
    return output.decode(errors="replace")
