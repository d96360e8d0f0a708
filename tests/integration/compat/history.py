"""A realistic generated history, written as OpenMetrics for promtool and for ``vigil import``.

About 250 series over 2.5 hours at 15 s: request counters (some reset once, as
a restarted process's do), temperature and disk gauges, a classic latency
histogram, a build-info series to join on, queue gauges of which one stops
half-way, and label values that need escaping (quote, backslash, newline,
non-ASCII). Each target scrapes at its own offset within the 15 s interval,
with a few ms of jitter, and no sample ever falls on a whole second: the test
queries at whole seconds, so no sample sits exactly on a range or lookback
boundary, where Prometheus 2.x (left-closed) and 3.x (left-open) disagree.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

STEP_MS = 15_000
POINTS = 600  # 2.5 h
JOBS = ("api", "web", "worker")
INSTANCES = tuple(f"host-{i}:9100" for i in range(1, 6))
LE = ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf")
ESCAPED_PATHS = ('a"b', "c\\d", "line1\nline2", "ünïcødé", "tab\there")
STOP_POINT = 360  # cm_queue_depth{instance="host-5:9100"} stops 90 minutes in
RESET_POINT = 250

Labels = tuple[tuple[str, str], ...]


@dataclass
class Family:
    name: str
    kind: str
    series: dict[Labels, list[tuple[int, float]]] = field(default_factory=dict)


@dataclass
class History:
    start_ms: int
    families: list[Family]

    @property
    def stop_ms(self) -> int:
        """About when the stopping series' last sample was taken."""
        return self.start_ms + STOP_POINT * STEP_MS

    @property
    def end_ms(self) -> int:
        return self.start_ms + POINTS * STEP_MS

    def series_count(self) -> int:
        return sum(len(family.series) for family in self.families)

    def write(
        self, path: Path, *, before_ms: int | None = None, after_ms: int | None = None
    ) -> int:
        """Write the samples with ``after_ms <= t < before_ms``; returns how many."""
        count = 0
        with path.open("w", encoding="utf-8") as out:
            for family in self.families:
                out.write(f"# TYPE {family.name} {family.kind}\n")
                for labels, points in family.series.items():
                    key = _key(labels)
                    for t, value in points:
                        if before_ms is not None and t >= before_ms:
                            continue
                        if after_ms is not None and t < after_ms:
                            continue
                        out.write(f"{key} {_value(value)} {t // 1000}.{t % 1000:03d}\n")
                        count += 1
            out.write("# EOF\n")
        return count


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _key(labels: Labels) -> str:
    name = dict(labels)["__name__"]
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels if k != "__name__")
    return f"{name}{{{inner}}}" if inner else name


def _value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def _labels(name: str, **pairs: str) -> Labels:
    return tuple(sorted({"__name__": name, **pairs}.items()))


class _Clock:
    """Scrape times of one target: its own offset, a little jitter, never a whole second."""

    def __init__(self, rng: random.Random, start_ms: int, index: int) -> None:
        offset = 250 + 2_011 * index + rng.randrange(0, 400)
        self.times = [start_ms + offset + i * STEP_MS + rng.randint(-3, 3) for i in range(POINTS)]
        assert all(t % 1000 not in (0, 999, 1) for t in self.times)


