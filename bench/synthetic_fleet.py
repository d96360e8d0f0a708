"""A synthetic fleet of exporters on 127.0.0.1, cheap enough to leave CPU to the scraper.

Every target exposes the same layout of series (replicas of one web service):
``http_requests_total{route,method,status}`` counters, an
``http_request_duration_seconds`` histogram per route and method (11 buckets and
``+Inf``, ``_sum``, ``_count``), an ``http_requests_in_flight`` gauge per route and
method, and six ``process_*`` series. Each target has its own values.

Cost is kept low on purpose: the ``name{labels} `` part of every line is rendered
once at start; per scrape interval each target advances its state with a few
NumPy calls (Poisson request counts split into statuses and latency buckets by
multinomial draws) and only the values are formatted. A body is rendered when a
scrape asks for it and cached for the rest of the interval. Bodies are never
compressed (gzip would cost the exporter more CPU than the scraper's parse).

The format follows the Accept header, as a Prometheus client library does:
OpenMetrics 1.0 when the scraper offers it, else text format 0.0.4; ``--format``
forces one. All targets are served by one process, one ``ThreadingHTTPServer``
per target port, so each target is its own ``instance`` like a real fleet.

Standalone: ``python -m bench.synthetic_fleet --targets 2 --series 200 --port 9100``.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import multiprocessing.connection
import signal
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
FORMATS = ("negotiate", "text", "openmetrics")

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds of the latency histogram, ``+Inf`` added (Prometheus client defaults)."""
STATUSES = ("200", "400", "404", "500")
STATUS_SHARE = (0.93, 0.03, 0.035, 0.005)
METHODS = ("GET", "POST", "PUT", "DELETE")
RESOURCES = (
    "orders",
    "users",
    "carts",
    "payments",
    "products",
    "search",
    "sessions",
    "invoices",
    "shipments",
    "reviews",
    "inventory",
    "coupons",
    "addresses",
    "wishlists",
    "returns",
    "notifications",
    "recommendations",
    "prices",
    "categories",
    "checkout",
)
PROCESS_SERIES = 6
SERIES_PER_COMBO = len(STATUSES) + len(BUCKETS) + 1 + 2 + 1
"""Per route and method: status counters, buckets with +Inf, _sum, _count, in-flight."""
MIN_SERIES = PROCESS_SERIES + 5 * SERIES_PER_COMBO
"""Enough route and method pairs to trim any surplus from gauges and counters."""
MAX_CATCH_UP_TICKS = 60


@dataclass(frozen=True)
class Family:
    """One metric family: its lines are ``prefixes[start:end]`` of the layout."""

    name: str
    """The OpenMetrics family name (no ``_total``)."""
    type: str
    help: str
    start: int
    end: int
    text_name: str
    """The name in text format 0.0.4's ``# TYPE`` line (with ``_total`` for counters)."""


@dataclass
class Layout:
    """The series every target exposes, in exposition order."""

    combos: list[tuple[str, str]]
    """(route, method) pairs carrying request counters, a histogram and a gauge."""
    in_flight: int
    """How many combos expose the in-flight gauge (trimmed first to fit the series count)."""
    requests: int
    """How many request counters are exposed (trimmed at the end when the gauges did not do)."""
    prefixes: list[str] = field(default_factory=list)
    families: list[Family] = field(default_factory=list)

    @property
    def series(self) -> int:
        return len(self.prefixes)

    def header(self, family: Family, openmetrics: bool) -> str:
        name = family.name if openmetrics else family.text_name
        return f"# HELP {name} {family.help}\n# TYPE {name} {family.type}\n"


