"""Ingest benchmark: one ``vigil agent`` against Prometheus, same fleet, same run.

``python -m bench ingest`` (``--quick`` for a 20 s window) starts a synthetic
fleet on 127.0.0.1 (``bench.synthetic_fleet``: by default 50 targets x 2,000
series, one port each), then, one after the other:

1. ``vigil --config <tmp>/vigil.yml agent`` with a SQLite store in a temporary
   directory, scrape interval and timeout 1 s. After a warm-up (every target
   scraped, series created) it measures a window of ``--duration`` seconds,
   then stops the agent with SIGTERM, runs ``vigil db compact`` and VACUUMs.
2. Prometheus (``/usr/bin/prometheus``, the Debian package) with the same
   ``scrape_configs``, a temporary TSDB and ``--web.enable-admin-api``; the
   same warm-up and window, then a TSDB snapshot, which writes the head,
   including its open chunks, as a persisted block: Prometheus's own bytes on
   disk for those samples without waiting two hours for head compaction.

Figures, identical in method for both systems:

* samples per second: samples the store holds at the end of the window minus
  at its start (Vigil: ``sample_count`` summed over head batches and chunks;
  Prometheus: ``prometheus_tsdb_head_samples_appended_total``), over its length;
* scrapes: ``up`` samples stored with a timestamp in the window against
  targets x window / interval; missed = slots skipped between consecutive
  ``up`` samples of a target; failed = ``up`` = 0. The scrape-run counters
  (``vigil_agent_job_duration_seconds_count{kind="scrape"}``,
  ``prometheus_target_interval_length_seconds_count``) are shown as a check;
* CPU: utime + stime from ``/proc/<pid>/stat`` over the window only;
* memory: ``VmRSS`` at the end of the window over the active series;
* bytes on disk: every file of the compacted store (Vigil: ``vigil.db`` after
  ``db compact`` and VACUUM; Prometheus: the snapshot block, index included)
  over the samples it holds; the sample data alone (chunks) is shown too;
* scrape-to-query lag: the benchmark polls the newest timestamp of one series
  (``process_open_fds`` of the first target) every ``--poll`` seconds, through
  ``store.querier.StoreQuerier`` (what the console's query API runs) or
  Prometheus's ``/api/v1/query``, and records when each new sample appears.

Nothing leaves 127.0.0.1; every child process is stopped on exit, error or
Ctrl-C. The benchmark exits 0 whatever the figures: it measures, it does not test.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.parser import text_string_to_metric_families

from bench import profile
from bench.procs import (
    Child,
    cpu_seconds,
    directory_bytes,
    free_port,
    http_get,
    peak_rss_bytes,
    rss_bytes,
    wait_until,
)
from bench.synthetic_fleet import FORMATS, FleetProcess, FleetSpec

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
JOB = "fleet"
LAG_SERIES = "process_open_fds"
REPORT_SERIES_PER_TARGET = 5
"""up, scrape_duration_seconds, scrape_samples_scraped, …_post_metric_relabeling, …_series_added."""
PROMETHEUS = "/usr/bin/prometheus"
SYSTEMS = ("vigil", "prometheus")

TARGET_SAMPLES_PER_SECOND = 100_000
TARGET_BYTES_PER_SAMPLE = 2.0
TARGET_BYTES_PER_SERIES = 2048
TARGET_LAG_SECONDS = 2.0


class BenchError(RuntimeError):
    """A system could not be measured (did not start, died); the message says why."""


@dataclass
class IngestOptions:
    targets: int = 50
    series: int = 2000
    interval: float = 1.0
    duration: float = 120.0
    warmup: float = 15.0
    format: str = "negotiate"
    systems: tuple[str, ...] = SYSTEMS
    poll: float = 0.2
    profile: bool = False
    keep: bool = False
    json_path: str | None = None
    command: str = ""

    @property
    def offered(self) -> float:
        """Samples per second the fleet offers, Prometheus's five report series included."""
        return self.targets * (self.series + REPORT_SERIES_PER_TARGET) / self.interval


