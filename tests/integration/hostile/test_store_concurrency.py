"""The store under concurrency: `vigil serve` with 4 gunicorn workers and `vigil agent` at once.

A bounded load generator (``LOAD_THREADS`` threads, each one request at a time)
queries the console while the agent scrapes the demo fleet every second, on
SQLite and on PostgreSQL. No response is a 5xx, "database is locked" appears in
no response and no log, no scrape job or write fails, and every scrape the agent
had counted before it stopped has its ``up`` sample in the store.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import requests
import yaml
from sqlalchemy import Engine

from demo import Fleet
from promql.matchers import Matcher, MatchType
from store.querier import StoreQuerier
from tests.processes import fleet_scrape_configs, free_port, start, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

LOAD_SECONDS = 15.0
LOAD_THREADS = 6
LOCKED = "database is locked"


def _requests(now: float) -> list[tuple[str, dict[str, str | float]]]:
    return [
        ("/api/v1/query", {"query": "up"}),
        ("/api/v1/query", {"query": "sum by (job) (rate(http_requests_total[1m]))"}),
        ("/api/v1/query_range", {"query": "up", "start": now - 300, "end": now, "step": 5}),
        (
            "/api/v1/query_range",
            {"query": "count by (job) (up)", "start": now - 60, "end": now, "step": 1},
        ),
        ("/api/v1/series", {"match[]": "up", "start": now - 300, "end": now}),
        ("/api/v1/labels", {}),
    ]


def _load(base: str, until: float, statuses: Counter[int], problems: list[str]) -> None:
    session = requests.Session()
    while time.monotonic() < until:
        for path, params in _requests(time.time()):
            response = session.get(base + path, params=params, timeout=30)
            statuses[response.status_code] += 1
            if response.status_code >= 500 or LOCKED in response.text:
                problems.append(f"{path} {params}: {response.status_code} {response.text[:300]}")


def _scrapes_counted(agent_url: str) -> tuple[float, float]:
    """(scrape jobs finished, scrape jobs that raised) from the agent's own /metrics."""
    text = requests.get(f"{agent_url}/metrics", timeout=10).text
    done = re.search(r'^vigil_agent_job_duration_seconds_count\{kind="scrape"\} (\S+)$', text, re.M)
    failed = re.search(r'^vigil_agent_job_errors_total\{kind="scrape"\} (\S+)$', text, re.M)
    return (float(done.group(1)) if done else 0.0, float(failed.group(1)) if failed else 0.0)


def _stored_up_samples(engine: Engine) -> int:
    """``up`` samples in the store, without the stale markers (NaN) written at shutdown."""
    series = StoreQuerier(engine).select([Matcher("__name__", MatchType.EQUAL, "up")], 0, 2**62)
    return sum(int(np.count_nonzero(~np.isnan(one.values))) for one in series)


def test_four_workers_and_the_agent_under_load(
    tmp_path: Path, database: Engine, demo_fleet: Fleet
) -> None:
    console_port, agent_port = free_port(), free_port()
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
        "storage": {
            "data_dir": str(tmp_path / "var"),
            "url": database.url.render_as_string(hide_password=False),
        },
        "server": {"bind": f"127.0.0.1:{console_port}", "workers": 4},
        "agent": {"bind": f"127.0.0.1:{agent_port}"},
        "auth": {"anonymous_read": True},
        "scrape_configs": fleet_scrape_configs(demo_fleet),
    }
    path = tmp_path / "vigil.yml"
    path.write_text(yaml.safe_dump(config))
    agent = start(path, "agent")
    console = start(path, "serve")
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    try:
        agent_url = f"http://127.0.0.1:{agent_port}"
        console_url = f"http://127.0.0.1:{console_port}"
        wait_for(lambda: requests.get(f"{agent_url}/-/ready", timeout=1).ok, 30, "agent ready")
        wait_for(lambda: requests.get(f"{console_url}/-/ready", timeout=1).ok, 30, "console ready")
        until = time.monotonic() + LOAD_SECONDS
        threads = [
            threading.Thread(target=_load, args=(console_url, until, statuses, problems))
            for _ in range(LOAD_THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(LOAD_SECONDS + 60)
        scrapes, failed_scrapes = _scrapes_counted(agent_url)
    finally:
        agent_status, agent_output = stop(agent)
        console_status, console_output = stop(console)
    stored = _stored_up_samples(database)
    print(f"{statuses.total()} requests {dict(statuses)}; {scrapes:.0f} scrapes, {stored} stored")
    assert not problems, problems[:5]
    assert statuses.total() > LOAD_THREADS * len(_requests(0)), statuses
    assert set(statuses) == {200}, statuses
    for output in (agent_output, console_output):
        assert LOCKED not in output, output[-3000:]
        assert "Traceback" not in output, output[-3000:]
    assert "write failed" not in agent_output, agent_output[-3000:]
    assert agent_status == 0 and console_status == 0, (agent_output[-2000:], console_output[-2000:])
    assert failed_scrapes == 0
    assert scrapes >= len(demo_fleet.services) * LOAD_SECONDS / 2, "the agent hardly scraped"
    assert stored >= scrapes, f"{scrapes:.0f} scrapes counted but only {stored} up samples stored"
