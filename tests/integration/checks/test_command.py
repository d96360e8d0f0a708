"""The command check runs real programs, and only when vigil.yml enables it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from collectors.checks import run_check
from console.config import load_config
from store.configfile import ConfigError
from tests.integration.checks.support import check

PYTHON = sys.executable


def test_exit_zero_is_healthy() -> None:
    config = check(type="command", target="backup", command=[PYTHON, "-c", "print('fine')"])
    result = run_check(config, 0.0)
    assert result.success, result.error
    assert result.metrics["probe_command_exit_code"] == 0.0


def test_a_failing_program_reports_its_status_and_last_words() -> None:
    script = "import sys; print('checking'); sys.exit('disk /var is 97% full')"
    result = run_check(check(type="command", target="disk", command=[PYTHON, "-c", script]), 0.0)
    assert not result.success
    assert result.error == "disk: exit status 1: disk /var is 97% full"
    assert result.metrics["probe_command_exit_code"] == 1.0


def test_a_program_that_hangs_is_killed_at_the_timeout() -> None:
    config = check(
        type="command", target="hang", command=[PYTHON, "-c", "import time; time.sleep(30)"]
    )
    result = run_check(config, 0.0)
    assert not result.success
    assert result.error == "hang: timeout after 0.5s"
    assert result.duration_seconds < 5


def test_a_missing_program_fails() -> None:
    config = check(type="command", target="x", command=["/nonexistent/vigil-probe"])
    result = run_check(config, 0.0)
    assert not result.success
    assert result.error is not None and "No such file" in result.error


COMMAND_CHECK = (
    "health_checks:\n"
    "  - name: backup\n"
    "    type: command\n"
    "    target: nightly-backup\n"
    "    command: [/bin/true]\n"
)


def test_it_is_off_unless_vigil_yml_enables_it(tmp_path: Path) -> None:
    path = tmp_path / "vigil.yml"
    path.write_text(COMMAND_CHECK)
    with pytest.raises(ConfigError) as caught:
        load_config(str(path), environ={})
    assert [str(problem) for problem in caught.value.problems] == [
        f"{path}:3: health_checks[0].type: command checks run programs and are off by "
        'default; set "allow_command_checks: true" at the top level of vigil.yml to enable them'
    ]
    path.write_text("allow_command_checks: true\n" + COMMAND_CHECK)
    loaded = load_config(str(path), environ={})
    assert [c.type for c in loaded.config.health_checks] == ["command"]


def test_the_agent_builds_no_job_for_a_command_check_that_is_not_allowed(
    tmp_path: Path,
) -> None:
    from console.agent import AgentResources
    from console.config import LoadedConfig, VigilConfig
    from console.jobs import check_jobs
    from store.db import open_engine, upgrade

    engine = open_engine(f"sqlite:///{tmp_path / 'vigil.db'}")
    upgrade(engine)
    document = {
        "health_checks": [
            {"name": "backup", "type": "command", "target": "b", "command": ["/bin/true"]},
            {"name": "db", "type": "tcp", "target": "127.0.0.1:5432"},
        ]
    }
    try:
        for allowed, ids in [(False, ["check:db"]), (True, ["check:backup", "check:db"])]:
            config = VigilConfig.model_validate({**document, "allow_command_checks": allowed})
            jobs = check_jobs(LoadedConfig(config=config), AgentResources(engine))
            assert [job.id for job in jobs] == ids
    finally:
        engine.dispose()
