"""The change test: shifts beyond noise are found with their start; noise is not."""

from __future__ import annotations

import numpy as np

from analysis.changes import compare

TIMES = np.arange(0.0, 600.0, 15.0)
WINDOW_START = 300.0


def test_it_finds_a_late_shift_and_when_it_began() -> None:
    rng = np.random.default_rng(3)
    values = 1.0 + rng.normal(0, 0.02, TIMES.size)
    values[TIMES >= 540] += 1.0  # the last four steps only
    change = compare(TIMES, values, WINDOW_START)
    assert change is not None
    assert change.is_significant()
    assert change.since == 540.0
    assert 1.9 < change.current < 2.1 and 0.95 < change.baseline < 1.05


def test_noise_is_not_a_change() -> None:
    rng = np.random.default_rng(4)
    for _ in range(50):
        values = 5.0 + rng.normal(0, 0.3, TIMES.size)
        change = compare(TIMES, values, WINDOW_START)
        assert change is not None and not change.is_significant()


def test_a_quiet_zero_baseline_needs_the_floor_to_be_crossed() -> None:
    values = np.zeros(TIMES.size)
    values[-3:] = 0.002  # a stray error among hundreds of requests
    assert not compare(TIMES, values, WINDOW_START, floor=0.005).is_significant()  # type: ignore[union-attr]
    values[-3:] = 0.4
    assert compare(TIMES, values, WINDOW_START, floor=0.005).is_significant()  # type: ignore[union-attr]


def test_too_little_data_gives_no_answer() -> None:
    values = np.full(TIMES.size, np.nan)
    values[TIMES >= 525] = 1.0
    assert compare(TIMES, values, WINDOW_START) is None


def test_without_a_baseline_the_window_before_its_change_stands_in() -> None:
    rng = np.random.default_rng(5)
    values = np.full(TIMES.size, np.nan)
    young = TIMES >= 360  # the store only began mid-window
    values[young] = 1.0 + rng.normal(0, 0.02, int(young.sum()))
    quiet = compare(TIMES, values, WINDOW_START)
    assert quiet is not None and not quiet.is_significant()
    values[TIMES >= 510] += 1.0
    change = compare(TIMES, values, WINDOW_START)
    assert change is not None and change.is_significant()
    assert change.since == 510.0 and 0.95 < change.baseline < 1.05
