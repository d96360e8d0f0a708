"""`vigil demo`: a simulated fleet, the agent and the console, on the embedded store.

The fleet runs in this process; the agent and the console run as the same child
processes a real deployment has (`vigil agent`, `vigil serve`), pointed at a
generated vigil.yml. A small webhook sink prints the notifications the alert
rules send, so the whole path is visible. Ctrl-C stops everything.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
import yaml

from console.config import load_config
from console.server import migrate
from demo import Fleet
from promql.durations import parse_duration

ASSETS = Path(__file__).resolve().parent / "demo_assets"


def demo_config(fleet: Fleet, data_dir: Path, port: int, webhook_url: str) -> dict[str, Any]:
    """vigil.yml for the fleet: one scrape job and one HTTP health check per service, a couple
    of TCP checks, all in the ``demo`` group (a public status page at /status/demo), its logs."""
    return {
        "global": {"scrape_interval": "5s", "evaluation_interval": "10s", "check_interval": "10s"},
        "storage": {"data_dir": str(data_dir)},
        "server": {"bind": f"127.0.0.1:{port}", "workers": 2},
        "agent": {"bind": "127.0.0.1:0"},
        "auth": {"anonymous_read": True},
        "scrape_configs": [
            {
                "job_name": service.name,
                "static_configs": [
                    {
                        "targets": [service.url.removeprefix("http://")],
                        "labels": {"service": service.name},
                    }
                ],
            }
            for service in fleet.services
        ],
        "health_checks": [
            *(
                {
                    "name": f"{service.name}-health",
                    "type": "http",
                    "target": service.health_url,
                    "timeout": "2s",
                    "keyword": '"status": "ok"',
                    "max_latency": "1s",
                    "labels": {"service": service.name, "group": "demo"},
                }
                for service in fleet.services
            ),
            *(
                {
                    "name": f"{service.name}-port",
                    "type": "tcp",
                    "target": service.url.removeprefix("http://"),
                    "timeout": "1s",
                    "labels": {"service": service.name, "group": "demo"},
                }
                for service in fleet.services[:2]
            ),
        ],
        # The JSON lines each service writes, tailed into the log store.
        "log_sources": [{"name": "demo", "type": "file", "paths": [str(fleet.log_dir / "*.log")]}],
        "logs": {"counters": [{"name": "log_upstream_failures_total", "query": "upstream"}]},
        "rule_files": [str(ASSETS / "rules.yml")],
        "analysis": {"score_interval": "30s", "score_window": "5m"},
        "alerting": {
            "route": {"receiver": "demo-sink", "group_by": ["alertname"], "group_wait": "10s"},
            "receivers": [{"name": "demo-sink", "webhook_configs": [{"url": webhook_url}]}],
        },
    }


class _WebhookSink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.end_headers()
        try:
            payload = json.loads(body)
            names = ", ".join(alert["labels"].get("alertname", "?") for alert in payload["alerts"])
            print(f"  webhook: {payload['status']} {names}", flush=True)
        except (ValueError, KeyError, TypeError):
            print("  webhook: unreadable payload", flush=True)

    def log_message(self, format: str, *args: Any) -> None:
        return


def _wait_until_up(url: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def run_demo(*, port: int, fault: str | None, fault_delay: str, data_dir: str) -> int:
    directory = Path(data_dir)
    # A demo starts clean: the fleet's ports change between runs.
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    sink = ThreadingHTTPServer(("127.0.0.1", 0), _WebhookSink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    fleet = Fleet(log_dir=directory / "logs", fault=fault, fault_delay=parse_duration(fault_delay))
    fleet.start()
    config_path = directory / "vigil.yml"
    webhook_url = f"http://127.0.0.1:{sink.server_address[1]}/hook"
    config_path.write_text(
        yaml.safe_dump(demo_config(fleet, directory, port, webhook_url), sort_keys=False)
    )
    migrate(load_config(str(config_path)))  # once, before two processes race to do it
    command = [sys.executable, "-m", "console.cli", "--config", str(config_path)]
    children = [
        subprocess.Popen([*command, "serve"]),
        subprocess.Popen([*command, "agent"]),
    ]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        url = f"http://127.0.0.1:{port}"
        if not _wait_until_up(f"{url}/-/ready", time.monotonic() + 30):
            print("the console did not start; see the messages above", file=sys.stderr)
            return 1
        print(f"\nVigil demo: {len(fleet.services)} services running.", flush=True)
        if fault:
            print(f"Fault {fault!r} starts in {fault_delay}.", flush=True)
        print(f"Open {url}  (Ctrl-C stops everything)\n", flush=True)
        while not stop.is_set():
            if any(child.poll() is not None for child in children):
                print("a Vigil process exited; stopping the demo", file=sys.stderr)
                return 1
            stop.wait(0.5)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        fleet.stop()
        sink.shutdown()
        print("demo stopped", flush=True)
