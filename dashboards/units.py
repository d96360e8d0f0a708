"""Units for axes and values: one table, so every panel formats the same unit the same way."""

from __future__ import annotations

import math
from dataclasses import dataclass

_SI_PREFIXES = (
    (1e12, "T"),
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
    (1.0, ""),
    (1e-3, "m"),
    (1e-6, "µ"),
)


@dataclass(frozen=True)
class Unit:
    """How plotly should label an axis for this unit (d3-format plus a suffix)."""

    tickformat: str
    ticksuffix: str
    label: str
    ratio: bool = False
    """Values are fractions (0.25) shown as percentages (25%)."""

    def format(self, value: float | None) -> str:
        """A value as a stat panel shows it: ``1.23k req/s``, ``250ms``, ``97.5%``."""
        if value is None or math.isnan(value):
            return "n/a"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if self.ratio:
            return f"{value * 100:.3g}%"
        magnitude = abs(value)
        for factor, prefix in _SI_PREFIXES:
            if magnitude >= factor:
                return f"{value / factor:.3g}{prefix}{self.ticksuffix}"
        return f"{value:.3g}{self.ticksuffix}"


UNITS: dict[str, Unit] = {
    "none": Unit("~s", "", ""),
    "seconds": Unit("~s", "s", "seconds"),
    "bytes": Unit("~s", "B", "bytes"),
    "bytes_per_second": Unit("~s", "B/s", "bytes per second"),
    "percent": Unit(".0%", "", "percent", ratio=True),
    "percentunit": Unit(".0%", "", "percent", ratio=True),
    "reqps": Unit("~s", " req/s", "requests per second"),
    "ops": Unit("~s", " ops/s", "operations per second"),
}


def unit_named(name: str | None) -> Unit:
    if name is None:
        return UNITS["none"]
    try:
        return UNITS[name]
    except KeyError:
        raise ValueError(
            f'unknown unit "{name}"; known units: {", ".join(sorted(UNITS))}'
        ) from None
