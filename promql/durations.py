"""Prometheus duration strings (`15s`, `5m`, `1h30m`, `250ms`).

The same syntax serves PromQL range selectors and YAML settings, so it lives
here, in the lowest package, and everything else parses durations through it.
Parsing and error wording follow `model.ParseDuration` from prometheus/common,
because users see these messages in query errors.
"""

from __future__ import annotations

_MS_PER_UNIT: dict[str, int] = {
    "y": 365 * 86_400_000,
    "w": 7 * 86_400_000,
    "d": 86_400_000,
    "h": 3_600_000,
    "m": 60_000,
    "s": 1000,
    "ms": 1,
}
_UNITS_IN_ORDER = ("y", "w", "d", "h", "m", "s", "ms")
_NS_PER_MS = 1_000_000
_MAX_NANOSECONDS = (1 << 63) - 1  # Go's time.Duration is an int64 of nanoseconds.


_INT64_DIGITS = 19


class DurationError(ValueError):
    """A string that is not a Prometheus duration.

    `str()` is the short form configuration errors show (`"5x" is not a
    duration`); `detail` is Prometheus's own wording, which query errors use.
    """

    def __init__(self, text: str, detail: str) -> None:
        super().__init__(f'"{text}" is not a duration')
        self.detail = detail


def parse_duration(text: str) -> float:
    """Return the duration in seconds; units must appear largest first, each once."""
    if text == "0":
        return 0.0
    if text == "":
        raise DurationError(text, "empty duration string")
    rest = text
    total_ms = 0
    last_unit_rank = -1
    while rest:
        digits = 0
        while digits < len(rest) and rest[digits] in "0123456789":
            digits += 1
        if digits == 0:
            raise DurationError(text, f"not a valid duration string: {_quote(text)}")
        significant = rest[:digits].lstrip("0")
        if len(significant) > _INT64_DIGITS:  # and int() refuses past 4300 digits
            raise DurationError(text, "duration out of range")
        amount = int(significant or "0")
        rest = rest[digits:]
        unit_len = 0
        while unit_len < len(rest) and rest[unit_len] not in "0123456789":
            unit_len += 1
        unit, rest = rest[:unit_len], rest[unit_len:]
        if not unit:
            raise DurationError(text, f"not a valid duration string: {_quote(text)}")
        if unit not in _MS_PER_UNIT:
            raise DurationError(text, f"unknown unit {_quote(unit)} in duration {_quote(text)}")
        rank = _UNITS_IN_ORDER.index(unit)
        if rank <= last_unit_rank:
            raise DurationError(text, f"not a valid duration string: {_quote(text)}")
        last_unit_rank = rank
        if amount > (1 << 63) // (_MS_PER_UNIT[unit] * _NS_PER_MS):
            raise DurationError(text, "duration out of range")
        total_ms += amount * _MS_PER_UNIT[unit]
        if total_ms * _NS_PER_MS > _MAX_NANOSECONDS:
            raise DurationError(text, "duration out of range")
    return total_ms / 1000


def format_duration(seconds: float) -> str:
    """Render seconds the way Prometheus prints durations (`1h30m`, `0s`, `90d`, `1m500ms`).

    Years and weeks are used only when they divide the remainder exactly, as in
    `model.Duration.String`, because `90d` reads better than `12w6d`.
    """
    millis = round(seconds * 1000)
    if millis == 0:
        return "0s"
    sign = "-" if millis < 0 else ""
    millis = abs(millis)
    parts: list[str] = []
    for unit in _UNITS_IN_ORDER:
        unit_ms = _MS_PER_UNIT[unit]
        if unit in ("y", "w") and millis % unit_ms:
            continue
        count, millis = divmod(millis, unit_ms)
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)


def _quote(text: str) -> str:
    """Go's `%q` for the plain ASCII-ish strings durations consist of."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
