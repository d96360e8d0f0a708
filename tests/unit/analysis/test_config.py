"""The analysis: section of vigil.yml: the user's own names, checked at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.detect import candidate_conventions
from console.config import load_config
from store.configfile import ConfigError


def _load_errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "vigil.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(str(path), environ={})
    return [str(problem).removeprefix(f"{path}:") for problem in caught.value.problems]


def test_it_reads_a_mapping_into_a_convention_tried_first(tmp_path: Path) -> None:
    path = tmp_path / "vigil.yml"
    path.write_text(
        "analysis:\n"
        "  threshold: 2\n"
        "  depends_on: {web: [api]}\n"
        "  metrics:\n"
        "    server: {duration: web_latency_seconds, requests: web_hits_total,"
        " status_label: rc}\n"
        "    gauges: [{kind: pool, metric: pg_used, capacity: pg_max, selector: 'db=\"main\"'}]\n"
    )
    config = load_config(str(path), environ={}).config.analysis
    assert config.threshold == 2 and config.depends_on == {"web": ["api"]}
    first = candidate_conventions(config)[0]
    assert first.name == "custom"
    assert first.server is not None
    assert (first.server.duration, first.server.requests) == (
        "web_latency_seconds",
        "web_hits_total",
    )
    assert first.server.status_labels == ("rc",)
    assert first.gauges[0].selector == 'db="main"'


def test_it_reports_bad_analysis_settings_with_their_lines(tmp_path: Path) -> None:
    errors = _load_errors(
        tmp_path,
        "analysis:\n"
        "  threshold: 0\n"
        "  colour: red\n"
        "  metrics:\n"
        "    server: {duration: 'not a name', error_pattern: '5(('}\n"
        "    gauges:\n"
        "      - {kind: disk, metric: x}\n"
        "      - {kind: pool, metric: y, selector: 'a=='}\n",
    )
    assert any(e.startswith("2: analysis.threshold") for e in errors)
    assert any(e.startswith("3: analysis.colour") for e in errors)
    assert any(e.startswith("5: analysis.metrics.server.duration") for e in errors)
    assert any(
        e.startswith("5: analysis.metrics.server.error_pattern") and "regular expression" in e
        for e in errors
    )
    assert any(e.startswith("7: analysis.metrics.gauges[0].kind") for e in errors)
    assert any(
        e.startswith("8: analysis.metrics.gauges[1].selector") and "label matchers" in e
        for e in errors
    )