@dataclass
class Result:
    """What one system did in the measured window, and its store once compacted."""

    system: str
    window: float = 0.0
    samples: int = 0
    cpu: float = 0.0
    rss: int = 0
    peak_rss: int = 0
    active_series: int = 0
    expected_scrapes: int = 0
    scrapes: int | None = None
    missed: int | None = None
    failed: int | None = None
    scrape_runs: int | None = None
    lags: list[float] = field(default_factory=list)
    bytes_on_disk: int | None = None
    chunk_bytes: int | None = None
    stored_samples: int | None = None
    fleet_cpu: float = 0.0
    poller_cpu: float = 0.0
    compaction_seconds: float | None = None
    notes: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    hot_spots: str = ""

    @property
    def rate(self) -> float:
        return self.samples / self.window if self.window else 0.0

    @property
    def cpu_per_million(self) -> float:
        return self.cpu / (self.samples / 1e6) if self.samples else math.nan

    @property
    def bytes_per_sample(self) -> float | None:
        if self.bytes_on_disk is None or not self.stored_samples:
            return None
        return self.bytes_on_disk / self.stored_samples

    @property
    def chunk_bytes_per_sample(self) -> float | None:
        if self.chunk_bytes is None or not self.stored_samples:
            return None
        return self.chunk_bytes / self.stored_samples

    @property
    def rss_per_series(self) -> float:
        return self.rss / self.active_series if self.active_series else math.nan


# --- shared pieces ---------------------------------------------------------------------------


def scrape_configs(addresses: Sequence[str]) -> list[dict[str, Any]]:
    """The one scrape job both systems get, in Prometheus's format."""
    return [{"job_name": JOB, "static_configs": [{"targets": list(addresses)}]}]


def duration_text(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms"


def scrape_accounting(
    up_by_target: dict[str, list[tuple[float, float]]],
    targets: Sequence[str],
    t0: float,
    t1: float,
    interval: float,
) -> tuple[int, int, int]:
    """(scrapes in [t0, t1), slots missed, failed scrapes) from each target's ``up`` samples.

    A gap between consecutive samples of ``g`` intervals misses ``round(g) - 1``
    scrapes; it counts for the window when its midpoint lies inside. Samples just
    outside the window are passed too, so the edges need no guessing; a gap still
    open at an edge (no sample beyond it) counts the whole intervals up to the edge.
    """
    done = missed = failed = 0
    slots = round((t1 - t0) / interval)
    for target in targets:
        samples = sorted(up_by_target.get(target, []))
        inside = [(t, v) for t, v in samples if t0 <= t < t1]
        done += len(inside)
        failed += sum(1 for _, v in inside if v == 0)
        if not inside:
            missed += slots
            continue
        for (a, _), (b, _) in itertools.pairwise(samples):
            if t0 <= (a + b) / 2 < t1:
                missed += max(0, round((b - a) / interval) - 1)
        # A stall still open at an edge of the window: no sample beyond it to close the gap.
        if samples[0][0] >= t0:
            missed += math.floor((inside[0][0] - t0) / interval)
        if samples[-1][0] < t1:
            missed += math.floor((t1 - inside[-1][0]) / interval)
    return done, missed, failed


class LagProbe:
    """Polls the newest timestamp of one series; each new one gives a lag (seen - scraped)."""

    def __init__(self, newest: Callable[[float | None], float | None], period: float) -> None:
        self._newest = newest
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lag-probe", daemon=True)
        self.lags: list[float] = []
        self.errors = 0
        self._cpu = 0.0

    def _run(self) -> None:
        seen: float | None = None
        cpu_start = time.thread_time()
        while not self._stop.is_set():
            try:
                stamp = self._newest(seen)
            except Exception:
                self.errors += 1
                stamp = None
            now = time.time()
            if stamp is not None and (seen is None or stamp > seen):
                if seen is not None:  # the first one may have been there long before
                    self.lags.append(now - stamp)
                seen = stamp
            self._stop.wait(self._period)
        self._cpu = time.thread_time() - cpu_start

    def __enter__(self) -> LagProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)

    @property
    def cpu(self) -> float:
        return self._cpu


def sleep_until(deadline: float, alive: Callable[[], bool]) -> bool:
    """Sleep until the wall-clock ``deadline``; False if the process died meanwhile."""
    while True:
        left = deadline - time.time()
        if left <= 0:
            return True
        if not alive():
            return False
        time.sleep(min(left, 0.5))


