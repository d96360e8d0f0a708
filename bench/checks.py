"""Health check benchmark: 1,000 HTTP checks at a 10 s interval from one agent.

``python -m bench.checks`` (or ``python -m bench checks``; ``--quick`` for 200
checks and a shorter run):

1. Starts ``--servers`` (4) HTTP servers in a child process on 127.0.0.1, each
   answering ``200 ok`` on any path (a thread per connection, like a small
   service).
2. Writes a vigil.yml with ``--checks`` (1,000) ``http`` checks at
   ``--interval`` (10 s), each on its own URL, spread over the servers, with a
   keyword to look for in the body, and starts the real ``vigil agent`` on a
   SQLite store.
3. After ``--duration`` (90 s) stops the agent and reads every check's
   ``probe_success`` samples back from the store. Skipping the first two
   intervals (every check runs once at start, then on its own phase), it
   reports the probes achieved per interval (target: every check once per
   interval, 100 %), the lateness of each probe (the gap since the check's
   previous probe, minus the interval: p50 / p99 / max), the failed probes and the agent's CPU time.

Prints the figures and a Markdown table row with the command; exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from bench.procs import Child, cpu_seconds, free_port, http_get, wait_until
from promql.matchers import Matcher, MatchType
from store.db import open_engine
from store.querier import StoreQuerier

HOST = "127.0.0.1"
BODY = b"ok: healthy\n"


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: Any) -> None:
        return


def serve(ports: Sequence[int]) -> None:
    """The target servers (run in a child process: ``python -m bench.checks --serve``)."""
    import threading

    servers = [ThreadingHTTPServer((HOST, port), _Ok) for port in ports]
    for server in servers:
        server.daemon_threads = True
        server.request_queue_size = 1024
        threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Event().wait()


def bench_config(
    data_dir: Path, ports: Sequence[int], checks: int, interval: float, agent_port: int
) -> dict[str, Any]:
    return {
        "storage": {"data_dir": str(data_dir)},
        "agent": {"bind": f"{HOST}:{agent_port}"},
        "health_checks": [
            {
                "name": f"check-{n:04d}",
                "type": "http",
                "target": f"http://{HOST}:{ports[n % len(ports)]}/health/{n}",
                "interval": f"{interval:g}s",
                "timeout": "5s",
                "keyword": "healthy",
                "labels": {"service": f"svc-{n % 50}", "group": "bench"},
            }
            for n in range(checks)
        ],
    }


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def measure(database_url: str, start: float, end: float, interval: float) -> dict[str, float]:
    """Probes per interval and lateness, from the probe_success samples in the store."""
    engine = open_engine(database_url)
    try:
        series = StoreQuerier(engine).select(
            [Matcher("__name__", MatchType.EQUAL, "probe_success")],
            int(start * 1000),
            int(end * 1000),
        )
    finally:
        engine.dispose()
    steady_start = start + 2 * interval  # past the first runs, which start all at once
    probes = failures = 0
    lateness: list[float] = []
    for data in series:
        times = [t / 1000 for t in data.timestamps if t / 1000 >= steady_start]
        probes += len(times)
        failures += sum(
            1
            for t, v in zip(data.timestamps, data.values, strict=True)
            if t / 1000 >= steady_start and v == 0
        )
        lateness.extend(max(0.0, b - a - interval) for a, b in pairwise(times))
    return {
        "series": float(len(series)),
        "probes": float(probes),
        "failures": float(failures),
        "intervals": (end - steady_start) / interval,
        "lateness_p50": statistics.median(lateness) if lateness else 0.0,
        "lateness_p99": percentile(lateness, 0.99),
        "lateness_max": max(lateness, default=0.0),
    }


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.checks", description=__doc__)
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=90.0)
    parser.add_argument("--servers", type=int, default=4)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="200 checks for 35 s")
    parser.add_argument("--serve", type=int, nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.serve is not None:
        serve(options.serve)
        return 0
    if options.quick:
        options.checks, options.duration = 200, 35.0
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="vigil-bench-checks-"))
    workdir.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in range(options.servers)]
    agent_port = free_port()
    config_path = workdir / "vigil.yml"
    config_path.write_text(
        yaml.safe_dump(
            bench_config(workdir / "data", ports, options.checks, options.interval, agent_port)
        )
    )
    python = sys.executable
    with Child(
        [python, "-m", "bench.checks", "--serve", *map(str, ports)], workdir / "servers.log"
    ) as servers:
        if not wait_until(lambda: bool(http_get(f"http://{HOST}:{ports[-1]}/")), 15, child=servers):
            print("the target servers did not start:\n" + servers.log_tail(), file=sys.stderr)
            return 0
        command = [python, "-m", "console.cli", "--config", str(config_path), "agent"]
        with Child(command, workdir / "agent.log") as agent:
            ready = f"http://{HOST}:{agent_port}/-/ready"
            if not wait_until(lambda: bool(http_get(ready)), 60, child=agent):
                print("the agent did not start:\n" + agent.log_tail(), file=sys.stderr)
                return 0
            start = time.time()
            time.sleep(options.duration)
            agent_cpu = cpu_seconds(agent.pid)
            end = time.time()
            if not agent.alive():
                print("the agent exited:\n" + agent.log_tail(), file=sys.stderr)
                return 0
            agent.stop()
    figures = measure(f"sqlite:///{workdir / 'data' / 'vigil.db'}", start, end, options.interval)
    achieved = figures["probes"] / (figures["intervals"] * options.checks)
    keeps_up = achieved >= 0.99 and figures["lateness_p99"] < options.interval / 2
    shown = shlex.join(["python", "-m", "bench.checks", *argv])
    print(f"checks: {options.checks} every {options.interval:g}s for {options.duration:g}s")
    print(f"series with samples: {figures['series']:.0f}")
    print(
        f"probes per interval achieved: {achieved:.1%} ({figures['probes']:.0f} probes "
        f"in {figures['intervals']:.1f} intervals)"
    )
    print(
        f"lateness p50 / p99 / max: {figures['lateness_p50']:.3f} / "
        f"{figures['lateness_p99']:.3f} / {figures['lateness_max']:.3f} s"
    )
    print(f"failed probes: {figures['failures']:.0f}")
    print(f"agent CPU: {agent_cpu:.1f} s over {end - start:.0f} s")
    print()
    print(
        "| command | checks | probes per interval | lateness p50 / p99 / max | failed "
        "| agent CPU | result |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| `{shown}` | {options.checks} every {options.interval:g} s | {achieved:.1%} | "
        f"{figures['lateness_p50']:.2f} / {figures['lateness_p99']:.2f} / "
        f"{figures['lateness_max']:.2f} s | {figures['failures']:.0f} | "
        f"{agent_cpu:.0f} s in {end - start:.0f} s | {'PASS' if keeps_up else 'FAIL'} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
