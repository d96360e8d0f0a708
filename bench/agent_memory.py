"""Where the agent's memory per series goes: its scrape path in process, measured by part.

``python -m bench.agent_memory [--targets 50] [--series 2000] [--rounds 3 | --run 60]``

Starts the synthetic fleet (``bench.synthetic_fleet``), builds the agent's
scrape jobs from a generated ``vigil.yml`` exactly as ``vigil agent`` does,
and runs every target's scrape ``--rounds`` times in this thread (each scrape
committed on its own: no scheduler, no writer thread, so the figures are the
data structures, not thread stacks or queues). With ``--run SECONDS`` it runs
the whole agent instead (scheduler, writer, compactor, ``malloc_trim`` every
30 s unless ``--no-trim``) and prints RSS every 5 s. Then it prints RSS,
resident memory by kind of mapping and pymalloc's own account; with
``--tracemalloc``, the Python allocations still live, by source line, and the
size of each per-target structure (series-text cache, staleness set,
series-id cache).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import yaml

from bench.synthetic_fleet import FleetProcess, FleetSpec
from collectors.scrape_loop import ScrapeLoop
from console.agent import Agent, AgentResources, PeriodicJob
from console.config import LoadedConfig
from console.jobs import scrape_jobs
from console.memory import TRIM_INTERVAL_SECONDS, release_free_memory


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def deep_size(root: Any, seen: set[int]) -> int:
    """Bytes of ``root`` and everything it holds that ``seen`` does not have yet."""
    total = 0
    stack = [root]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (tuple, list, set, frozenset)):
            stack.extend(item)
        elif hasattr(item, "__dict__"):
            stack.append(vars(item))
        elif hasattr(item, "__slots__"):
            stack.extend(getattr(item, name) for name in item.__slots__ if hasattr(item, name))
    return total


def mappings_kib() -> dict[str, int]:
    """Resident KiB by kind of mapping: files, the brk heap, thread stacks, other anonymous."""
    kinds: dict[str, int] = {}
    kind = "other"
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and ":" not in fields[0]:
            name = fields[5] if len(fields) > 5 else ""
            if name.startswith("/"):
                kind = "files (code, libraries)"
            elif name == "[heap]":
                kind = "brk heap (glibc main arena)"
            elif name.startswith("["):
                kind = name
            else:  # neighbouring maps merge, so their sizes tell nothing apart
                kind = "anonymous maps (pymalloc arenas, other glibc arenas, stacks, arrays)"
        elif fields[0] == "Rss:":
            kinds[kind] = kinds.get(kind, 0) + int(fields[1])
    return kinds


def pymalloc_kib() -> dict[str, int]:
    """pymalloc's own account (``sys._debugmallocstats``): objects under 512 bytes."""
    with tempfile.TemporaryFile("w+") as out:
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read()
    wanted = {
        "# bytes in allocated blocks": "in live objects",
        "# bytes in available blocks": "free in used pools",
        "# bytes lost to pool headers": "pool headers",
        "# bytes lost to quantization": "quantization",
        "# bytes lost to arena alignment": "arena alignment",
    }
    found: dict[str, int] = {}
    for line in text.splitlines():
        name, _, value = line.partition("=")
        if name.strip() in wanted:
            found[wanted[name.strip()]] = int(value.strip().replace(",", "")) // 1024
    for line in text.splitlines():
        if "unused pools" in line:
            found["in empty pools"] = int(line.split("=")[1].strip().replace(",", "")) // 1024
    return found


