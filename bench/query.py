"""Query benchmark: the same history in Vigil and in Prometheus, the same queries over HTTP.

``python -m bench.query`` (or ``python -m bench query``; ``--quick`` for a
smaller run) generates a realistic history (by default 10,000 series x 2 h at
15 s, ending an hour ago) as one OpenMetrics file, then loads it twice:

* Prometheus: ``promtool tsdb create-blocks-from openmetrics`` into a fresh
  TSDB, then ``prometheus`` (the Debian package) on a free 127.0.0.1 port;
* Vigil: ``vigil import openmetrics`` into a SQLite store, ``vigil db compact``
  (so reads go through chunks, as they do for any history), then ``vigil serve``
  (gunicorn, 2 workers) with anonymous read.

The series: ``http_requests_total{service,instance,route,status}`` counters
(20 services x 5 instances x 5 routes x 4 statuses = 2,000) and the classic
histogram ``http_request_duration_seconds{service,instance,route}`` (500 label
sets x (14 ``le`` buckets + ``_sum`` + ``_count``) = 8,000). Scrape times carry
a fixed per-target offset and a few ms of jitter, as real scrapes do.

Each query is sent once to warm up, then ``--runs`` times to each system, in
alternation, over one keep-alive connection per system with
``Accept-Encoding: identity`` (asking Prometheus for gzip on loopback makes its
big responses several times slower; see /work/shared/FIGURES.md). A timing is
request sent to last byte read. Printed: median and p95 per system, the ratio
Vigil/Prometheus of the medians, and a Markdown table with the command.
The benchmark exits 0 whatever the figures: it measures, it does not test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from bench.procs import Child, free_port, http_get, wait_until

HOST = "127.0.0.1"
STEP_S = 15
LE_BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
STATUSES = (("200", 0.9), ("404", 0.05), ("500", 0.03), ("503", 0.02))
RATE_QUERY = "sum by (service) (rate(http_requests_total[5m]))"
QUANTILE_QUERY = (
    "histogram_quantile(0.99, sum by (le, service) "
    "(rate(http_request_duration_seconds_bucket[5m])))"
)
RAW_SELECTOR = 'http_requests_total{status=~"200|500"}[1h]'


@dataclass(frozen=True)
class Shape:
    services: int
    instances: int
    routes: int
    hours: float

    @property
    def targets(self) -> int:
        return self.services * self.instances

    @property
    def series(self) -> int:
        combos = self.targets * self.routes
        return combos * len(STATUSES) + combos * (len(LE_BOUNDS) + 3)

    @property
    def points(self) -> int:
        return int(self.hours * 3600 / STEP_S)


FULL = Shape(services=20, instances=5, routes=5, hours=2.0)
QUICK = Shape(services=4, instances=5, routes=5, hours=2.0)


@dataclass(frozen=True)
class Query:
    name: str
    kind: str  # "range" or "instant"
    expr: str

    def params(self, end_s: float) -> dict[str, str]:
        if self.kind == "range":
            return {
                "query": self.expr,
                "start": f"{end_s - 3600:.3f}",
                "end": f"{end_s:.3f}",
                "step": str(STEP_S),
            }
        return {"query": self.expr, "time": f"{end_s:.3f}"}


QUERIES = (
    Query("rate, sum by service (range 1 h, 15 s)", "range", RATE_QUERY),
    Query("histogram_quantile p99 by service (range 1 h, 15 s)", "range", QUANTILE_QUERY),
    Query("raw selector over 1 h (instant, matrix)", "instant", RAW_SELECTOR),
)


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    bytes: int = 0
    series: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the history -------------------------------------------------------------


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _key(name: str, labels: Sequence[tuple[str, str]]) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return f"{name}{{{inner}}}"


def _lognormal_cdf(x: np.ndarray, median: float, sigma: float) -> np.ndarray:
    z = (np.log(x) - math.log(median)) / (sigma * math.sqrt(2.0))
    return np.asarray([0.5 * (1.0 + math.erf(float(v))) for v in z])


def write_history(path: Path, shape: Shape, start_ms: int, seed: int = 1) -> int:
    """The OpenMetrics file for ``shape`` starting at ``start_ms``; returns samples written.

    Each family is contiguous, as OpenMetrics requires: the histogram goes
    straight to ``path``, the counters to a side file appended at the end.
    """
    rng = np.random.default_rng(seed)
    n = shape.points
    steps = np.arange(n, dtype=np.int64) * STEP_S * 1000
    bounds = np.asarray(LE_BOUNDS)
    le_texts = [*(repr(le) for le in LE_BOUNDS), "+Inf"]
    side = path.with_suffix(".counters")
    samples = 0
    with path.open("w", encoding="utf-8") as out, side.open("w", encoding="utf-8") as counters:
        out.write("# TYPE http_request_duration_seconds histogram\n")
        counters.write("# TYPE http_requests counter\n")
        for s in range(shape.services):
            service = f"svc-{s:02d}"
            median = float(rng.uniform(0.02, 0.3))
            sigma = float(rng.uniform(0.5, 1.2))
            fractions = [*_lognormal_cdf(bounds, median, sigma).tolist(), 1.0]
            mean_latency = median * math.exp(sigma * sigma / 2)
            for i in range(shape.instances):
                instance = f"10.0.{s}.{i + 10}:8080"
                offset = int(rng.integers(0, STEP_S * 1000))
                times = start_ms + offset + steps + rng.integers(-3, 4, n)
                stamps = [f"{t // 1000}.{t % 1000:03d}" for t in times.tolist()]
                histogram: list[str] = []
                counter_lines: list[str] = []
                for r in range(shape.routes):
                    base = {"service": service, "instance": instance, "route": f"/api/v1/res{r}"}
                    requests = rng.poisson(float(rng.lognormal(1.0, 1.0)) * STEP_S, n)
                    for status, share in STATUSES:
                        counts = np.cumsum(rng.binomial(requests, share))
                        key = _key(
                            "http_requests_total", sorted({**base, "status": status}.items())
                        )
                        counter_lines.extend(
                            f"{key} {v} {t}" for v, t in zip(counts.tolist(), stamps, strict=True)
                        )
                    cumulative = np.cumsum(requests)
                    for le_text, fraction in zip(le_texts, fractions, strict=True):
                        bucket = np.floor(cumulative * fraction).astype(np.int64)
                        key = _key(
                            "http_request_duration_seconds_bucket",
                            sorted({**base, "le": le_text}.items()),
                        )
                        histogram.extend(
                            f"{key} {v} {t}" for v, t in zip(bucket.tolist(), stamps, strict=True)
                        )
                    total = np.round(cumulative * mean_latency, 3).tolist()
                    for suffix, column in (("_sum", total), ("_count", cumulative.tolist())):
                        key = _key(f"http_request_duration_seconds{suffix}", sorted(base.items()))
                        histogram.extend(
                            f"{key} {v} {t}" for v, t in zip(column, stamps, strict=True)
                        )
                samples += len(histogram) + len(counter_lines)
                out.write("\n".join(histogram) + "\n")
                counters.write("\n".join(counter_lines) + "\n")
    with path.open("a", encoding="utf-8") as out, side.open(encoding="utf-8") as counters:
        shutil.copyfileobj(counters, out, 1 << 20)
        out.write("# EOF\n")
    side.unlink()
    return samples


# -- the two systems ---------------------------------------------------------


def vigil_command() -> list[str]:
    script = Path(sys.executable).with_name("vigil")
    return [str(script)] if script.exists() else [sys.executable, "-m", "console.cli"]


def vigil_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIGIL_DATABASE_URL", "VIGIL_CONFIG")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_step(what: str, argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    log(f"{what}: {shlex.join(argv)}")
    began = time.monotonic()
    completed = subprocess.run(list(argv), capture_output=True, text=True, env=env, check=False)
    elapsed = time.monotonic() - began
    if completed.returncode != 0:
        raise SystemExit(f"{what} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    summary = (completed.stdout.strip().splitlines() or [""])[-1]
    log(f"{what}: {elapsed:.1f} s {summary[:160]}")
    return elapsed


def write_vigil_config(workdir: Path, port: int) -> Path:
    config = {
        "storage": {"data_dir": str(workdir / "vigil")},
        "server": {"bind": f"{HOST}:{port}", "workers": 2},
        "auth": {"anonymous_read": True},
    }
    path = workdir / "vigil.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def load_vigil(history: Path, config: Path) -> None:
    vigil = vigil_command()
    run_step(
        "vigil import",
        [*vigil, "--config", str(config), "import", "openmetrics", str(history)],
        vigil_env(),
    )
    run_step("vigil compact", [*vigil, "--config", str(config), "db", "compact"], vigil_env())


def load_prometheus(history: Path, tsdb: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        raise SystemExit("promtool not found (apt-get install prometheus)")
    run_step(
        "promtool", [promtool, "tsdb", "create-blocks-from", "openmetrics", str(history), str(tsdb)]
    )


def start_prometheus(tsdb: Path, workdir: Path, port: int) -> Child:
    binary = shutil.which("prometheus")
    if binary is None:
        raise SystemExit("prometheus not found (apt-get install prometheus)")
    config = workdir / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tsdb}",
        f"--web.listen-address={HOST}:{port}",
        "--storage.tsdb.retention.time=100y",
    ]
    return Child(argv, workdir / "prometheus.log", cwd=str(workdir))


def start_vigil(config: Path, workdir: Path) -> Child:
    return Child(
        [*vigil_command(), "--config", str(config), "serve"],
        workdir / "vigil-serve.log",
        env=vigil_env(),
        cwd=str(workdir),
    )


def wait_ready(name: str, child: Child, base: str, timeout: float = 120.0) -> None:
    if not wait_until(lambda: bool(http_get(f"{base}/-/ready", 2.0)), timeout, child=child):
        raise SystemExit(f"{name} not ready in {timeout:.0f} s:\n{child.log_tail(30)}")


# -- measuring ---------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection, no compression, reconnecting if dropped."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection(HOST, port, timeout=300)

    def get(self, path: str, params: dict[str, str]) -> tuple[float, bytes]:
        url = f"{path}?{urllib.parse.urlencode(params)}"
        for attempt in (1, 2):
            try:
                began = time.perf_counter()
                self.connection.request("GET", url, headers={"Accept-Encoding": "identity"})
                response = self.connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - began
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=300)
                if attempt == 2:
                    raise
                continue
            if response.status != 200:
                raise SystemExit(f"HTTP {response.status} from :{self.port}{path}: {body[:500]!r}")
            return elapsed, body
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


def _endpoint(query: Query) -> str:
    return "/api/v1/query_range" if query.kind == "range" else "/api/v1/query"


def measure(
    clients: dict[str, Client], queries: Sequence[Query], end_s: float, runs: int
) -> dict[tuple[str, str], Timing]:
    results: dict[tuple[str, str], Timing] = {}
    for query in queries:
        params = query.params(end_s)
        for system, client in clients.items():
            _, body = client.get(_endpoint(query), params)  # warm-up
            timing = Timing(bytes=len(body), series=len(json.loads(body)["data"]["result"]))
            results[(query.name, system)] = timing
        for _ in range(runs):
            for system, client in clients.items():
                elapsed, _ = client.get(_endpoint(query), params)
                results[(query.name, system)].seconds.append(elapsed)
        line = "; ".join(
            f"{system} median {results[(query.name, system)].median * 1000:.0f} ms"
            for system in clients
        )
        log(f"{query.name}: {line}")
    return results


# -- reporting ---------------------------------------------------------------


def report(
    results: dict[tuple[str, str], Timing],
    queries: Sequence[Query],
    command: str,
    shape: Shape,
    runs: int,
) -> str:
    lines = [
        f"Query benchmark: {shape.series:,} series x {shape.hours:g} h at {STEP_S} s, "
        f"{runs} runs per query after a warm-up; Vigil: SQLite, compacted, gunicorn 2 workers.",
        f"Command: `{command}`",
        "",
        "| query | Vigil median | Vigil p95 | Prometheus median | Prometheus p95 | "
        "Vigil/Prometheus | series | response bytes (Vigil / Prometheus) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for query in queries:
        vigil, prom = results[(query.name, "vigil")], results[(query.name, "prometheus")]
        ratio = vigil.median / prom.median if prom.median else math.inf
        series = (
            f"{vigil.series}" if vigil.series == prom.series else f"{vigil.series} vs {prom.series}"
        )
        lines.append(
            f"| `{query.expr}` ({query.name}) | {vigil.median * 1000:.0f} ms | "
            f"{vigil.p95 * 1000:.0f} ms | {prom.median * 1000:.0f} ms | {prom.p95 * 1000:.0f} ms | "
            f"{ratio:.2f}x | {series} | {vigil.bytes:,} / {prom.bytes:,} |"
        )
    verdict = all(
        results[(q.name, "vigil")].median <= 2 * results[(q.name, "prometheus")].median
        for q in queries
    )
    lines += [
        "",
        f"Target (Vigil median within 2x of Prometheus on every query): "
        f"{'met' if verdict else 'NOT met'}",
    ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.query", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="2,000 series and 5 runs instead of 10,000 and 20"
    )
    parser.add_argument("--runs", type=int, help="timed runs per query and system")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the data here; a later run with the same directory reuses it",
    )
    parser.add_argument("--only", choices=("vigil", "prometheus"), help="measure one system")
    return parser


@dataclass
class Loaded:
    history: Path
    config: Path
    tsdb: Path
    end_s: float
    vigil_port: int


def prepare(workdir: Path, shape: Shape) -> Loaded:
    """Generate and load the history, or reuse what an earlier run with this workdir made."""
    meta_path = workdir / "loaded.json"
    tsdb = workdir / "tsdb"
    history = workdir / "history.om"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta["shape"] == [shape.services, shape.instances, shape.routes, shape.hours]:
            log(f"reusing the data loaded in {workdir}")
            port = free_port()
            config = write_vigil_config(workdir, port)
            return Loaded(history, config, tsdb, float(meta["end_s"]), port)
        raise SystemExit(f"{workdir} holds data of another shape; use another --workdir")
    now_ms = int(time.time() * 1000)
    start_ms = now_ms - int((shape.hours + 1) * 3600_000)
    start_ms -= start_ms % (STEP_S * 1000)
    log(f"writing {shape.series:,} series x {shape.points} points to {history}")
    began = time.monotonic()
    samples = write_history(history, shape, start_ms)
    log(
        f"wrote {samples:,} samples ({history.stat().st_size / 1e6:.0f} MB) "
        f"in {time.monotonic() - began:.1f} s"
    )
    port = free_port()
    config = write_vigil_config(workdir, port)
    load_prometheus(history, tsdb)
    load_vigil(history, config)
    history.unlink()  # both stores hold it now; the file is large
    # Whole seconds, a little before the last scrape, so the last step sees every target.
    end_s = float((start_ms + (shape.points - 1) * STEP_S * 1000) // 1000 - STEP_S)
    meta_path.write_text(
        json.dumps(
            {"shape": [shape.services, shape.instances, shape.routes, shape.hours], "end_s": end_s}
        )
    )
    return Loaded(history, config, tsdb, end_s, port)


def _workdir(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="vigil-bench-query-") as tmp:
        yield Path(tmp)


def run(argv: Sequence[str]) -> int:
    arguments = build_parser().parse_args(list(argv))
    shape = QUICK if arguments.quick else FULL
    runs = arguments.runs or (5 if arguments.quick else 20)
    command = shlex.join(["python", "-m", "bench.query", *argv])
    began = time.monotonic()
    for workdir in _workdir(arguments.workdir):
        loaded = prepare(workdir, shape)
        with ExitStack() as stack:
            clients: dict[str, Client] = {}
            if arguments.only in (None, "vigil"):
                vigil = stack.enter_context(start_vigil(loaded.config, workdir))
                wait_ready("vigil serve", vigil, f"http://{HOST}:{loaded.vigil_port}")
                clients["vigil"] = Client(loaded.vigil_port)
            if arguments.only in (None, "prometheus"):
                prom_port = free_port()
                prometheus = stack.enter_context(start_prometheus(loaded.tsdb, workdir, prom_port))
                wait_ready("prometheus", prometheus, f"http://{HOST}:{prom_port}")
                clients["prometheus"] = Client(prom_port)
            for client in clients.values():
                stack.callback(client.close)
            results = measure(clients, QUERIES, loaded.end_s, runs)
        if arguments.only:
            for query in QUERIES:
                timing = results[(query.name, arguments.only)]
                print(
                    f"{arguments.only}: {query.name}: median {timing.median * 1000:.0f} ms, "
                    f"p95 {timing.p95 * 1000:.0f} ms, {timing.series} series, "
                    f"{timing.bytes:,} bytes"
                )
        else:
            print(report(results, QUERIES, command, shape, runs))
    log(f"whole benchmark: {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
