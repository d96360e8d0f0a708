"""Where a Python process spends its CPU: py-spy over the measured window, summarised.

py-spy is a diagnosis tool, not a dependency: ``pip install py-spy`` into the
venv (or anywhere on PATH) and pass ``--profile`` to ``python -m bench ingest``.
Samples are taken without pausing the process (``--nonblocking``) from threads
that are running (idle threads are left out by py-spy). The summary names the
frames with the most samples three ways: the innermost frame (self time), the
innermost frame in Vigil's own packages (which part of Vigil asked for the
work, library calls included), and Vigil's functions anywhere on the stack
(inclusive time). Time a thread spends blocked inside a C call (waiting for
SQLite's write lock in ``BEGIN IMMEDIATE``, say) may count as running.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections import Counter
from pathlib import Path

from bench.procs import Child

VIGIL_PACKAGES = ("console/", "collectors/", "store/", "promql/", "alerts/", "dashboards/")
TOP = 15


def py_spy() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


class Profiler:
    def __init__(self, child: Child, output: Path, duration: float) -> None:
        self.child = child
        self.output = output
        self.deadline = time.time() + duration + 60


def start(pid: int, duration: float, workdir: Path) -> Profiler | None:
    binary = py_spy()
    if binary is None:
        print("py-spy not found: no profile (pip install py-spy)", file=sys.stderr)
        return None
    output = workdir / "profile.txt"
    argv = [
        binary,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, round(duration))),
        "--rate",
        "50",
        "--format",
        "raw",
        "--nonblocking",
        "--nolineno",
        "--output",
        str(output),
    ]
    return Profiler(Child(argv, workdir / "py-spy.log"), output, duration)


def finish(profiler: Profiler) -> str:
    """Wait for py-spy to write its file (bounded) and return the summary."""
    while profiler.child.alive() and time.time() < profiler.deadline:
        time.sleep(0.5)
    profiler.child.stop(grace=10)
    if not profiler.output.exists():
        return "(py-spy wrote no profile: " + profiler.child.log_tail(3) + ")"
    return summarise(profiler.output.read_text())


def _short(frame: str) -> str:
    """``func (path/to/module.py)`` → ``func (module.py)`` keeping the package for Vigil's."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for package in VIGIL_PACKAGES:
        index = where.find(package)
        if index >= 0:
            return f"{name} ({where[index:]})"
    return f"{name} ({where.rsplit('/', 2)[-1] if '/' in where else where})"


def summarise(raw: str) -> str:
    own: Counter[str] = Counter()
    vigil: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if f.strip()]
        if frames and frames[0].startswith(("process ", "thread ")):
            frames = frames[1:]
        if not frames:
            continue
        total += count
        own[_short(frames[-1])] += count
        in_vigil = [f for f in frames if any(p in f for p in VIGIL_PACKAGES)]
        vigil[_short(in_vigil[-1]) if in_vigil else "(outside Vigil's code)"] += count
        for frame in {_short(f) for f in in_vigil}:
            inclusive[frame] += count
    if not total:
        return "(the profile holds no samples)"

    def table(title: str, counts: Counter[str]) -> list[str]:
        rows = [f"| {title} | share of samples |", "|---|---|"]
        rows += [f"| `{frame}` | {n / total:.1%} |" for frame, n in counts.most_common(TOP)]
        return rows

    lines = [f"{total:,} samples of running threads.", ""]
    lines += [*table("innermost frame (self)", own), ""]
    lines += [*table("innermost frame in Vigil's code", vigil), ""]
    lines += table("Vigil function anywhere on the stack (inclusive)", inclusive)
    return "\n".join(lines)