def parse_metrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def metric_sum(
    metrics: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return sum(
        value
        for (sample, pairs), value in metrics.items()
        if sample == name and all((k, v) in pairs for k, v in labels.items())
    )


# --- Vigil -----------------------------------------------------------------------------------


def vigil_command() -> list[str]:
    script = Path(sys.executable).with_name("vigil")
    return [str(script)] if script.exists() else [sys.executable, "-m", "console.cli"]


def vigil_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIGIL_DATABASE_URL", "VIGIL_CONFIG")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _sqlite_read(db: Path, query: str) -> Any:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute(query).fetchone()[0]
    finally:
        connection.close()


def vigil_samples(db: Path) -> int:
    """Samples in the store: head batches plus chunks, read in one transaction."""
    try:
        return int(
            _sqlite_read(
                db,
                "SELECT (SELECT coalesce(sum(sample_count), 0) FROM sample_batches)"
                " + (SELECT coalesce(sum(sample_count), 0) FROM chunks)",
            )
        )
    except sqlite3.OperationalError:  # a store without chunks yet
        return int(_sqlite_read(db, "SELECT coalesce(sum(sample_count), 0) FROM sample_batches"))


def vigil_up_samples(db: Path, start: float, end: float) -> dict[str, list[tuple[float, float]]]:
    from promql.matchers import Matcher, MatchType
    from store.db import open_engine
    from store.querier import StoreQuerier

    engine = open_engine(f"sqlite:///{db}")
    try:
        found = StoreQuerier(engine).select(
            [Matcher("__name__", MatchType.EQUAL, "up"), Matcher("job", MatchType.EQUAL, JOB)],
            int(start * 1000),
            int(end * 1000),
        )
    finally:
        engine.dispose()
    return {
        dict(series.labels)["instance"]: [
            (t / 1000, v)
            for t, v in zip(series.timestamps.tolist(), series.values.tolist(), strict=True)
        ]
        for series in found
    }


def vigil_newest(db: Path, instance: str) -> Callable[[float | None], float | None]:
    """The newest timestamp of the lag series, as a PromQL selector would read it."""
    from promql.matchers import Matcher, MatchType
    from store.db import open_engine
    from store.querier import StoreQuerier

    querier = StoreQuerier(open_engine(f"sqlite:///{db}"))
    matchers = [
        Matcher("__name__", MatchType.EQUAL, LAG_SERIES),
        Matcher("instance", MatchType.EQUAL, instance),
    ]

    def newest(seen: float | None) -> float | None:
        now_ms = int(time.time() * 1000)
        # Only what is newer than the last sample seen: keeps each poll's read short.
        start_ms = int(seen * 1000) + 1 if seen is not None else now_ms - 30_000
        found = querier.select(matchers, start_ms, now_ms + 60_000)
        if not found or not len(found[0].timestamps):
            return None
        return float(found[0].timestamps[-1]) / 1000

    return newest


def agent_scrape_counters(port: int) -> tuple[float, float]:
    metrics = parse_metrics(http_get(f"http://{HOST}:{port}/metrics").decode())
    runs = metric_sum(metrics, "vigil_agent_job_duration_seconds_count", kind="scrape")
    errors = metric_sum(metrics, "vigil_agent_job_errors_total", kind="scrape")
    return runs, errors


def run_vigil(options: IngestOptions, fleet: FleetProcess, workdir: Path) -> Result:
    result = Result("Vigil")
    workdir.mkdir(parents=True)
    data_dir = workdir / "data"
    db = data_dir / "vigil.db"
    agent_port = free_port()
    config = workdir / "vigil.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {
                    "scrape_interval": duration_text(options.interval),
                    "scrape_timeout": duration_text(options.interval),
                },
                "storage": {"data_dir": str(data_dir)},
                "agent": {"bind": f"{HOST}:{agent_port}"},
                "scrape_configs": scrape_configs(fleet.addresses()),
            },
            sort_keys=False,
        )
    )
    vigil = [*vigil_command(), "--config", str(config)]
    log(f"Vigil: starting the agent ({config})")
    with Child([*vigil, "agent"], workdir / "agent.log", env=vigil_env(), cwd=str(REPO)) as agent:
        if not wait_until(
            lambda: http_get(f"http://{HOST}:{agent_port}/-/ready") is not None, 60, child=agent
        ):
            raise BenchError(f"the Vigil agent did not become ready:\n{agent.log_tail()}")
        ready_at = time.time()
        warmed = wait_until(
            lambda: (
                agent_scrape_counters(agent_port)[0] >= 2 * options.targets
                and time.time() - ready_at >= options.warmup
            ),
            options.warmup + 180,
            period=0.5,
            child=agent,
        )
        if not agent.alive():
            raise BenchError(f"the Vigil agent exited during warm-up:\n{agent.log_tail()}")
        if not warmed:
            result.notes.append("warm-up did not see two scrapes per target within its limit")
        log(f"Vigil: warm-up done after {time.time() - ready_at:.0f}s; measuring")

        def counters() -> dict[str, float]:
            runs, errors = agent_scrape_counters(agent_port)
            return {"samples": vigil_samples(db), "runs": runs, "errors": errors}

        measure = Measurement(agent.pid, fleet.pid, counters)
        profiler = profile.start(agent.pid, options.duration, workdir) if options.profile else None
        with LagProbe(vigil_newest(db, fleet.addresses()[0]), options.poll) as probe:
            measure.start()
            completed = sleep_until(measure.t0 + options.duration, agent.alive)
            if not completed:
                raise BenchError(f"the Vigil agent died during the window:\n{agent.log_tail()}")
            delta = measure.stop(result)
        result.active_series = int(_sqlite_read(db, "SELECT count(*) FROM series"))
        result.lags = probe.lags
        result.poller_cpu = probe.cpu
        result.scrape_runs = round(delta["runs"])
        if delta["errors"]:
            result.notes.append(f"{delta['errors']:.0f} scrape jobs raised (agent log)")
        if probe.errors:
            result.notes.append(f"{probe.errors} lag polls failed")
        time.sleep(3 * options.interval)  # samples just after the window close its gaps
        if profiler is not None:
            result.hot_spots = profile.finish(profiler)
        log("Vigil: stopping the agent (SIGTERM)")
        status = agent.stop(grace=60)
        if status not in (0, None):
            result.notes.append(f"the agent exited with status {status}")
    up = vigil_up_samples(db, measure.t0 - 3 * options.interval, measure.t1 + 3 * options.interval)
    scrape_figures(result, options, fleet.addresses(), up, measure)
    compact_vigil(vigil, db, result)
    return result


