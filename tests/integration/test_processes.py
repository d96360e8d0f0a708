"""The real processes: `vigil agent` and `vigil serve` (gunicorn) against one store.

They start from the command line as a user runs them, expose /-/ready and
/metrics, share data through the store, and stop cleanly on SIGTERM.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from console.config import load_config
from demo import Fleet
from store.db import database_url, open_engine
from store.status import StoreStats, store_stats
from tests.processes import fleet_scrape_configs, free_port, start, stop, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def config_file(tmp_path: Path, demo_fleet: Fleet) -> Iterator[tuple[Path, int, int]]:
    console_port, agent_port = free_port(), free_port()
    config = {
        "global": {"scrape_interval": "1s", "check_interval": "1s"},
        "storage": {"data_dir": str(tmp_path / "var")},
        "server": {"bind": f"127.0.0.1:{console_port}", "workers": 2},
        "agent": {"bind": f"127.0.0.1:{agent_port}"},
        "auth": {"anonymous_read": True},
        "scrape_configs": fleet_scrape_configs(demo_fleet),
    }
    path = tmp_path / "vigil.yml"
    path.write_text(yaml.safe_dump(config))
    yield path, console_port, agent_port


def test_agent_and_console_share_the_store_and_stop_cleanly(
    config_file: tuple[Path, int, int], demo_fleet: Fleet
) -> None:
    path, console_port, agent_port = config_file
    agent = start(path, "agent")
    console = start(path, "serve")
    try:
        agent_url = f"http://127.0.0.1:{agent_port}"
        console_url = f"http://127.0.0.1:{console_port}"
        wait_for(lambda: requests.get(f"{agent_url}/-/ready", timeout=1).ok, 30, "agent ready")
        wait_for(lambda: requests.get(f"{console_url}/-/ready", timeout=1).ok, 30, "console ready")

        def every_target_is_up() -> bool:
            body = requests.get(f"{console_url}/api/v1/query", params={"query": "up"}, timeout=5)
            values = {r["metric"]["job"]: r["value"][1] for r in body.json()["data"]["result"]}
            return values == {service.name: "1" for service in demo_fleet.services}

        wait_for(every_target_is_up, 30, "every target up through the console")

        agent_metrics = requests.get(f"{agent_url}/metrics", timeout=5).text
        assert 'vigil_agent_job_duration_seconds_count{kind="scrape"}' in agent_metrics
        console_metrics = requests.get(f"{console_url}/metrics", timeout=5).text
        assert 'handler="/api/v1/query"' in console_metrics
    finally:
        agent_status, agent_output = stop(agent)
        console_status, console_output = stop(console)
    assert agent_status == 0, agent_output
    assert "letting running jobs finish" in agent_output
    assert "Traceback" not in agent_output
    assert console_status == 0, console_output
    assert "Traceback" not in console_output

    before = stored_stats(path)
    compacted = subprocess.run(
        [sys.executable, "-m", "console.cli", "--config", str(path), "db", "compact", "--vacuum"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert compacted.returncode == 0, compacted.stderr
    assert "bytes per sample" in compacted.stdout
    after = stored_stats(path)
    assert after.head_samples == 0
    assert after.chunk_samples == before.samples > 0


def stored_stats(config: Path) -> StoreStats:
    """The store's figures read directly, as `vigil db compact` reports them."""
    loaded = load_config(str(config))
    engine = open_engine(database_url(loaded.config.storage))
    try:
        return store_stats(engine)
    finally:
        engine.dispose()


def test_check_config_accepts_the_example_and_locates_errors(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "vigil.yml"
    good = subprocess.run(
        [sys.executable, "-m", "console.cli", "check", "config", str(example)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert "OK" in good.stdout

    broken = tmp_path / "vigil.yml"
    text = example.read_text()
    broken.write_text(
        text.replace("scrape_interval: 10s", "scrape_interval: 10x").replace(
            "send_resolved: true", "send_resolved: true\n          retry: forever"
        )
    )
    bad = subprocess.run(
        [sys.executable, "-m", "console.cli", "check", "config", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    lines = bad.stderr.splitlines()
    interval_line = text.splitlines().index("    scrape_interval: 10s") + 1
    assert (
        f'{broken}:{interval_line}: scrape_configs[1].scrape_interval: "10x" is not a duration'
        in lines
    )
    assert any(
        line.startswith(f"{broken}:") and "webhook_configs[0].retry: unknown key" in line
        for line in lines
    ), lines
