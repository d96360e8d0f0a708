"""A real console (``vigil serve``, gunicorn) over a store holding the demo fleet's history.

Shared by the browser tests and ``bench/console.py``: a SQLite file filled by
``tests.console_store``, a vigil.yml with anonymous read and a dashboards folder,
and the console on a free 127.0.0.1 port.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import yaml

from store.compaction import compact
from store.db import open_engine, upgrade
from tests.console_store import fill_demo_logs, fill_demo_store
from tests.processes import free_port, start, stop, wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def write_console_config(
    directory: Path, *, port: int, dashboards: Path, extra: dict[str, Any] | None = None
) -> Path:
    config = {
        "storage": {"url": f"sqlite:///{directory / 'vigil.db'}"},
        "server": {"bind": f"127.0.0.1:{port}", "workers": 2},
        "auth": {"anonymous_read": True, "secret_key": "browser-test-secret"},
        "dashboards": {"path": str(dashboards)},
        **(extra or {}),
    }
    path = directory / "vigil.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@contextmanager
def running_console(
    directory: Path,
    *,
    dashboards: Path,
    minutes: float = 30.0,
    end: float | None = None,
    fault: str | None = None,
) -> Iterator[str]:
    """The console's base URL while it runs; the store ends ``minutes`` of history at ``end``.

    The history holds metrics and log lines; ``fault`` (a ``demo.FAULTS`` name)
    starts three minutes before the end, so the Bottlenecks page has a culprit.
    """
    engine = open_engine(f"sqlite:///{directory / 'vigil.db'}")
    upgrade(engine)
    end = time.time() if end is None else end
    fill_demo_store(engine, end=end, minutes=minutes, fault=fault)
    fill_demo_logs(engine, end=end, minutes=minutes)
    # As the agent leaves it: history in chunks (it compacts every minute).
    compact(engine, until_ms=2**62, force_merge_before_ms=2**62)
    engine.dispose()
    port = free_port()
    config = write_console_config(directory, port=port, dashboards=dashboards)
    process = start(config, "serve")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(
            lambda: requests.get(f"{url}/-/ready", timeout=2).status_code == 200,
            30,
            "the console to be ready",
        )
        yield url
    finally:
        stop(process)
