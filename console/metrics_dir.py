"""The multiprocess-metrics directory gunicorn's workers share.

prometheus-client decides at import time whether values live in memory or in
files under ``PROMETHEUS_MULTIPROC_DIR``, so ``vigil serve`` must set it before
anything imports prometheus_client; this module therefore imports nothing of it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_metrics_dir(data_dir: str) -> None:
    """Fresh multiprocess metrics for this server run (stale files would be summed in)."""
    if os.environ.get(MULTIPROC_ENV):
        return
    directory = Path(data_dir).resolve() / "run" / "console-metrics"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(directory)
