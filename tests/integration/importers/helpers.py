"""Reading the store back for exact comparisons, and running the CLI against it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy import Engine

from console.cli import main
from promql.labels import Labels
from promql.matchers import Matcher, MatchType
from store.querier import StoreQuerier

Points = dict[Labels, list[tuple[int, float]]]


def stored(engine: Engine, start_ms: int = -(2**62), end_ms: int = 2**62) -> Points:
    """Every series in the store with its (timestamp, value) pairs."""
    everything = [Matcher("__name__", MatchType.REGEX, ".+")]
    return {
        data.labels: list(zip(data.timestamps.tolist(), data.values.tolist(), strict=True))
        for data in StoreQuerier(engine).select(everything, start_ms, end_ms)
    }


def nan_safe(points: Points) -> dict[Labels, list[tuple[int, float | str]]]:
    """NaN != NaN, so compare it as a word."""
    return {
        labels: [(ts, "NaN" if math.isnan(value) else value) for ts, value in series]
        for labels, series in points.items()
    }


def run_cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine: Engine, *arguments: str
) -> int:
    """``vigil ARGS`` with the test's database as the store and no vigil.yml around."""
    monkeypatch.setenv("VIGIL_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("VIGIL_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return main(list(arguments))