def compact_vigil(vigil: list[str], db: Path, result: Result) -> None:
    """``vigil db compact``, then VACUUM so that freed pages do not count as bytes on disk.

    The VACUUM is the benchmark's own (sqlite3, autocommit): ``vigil db compact
    --vacuum`` fails on SQLite ("cannot VACUUM from within a transaction").
    """
    log("Vigil: vigil db compact")
    started = time.time()
    try:
        done = subprocess.run(
            [*vigil, "db", "compact"],
            capture_output=True,
            text=True,
            timeout=900,
            env=vigil_env(),
            cwd=str(REPO),
            check=False,
        )
    except subprocess.TimeoutExpired:
        result.pending.append("bytes on disk (vigil db compact took over 900 s)")
        return
    result.compaction_seconds = time.time() - started
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no output"]
        reason = next((line for line in reversed(lines) if "Error" in line), lines[-1])
        result.pending.append(f"bytes on disk (vigil db compact failed: {reason.strip()})")
        return
    result.notes.append(f"db compact: {done.stdout.strip()} ({result.compaction_seconds:.0f} s)")
    connection = sqlite3.connect(str(db), isolation_level=None, timeout=60)
    try:
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    result.bytes_on_disk = sum(
        p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists()
    )
    result.stored_samples = vigil_samples(db)
    result.notes.append("bytes by table and index: " + vigil_space(db))
    with contextlib.suppress(sqlite3.OperationalError):
        chunks = int(_sqlite_read(db, "SELECT count(*) FROM chunks"))
        per_chunk = result.stored_samples / chunks if chunks else 0.0
        result.notes.append(f"{chunks:,} chunks after compaction, {per_chunk:.0f} samples each")
    try:
        result.chunk_bytes = int(
            _sqlite_read(db, "SELECT coalesce(sum(length(data)), 0) FROM chunks")
        )
    except sqlite3.OperationalError:
        result.pending.append("chunk bytes (no chunks table)")


