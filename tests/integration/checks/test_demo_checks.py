"""The demo's health checks are valid and pass against the running demo fleet."""

from __future__ import annotations

import time
from pathlib import Path

from collectors.checks import run_check
from console.config import VigilConfig
from console.demo import demo_config
from demo import Fleet


def test_every_demo_check_passes_on_a_healthy_fleet(demo_fleet: Fleet, tmp_path: Path) -> None:
    document = demo_config(demo_fleet, tmp_path, 8080, "http://127.0.0.1:9/hook")
    config = VigilConfig.model_validate(document)
    types = {check.type for check in config.health_checks}
    assert types == {"http", "tcp"}
    assert {check.labels["group"] for check in config.health_checks} == {"demo"}
    results = {check.name: run_check(check, time.time()) for check in config.health_checks}
    assert {name: result.error for name, result in results.items() if not result.success} == {}
