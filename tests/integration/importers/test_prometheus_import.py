"""``vigil import prometheus`` against a real Prometheus backfilled by promtool.

The data goes file → promtool → Prometheus TSDB → HTTP API → Vigil's store and
must come out with the very timestamps and values it went in with, including
samples on slice boundaries (where range semantics could double or drop them).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from collectors.importers.prometheus import connect, import_prometheus
from promql.labels import Labels
from store.series import SeriesIndex
from tests.integration.importers.helpers import Points, nan_safe, run_cli, stored
from tests.prometheus_server import PrometheusServer, create_blocks, require_binary

STEP_MS = 15_000
POINTS = 480  # two hours at 15s


@dataclass
class Backfilled:
    server: PrometheusServer
    expected: Points
    start_ms: int
    end_ms: int


def _history(start_ms: int) -> tuple[str, Points]:
    """OpenMetrics text and the samples it holds: counters, a histogram, odd gauge values."""
    expected: Points = {}
    lines = ["# TYPE bf_requests counter"]
    for code in ("200", "500"):
        labels: Labels = (("__name__", "bf_requests_total"), ("code", code), ("path", 'x"y\\z'))
        expected[labels] = [(start_ms + i * STEP_MS, float(i * (3 if code == "500" else 1)))
                            for i in range(POINTS)]  # fmt: skip
        expected[(("__name__", "bf_requests_created"), *labels[1:])] = [(start_ms, 1e9)]
    lines += _lines(expected)
    histogram: Points = {}
    for le in ("0.1", "1.0", "+Inf"):
        histogram[(("__name__", "bf_latency_seconds_bucket"), ("le", le))] = [
            (start_ms + i * STEP_MS, float(i * len(le))) for i in range(POINTS)
        ]
    histogram[(("__name__", "bf_latency_seconds_sum"),)] = [
        (start_ms + i * STEP_MS, i * 0.1) for i in range(POINTS)
    ]
    lines += ["# TYPE bf_latency_seconds histogram", *_lines(histogram)]
    odd: Points = {
        (("__name__", "bf_gauge"),): [
            (start_ms + 1, -0.0),
            (start_ms + 7_001, math.inf),
            (start_ms + 900_000, 1e-300),  # on a 15m slice boundary
            (start_ms + 900_001, math.nan),
            (start_ms + 3_600_123, -math.inf),
            (start_ms + 7_199_999, 123456789.123456789),
        ]
    }
    lines += ["# TYPE bf_gauge gauge", *_lines(odd), "# EOF", ""]
    return "\n".join(lines), {**expected, **histogram, **odd}


def _lines(points: Points) -> list[str]:
    out = []
    for labels, series in points.items():
        name = dict(labels)["__name__"]
        inner = ",".join(
            f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
            for k, v in labels
            if k != "__name__"
        )
        key = f"{name}{{{inner}}}" if inner else name
        out += [f"{key} {_om_value(v)} {ts // 1000}.{ts % 1000:03d}" for ts, v in series]
    return out


def _om_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


@pytest.fixture(scope="module")
def backfilled(
    tmp_path_factory: pytest.TempPathFactory, start_prometheus: Callable[[Path], PrometheusServer]
) -> Backfilled:
    """A Prometheus holding two hours that ended an hour before the test began."""
    now_ms = int(time.time() * 1000)
    start_ms = now_ms - 3 * 3600_000
    start_ms -= start_ms % STEP_MS
    text, expected = _history(start_ms)
    work = tmp_path_factory.mktemp("backfill")
    source = work / "history.om"
    source.write_text(text, encoding="utf-8")
    tsdb = work / "tsdb"
    create_blocks(source, tsdb)
    end_ms = max(ts for series in expected.values() for ts, _ in series)
    return Backfilled(start_prometheus(tsdb), expected, start_ms, end_ms)


@pytest.mark.postgres
def test_the_cli_copies_every_raw_sample_exactly(
    database: Engine,
    backfilled: Backfilled,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    arguments = [
        "import", "prometheus", "--url", backfilled.server.url,
        "--match", '{__name__=~"bf_.+"}', "--match", "bf_requests_total",
        "--since", f"{backfilled.start_ms / 1000:.3f}",
        "--until", f"{backfilled.end_ms / 1000:.3f}", "--slice", "15m",
    ]  # fmt: skip
    assert run_cli(monkeypatch, tmp_path, database, *arguments) == 0
    total = sum(len(series) for series in backfilled.expected.values())
    out = capsys.readouterr().out
    assert out.startswith(f"imported {total:,} samples of {len(backfilled.expected)} series")
    assert nan_safe(stored(database)) == nan_safe(backfilled.expected)


@pytest.mark.postgres
def test_a_window_takes_exactly_the_samples_inside_it(
    database: Engine, backfilled: Backfilled
) -> None:
    low, high = backfilled.start_ms + 900_000, backfilled.start_ms + 3_600_123
    stats = import_prometheus(
        connect(backfilled.server.url), ["bf_gauge", "bf_requests_total"], low, high,
        database, SeriesIndex(), slice_ms=7 * 60_000 + 1,
    )  # fmt: skip
    wanted = {
        labels: [(ts, v) for ts, v in series if low <= ts <= high]
        for labels, series in backfilled.expected.items()
        if dict(labels)["__name__"] in ("bf_gauge", "bf_requests_total")
    }
    assert nan_safe(stored(database)) == nan_safe(wanted)
    assert stats.samples == sum(len(series) for series in wanted.values())


def test_a_missing_binary_fails_the_test_instead_of_skipping_it() -> None:
    with pytest.raises(pytest.fail.Exception, match="'no-such-prometheus' binary is required"):
        require_binary("no-such-prometheus")