def vigil_space(db: Path) -> str:
    """The largest tables and indexes of the store, from SQLite's dbstat."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8"
        ).fetchall()
    except sqlite3.OperationalError as error:
        return f"unknown ({error})"
    finally:
        connection.close()
    return ", ".join(f"{name} {size / 2**20:.1f} MiB" for name, size in rows)


# --- Prometheus ------------------------------------------------------------------------------


def ensure_prometheus() -> str:
    """The Prometheus binary, installing the Debian package if it is missing."""
    if not Path(PROMETHEUS).exists():
        log("Prometheus: installing the Debian package")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "prometheus"], check=True, env=env, timeout=900
        )
        # The package may start its service (and node exporter): they would compete for CPU.
        for service in ("prometheus", "prometheus-node-exporter"):
            subprocess.run(
                ["service", service, "stop"], check=False, capture_output=True, timeout=60
            )
    return PROMETHEUS


def competing_processes() -> list[str]:
    """Prometheus or node exporter processes the benchmark did not start."""
    found = []
    for status in Path("/proc").glob("[0-9]*/comm"):
        try:
            name = status.read_text().strip()
        except OSError:
            continue
        if name in ("prometheus", "prometheus-node-exporter", "node_exporter"):
            found.append(f"{name} (pid {status.parent.name})")
    return found


class PrometheusApi:
    def __init__(self, port: int) -> None:
        self.base = f"http://{HOST}:{port}"

    def query(self, expr: str, at: float | None = None) -> list[dict[str, Any]]:
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        body = json.loads(
            http_get(f"{self.base}/api/v1/query?{urllib.parse.urlencode(params)}", timeout=30)
        )
        if body.get("status") != "success":
            raise BenchError(f"Prometheus query {expr!r} failed: {body}")
        data: list[dict[str, Any]] = body["data"]["result"]
        return data

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        return parse_metrics(http_get(f"{self.base}/metrics").decode())

    def newest(self, instance: str) -> Callable[[float | None], float | None]:
        expr = f'timestamp({LAG_SERIES}{{instance="{instance}"}})'

        def newest(_seen: float | None) -> float | None:
            found = self.query(expr)
            return float(found[0]["value"][1]) if found else None

        return newest

    def snapshot(self) -> str:
        body = json.loads(
            http_get(f"{self.base}/api/v1/admin/tsdb/snapshot", timeout=300, method="POST")
        )
        name: str = body["data"]["name"]
        return name


def run_prometheus(options: IngestOptions, fleet: FleetProcess, workdir: Path) -> Result:
    result = Result("Prometheus")
    binary = ensure_prometheus()
    others = competing_processes()
    if others:
        result.notes.append("also running, not started by the benchmark: " + ", ".join(others))
    workdir.mkdir(parents=True)
    tsdb = workdir / "data"
    port = free_port()
    config = workdir / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {
                    "scrape_interval": duration_text(options.interval),
                    "scrape_timeout": duration_text(options.interval),
                },
                "scrape_configs": scrape_configs(fleet.addresses()),
            },
            sort_keys=False,
        )
    )
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tsdb}",
        f"--web.listen-address={HOST}:{port}",
        "--web.enable-admin-api",
    ]
    api = PrometheusApi(port)
    log(f"Prometheus: starting ({config})")
    with Child(argv, workdir / "prometheus.log", cwd=str(workdir)) as server:
        if not wait_until(lambda: http_get(f"{api.base}/-/ready") is not None, 120, child=server):
            raise BenchError(f"Prometheus did not become ready:\n{server.log_tail()}")
        ready_at = time.time()
        warmed = wait_until(
            lambda: (
                metric_sum(api.metrics(), "prometheus_target_interval_length_seconds_count")
                >= options.targets
                and time.time() - ready_at >= options.warmup
            ),
            options.warmup + 180,
            period=0.5,
            child=server,
        )
        if not warmed:
            result.notes.append("warm-up did not see every target scraped within its limit")
        log(f"Prometheus: warm-up done after {time.time() - ready_at:.0f}s; measuring")

        def counters() -> dict[str, float]:
            metrics = api.metrics()
            return {
                "samples": metric_sum(metrics, "prometheus_tsdb_head_samples_appended_total"),
                "runs": metric_sum(metrics, "prometheus_target_interval_length_seconds_count"),
            }

        measure = Measurement(server.pid, fleet.pid, counters)
        with LagProbe(api.newest(fleet.addresses()[0]), options.poll) as probe:
            measure.start()
            if not sleep_until(measure.t0 + options.duration, server.alive):
                raise BenchError(f"Prometheus died during the window:\n{server.log_tail()}")
            delta = measure.stop(result)
        result.scrape_runs = round(delta["runs"])
        result.lags = probe.lags
        result.poller_cpu = probe.cpu
        result.active_series = round(metric_sum(api.metrics(), "prometheus_tsdb_head_series"))
        time.sleep(3 * options.interval)
        span = measure.t1 - measure.t0 + 6 * options.interval
        at = measure.t1 + 3 * options.interval
        up = {
            series["metric"]["instance"]: [(float(t), float(v)) for t, v in series["values"]]
            for series in api.query(f'up{{job="{JOB}"}}[{math.ceil(span * 1000)}ms]', at=at)
        }
        scrape_figures(result, options, fleet.addresses(), up, measure)
        log("Prometheus: TSDB snapshot (the head written as a block)")
        name = api.snapshot()
        snapshot = tsdb / "snapshots" / name
        result.bytes_on_disk = directory_bytes(snapshot)
        result.chunk_bytes = sum(directory_bytes(d) for d in snapshot.glob("*/chunks"))
        result.stored_samples = sum(
            json.loads(meta.read_text())["stats"]["numSamples"]
            for meta in snapshot.glob("*/meta.json")
        )
        status = server.stop(grace=60)
        if status not in (0, None):
            result.notes.append(f"Prometheus exited with status {status}")
    return result


# --- measurement -----------------------------------------------------------------------------


class Measurement:
    """CPU, counters and memory of one process between ``start`` and ``stop``.

    ``counters`` returns the stored-sample count (key ``samples``) and any other
    counter (``runs``: scrape runs); the window's edges are the midpoints of
    those reads, so a slow read does not stretch or shrink the window.
    """

    def __init__(self, pid: int, fleet_pid: int, counters: Callable[[], dict[str, float]]) -> None:
        self.pid = pid
        self.fleet_pid = fleet_pid
        self._counters = counters
        self.t0 = self.t1 = 0.0
        self._start: dict[str, float] = {}

    def _read(self) -> tuple[float, dict[str, float], float, float]:
        before = time.time()
        cpu = cpu_seconds(self.pid)
        counters = self._counters()
        fleet = cpu_seconds(self.fleet_pid)
        return (before + time.time()) / 2, counters, cpu, fleet

    def start(self) -> None:
        self.t0, self._start, self._cpu0, self._fleet0 = self._read()

    def stop(self, result: Result) -> dict[str, float]:
        """Fill in the result; returns the counters' deltas."""
        self.t1, counters, cpu, fleet = self._read()
        result.rss = rss_bytes(self.pid)
        result.peak_rss = peak_rss_bytes(self.pid)
        delta = {key: value - self._start.get(key, 0.0) for key, value in counters.items()}
        result.samples = round(delta["samples"])
        result.window = self.t1 - self.t0
        result.cpu = cpu - self._cpu0
        result.fleet_cpu = fleet - self._fleet0
        return delta