def measure(agent: Agent, loops: list[ScrapeLoop], what: str, traced: bool) -> None:
    before, started = rss_kib(), time.perf_counter()
    found = gc.collect()
    print(
        f"RSS {before / 1024:.1f} MiB; a full gc.collect() found {found:,} objects"
        f" in {time.perf_counter() - started:.3f} s"
    )
    index = agent.resources.index
    series = len(index._ids)
    print(f"series: {series:,}; RSS after {what}: {rss_kib() / 1024:.1f} MiB")
    for kind, kib in sorted(mappings_kib().items(), key=lambda item: -item[1]):
        print(f"  {kib / 1024:7.1f} MiB  {kind}")
    print("  pymalloc: " + ", ".join(f"{k} {v / 1024:.1f} MiB" for k, v in pymalloc_kib().items()))
    if traced:
        snapshot = tracemalloc.take_snapshot()
        total = sum(stat.size for stat in snapshot.statistics("filename"))
        print(f"traced Python allocations: {total / 1024 / 1024:.1f} MiB")
        for stat in snapshot.statistics("lineno")[:25]:
            frame = stat.traceback[0]
            print(
                f"  {stat.size / 1024 / 1024:7.1f} MiB {stat.size / series:7.0f} B/series"
                f"  {stat.count:9,}  {frame.filename.split('wt-memory/')[-1]}:{frame.lineno}"
            )
        seen: set[int] = set()
        parts = {
            "SeriesIndex._ids (labels and ids)": index._ids,
            "scrape caches (series text -> labels)": [loop._caches for loop in loops],
            "staleness state (previous series)": [loop._state for loop in loops],
        }
        for name, part in parts.items():
            size = deep_size(part, seen)
            print(f"  {name}: {size / 1024 / 1024:.1f} MiB, {size / series:.0f} B/series")
        tracemalloc.stop()
    release_free_memory()
    print(f"RSS after malloc_trim: {rss_kib() / 1024:.1f} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument(
        "--run",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="instead of --rounds, run the whole agent (scheduler, writer, compactor) this long",
    )
    parser.add_argument(
        "--no-trim",
        action="store_true",
        help="with --run: no malloc_trim every 30 s (what the agent does, console.memory)",
    )
    options = parser.parse_args(argv)

    from console.config import load_config
    from store.db import open_engine, upgrade

    gc.collect()
    print(f"RSS after imports: {rss_kib() / 1024:.1f} MiB")
    spec = FleetSpec(targets=options.targets, series=options.series)
    with tempfile.TemporaryDirectory() as tmp, FleetProcess(spec) as fleet:
        workdir = Path(tmp)
        config = workdir / "vigil.yml"
        config.write_text(
            yaml.safe_dump(
                {
                    "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
                    "storage": {"data_dir": str(workdir / "data")},
                    "scrape_configs": [
                        {"job_name": "bench", "static_configs": [{"targets": fleet.addresses()}]}
                    ],
                }
            )
        )
        loaded = load_config(str(config))
        engine = open_engine(f"sqlite:///{workdir / 'data' / 'vigil.db'}")
        upgrade(engine)
        print(f"RSS with the store open: {rss_kib() / 1024:.1f} MiB")
        if options.tracemalloc:
            tracemalloc.start(1)
        loops: list[ScrapeLoop] = []

        def scrape_builder(loaded: LoadedConfig, resources: AgentResources) -> list[PeriodicJob]:
            jobs = list(scrape_jobs(loaded, resources))
            loops.extend(job.run.__self__ for job in jobs)  # type: ignore[attr-defined]
            return jobs

        agent = Agent(loaded, engine, builders=[scrape_builder])
        if options.run:
            agent.start()
            started = time.monotonic()
            next_trim = started + TRIM_INTERVAL_SECONDS
            while (elapsed := time.monotonic() - started) < options.run:
                time.sleep(min(5.0, options.run - elapsed))
                print(f"  {time.monotonic() - started:5.1f} s: RSS {rss_kib() / 1024:.1f} MiB")
                if not options.no_trim and time.monotonic() >= next_trim:
                    release_free_memory()
                    next_trim += TRIM_INTERVAL_SECONDS
            threads = threading.active_count()
            print(f"threads while running: {threads}; pool: {engine.pool.status()}")
            measure(agent, loops, f"{options.run:g} s of agent", options.tracemalloc)
            agent.stop()
        else:
            jobs = agent.build_jobs(loaded)
            for _ in range(options.rounds):
                for job in jobs:
                    job.run()
            measure(agent, loops, f"{options.rounds} rounds", options.tracemalloc)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
