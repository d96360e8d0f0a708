"""A log line as Vigil keeps it, and the severity scale every parser maps onto."""

from __future__ import annotations

from dataclasses import dataclass, field

LEVELS: tuple[str, ...] = ("trace", "debug", "info", "warn", "error", "fatal")
"""Severities in order; stored as their index so ``level>=warn`` is a comparison."""

_ALIASES: dict[str, str] = {
    "trace": "trace",
    "trc": "trace",
    "debug": "debug",
    "dbg": "debug",
    "info": "info",
    "inf": "info",
    "information": "info",
    "notice": "info",
    "warn": "warn",
    "warning": "warn",
    "wrn": "warn",
    "error": "error",
    "err": "error",
    "eror": "error",
    "fatal": "fatal",
    "critical": "fatal",
    "crit": "fatal",
    "panic": "fatal",
    "emerg": "fatal",
    "alert": "fatal",
}
DEFAULT_LEVEL = "info"


def normalise_level(text: str) -> str | None:
    """One of LEVELS for a level as programs write it (``WARNING``, ``E``...), or None."""
    key = text.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if len(key) == 1:
        for level in LEVELS:
            if level[0] == key:
                return level
    return None


def level_number(level: str) -> int:
    return LEVELS.index(level)


@dataclass(slots=True)
class LogRecord:
    """One parsed line. ``fields`` keeps every key not mapped onto a column, as text.

    Not ``frozen``: one is built per line ingested, and a frozen dataclass's
    ``__init__`` (``object.__setattr__`` per field) took four times as long,
    over a microsecond a line. Treat it as a value all the same: never assign.
    """

    timestamp_ms: int
    message: str
    service: str = ""
    level: str = DEFAULT_LEVEL
    trace_id: str = ""
    source: str = ""
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredLine:
    """A record as read back, with the id that orders and pages results."""

    id: str
    record: LogRecord