def scrape_figures(
    result: Result,
    options: IngestOptions,
    targets: Sequence[str],
    up: dict[str, list[tuple[float, float]]],
    measure: Measurement,
) -> None:
    result.expected_scrapes = round(len(targets) * (measure.t1 - measure.t0) / options.interval)
    result.scrapes, result.missed, result.failed = scrape_accounting(
        up, targets, measure.t0, measure.t1, options.interval
    )


# --- report ----------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _n(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "pending"
    return f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return "-"
    return f"{a / b:.2f}"


def _lag_quantiles(lags: list[float]) -> tuple[float, float, float] | None:
    if len(lags) < 2:
        return None
    cuts = statistics.quantiles(lags, n=100, method="inclusive")
    return cuts[49], cuts[98], max(lags)


def verdicts(vigil: Result, options: IngestOptions) -> list[tuple[str, str, str]]:
    """(target, measured, PASS/FAIL/n/a/pending) for the issue's four targets."""
    out = []
    no_misses = vigil.missed == 0 and vigil.failed == 0
    if options.offered < TARGET_SAMPLES_PER_SECOND:
        verdict = "n/a (offered load below the target)"
    else:
        verdict = "PASS" if vigil.rate >= TARGET_SAMPLES_PER_SECOND and no_misses else "FAIL"
    out.append(
        (
            "≥ 100,000 samples/s sustained, no missed scrapes",
            f"{vigil.rate:,.0f}/s, {vigil.missed} missed, {vigil.failed} failed",
            verdict,
        )
    )
    per_sample = vigil.bytes_per_sample
    out.append(
        (
            "≤ 2 bytes per sample on disk, compacted",
            f"{_n(per_sample, 2)} B/sample "
            f"(sample data alone {_n(vigil.chunk_bytes_per_sample, 2)})",
            "pending"
            if per_sample is None
            else "PASS"
            if per_sample <= TARGET_BYTES_PER_SAMPLE
            else "FAIL",
        )
    )
    out.append(
        (
            "≤ 2 KiB agent memory per active series",
            f"{vigil.rss_per_series / 1024:.2f} KiB",
            "PASS" if vigil.rss_per_series <= TARGET_BYTES_PER_SERIES else "FAIL",
        )
    )
    lag = _lag_quantiles(vigil.lags)
    out.append(
        (
            "scraped sample visible to a query within 2 s (p99)",
            "no data" if lag is None else f"p99 {lag[1]:.2f} s, max {lag[2]:.2f} s",
            "pending" if lag is None else "PASS" if lag[1] <= TARGET_LAG_SECONDS else "FAIL",
        )
    )
    return out


