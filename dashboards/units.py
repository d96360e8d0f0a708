"""Units for axes and values: one table, so every panel formats the same unit the same way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    """How plotly should label an axis for this unit (d3-format plus a suffix)."""

    tickformat: str
    ticksuffix: str
    label: str


UNITS: dict[str, Unit] = {
    "none": Unit("~s", "", ""),
    "seconds": Unit("~s", "s", "seconds"),
    "bytes": Unit("~s", "B", "bytes"),
    "percent": Unit(".0%", "", "percent"),
    "percentunit": Unit(".0%", "", "percent"),
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
