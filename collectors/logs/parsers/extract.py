"""From a parser's key-value pairs to a LogRecord: the well-known keys every format shares.

Parsers only split a line into keys and values; which key holds the
timestamp, the level or the trace id is decided here once, so JSON, logfmt
and regex lines with the same keys give the same record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from store.logs.record import DEFAULT_LEVEL, LogRecord, normalise_level

TIMESTAMP_KEYS = ("ts", "time", "timestamp", "@timestamp", "t", "datetime")
SERVICE_KEYS = ("service", "service_name", "app", "application", "component")
LEVEL_KEYS = ("level", "lvl", "severity", "loglevel", "log_level", "levelname")
MESSAGE_KEYS = ("msg", "message", "log", "text")
TRACE_KEYS = ("trace_id", "traceid", "traceId", "trace.id", "trace")

_EPOCH_MS_ABOVE = 10**11
"""Numeric timestamps above this are milliseconds (1973 in ms), below are seconds."""


def parse_timestamp(value: object) -> int | None:
    """Milliseconds since the epoch from RFC 3339 text or epoch seconds/milliseconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                return None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return int(moment.timestamp() * 1000)
    return int(number if number > _EPOCH_MS_ABOVE else number * 1000)


_encode = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode


def _text(value: object) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is int or kind is float:
        return str(value)
    return _encode(value)


_ROLES: dict[str, tuple[str, int]] = {
    key: (role, priority)
    for role, keys in (
        ("timestamp", TIMESTAMP_KEYS),
        ("service", SERVICE_KEYS),
        ("level", LEVEL_KEYS),
        ("message", MESSAGE_KEYS),
        ("trace_id", TRACE_KEYS),
    )
    for priority, key in enumerate(keys)
}
"""Each well-known key: the record attribute it fills, and its rank among that attribute's keys."""


_LEVEL_OF: dict[str, str] = {}
"""Level text as lines spell it (``INFO``, ``Warning``) to the level: most lines
use a handful of spellings, so the normalised answer is remembered per spelling."""
_LEVEL_SPELLINGS = 1024
"""At most this many spellings are remembered (a bound against hostile input)."""


def _level(value: object) -> str | None:
    text = value if type(value) is str else _text(value)
    level = _LEVEL_OF.get(text)
    if level is None:
        level = normalise_level(text)
        if level is not None and len(_LEVEL_OF) < _LEVEL_SPELLINGS:
            _LEVEL_OF[text] = level
    return level


def _timestamp(value: object, now_ms: int, fields: dict[str, str]) -> int:
    """The line's time in ms; ``now_ms`` (and the raw text kept as a field) if unreadable."""
    if type(value) is int:  # the common case first: epoch milliseconds or seconds
        return value if value > _EPOCH_MS_ABOVE else value * 1000
    timestamp = parse_timestamp(value)
    if timestamp is None:
        fields["unparsed_timestamp"] = _text(value)
        return now_ms
    return timestamp


def to_record(
    pairs: Mapping[str, object],
    *,
    now_ms: int,
    source: str = "",
    labels: Mapping[str, str] | None = None,
) -> LogRecord:
    """The record for one parsed line; unknown keys (and ``labels``) become fields.

    One pass over the pairs: where a line has two keys for one attribute
    (``ts`` and ``time``), the earlier in the lists above wins and the other
    stays a field. Written for speed (it runs once per line ingested): plain
    strings skip ``_text``, and each attribute's winning value is kept as is.
    """
    found: dict[str, tuple[int, str, object]] = {}
    fields: dict[str, str] = {}
    roles = _ROLES
    for key, value in pairs.items():
        if value is None:
            continue
        role = roles.get(key)
        if role is None:
            fields[key] = value if type(value) is str else _text(value)
            continue
        name, priority = role
        held = found.get(name)
        if held is None or priority < held[0]:
            found[name] = (priority, key, value)
            if held is not None:
                fields[held[1]] = _text(held[2])
        else:
            fields[key] = _text(value)
    held = found.get("timestamp")
    timestamp = now_ms if held is None else _timestamp(held[2], now_ms, fields)
    held = found.get("level")
    level = None if held is None else _level(held[2])
    held = found.get("service")
    service = "" if held is None else _text(held[2])
    if labels:
        for key, value in labels.items():
            if key == "service":
                service = service or value  # the line's own service wins
            else:
                fields.setdefault(key, value)
    held = found.get("message")
    message = "" if held is None else _text(held[2])
    held = found.get("trace_id")
    return LogRecord(
        timestamp,
        message,
        service,
        level or DEFAULT_LEVEL,
        "" if held is None else _text(held[2]),
        source,
        fields,
    )
