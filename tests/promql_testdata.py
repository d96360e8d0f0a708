"""Where the PromQL test scripts are: $VIGIL_PROMQL_TESTDATA, else ../shared beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def promql_testdata_dir() -> Path:
    configured = os.environ.get("VIGIL_PROMQL_TESTDATA")
    if configured:
        return Path(configured)
    return (REPO / ".." / "shared" / "promql-conformance").resolve()