def build_layout(series: int) -> Layout:
    """A layout of exactly ``series`` series (at least ``MIN_SERIES``)."""
    if series < MIN_SERIES:
        raise ValueError(f"--series must be at least {MIN_SERIES}")
    count = -(-(series - PROCESS_SERIES) // SERIES_PER_COMBO)
    combos = []
    for index in range(count):
        route_number, method = divmod(index, len(METHODS))
        resource = RESOURCES[route_number % len(RESOURCES)]
        version = route_number // len(RESOURCES) + 1
        combos.append((f"/api/v{version}/{resource}", METHODS[method]))
    excess = PROCESS_SERIES + count * SERIES_PER_COMBO - series
    in_flight = max(0, count - excess)
    requests = count * len(STATUSES) - (excess - (count - in_flight))
    layout = Layout(combos=combos, in_flight=in_flight, requests=requests)

    def family(name: str, kind: str, help_text: str, lines: list[str]) -> None:
        start = len(layout.prefixes)
        layout.prefixes.extend(lines)
        text_name = f"{name}_total" if kind == "counter" else name
        layout.families.append(
            Family(name, kind, help_text, start, len(layout.prefixes), text_name)
        )

    family(
        "process_cpu_seconds",
        "counter",
        "Total user and system CPU time.",
        ["process_cpu_seconds_total "],
    )
    family(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        ["process_resident_memory_bytes "],
    )
    family(
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
        ["process_virtual_memory_bytes "],
    )
    family("process_open_fds", "gauge", "Number of open file descriptors.", ["process_open_fds "])
    family(
        "process_max_fds", "gauge", "Maximum number of open file descriptors.", ["process_max_fds "]
    )
    family(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process in unix seconds.",
        ["process_start_time_seconds "],
    )
    labels = [f'method="{method}",route="{route}"' for route, method in combos]
    family(
        "http_requests",
        "counter",
        "HTTP requests handled, by route, method and status.",
        [
            f'http_requests_total{{{pair},status="{status}"}} '
            for pair in labels
            for status in STATUSES
        ][:requests],
    )
    bounds = [*(f"{b:g}" for b in BUCKETS), "+Inf"]
    family(
        "http_request_duration_seconds",
        "histogram",
        "HTTP request latency.",
        [
            line
            for pair in labels
            for line in (
                *(f'http_request_duration_seconds_bucket{{{pair},le="{le}"}} ' for le in bounds),
                f"http_request_duration_seconds_sum{{{pair}}} ",
                f"http_request_duration_seconds_count{{{pair}}} ",
            )
        ],
    )
    family(
        "http_requests_in_flight",
        "gauge",
        "Requests being served.",
        [f"http_requests_in_flight{{{pair}}} " for pair in labels[:in_flight]],
    )
    assert layout.series == series
    return layout


def _bucket_shares(median: float, sigma: float) -> list[float]:
    """Probability of each bucket (non-cumulative, ``+Inf`` last) for lognormal latency."""
    cdf = [0.5 * (1 + math.erf(math.log(b / median) / (sigma * math.sqrt(2)))) for b in BUCKETS]
    edges = [0.0, *cdf, 1.0]
    return [max(0.0, edges[i + 1] - edges[i]) for i in range(len(BUCKETS) + 1)]


class TargetState:
    """One target's counters and gauges, advanced one interval at a time."""

    def __init__(self, layout: Layout, seed: int, interval: float) -> None:
        self.layout = layout
        self.interval = interval
        self.rng = np.random.default_rng(seed)
        rng = self.rng
        combos = len(layout.combos)
        self.rate = np.exp(rng.uniform(math.log(0.05), math.log(40.0), combos))
        """Requests per second per route and method."""
        self.median = np.exp(rng.uniform(math.log(0.01), math.log(0.3), combos))
        shares = np.array([_bucket_shares(float(m), 0.8) for m in self.median])
        self.bucket_shares = shares / shares.sum(axis=1, keepdims=True)
        uptime = int(rng.integers(3600, 30 * 86400))
        self.start_time = float(int(time.time()) - uptime)
        served = self.rate * uptime
        self.requests = (served[:, None] * np.asarray(STATUS_SHARE)).astype(np.int64)
        self.buckets = (served[:, None] * self.bucket_shares).astype(np.int64)
        self.latency_sum = served * self.median * math.exp(0.8**2 / 2)
        self.cpu = uptime * float(rng.uniform(0.01, 0.2))
        self.rss = int(rng.integers(50_000, 500_000)) * 4096
        self.vms = self.rss * 4
        self.fds = int(rng.integers(20, 200))
        self.tick = -1
        self.lock = threading.Lock()
        self.bodies: dict[bool, bytes] = {}

    def body(self, openmetrics: bool, now: float) -> bytes:
        """The exposition at ``now``: advanced once per interval, rendered once per format."""
        tick = int(now // self.interval)
        with self.lock:
            if tick != self.tick:
                steps = 1 if self.tick < 0 else min(tick - self.tick, MAX_CATCH_UP_TICKS)
                self._advance(steps)
                self.tick = tick
                self.bodies.clear()
            cached = self.bodies.get(openmetrics)
            if cached is None:
                cached = self.bodies[openmetrics] = self._render(openmetrics)
            return cached

    def _advance(self, steps: int) -> None:
        rng = self.rng
        seconds = steps * self.interval
        served = rng.poisson(self.rate * seconds)
        self.requests += rng.multinomial(served, STATUS_SHARE)
        self.buckets += rng.multinomial(served, self.bucket_shares)
        mean = self.median * math.exp(0.8**2 / 2)
        self.latency_sum += served * mean * rng.gamma(20.0, 1 / 20.0, len(served))
        self.cpu += seconds * float(rng.uniform(0.01, 0.2))
        self.rss = max(4096 * 10_000, self.rss + 4096 * int(rng.integers(-50, 60)))
        self.vms = max(self.vms, self.rss * 3)
        self.fds = max(10, self.fds + int(rng.integers(-2, 3)))

    def _values(self) -> list[str]:
        layout = self.layout
        combos = len(layout.combos)
        values = [
            repr(round(self.cpu, 2)),
            str(self.rss),
            str(self.vms),
            str(self.fds),
            "65536",
            repr(self.start_time),
        ]
        values.extend(map(str, self.requests.ravel()[: layout.requests].tolist()))
        cumulative = np.cumsum(self.buckets, axis=1)
        per_combo = len(BUCKETS) + 3
        histogram: list[str] = [""] * (combos * per_combo)
        bucket_text = list(map(str, cumulative.ravel().tolist()))
        width = len(BUCKETS) + 1
        for index in range(combos):
            histogram[index * per_combo : index * per_combo + width] = bucket_text[
                index * width : (index + 1) * width
            ]
        histogram[width::per_combo] = map(repr, np.round(self.latency_sum, 3).tolist())
        histogram[width + 1 :: per_combo] = bucket_text[width - 1 :: width]
        values.extend(histogram)
        in_flight = self.rng.poisson(
            self.rate[: layout.in_flight] * self.median[: layout.in_flight]
        )
        values.extend(map(str, in_flight.tolist()))
        return values

    def _render(self, openmetrics: bool) -> bytes:
        layout = self.layout
        lines = list(map(str.__add__, layout.prefixes, self._values()))
        parts = []
        for family in layout.families:
            if family.start == family.end:
                continue
            parts.append(layout.header(family, openmetrics))
            parts.append("\n".join(lines[family.start : family.end]))
            parts.append("\n")
        if openmetrics:
            parts.append("# EOF\n")
        return "".join(parts).encode("ascii")


def wants_openmetrics(accept: str, forced: str) -> bool:
    """Whether to answer in OpenMetrics: forced, or offered with a non-zero quality."""
    if forced != "negotiate":
        return forced == "openmetrics"
    for offer in accept.split(","):
        media, *params = (part.strip() for part in offer.split(";"))
        if media.lower() == "application/openmetrics-text":
            quality = next((p[2:] for p in params if p.startswith("q=")), "1")
            try:
                if float(quality) > 0:
                    return True
            except ValueError:
                continue
    return False


def make_handler(state: TargetState, forced: str, path: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.partition("?")[0] != path:
                self._send(404, "text/plain", b"not found\n")
                return
            openmetrics = wants_openmetrics(self.headers.get("Accept", ""), forced)
            body = state.body(openmetrics, time.time())
            self._send(200, OPENMETRICS if openmetrics else PROMETHEUS_TEXT, body)

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the scraper gave up or stopped
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a scraper that disconnects is not news


@dataclass(frozen=True)
class FleetSpec:
    targets: int = 50
    series: int = 2000
    interval: float = 1.0
    format: str = "negotiate"
    seed: int = 1
    host: str = "127.0.0.1"
    base_port: int = 0
    """0: each target on a free port the system picks; else ports base_port, base_port+1, …"""
    path: str = "/metrics"


def start_servers(spec: FleetSpec) -> list[_Server]:
    layout = build_layout(spec.series)
    servers = []
    for index in range(spec.targets):
        state = TargetState(layout, spec.seed * 100_003 + index, spec.interval)
        port = spec.base_port + index if spec.base_port else 0
        server = _Server((spec.host, port), make_handler(state, spec.format, spec.path))
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 1.0}, daemon=True
        ).start()
        servers.append(server)
    return servers


def serve(spec: FleetSpec, ports_out: multiprocessing.connection.Connection | None) -> None:
    """Process entry point: serve until SIGTERM/SIGINT (or the parent closes the pipe)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    servers = start_servers(spec)
    if ports_out is not None:
        ports_out.send([server.server_address[1] for server in servers])
    while not stop.wait(1.0):
        if ports_out is not None and ports_out.poll():  # the parent went away (EOF)
            try:
                ports_out.recv()
            except EOFError:
                break
    for server in servers:
        server.shutdown()
        server.server_close()


class FleetProcess:
    """The fleet in a child process; a context manager that always stops it."""

    def __init__(self, spec: FleetSpec, start_timeout: float = 60.0) -> None:
        self.spec = spec
        self._timeout = start_timeout
        context = multiprocessing.get_context("spawn")
        self._parent, child = context.Pipe()
        self._process = context.Process(
            target=serve, args=(spec, child), name="synthetic-fleet", daemon=True
        )
        self._child = child
        self.ports: list[int] = []

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    def start(self) -> FleetProcess:
        self._process.start()
        self._child.close()
        if not self._parent.poll(self._timeout):
            self.stop()
            raise RuntimeError(f"the synthetic fleet did not start within {self._timeout:g}s")
        try:
            self.ports = self._parent.recv()
        except EOFError:
            self.stop()
            raise RuntimeError("the synthetic fleet exited while starting") from None
        return self

    def addresses(self) -> list[str]:
        return [f"{self.spec.host}:{port}" for port in self.ports]

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        self._parent.close()

    def __enter__(self) -> FleetProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def render_cost(series: int, targets: int, repeat: int = 3) -> float:
    """Seconds of CPU one interval of the whole fleet costs to advance and render."""
    layout = build_layout(series)
    states = [TargetState(layout, index, 1.0) for index in range(targets)]
    best = math.inf
    for step in range(repeat):
        started = time.process_time()
        for state in states:
            state.body(True, float(step + 1))
        best = min(best, time.process_time() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=2)
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds")
    parser.add_argument("--port", type=int, default=9100, help="first port (then +1 per target)")
    parser.add_argument("--format", choices=FORMATS, default="negotiate")
    parser.add_argument("--cost", action="store_true", help="print the render cost and exit")
    args = parser.parse_args(argv)
    if args.cost:
        seconds = render_cost(args.series, args.targets)
        print(
            f"{args.targets} targets x {args.series} series: {seconds * 1000:.1f} ms CPU/interval"
        )
        return 0
    spec = FleetSpec(args.targets, args.series, args.interval, args.format, base_port=args.port)
    print(f"serving {args.targets} targets on 127.0.0.1:{args.port}.. (Ctrl-C stops)")
    serve(spec, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
