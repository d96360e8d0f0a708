"""The picked time range, as the URL carries it: ``from=now-6h&to=now`` or absolute times.

Relative times keep a shared link live (``now-1h`` is always the last hour);
absolute ones are RFC 3339 or Unix seconds. Pure: ``now`` is an argument.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

from promql.durations import DurationError, parse_duration

_RELATIVE = re.compile(r"^now(?:-(?P<ago>\S+))?$")
TARGET_POINTS = 240
MAX_POINTS = 11_000
"""Prometheus's limit on the points of one series in a range query."""
LIMIT_SECONDS = 9223372036854.775
"""Prometheus's maxTime: further from 1970 a time in milliseconds overflows int64."""
DEFAULT_FROM = "now-1h"
DEFAULT_TO = "now"


class TimeRangeError(ValueError):
    pass


@dataclass(frozen=True)
class TimeRange:
    start: float
    end: float
    step: float


def parse_point(text: str, now: float) -> float:
    """``now``, ``now-15m``, RFC 3339 (``2026-01-02T03:04:05Z``) or Unix seconds."""
    point = _parse_point(text.strip(), now)
    if abs(point) > LIMIT_SECONDS:
        raise TimeRangeError(f'"{text}" is too far from 1970')
    return point


def _parse_point(text: str, now: float) -> float:
    match = _RELATIVE.match(text)
    if match:
        ago = match.group("ago")
        try:
            return now - (parse_duration(ago) if ago else 0.0)
        except DurationError:
            raise TimeRangeError(f'"{text}": "{ago}" is not a duration') from None
    try:
        value = float(text)
    except ValueError:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except (ValueError, OverflowError):
            raise TimeRangeError(
                f'"{text}" is not a time (now-1h, 2026-01-02T03:04:05Z or Unix seconds)'
            ) from None
    if not math.isfinite(value):
        raise TimeRangeError(f'"{text}" is not a time')
    return value


def resolve_range(
    start_text: str | None,
    end_text: str | None,
    now: float,
    *,
    step: float | None = None,
    points: int = TARGET_POINTS,
) -> TimeRange:
    """The range to query; the step defaults to about ``points`` points, whole seconds.

    A relative range is aligned to its step (``now-1h`` queried at 10:00:07 with a
    15 s step runs from 09:00:00 to 10:00:00), as Grafana aligns it: points land on
    the same timestamps from one refresh to the next, so lines do not shimmer and
    every request within a step asks exactly the same query.
    """
    start_text, end_text = start_text or DEFAULT_FROM, end_text or DEFAULT_TO
    start = parse_point(start_text, now)
    end = parse_point(end_text, now)
    if end <= start:
        raise TimeRangeError("the end of the time range must be after its start")
    if step is None:
        step = max(1.0, float(math.ceil((end - start) / points)))
    elif step <= 0 or not math.isfinite(step):
        raise TimeRangeError("the step must be a positive duration")
    if (end - start) / step > MAX_POINTS:
        raise TimeRangeError(
            f"more than {MAX_POINTS} points per series: choose a larger step or a shorter range"
        )
    if _RELATIVE.match(start_text.strip()) and _RELATIVE.match(end_text.strip()):
        start, end = math.floor(start / step) * step, math.floor(end / step) * step
    return TimeRange(start, end, step)
