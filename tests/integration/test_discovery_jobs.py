"""file_sd targets are picked up while the agent runs: jobs are added and removed."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from console.agent import AgentResources, PeriodicJob
from console.config import load_config
from console.jobs import scrape_jobs
from demo import Fleet
from store.targets import list_targets


class RecordingControl:
    def __init__(self) -> None:
        self.added: list[str] = []
        self.removed: list[str] = []

    def add_jobs(self, jobs: Sequence[PeriodicJob]) -> None:
        self.added.extend(job.id for job in jobs)

    def remove_jobs(self, job_ids: Sequence[str]) -> None:
        self.removed.extend(job_ids)


def _write_targets(path: Path, addresses: list[str], generation: int) -> None:
    path.write_text(json.dumps([{"targets": addresses, "labels": {"team": "shop"}}]))
    os.utime(path, (generation, generation))  # a distinct mtime each time, as an editor's save


def test_a_target_file_change_adds_and_removes_scrape_jobs(
    database: Engine, demo_fleet: Fleet, tmp_path: Path
) -> None:
    first, second = (s.url.removeprefix("http://") for s in demo_fleet.services[:2])
    targets_file = tmp_path / "targets.json"
    _write_targets(targets_file, [first], 1_000)
    config_file = tmp_path / "vigil.yml"
    config_file.write_text(
        "scrape_configs:\n  - job_name: shop\n    file_sd_configs:\n      - files: [targets.json]\n"
    )
    control = RecordingControl()
    resources = AgentResources(database, jobs=control)
    jobs = {
        job.id: job for job in scrape_jobs(load_config(str(config_file), environ={}), resources)
    }
    assert f"scrape:shop:http://{first}/metrics" in jobs
    assert [t.url for t in list_targets(database)] == [f"http://{first}/metrics"]

    _write_targets(targets_file, [second], 2_000)
    jobs["discovery:file_sd"].run()
    assert control.added == [f"scrape:shop:http://{second}/metrics"]
    assert control.removed == [f"scrape:shop:http://{first}/metrics"]
    (target,) = list_targets(database)
    assert target.url == f"http://{second}/metrics"
    assert dict(target.labels)["team"] == "shop"
