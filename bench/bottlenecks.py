"""Bottleneck analysis benchmark: top-1 accuracy and time to detection per demo fault.

``python -m bench.bottlenecks`` (or ``python -m bench bottlenecks``; ``--quick``
for one seed) pre-generates the demo fleet's history for each fault in
``demo.FAULTS`` (``demo.iter_history``: a scrape every 15 s, the fault starting
after ``FAULT_DELAY`` s), loads it into an in-memory querier and runs
``analysis.analyze`` as the console would, with a window of the last
``WINDOW`` s (baseline: the same length before it), its end stepping every
15 s from the fault's start to two minutes after it.

Per fault it reports top-1 accuracy (the injected service ranked first with a
score at the threshold, two minutes after the start), the time to detection
(the first end time from which it stays so) and the analysis time per call;
with no fault, the highest score seen. Exits 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import io
import shlex
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from analysis.analyze import Report, analyze
from analysis.config import AnalysisConfig
from analysis.source import RangeQuery
from collectors.importers.openmetrics import read_openmetrics
from demo import FAULTS, HistoryScrape, iter_history
from promql.engine import Engine
from promql.memory import MemoryQuerier
from promql.values import Matrix

START = 1_700_000_000.0
FAULT_DELAY = 660.0
WINDOW = 300.0
HORIZON = 120.0
SCRAPE_STEP = 15.0


def load_scrapes(scrapes: Iterable[HistoryScrape]) -> MemoryQuerier:
    """Simulated scrapes (OpenMetrics with timestamps) in an in-memory querier."""
    querier = MemoryQuerier()
    for scrape in scrapes:
        for samples in read_openmetrics(io.StringIO(scrape.text)):
            for labels, t_ms, value in samples:
                querier.add(labels, t_ms, value)
    return querier


def demo_history(fault: str | None, *, seed: int = 0, until: float = HORIZON) -> MemoryQuerier:
    """The demo fleet's scrapes from START to ``until`` s after the fault's start."""
    end = START + FAULT_DELAY + until
    return load_scrapes(
        iter_history(START, end, SCRAPE_STEP, fault=fault, fault_delay=FAULT_DELAY, seed=seed)
    )


def engine_query(querier: MemoryQuerier, engine: Engine | None = None) -> RangeQuery:
    """Vigil's engine over ``querier`` as the analysis's query function."""
    chosen = engine or Engine()

    def query(expression: str, start: float, end: float, step: float) -> Matrix:
        return chosen.range_query(querier, expression, start, end, step)

    return query


def analyze_at(query: RangeQuery, after: float, config: AnalysisConfig) -> Report:
    """The analysis of the last WINDOW s, ``after`` s after the fault's start."""
    end = START + FAULT_DELAY + after
    return analyze(query, config, end - WINDOW, end)


@dataclass(frozen=True)
class FaultResult:
    fault: str
    service: str
    top: str
    score: float
    correct: bool
    detected_after: float | None
    """First end time (s after the start) from which the service stays top and above
    the threshold up to the horizon; None if it is not at the horizon."""
    seconds_per_analysis: float


def evaluate_fault(
    fault: str, *, seed: int = 0, every: float = SCRAPE_STEP, horizon: float = HORIZON
) -> FaultResult:
    config = AnalysisConfig()
    query = engine_query(demo_history(fault, seed=seed, until=horizon))
    service = FAULTS[fault].service
    durations: list[float] = []
    detected: float | None = None
    report: Report | None = None
    after = every
    while after <= horizon + 1e-9:
        began = time.perf_counter()
        report = analyze_at(query, after, config)
        durations.append(time.perf_counter() - began)
        first = report.suspects[0] if report.suspects else None
        hit = first is not None and first.service == service and first.score >= config.threshold
        detected = (detected if detected is not None else after) if hit else None
        after += every
    assert report is not None
    first = report.suspects[0] if report.suspects else None
    return FaultResult(
        fault=fault,
        service=service,
        top=first.service if first else "",
        score=first.score if first else 0.0,
        correct=detected is not None,
        detected_after=detected,
        seconds_per_analysis=statistics.median(durations),
    )


def quiet_max_score(*, seed: int = 0, every: float = 60.0, horizon: float = HORIZON) -> float:
    """The highest suspect score over a fault-free history, at several end times."""
    config = AnalysisConfig()
    query = engine_query(demo_history(None, seed=seed, until=horizon))
    best, after = 0.0, -FAULT_DELAY + 2 * WINDOW
    while after <= horizon + 1e-9:
        report = analyze_at(query, after, config)
        best = max([best, *(s.score for s in report.suspects)])
        after += every
    return best


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench bottlenecks", description=__doc__)
    parser.add_argument("--seeds", type=int, default=3, help="simulations per fault (3)")
    parser.add_argument("--quick", action="store_true", help="one seed")
    return parser


def run(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    seeds = 1 if args.quick else args.seeds
    results = [evaluate_fault(name, seed=seed) for name in FAULTS for seed in range(seeds)]
    quiet = max(quiet_max_score(seed=seed) for seed in range(seeds))
    command = "python -m bench bottlenecks " + shlex.join(list(argv))
    print(f"command: {command.strip()}")
    print(
        "| fault | injected service | top-1 accuracy | time to detection (s, median / max) "
        "| top score | analysis time (s) |"
    )
    print("|---|---|---|---|---|---|")
    for name in FAULTS:
        mine = [r for r in results if r.fault == name]
        hits = [r for r in mine if r.correct]
        delays = [r.detected_after for r in hits if r.detected_after is not None]
        delay = f"{statistics.median(delays):.0f} / {max(delays):.0f}" if delays else "-"
        print(
            f"| {name} | {mine[0].service} | {len(hits)}/{len(mine)} | {delay} "
            f"| {statistics.median(r.score for r in mine):.2f} "
            f"| {statistics.median(r.seconds_per_analysis for r in mine):.2f} |"
        )
    print(
        f"| (no fault) | - | - | - | max {quiet:.2f} (threshold "
        f"{AnalysisConfig().threshold:g}) | - |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
