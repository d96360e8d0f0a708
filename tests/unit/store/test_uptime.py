"""Uptime from the history of status changes: a pure function of events and a window."""

from __future__ import annotations

import pytest

from store.checks import CheckEvent
from store.uptime import uptime_ratio


def events(*changes: tuple[float, str]) -> list[CheckEvent]:
    return [CheckEvent(at, status, "") for at, status in changes]


def test_a_check_up_the_whole_window_is_one() -> None:
    assert uptime_ratio(events((0, "up")), 100, 200) == 1.0


def test_downtime_inside_the_window_counts_by_duration() -> None:
    history = events((0, "up"), (150, "down"), (175, "up"))
    assert uptime_ratio(history, 100, 200) == pytest.approx(0.75)


def test_the_state_before_the_window_carries_into_it() -> None:
    assert uptime_ratio(events((0, "down"), (120, "up")), 100, 200) == pytest.approx(0.8)


def test_time_before_the_first_result_is_not_counted() -> None:
    assert uptime_ratio(events((180, "down"), (190, "up")), 100, 200) == pytest.approx(0.5)


def test_no_known_state_is_none() -> None:
    assert uptime_ratio([], 100, 200) is None
    assert uptime_ratio(events((300, "up")), 100, 200) is None
