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


def param(name: str) -> str | None:
    """A parameter from the query string or a form-encoded POST body."""
    values = request.values.getlist(name)
    return values[0] if values else None


def param_list(name: str) -> list[str]:
    return request.values.getlist(name)


def parse_time(text: str, name: str) -> float:
    """Unix seconds (float) or RFC 3339, as Prometheus's parseTime accepts."""
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if math.isnan(value) or math.isinf(value):
            raise bad_data(
                f'invalid parameter "{name}": cannot parse "{text}" to a valid timestamp'
            )
        return value
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise bad_data(
            f'invalid parameter "{name}": cannot parse "{text}" to a valid timestamp'
        ) from None


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
    if math.isnan(value) or math.isinf(value):
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
