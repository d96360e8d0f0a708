"""The panel figure cache: one build per key and step, errors never kept."""

from __future__ import annotations

from typing import Any

import pytest

from console.figure_cache import FigureCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_figure_is_built_once_per_step_then_again() -> None:
    clock = Clock()
    cache = FigureCache(clock=clock)
    builds: list[int] = []

    def build() -> dict[str, Any]:
        builds.append(1)
        return {"data": [len(builds)]}

    assert cache.figure_json("k", 15, build) == b'{"data":[1]}'
    clock.now = 14.9
    assert cache.figure_json("k", 15, build) == b'{"data":[1]}'
    clock.now = 15.0
    assert cache.figure_json("k", 15, build) == b'{"data":[2]}'
    assert cache.figure_json("other", 15, build) == b'{"data":[3]}'


def test_errors_are_not_kept_and_old_entries_make_room() -> None:
    cache = FigureCache(max_entries=2, clock=Clock())

    def failing() -> dict[str, Any]:
        raise ValueError("bad query")

    with pytest.raises(ValueError):
        cache.figure_json("k", 15, failing)
    assert cache.figure_json("k", 15, lambda: {"ok": 1}) == b'{"ok":1}'
    cache.figure_json("b", 15, lambda: {})
    cache.figure_json("c", 15, lambda: {})
    assert cache.figure_json("k", 15, lambda: {"ok": 2}) == b'{"ok":2}'  # "k" was evicted
