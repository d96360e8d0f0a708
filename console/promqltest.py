"""`vigil promql-test`: Prometheus's PromQL test scripts against our engine."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from promql.testscript import run_script


def run_files(paths: Sequence[str]) -> int:
    """Print each failure as file:line, then `N passed, N failed, N skipped`."""
    passed = failed = skipped = 0
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            print(f"{path}: {error.strerror}", file=sys.stderr)
            failed += 1
            continue
        result = run_script(text, path)
        for failure in result.failures:
            print(f"{failure.file}:{failure.line}: {failure.message}")
        passed += result.passed
        failed += result.failed
        skipped += result.skipped
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0
