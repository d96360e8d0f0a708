"""Every check type in the registry is a plug-in module with an example and its own tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from collectors.checks import CHECK_TYPES
from collectors.checks.base import CheckOptions
from console.config import load_config

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "vigil.yml"
COMMENTED_EXAMPLE = re.compile(r"^  # (?=- |  )", re.MULTILINE)
SECRETS = {"ORDERS_DB_PASSWORD": "x", "REDIS_PASSWORD": "x", "NATS_TOKEN": "x"}


@pytest.mark.parametrize("name", sorted(CHECK_TYPES))
def test_each_type_is_its_own_module_with_an_options_model(name: str) -> None:
    check_type = CHECK_TYPES[name]
    assert type(check_type).__module__ == f"collectors.checks.{name}"
    assert issubclass(check_type.options, CheckOptions)


@pytest.mark.parametrize("name", sorted(CHECK_TYPES))
def test_each_type_has_a_test_module(name: str) -> None:
    assert (ROOT / "tests" / "integration" / "checks" / f"test_{name}.py").is_file()


def test_the_example_config_has_a_valid_check_of_every_type(tmp_path: Path) -> None:
    """The commented examples are uncommented and loaded, so they stay valid too."""
    text = EXAMPLE.read_text()
    assert "# allow_command_checks: true" in text
    uncommented = COMMENTED_EXAMPLE.sub("  ", text).replace(
        "# allow_command_checks: true", "allow_command_checks: true"
    )
    path = tmp_path / "vigil.yml"
    path.write_text(uncommented)
    (tmp_path / "rules").mkdir()
    loaded = load_config(str(path), environ=SECRETS)
    types = {check.type for check in loaded.config.health_checks}
    assert types == set(CHECK_TYPES)