def markdown(options: IngestOptions, results: Sequence[Result]) -> str:
    by_name = {r.system: r for r in results}
    vigil, prom = by_name.get("Vigil"), by_name.get("Prometheus")
    columns = [r for r in (vigil, prom) if r is not None]
    both = vigil is not None and prom is not None

    def row(
        label: str,
        cell: Callable[[Result], str],
        ratio: Callable[[Result], float | None] | None = None,
    ) -> str:
        cells = [cell(r) for r in columns]
        if both and ratio is not None:
            assert vigil is not None and prom is not None
            cells.append(_ratio(ratio(vigil), ratio(prom)))
        elif both:
            cells.append("")
        return f"| {label} | " + " | ".join(cells) + " |"

    def lag(r: Result) -> str:
        q = _lag_quantiles(r.lags)
        return "no data" if q is None else f"{q[0]:.2f} / {q[1]:.2f} / {q[2]:.2f} s"

    def scrapes(r: Result) -> str:
        runs = f" (runs counted: {r.scrape_runs:,})" if r.scrape_runs is not None else ""
        return f"{_n(r.scrapes)} of {r.expected_scrapes:,}{runs}"

    def kib(value: float) -> str:
        return f"{value / 1024:.2f} KiB"

    head = "| | " + " | ".join(r.system for r in columns)
    head += " | Vigil / Prometheus |" if both else " |"
    lines = [head, "|---|" + "---|" * (len(columns) + (1 if both else 0))]
    lines += [
        row(
            f"samples stored per second (offered {options.offered:,.0f})",
            lambda r: _n(r.rate),
            lambda r: r.rate,
        ),
        row("scrapes stored in the window, of expected", scrapes),
        row(
            "missed scrapes / failed scrapes (up = 0)",
            lambda r: f"{_n(r.missed)} / {_n(r.failed)}",
        ),
        row(
            "CPU, cores (window average)",
            lambda r: f"{r.cpu / r.window:.2f}",
            lambda r: r.cpu / r.window,
        ),
        row(
            "CPU-seconds per million samples",
            lambda r: f"{r.cpu_per_million:.1f}",
            lambda r: r.cpu_per_million,
        ),
        row(
            "bytes on disk per sample, compacted (all files)",
            lambda r: _n(r.bytes_per_sample, 2),
            lambda r: r.bytes_per_sample,
        ),
        row(
            "… sample data alone (chunks)",
            lambda r: _n(r.chunk_bytes_per_sample, 2),
            lambda r: r.chunk_bytes_per_sample,
        ),
        row(
            "memory (RSS) per active series",
            lambda r: kib(r.rss_per_series),
            lambda r: r.rss_per_series,
        ),
        row(
            "RSS at the end (peak) / active series",
            lambda r: f"{r.rss / 2**20:,.0f} MiB ({r.peak_rss / 2**20:,.0f}) / {r.active_series:,}",
        ),
        row("scrape → visible to a query, p50 / p99 / max", lag),
        row(
            "exporter CPU, cores (same fleet)",
            lambda r: f"{r.fleet_cpu / r.window:.2f}" if r.window else "-",
        ),
    ]
    return "\n".join(lines)


