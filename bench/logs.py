"""Logs benchmark: ingesting JSON lines from files into SQLite, and term search.

``python -m bench logs`` runs both parts on one core (one Python thread):

1. Ingest: ``--ingest-lines`` demo-shaped JSON lines in four files are read by
   the ``file`` source, parsed by the ``json`` parser, counted into
   ``log_messages_total`` and stored (``log_lines`` + FTS5) by the agent's
   tail job (``collectors.logs.tail.LogTail``), poll after poll, until every
   line is in. Figure: lines per second of wall time, and of process CPU.
2. Search: ``--lines`` (10 million by default) lines spread over 24 hours are
   written straight into a fresh SQLite store in the store's own multi-row
   statements (the FTS5 index filled by the same trigger as in production), then each query runs
   ``--repeat`` times through ``SqlLogStore.search`` over the whole 24 h
   window, newest 100 lines first, as ``GET /api/v1/logs`` does. Figure: the
   median and worst time per query, and how many lines it matches.

Everything stays in a temporary directory, removed at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select

from collectors.config import LogSourceConfig
from collectors.logs.build import build_source
from collectors.logs.tail import LogTail
from store.db import open_engine, upgrade
from store.logs.query import parse_query
from store.logs.sql import LINES, SqlLogStore, insert_sqlite_rows
from store.series import SeriesIndex

SERVICES = ("gateway", "orders", "search", "payments", "inventory", "db", "cache", "worker")
MESSAGES = (
    (70, "info", "request completed"),
    (10, "warn", "slow request"),
    (8, "error", "upstream call failed: {peer}"),
    (5, "error", "connection refused by {peer}-db"),
    (4, "error", "unhandled exception while handling request"),
    (2, "error", "upstream call timed out: {peer}"),
    (1, "fatal", "pool exhausted for order {order}"),
)
QUERIES = (
    "timed",
    '"connection refused"',
    "service:payments level>=error",
    "exhausted",
    "order1234567",
    "completed",
)
DAY_MS = 86_400_000


def _message(rng: random.Random) -> tuple[str, str]:
    weights = [weight for weight, _, _ in MESSAGES]
    _, level, template = rng.choices(MESSAGES, weights)[0]
    text = template.format(peer=rng.choice(SERVICES), order=f"order{rng.randrange(10**7)}")
    return level, text


def _write_files(directory: Path, lines: int, rng: random.Random) -> None:
    start_ms = int(time.time() * 1000) - 3_600_000
    handles = [(directory / f"svc{n}.log").open("w") for n in range(4)]
    for n in range(lines):
        level, text = _message(rng)
        record = {
            "ts": start_ms + n,
            "service": SERVICES[n % len(SERVICES)],
            "level": level.upper(),
            "msg": text,
            "trace_id": f"{rng.getrandbits(128):032x}",
            "route": "/api/orders",
            "status": 200,
            "duration_ms": round(rng.random() * 100, 3),
        }
        handles[n % 4].write(json.dumps(record, separators=(",", ":")) + "\n")
    for handle in handles:
        handle.close()


def bench_ingest(directory: Path, lines: int, rng: random.Random) -> None:
    logs = directory / "ingest-logs"
    logs.mkdir()
    _write_files(logs, lines, rng)
    database = open_engine(f"sqlite:///{directory / 'ingest.db'}")
    upgrade(database)
    config = LogSourceConfig(name="bench", paths=[str(logs / "*.log")], max_read_bytes=1 << 20)
    tail = LogTail("bench", build_source(config), SqlLogStore(database), database, SeriesIndex())
    wall, cpu = time.perf_counter(), time.process_time()
    stored = 0
    while stored < lines:
        stored += tail.run_once()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with database.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(LINES)).scalar_one()
    print(f"ingest: {stored:,} JSON lines from 4 files into SQLite (rows: {rows:,})")
    print(f"  {stored / wall:,.0f} lines/s wall, {stored / cpu:,.0f} lines/s of CPU "
          f"({wall:.2f} s wall, {cpu:.2f} s CPU)")
    database.dispose()


def _fill(path: Path, lines: int, rng: random.Random, now_ms: int) -> float:
    """Write ``lines`` rows over the last 24 h as the store does; returns seconds taken."""
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = OFF")
    step = DAY_MS / lines
    batch = 200_000
    levels = {"trace": 0, "debug": 1, "info": 2, "warn": 3, "error": 4, "fatal": 5}
    for first in range(0, lines, batch):
        rows = []
        for n in range(first, min(lines, first + batch)):
            level, text = _message(rng)
            rows.append((now_ms - DAY_MS + int(n * step), SERVICES[n % 8], levels[level],
                         f"{n:032x}", "bench", text, "{}"))
        connection.execute("BEGIN")
        insert_sqlite_rows(connection.execute, rows)
        connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()
    return time.perf_counter() - started


def bench_search(directory: Path, lines: int, repeat: int, rng: random.Random) -> None:
    path = directory / "search.db"
    database = open_engine(f"sqlite:///{path}")
    upgrade(database)
    now_ms = int(time.time() * 1000)
    seconds = _fill(path, lines, rng, now_ms)
    size = sum(p.stat().st_size for p in directory.glob("search.db*"))
    print(f"search: {lines:,} lines over 24 h written in {seconds:.0f} s "
          f"({lines / seconds:,.0f} lines/s with FTS5), {size / 2**30:.2f} GiB on disk")
    store = SqlLogStore(database)
    for text in QUERIES:
        query = parse_query(text)
        timings = []
        found = 0
        for _ in range(repeat):
            started = time.perf_counter()
            page = store.search(query, start_ms=now_ms - DAY_MS, end_ms=now_ms, limit=100)
            timings.append(time.perf_counter() - started)
            found = len(page.lines)
        with database.connect() as connection:
            from store.logs.query_sql import compile_where

            matching = connection.execute(
                select(func.count()).select_from(LINES).where(compile_where(query, LINES, "sqlite"))
            ).scalar_one()
        print(f"  {text:32} median {statistics.median(timings) * 1000:7.1f} ms, "
              f"max {max(timings) * 1000:7.1f} ms; page {found}, matching {matching:,}")
    database.dispose()


def run(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench logs", description=__doc__)
    parser.add_argument("--ingest-lines", type=int, default=200_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="50k ingested, 1M searched")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args(argv)
    if options.quick:
        options.ingest_lines, options.lines = 50_000, 1_000_000
    rng = random.Random(6)
    directory = Path(tempfile.mkdtemp(prefix="vigil-bench-logs-"))
    try:
        bench_ingest(directory, options.ingest_lines, rng)
        if not options.skip_search:
            bench_search(directory, options.lines, options.repeat, rng)
    finally:
        if options.keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 0
