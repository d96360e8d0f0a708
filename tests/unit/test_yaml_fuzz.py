"""Broken YAML files (vigil.yml, rule files, dashboards) give file:line problems, never a crash.

Each example is a real example file with a slice replaced by hostile text, so
the loaders get past YAML syntax into typing and checking most of the time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.rule_loop import expression_error
from alerts.rulefile import parse_rule_file
from console.config import VigilConfig, check_config
from dashboards.library import load_dashboard_file
from store.configfile import ConfigError, Problem, read_yaml, validate_model
from tests.fuzzing import within_budget

pytestmark = pytest.mark.fuzz

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_PIECES = st.sampled_from(
    [
        "\n", "  ", ":", ": ", "- ", "[", "]", "{", "}", ",", "'", '"', "&a", "*a",
        "!!python/name:os.system", "!!binary", "<<: *a", "~", "null", "yes", "1e999", "-1",
        "0x10", "15s", "1y", "5m", "${X}",
        "$$", "$", "{{", "}}", "#", "|", ">", "\t", "---", "...", "%YAML 1.1", "\x00", "\ufeff",
        "9" * 5000, "0x" + "f" * 5000, "2001-99-14", "!!float x",
        "job_name", "expr", "targets", "up ==", "sum(", "type", "timeseries", "panels", "rows",
    ]
)
_HOSTILE = st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=12).map("".join)


def _mutate(original: str) -> st.SearchStrategy[str]:
    size = len(original)
    return st.tuples(st.integers(0, size), st.integers(0, 40), _HOSTILE).map(
        lambda cut: original[: cut[0]] + cut[2] + original[cut[0] + cut[1] :]
    )


def _check_problems(problems: list[Problem], name: str, text: str) -> None:
    assert problems, "an error carries at least one problem"
    for problem in problems:
        assert problem.file == name
        assert str(problem).startswith(name)
        if problem.line is not None:
            assert 1 <= problem.line <= text.count("\n") + 2, problem


def _load_vigil_yml(text: str) -> None:
    document = read_yaml("vigil.yml", text=text, environ={"X": "x"})
    config = validate_model(document, VigilConfig)
    problems = list(check_config(config, document))
    if problems:
        raise ConfigError(problems)


def _expect_config_errors(load: Callable[[], object], name: str, text: str) -> None:
    try:
        within_budget(load)
    except ConfigError as error:
        _check_problems(error.problems, name, text)


@given(_mutate((EXAMPLES / "vigil.yml").read_text()))
def test_broken_vigil_yml_names_file_and_line(text: str) -> None:
    _expect_config_errors(lambda: _load_vigil_yml(text), "vigil.yml", text)


@given(_mutate((EXAMPLES / "rules" / "service.yml").read_text()))
def test_broken_rule_file_names_file_and_line(text: str) -> None:
    _expect_config_errors(
        lambda: parse_rule_file(text, "rules.yml", expression_error), "rules.yml", text
    )


_FOLDER = Path(tempfile.mkdtemp(prefix="vigil-fuzz-dashboards-"))


@given(_mutate((EXAMPLES / "dashboards" / "every-panel.yml").read_text()))
def test_broken_dashboard_is_reported_not_raised(text: str) -> None:
    path = _FOLDER / "board.yml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    loaded = within_budget(lambda: load_dashboard_file(path, builtin=False))
    if loaded.dashboard is None:
        _check_problems(loaded.problems, str(path), text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a:\n  - !!python/name:os.system x\n", "vigil.yml:2: invalid YAML: could not determine"),
        ("!!python/object:os.system {}: 1\n", "vigil.yml:1: invalid YAML: could not determine"),
        ("a: " + "[" * 5000 + "]" * 5000, "vigil.yml: invalid YAML: nested too deeply"),
        ("a: " + "9" * 5000, "vigil.yml:1: invalid YAML: cannot read"),
        ("a:\n  b: 9999-99-99", "vigil.yml:2: invalid YAML: cannot read '9999-99-99'"),
        ("a: !!float abc", "vigil.yml:1: invalid YAML: cannot read 'abc'"),
    ],
)
def test_unreadable_or_too_deep_yaml_is_a_config_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        read_yaml("vigil.yml", text=text, environ={})
    assert str(raised.value).startswith(message), raised.value


def test_a_huge_number_is_named_by_its_size_not_printed() -> None:
    text = "global:\n  scrape_interval: 0x" + "f" * 5000 + "\n"
    with pytest.raises(ConfigError) as raised:
        _load_vigil_yml(text)
    assert str(raised.value).startswith("vigil.yml:2: global.scrape_interval: a 20000-bit number")