def generate(start_ms: int, seed: int = 42) -> History:
    rng = random.Random(seed)
    clocks = {
        (job, instance): _Clock(rng, start_ms, j * len(INSTANCES) + i)
        for j, job in enumerate(JOBS)
        for i, instance in enumerate(INSTANCES)
    }
    host_clocks = {instance: clocks[("api", instance)] for instance in INSTANCES}

    requests = Family("cm_http_requests", "counter")
    for (job, instance), clock in clocks.items():
        for method in ("GET", "POST"):
            for code in ("200", "500"):
                base_rate = rng.uniform(0.5, 20.0) * (0.05 if code == "500" else 1.0)
                resets = job == "api" and instance in INSTANCES[1:3] and method == "GET"
                total = 0.0
                points = []
                for i, t in enumerate(clock.times):
                    if resets and i == RESET_POINT:
                        total = 0.0
                    total += rng.randint(0, max(1, round(base_rate * 15 * 2)))
                    points.append((t, total))
                labels = _labels(
                    "cm_http_requests_total", job=job, instance=instance, method=method, code=code
                )
                requests.series[labels] = points

    temperature = Family("cm_temperature_celsius", "gauge")
    for instance, clock in host_clocks.items():
        for sensor in ("cpu0", "cpu1", "cpu2", "cpu3"):
            level = rng.uniform(35.0, 60.0)
            points = []
            for t in clock.times:
                level += rng.gauss(0.0, 0.4)
                points.append((t, round(level, 2) + rng.random() * 1e-6))
            temperature.series[_labels(temperature.name, instance=instance, sensor=sensor)] = points

    disk = Family("cm_disk_free_bytes", "gauge")
    for instance, clock in host_clocks.items():
        for device in ("sda", "sdb"):
            free = rng.uniform(1e10, 5e11)
            slope = rng.uniform(-2e5, 5e4)
            points = []
            for t in clock.times:
                free = max(0.0, free + slope * 15 + rng.gauss(0, 1e6))
                points.append((t, float(int(free) // 4096 * 4096)))
            disk.series[_labels(disk.name, instance=instance, device=device)] = points

    duration = Family("cm_request_duration_seconds", "histogram")
    for (job, instance), clock in clocks.items():
        scale = rng.uniform(0.05, 0.6)
        cumulative = [0.0] * len(LE)
        total = 0.0
        count = 0.0
        bucket_points: list[list[tuple[int, float]]] = [[] for _ in LE]
        sum_points: list[tuple[int, float]] = []
        count_points: list[tuple[int, float]] = []
        for t in clock.times:
            n = rng.randint(0, 40)
            for _ in range(n):
                latency = rng.expovariate(1.0 / scale)
                total += latency
                for k, le in enumerate(LE):
                    if latency <= float(le):
                        cumulative[k] += 1
            count += n
            for k in range(len(LE)):
                bucket_points[k].append((t, cumulative[k]))
            sum_points.append((t, round(total, 6)))
            count_points.append((t, count))
        for k, le in enumerate(LE):
            name = "cm_request_duration_seconds_bucket"
            duration.series[_labels(name, job=job, instance=instance, le=le)] = bucket_points[k]
        duration.series[_labels(f"{duration.name}_sum", job=job, instance=instance)] = sum_points
        duration.series[_labels(f"{duration.name}_count", job=job, instance=instance)] = (
            count_points
        )

    build = Family("cm_build_info", "gauge")
    for (job, instance), clock in clocks.items():
        version = f"v{1 + JOBS.index(job)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}"
        labels = _labels(build.name, job=job, instance=instance, version=version)
        build.series[labels] = [(t, 1.0) for t in clock.times]

    queue = Family("cm_queue_depth", "gauge")
    for instance, clock in host_clocks.items():
        for name in ("ingest", "email"):
            stops = instance == INSTANCES[-1] and name == "ingest"
            times = clock.times[:STOP_POINT] if stops else clock.times
            queue.series[_labels(queue.name, instance=instance, queue=name)] = [
                (t, float(rng.randint(0, 500))) for t in times
            ]

    escapes = Family("cm_escapes", "gauge")
    clock = host_clocks[INSTANCES[0]]
    for k, path in enumerate(ESCAPED_PATHS):
        escapes.series[_labels(escapes.name, path=path)] = [
            (t, float(k * 1000 + i)) for i, t in enumerate(clock.times)
        ]

    return History(start_ms, [requests, temperature, disk, duration, build, queue, escapes])


def every_label_value(history: History, name: str) -> Iterable[str]:
    for family in history.families:
        for labels in family.series:
            value = dict(labels).get(name)
            if value is not None:
                yield value


def series_names(history: History) -> Sequence[str]:
    return sorted({dict(labels)["__name__"] for f in history.families for labels in f.series})
