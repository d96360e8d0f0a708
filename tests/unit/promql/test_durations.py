"""Durations parse and print like Prometheus's `model.Duration`."""

from __future__ import annotations

import pytest

from promql.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("15s", 15.0), ("1h30m", 5400.0), ("250ms", 0.25), ("1y", 365 * 86400.0),
     ("2w1d", 15 * 86400.0), ("1m500ms", 60.5)],
)
def test_parse(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty duration string"), ("5", 'not a valid duration string: "5"'),
     ("5m1h", 'not a valid duration string: "5m1h"'),
     ("1s1s", 'not a valid duration string: "1s1s"'),
     ("5x", 'unknown unit "x" in duration "5x"'), ("300y", "duration out of range")],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(DurationError) as error:
        parse_duration(text)
    assert error.value.detail == message
    assert str(error.value) == f'"{text}" is not a duration'


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (90, "1m30s"), (90 * 86400, "90d"), (14 * 86400, "2w"), (365 * 86400, "1y"),
     (366 * 86400, "366d"), (-1.5, "-1s500ms"), (0.0001, "0s")],
)
def test_format(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
