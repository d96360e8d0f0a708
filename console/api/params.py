"""Prometheus's parameter forms: timestamps and durations as the HTTP API accepts them."""

from __future__ import annotations

import math
from datetime import datetime

from flask import request

from console.api.envelope import bad_data
from dashboards.timerange import (
    DEFAULT_FROM,
    TARGET_POINTS,
    TimeRange,
    TimeRangeError,
    resolve_range,
)
from promql.durations import DurationError, parse_duration

# Prometheus's minTime/maxTime stand-ins for "unbounded".
MIN_TIME = -9223372036854.775
MAX_TIME = 9223372036854.775
MAX_POINTS_PER_SERIES = 11_000
MAX_ID = 2**63 - 1
"""The largest row id the databases hold (a signed 64-bit integer)."""
MAX_DURATION = 9223372036.854775
"""Seconds in Go's largest time.Duration: Prometheus refuses longer ones as overflowing."""


def param(name: str) -> str | None:
    """A parameter from the query string or a form-encoded POST body."""
    values = request.values.getlist(name)
    return values[0] if values else None


def param_list(name: str) -> list[str]:
    return request.values.getlist(name)


def int_param(name: str, default: int, minimum: int, maximum: int) -> int:
    """A decimal integer from ``minimum`` to ``maximum``; absent or empty gives ``default``."""
    text = param(name)
    if not text:
        return default
    if not (text.isascii() and text.lstrip("-").isdigit()):
        raise bad_data(f'invalid parameter "{name}": cannot parse "{text}" as an integer')
    value = int(text)
    if not minimum <= value <= maximum:
        raise bad_data(f'invalid parameter "{name}": must be between {minimum} and {maximum}')
    return value


def parse_time(text: str, name: str) -> float:
    """Unix seconds (float) or RFC 3339, as Prometheus's parseTime accepts.

    Times beyond Prometheus's minTime/maxTime are refused: in milliseconds they
    would overflow the int64 the engine and the store count in.
    """
    try:
        value = float(text)
    except ValueError:
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except (ValueError, OverflowError):
            value = math.nan
    if not MIN_TIME <= value <= MAX_TIME:
        raise bad_data(f'invalid parameter "{name}": cannot parse "{text}" to a valid timestamp')
    return value


def parse_duration_param(text: str, name: str) -> float:
    """Seconds as a float, or a Prometheus duration string."""
    try:
        value = float(text)
    except ValueError:
        try:
            return parse_duration(text)
        except DurationError:
            raise bad_data(
                f'invalid parameter "{name}": cannot parse "{text}" to a valid duration'
            ) from None
    if not -MAX_DURATION <= value <= MAX_DURATION:
        raise bad_data(f'invalid parameter "{name}": cannot parse "{text}" to a valid duration')
    return value


def time_param(name: str, default: float) -> float:
    text = param(name)
    return default if text in (None, "") else parse_time(text, name)


def requested_range(
    now: float, *, default_from: str = DEFAULT_FROM, points: int = TARGET_POINTS
) -> TimeRange:
    """The request's time range: ``from``/``to`` (Grafana's ``now-1h`` or absolute) or
    Prometheus's ``start``/``end``, and ``step`` or about ``points`` points."""
    step_text = param("step")
    step = parse_duration_param(step_text, "step") if step_text else None
    try:
        return resolve_range(
            param("from") or param("start") or default_from,
            param("to") or param("end"),
            now,
            step=step,
            points=points,
        )
    except TimeRangeError as error:
        raise bad_data(f"invalid time range: {error}") from None


def resolution(start: float, end: float, step: float) -> float:
    """``step`` if it is positive and gives at most 11,000 points, as Prometheus insists."""
    if step * 1000 < 1:  # the engine steps in whole milliseconds
        raise bad_data(
            'invalid parameter "step": zero or negative query resolution step widths are not '
            "accepted. Try a positive integer"
        )
    if (end - start) / step > MAX_POINTS_PER_SERIES:
        raise bad_data(
            "exceeded maximum resolution of 11,000 points per timeseries. "
            "Try decreasing the query resolution (?step=XX)"
        )
    return step
