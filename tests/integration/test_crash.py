"""An agent killed with SIGKILL mid-write loses at most the scrapes in flight.

The agent is killed at arbitrary moments while it scrapes a real fleet every
second; afterwards the store is intact, every committed batch decodes, and a
restarted agent carries on writing to it. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from sqlalchemy import Engine, select, text

from demo import Fleet
from promql.matchers import Matcher, MatchType
from store.querier import StoreQuerier
from store.samples import BATCHES, unpack_array
from tests.processes import free_port, kill, start, stop

pytestmark = pytest.mark.slow


def _write_config(path: Path, fleet: Fleet, database: Engine, data_dir: Path) -> None:
    url = database.url.render_as_string(hide_password=False)
    path.write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
                "storage": {"url": url, "data_dir": str(data_dir)},
                "agent": {"bind": f"127.0.0.1:{free_port()}"},
                "scrape_configs": [
                    {
                        "job_name": s.name,
                        "static_configs": [{"targets": [s.url.removeprefix("http://")]}],
                    }
                    for s in fleet.services
                ],
            }
        )
    )


def _newest_up_sample(database: Engine) -> int:
    series = StoreQuerier(database).select([Matcher("__name__", MatchType.EQUAL, "up")], 0, 2**62)
    return max((int(s.timestamps[-1]) for s in series if len(s.timestamps)), default=0)


def test_a_killed_agent_leaves_an_intact_store_and_restarts(
    database: Engine, demo_fleet: Fleet, tmp_path: Path
) -> None:
    config = tmp_path / "vigil.yml"
    _write_config(config, demo_fleet, database, tmp_path / "var")
    for kill_after in (0.3, 0.7, 0.9):
        # Kill at a point in the scrape cycle once the agent is writing (how
        # long it takes to start depends on the machine's load).
        written_before = _newest_up_sample(database)
        agent = start(config, "agent")
        deadline = time.monotonic() + 30
        while _newest_up_sample(database) <= written_before and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(kill_after)
        kill(agent)
        killed_at_ms = int(time.time() * 1000)

        if database.dialect.name == "sqlite":
            with database.connect() as connection:
                assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        with database.connect() as connection:
            for ids, ts, values, count in connection.execute(
                select(
                    BATCHES.c.series_ids,
                    BATCHES.c.timestamps,
                    BATCHES.c.sample_values,
                    BATCHES.c.sample_count,
                )
            ):
                decoded = [
                    unpack_array(ids, np.int64),
                    unpack_array(ts, np.int64),
                    unpack_array(values, np.float64),
                ]
                assert {len(array) for array in decoded} == {count}
        assert _newest_up_sample(database) > 0

    agent = start(config, "agent")
    deadline = time.monotonic() + 20
    while _newest_up_sample(database) <= killed_at_ms and time.monotonic() < deadline:
        time.sleep(0.3)
    status, output = stop(agent)
    assert status == 0, output
    assert _newest_up_sample(database) > killed_at_ms
