"""Hot reload: a running agent follows rule-file edits and the console's POST /-/reload.

A broken file keeps the last good rules evaluating, reports its error and
sets vigil_config_last_reload_successful to 0; fixing the file recovers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from sqlalchemy import Engine

import console.ops
from alerts.rule_status import load_statuses, reload_status
from console.agent import Agent
from console.app import create_app
from console.config import load_config
from console.jobs import reload_jobs, rule_jobs
from tests.integration.console.accounts import log_in

GOOD = "groups:\n  - name: first\n    rules:\n      - record: one\n        expr: vector(1)\n"
BROKEN = "groups:\n  - name: first\n    rules:\n      - record: one\n        expr: vector(1\n"
FIXED = "groups:\n  - name: second\n    rules:\n      - record: two\n        expr: vector(2)\n"
CONFIG = "global:\n  evaluation_interval: 1s\nrule_files: [rules.yml]\n"


def wait_for(condition: Callable[[], object], timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def last_evaluation(database: Engine, group_name: str) -> float:
    groups, _ = load_statuses(database)
    times = [s.last_evaluation or 0.0 for key, s in groups.items() if key.endswith(group_name)]
    return max(times, default=0.0)


def reload_gauge() -> float | None:
    return REGISTRY.get_sample_value("vigil_config_last_reload_successful")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "vigil.yml").write_text(CONFIG)
    (tmp_path / "rules.yml").write_text(GOOD)
    return tmp_path


@pytest.fixture
def agent(database: Engine, config_dir: Path) -> Iterator[Agent]:
    loaded = load_config(str(config_dir / "vigil.yml"))
    running = Agent(loaded, database, builders=[rule_jobs, reload_jobs])
    running.start()
    try:
        yield running
    finally:
        running.stop(wait=True)


def rule_job_ids(agent: Agent) -> list[str]:
    return [job_id.rsplit(";", 1)[-1] for job_id in agent.job_ids() if job_id.startswith("rules:")]


def test_a_broken_rule_file_keeps_the_old_rules_until_it_is_fixed(
    agent: Agent, database: Engine, config_dir: Path
) -> None:
    wait_for(lambda: last_evaluation(database, "first") > 0)
    assert rule_job_ids(agent) == ["first"]

    (config_dir / "rules.yml").write_text(BROKEN)
    wait_for(lambda: (status := reload_status(database)) is not None and not status.successful)
    status = reload_status(database)
    assert status is not None and "could not parse expression" in status.error
    assert "rules.yml:5" in status.error
    assert reload_gauge() == 0
    seen = last_evaluation(database, "first")
    wait_for(lambda: last_evaluation(database, "first") > seen)  # the old rules still run
    assert rule_job_ids(agent) == ["first"]

    (config_dir / "rules.yml").write_text(FIXED)
    wait_for(lambda: (status := reload_status(database)) is not None and status.successful)
    assert reload_gauge() == 1
    assert rule_job_ids(agent) == ["second"]
    wait_for(lambda: last_evaluation(database, "second") > 0)
    assert last_evaluation(database, "first") == 0  # its status went with it


def test_post_reload_makes_the_agent_reload_and_returns_its_outcome(
    agent: Agent, database: Engine, config_dir: Path
) -> None:
    app = create_app(load_config(str(config_dir / "vigil.yml")), database=database)
    with app.test_client() as client:
        log_in(client, database, "editor")
        response = client.post("/-/reload")
        assert response.status_code == 200, response.text
        (config_dir / "vigil.yml").write_text(CONFIG + "unknown_key: 1\n")
        response = client.post("/-/reload")
        assert response.status_code == 500
        assert response.text.startswith("failed to reload config: ")
        assert "unknown_key" in response.text
    assert reload_gauge() == 0
    assert rule_job_ids(agent) == ["first"]


def test_post_reload_without_an_agent_is_accepted_but_unanswered(
    database: Engine, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console.ops, "RELOAD_WAIT_SECONDS", 0.2)
    app = create_app(load_config(str(config_dir / "vigil.yml")), database=database)
    with app.test_client() as client:
        log_in(client, database, "editor")
        assert client.post("/-/reload").status_code == 202


def test_post_reload_needs_the_editor_role(database: Engine, config_dir: Path) -> None:
    app = create_app(load_config(str(config_dir / "vigil.yml")), database=database)
    with app.test_client() as client:
        assert client.post("/-/reload").status_code == 401


def rule_names(client: FlaskClient) -> list[tuple[str, str]]:
    response = client.get("/api/v1/rules")
    assert response.status_code == 200, response.text
    return [(g["name"], r["name"]) for g in response.json["data"]["groups"] for r in g["rules"]]


def test_the_console_shows_the_rules_the_agent_reloaded_without_a_restart(
    agent: Agent, database: Engine, config_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The console's own config names no rule file: what it shows comes from the agent."""
    elsewhere = tmp_path_factory.mktemp("console") / "vigil.yml"
    elsewhere.write_text("auth:\n  anonymous_read: true\n")
    app = create_app(load_config(str(elsewhere)), database=database)
    with app.test_client() as client:
        wait_for(lambda: rule_names(client) == [("first", "one")])
        (config_dir / "rules.yml").write_text(FIXED)
        wait_for(lambda: rule_names(client) == [("second", "two")])
        assert "record: two" in client.get("/rules").text  # the Rules page too
        (config_dir / "rules.yml").write_text(BROKEN)
        wait_for(lambda: (status := reload_status(database)) is not None and not status.successful)
        assert rule_names(client) == [("second", "two")]  # the last good rules stay
