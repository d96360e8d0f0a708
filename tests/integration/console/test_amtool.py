"""The real amtool against a real ``vigil serve``: add, query and expire silences, read config.

amtool comes with Debian's prometheus-alertmanager package; without it the
test is skipped. amtool authenticates with an API token of the ``write``
scope made by ``vigil tokens create``, sent through its ``--http.config.file``
(Prometheus's HTTP client configuration), as an operator would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.processes import free_port, stop, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool is not installed"),
]

@dataclass(frozen=True)
class Console:
    url: str
    http_config: Path


def vigil(config: Path, *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "console.cli", "--config", str(config), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "VIGIL_PASSWORD": "alice's password"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def console_url(tmp_path: Path) -> Iterator[Console]:
    port = free_port()
    config = {
        "storage": {"data_dir": str(tmp_path / "var")},
        "server": {"bind": f"127.0.0.1:{port}", "workers": 1},
        "alerting": {
            "route": {"receiver": "ops"},
            "receivers": [
                {
                    "name": "ops",
                    "webhook_configs": [
                        {"url": "http://hooks.example/T0KEN", "hmac_secret": "s3cr3t"}
                    ],
                }
            ],
        },
    }
    path = tmp_path / "vigil.yml"
    path.write_text(yaml.safe_dump(config))
    vigil(path, "users", "create", "alice", "--role", "editor")
    token = vigil(path, "tokens", "create", "alice", "--name", "amtool", "--scopes", "write")
    http_config = tmp_path / "amtool-http.yml"
    http_config.write_text(yaml.safe_dump({"authorization": {"credentials": token.strip()}}))
    process = subprocess.Popen(
        [sys.executable, "-m", "console.cli", "--config", str(path), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{url}/-/ready", timeout=1).ok, 30, "console ready")
        yield Console(url, http_config)
    finally:
        status, output = stop(process)
        assert status == 0, output
        assert "Traceback" not in output, output


def amtool(console: Console, *arguments: str) -> str:
    done = subprocess.run(
        [
            "amtool",
            f"--alertmanager.url={console.url}",
            f"--http.config.file={console.http_config}",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def query(url: Console, *arguments: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(
        amtool(url, "silence", "query", "-o", "json", *arguments)
    )
    return found


def test_amtool_adds_queries_and_expires_silences(console_url: Console) -> None:
    silence_id = amtool(
        console_url,
        "silence",
        "add",
        "alertname=Down",
        'instance=~"db-.*"',
        "--author=alice",
        "--comment=maintenance",
        "--duration=2h",
    ).strip()
    assert len(silence_id) == 36

    (listed,) = query(console_url)
    assert listed["id"] == silence_id
    assert (listed["createdBy"], listed["comment"]) == ("alice", "maintenance")
    assert listed["status"] == {"state": "active"}
    assert {(m["name"], m["value"], m["isRegex"]) for m in listed["matchers"]} == {
        ("alertname", "Down", False),
        ("instance", "db-.*", True),
    }
    assert [s["id"] for s in query(console_url, "alertname=Down")] == [silence_id]
    assert query(console_url, "alertname=Up") == []

    amtool(console_url, "silence", "expire", silence_id)
    assert query(console_url) == []  # amtool hides expired silences unless asked
    (expired,) = query(console_url, "--expired")
    assert (expired["id"], expired["status"]["state"]) == (silence_id, "expired")


def test_amtool_reads_alerts_and_the_redacted_config(console_url: Console) -> None:
    assert json.loads(amtool(console_url, "alert", "query", "-o", "json")) == []
    shown = amtool(console_url, "config", "show")
    assert "receiver: ops" in shown and "<secret>" in shown
    assert "T0KEN" not in shown and "s3cr3t" not in shown
