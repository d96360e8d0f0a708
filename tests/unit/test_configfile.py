"""Typed YAML loading: every problem reported at file:line with its key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.config import load_config
from store.configfile import ConfigError


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "vigil.yml"
    path.write_text(text)
    return str(path)


def _errors(path: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ=environ or {})
    return [str(problem) for problem in caught.value.problems]


def test_it_reports_a_bad_duration_with_file_line_and_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "scrape_configs:\n  - job_name: api\n    scrape_interval: 5x\n",
    )
    assert _errors(path) == [f'{path}:3: scrape_configs[0].scrape_interval: "5x" is not a duration']


def test_it_reports_every_problem_at_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "global:\n  scrape_interval: 1h30\n"
        "scrape_configs:\n  - job_name: api\n    bogus: 1\n"
        "health_checks:\n  - name: x\n    type: http\n    target: http://a/${MISSING}\n",
    )
    assert _errors(path) == [
        f'{path}:2: global.scrape_interval: "1h30" is not a duration',
        f"{path}:5: scrape_configs[0].bogus: unknown key",
        f"{path}:9: health_checks[0].target: environment variable MISSING is not set",
    ]


def test_it_names_a_missing_required_key_at_its_parent(tmp_path: Path) -> None:
    path = _write(tmp_path, "scrape_configs:\n  - scrape_interval: 5s\n")
    assert _errors(path) == [f"{path}:2: scrape_configs[0].job_name: is required"]


def test_it_reports_invalid_yaml_at_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "global:\n  scrape_interval: [5s\nstorage: {}\n")
    (error,) = _errors(path)
    assert error.startswith(f"{path}:3: invalid YAML")


def test_it_reports_duplicate_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, "global:\n  scrape_interval: 5s\n  scrape_interval: 10s\n")
    assert _errors(path) == [f"{path}:3: global.scrape_interval: duplicate key"]


def test_it_interpolates_environment_variables(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "storage:\n  url: postgresql://vigil:${DB_PASSWORD}@db/vigil\n"
        "auth:\n  secret_key: $${literal}\n",
    )
    loaded = load_config(path, environ={"DB_PASSWORD": "s3cret"})
    assert loaded.config.storage.url == "postgresql://vigil:s3cret@db/vigil"
    assert loaded.config.auth.secret_key == "${literal}"


def test_it_parses_durations_to_seconds(tmp_path: Path) -> None:
    path = _write(tmp_path, "global:\n  scrape_interval: 1h30m\n  evaluation_interval: 250ms\n")
    config = load_config(path, environ={}).config
    assert config.global_.scrape_interval == 5400.0
    assert config.global_.evaluation_interval == 0.25


def test_it_checks_references_across_sections(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "scrape_configs:\n  - job_name: a\n  - job_name: a\n"
        "alerting:\n  route:\n    receiver: team\n    routes:\n      - receiver: nobody\n"
        "  receivers:\n    - name: team\n",
    )
    assert _errors(path) == [
        f'{path}:3: scrape_configs[1].job_name: "a" is used twice',
        f'{path}:8: alerting.route.routes[0].receiver: receiver "nobody" is not defined',
    ]


def test_it_uses_defaults_when_no_file_exists_and_none_was_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    loaded = load_config(None, environ={})
    assert loaded.source is None
    assert loaded.config.storage.data_dir == "var"


def test_it_fails_when_a_named_file_is_missing(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.yml")
    (error,) = _errors(missing)
    assert error.startswith(f"{missing}: ")