def report(options: IngestOptions, results: Sequence[Result], failures: Sequence[str]) -> str:
    out = [
        f"## Ingest: {options.targets} targets x {options.series:,} series every "
        f"{options.interval:g} s, {options.duration:g} s window after {options.warmup:g} s warm-up",
        "",
        f"Command: `{options.command}`",
        "",
        markdown(options, results) if results else "(no system measured)",
        "",
    ]
    for failure in failures:
        out.append(f"- NOT MEASURED: {failure}")
    for result in results:
        for note in result.notes:
            out.append(f"- {result.system}: {note}")
        for item in result.pending:
            out.append(f"- {result.system}: pending: {item}")
        if result.poller_cpu:
            out.append(
                f"- {result.system}: the lag probe (in the benchmark process) used "
                f"{result.poller_cpu / result.window:.2f} cores"
            )
    vigil = next((r for r in results if r.system == "Vigil"), None)
    if vigil is not None:
        out += ["", "Targets for one `vigil agent` (issue 3):", ""]
        out += [
            f"- {verdict}: {target} — {measured}"
            for target, measured, verdict in verdicts(vigil, options)
        ]
        if vigil.hot_spots:
            out += ["", "Agent profile over the window (py-spy, CPU samples):", "", vigil.hot_spots]
    return "\n".join(out)


# --- entry point -----------------------------------------------------------------------------


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, so cleanup runs as on Ctrl-C."""

    def handler(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(options: IngestOptions) -> tuple[list[Result], list[str]]:
    workdir = Path(tempfile.mkdtemp(prefix="vigil-bench-ingest-"))
    results: list[Result] = []
    failures: list[str] = []
    started = time.time()
    try:
        spec = FleetSpec(options.targets, options.series, options.interval, options.format)
        log(f"fleet: {options.targets} targets x {options.series} series ({workdir})")
        with FleetProcess(spec) as fleet:
            runners = {"vigil": run_vigil, "prometheus": run_prometheus}
            for name in options.systems:
                try:
                    results.append(runners[name](options, fleet, workdir / name))
                except (BenchError, OSError, subprocess.SubprocessError) as error:
                    log(f"{name}: not measured: {error}")
                    failures.append(f"{name}: {error}")
    finally:
        if options.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    log(f"done in {time.time() - started:.0f}s")
    return results, failures


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench ingest", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--series", type=int, default=2000, help="series per target")
    parser.add_argument("--interval", default="1s", help="scrape interval (and timeout)")
    parser.add_argument("--duration", default="120s", help="measured window")
    parser.add_argument("--warmup", default="15s", help="after start, before the window")
    parser.add_argument("--quick", action="store_true", help="a 20 s window, 10 s warm-up")
    parser.add_argument(
        "--format", choices=FORMATS, default="negotiate", help="exposition format the fleet serves"
    )
    parser.add_argument("--only", choices=SYSTEMS, action="append", help="measure one system")
    parser.add_argument("--poll", type=float, default=0.2, help="lag probe period, seconds")
    parser.add_argument(
        "--profile", action="store_true", help="profile the agent with py-spy (perturbs figures)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--json", dest="json_path", help="also write the raw figures here")
    return parser


def options_from(argv: Sequence[str]) -> IngestOptions:
    from promql.durations import parse_duration

    args = build_parser().parse_args(list(argv))
    duration = 20.0 if args.quick else parse_duration(args.duration)
    warmup = 10.0 if args.quick else parse_duration(args.warmup)
    interval = parse_duration(args.interval)
    if duration < 3 * interval or args.targets < 1:
        raise SystemExit("the window must hold at least three intervals, and one target")
    return IngestOptions(
        targets=args.targets,
        series=args.series,
        interval=interval,
        duration=duration,
        warmup=warmup,
        format=args.format,
        systems=tuple(args.only) if args.only else SYSTEMS,
        poll=args.poll,
        profile=args.profile,
        keep=args.keep,
        json_path=args.json_path,
        command=" ".join(["python -m bench ingest", *argv]),
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = options_from(sys.argv[1:] if argv is None else argv)
    with terminate_as_interrupt():
        try:
            results, failures = run(options)
        except KeyboardInterrupt:
            log("interrupted: child processes stopped")
            return 130
    print(report(options, results, failures))
    if options.json_path:
        payload = {
            "options": asdict(options),
            "results": [asdict(r) | {"rate": r.rate} for r in results],
            "failures": list(failures),
        }
        Path(options.json_path).write_text(json.dumps(payload, indent=2))
    return 0
