"""Prometheus duration strings (`15s`, `5m`, `1h30m`, `250ms`).

The same syntax serves PromQL range selectors and YAML settings, so it lives
here, in the lowest package, and everything else parses durations through it.
"""

from __future__ import annotations

import re

_UNIT_SECONDS: dict[str, float] = {
    "y": 365 * 86400.0,
    "w": 7 * 86400.0,
    "d": 86400.0,
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 0.001,
}
_UNITS_IN_ORDER = ("y", "w", "d", "h", "m", "s", "ms")
_DURATION = re.compile(
    r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$"
)


class DurationError(ValueError):
    """A string that is not a Prometheus duration."""


def parse_duration(text: str) -> float:
    """Return the duration in seconds; units must appear largest first, each once."""
    if text == "0":
        return 0.0
    match = _DURATION.match(text)
    if not text or match is None:
        raise DurationError(f'"{text}" is not a duration')
    seconds = 0.0
    for unit, amount in zip(_UNITS_IN_ORDER, match.groups(), strict=True):
        if amount is not None:
            seconds += int(amount) * _UNIT_SECONDS[unit]
    return seconds


def format_duration(seconds: float) -> str:
    """Render seconds the way Prometheus prints durations (`1h30m`, `0s`, `1m500ms`)."""
    millis = round(seconds * 1000)
    if millis == 0:
        return "0s"
    sign = "-" if millis < 0 else ""
    millis = abs(millis)
    parts: list[str] = []
    for unit in _UNITS_IN_ORDER:
        unit_ms = round(_UNIT_SECONDS[unit] * 1000)
        count, millis = divmod(millis, unit_ms)
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)
