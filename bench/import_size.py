"""Bytes per sample when the same OpenMetrics file is imported into Vigil and into Prometheus.

``python -m bench import_size`` (``--quick`` for a smaller file) writes the
query benchmark's history (``bench.query.write_history``: counters and
classic histograms, by default 10,000 series x 2 h at 15 s) and imports it:

* Prometheus: ``promtool tsdb create-blocks-from openmetrics``; bytes are
  every file of the blocks it wrote, samples are their ``meta.json``
  ``numSamples``;
* Vigil: ``vigil import openmetrics`` into a new SQLite store, then
  ``vigil db compact --vacuum``; bytes are the database file and its WAL,
  samples what the store holds.

Printed: bytes per sample for both, "sample data alone" (Prometheus's
``chunks/`` files, Vigil's chunk bytes), and the ratio. Exits 0 whatever the
figures: it measures, it does not test.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.procs import free_port
from bench.query import (
    FULL,
    QUICK,
    STEP_S,
    Shape,
    load_prometheus,
    log,
    run_step,
    vigil_command,
    vigil_env,
    write_history,
    write_vigil_config,
)


def prometheus_figures(tsdb: Path) -> tuple[int, int, int]:
    """(bytes of all block files, bytes of chunk files, samples) of the blocks in ``tsdb``."""
    total = chunk_bytes = samples = 0
    for meta in tsdb.glob("*/meta.json"):
        block = meta.parent
        samples += int(json.loads(meta.read_text())["stats"]["numSamples"])
        for path in block.rglob("*"):
            if path.is_file():
                total += path.stat().st_size
                if path.parent.name == "chunks":
                    chunk_bytes += path.stat().st_size
    return total, chunk_bytes, samples


def vigil_figures(config: Path) -> tuple[int, int, int]:
    """(bytes on disk, bytes of chunk data, samples) of the store ``config`` names."""
    from sqlalchemy import func, select

    from console.config import load_config
    from store.db import database_url, open_engine
    from store.samples import CHUNKS
    from store.status import store_stats

    engine = open_engine(database_url(load_config(str(config)).config.storage))
    try:
        stats = store_stats(engine)
        with engine.connect() as connection:
            data = connection.execute(select(func.sum(func.length(CHUNKS.c.data)))).scalar_one()
        return stats.bytes_on_disk, int(data or 0), stats.samples
    finally:
        engine.dispose()


def run(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench import_size", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 series instead of 10,000")
    arguments = parser.parse_args(argv)
    shape: Shape = QUICK if arguments.quick else FULL
    with tempfile.TemporaryDirectory(prefix="vigil-bench-import-size-") as tmp:
        workdir = Path(tmp)
        history = workdir / "history.om"
        now_ms = int(time.time() * 1000)
        start_ms = now_ms - int((shape.hours + 1) * 3600_000)
        start_ms -= start_ms % (STEP_S * 1000)
        written = write_history(history, shape, start_ms)
        log(f"wrote {written:,} samples of {shape.series:,} series to {history}")
        load_prometheus(history, workdir / "tsdb")
        config = write_vigil_config(workdir, free_port())
        vigil = [*vigil_command(), "--config", str(config)]
        run_step("vigil import", [*vigil, "import", "openmetrics", str(history)], vigil_env())
        run_step("vigil compact", [*vigil, "db", "compact", "--vacuum"], vigil_env())
        prom_total, prom_chunks, prom_samples = prometheus_figures(workdir / "tsdb")
        vigil_total, vigil_chunks, vigil_samples = vigil_figures(config)
    command = shlex.join([Path(sys.executable).name, "-m", "bench", "import_size", *argv])
    rows = [
        ("samples", f"{vigil_samples:,}", f"{prom_samples:,}", ""),
        (
            "bytes per sample (all files)",
            f"{vigil_total / vigil_samples:.2f}",
            f"{prom_total / prom_samples:.2f}",
            f"{(vigil_total / vigil_samples) / (prom_total / prom_samples):.2f}",
        ),
        (
            "… sample data alone (chunks)",
            f"{vigil_chunks / vigil_samples:.2f}",
            f"{prom_chunks / prom_samples:.2f}",
            f"{(vigil_chunks / vigil_samples) / (prom_chunks / prom_samples):.2f}",
        ),
    ]
    print(f"\nImport of one OpenMetrics file ({shape.series:,} series), command `{command}`:\n")
    print("| | Vigil | Prometheus | Vigil / Prometheus |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1:]))
