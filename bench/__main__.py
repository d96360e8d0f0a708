"""``python -m bench`` runs every benchmark; ``python -m bench NAME [options]`` runs one.

Benchmarks, in the order ``python -m bench`` (``make bench``) runs them:

* ``chunk_codec``: bytes per sample and speed of the chunk encoding;
* ``ingest``: one ``vigil agent`` against Prometheus scraping a synthetic fleet;
* ``query``: the same history in Vigil and Prometheus, the same queries;
* ``import_size``: bytes per sample of one OpenMetrics file imported into both;
* ``alerting``: 1,000 rules over the demo fleet, and firing-to-webhook delay;
* ``auth``: a password hash, and what caller resolution adds to a request;
* ``bottlenecks``: top-1 accuracy and time to detection per demo fault;
* ``logs``: JSON lines from files into SQLite, and term search over 10M lines;
* ``checks``: 1,000 HTTP health checks at a 10 s interval from one agent;
* ``console``: a 12-panel dashboard drawn in headless Chromium, and the panel-data API.

Options after the name go to that benchmark (``python -m bench ingest --help``);
options without a name (``python -m bench --quick``) go to every benchmark but
``chunk_codec``. A benchmark module that is not there is skipped. Every
benchmark prints its figures and exits 0 whatever they are.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import cast

BENCHMARKS: dict[str, tuple[str, str]] = {
    "chunk_codec": ("bench.chunk_codec", "main"),
    "ingest": ("bench.ingest", "main"),
    "query": ("bench.query", "run"),
    "import_size": ("bench.import_size", "run"),
    "alerting": ("bench.alerting", "run"),
    "auth": ("bench.auth", "run"),
    "bottlenecks": ("bench.bottlenecks", "run"),
    "logs": ("bench.logs", "run"),
    "checks": ("bench.checks", "run"),
    "console": ("bench.console", "run"),
}
"""Name → (module, entry point taking the argument list)."""
NO_SHARED_OPTIONS = frozenset({"chunk_codec"})


def entry_point(name: str) -> Callable[[list[str]], int | None] | None:
    module_name, function = BENCHMARKS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        return None
    return cast(Callable[[list[str]], "int | None"], getattr(module, function))


def run_one(name: str, argv: Sequence[str]) -> int:
    entry = entry_point(name)
    if entry is None:
        print(f"benchmark {name!r} is not in this checkout: skipped", file=sys.stderr)
        return 0
    return entry(list(argv)) or 0


def main(argv: Sequence[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv and argv[0] in BENCHMARKS:
        return run_one(argv[0], argv[1:])
    if argv and not argv[0].startswith("-"):
        print(f"unknown benchmark {argv[0]!r}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    status = 0
    for name in BENCHMARKS:
        print(f"\n# {name}\n", flush=True)
        status = max(status, run_one(name, [] if name in NO_SHARED_OPTIONS else argv))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
