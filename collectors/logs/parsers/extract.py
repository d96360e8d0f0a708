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
    stays a field.
    """
    found: dict[str, tuple[int, str, object]] = {}
    fields: dict[str, str] = {}
    for key, value in pairs.items():
        if value is None:
            continue
        role = _ROLES.get(key)
        if role is None:
            fields[key] = _text(value)
            continue
        name, priority = role
        held = found.get(name)
        if held is None or priority < held[0]:
            found[name] = (priority, key, value)
            if held is not None:
                fields[held[1]] = _text(held[2])
        else:
            fields[key] = _text(value)
    stamp = found["timestamp"][2] if "timestamp" in found else None
    timestamp = parse_timestamp(stamp) if stamp is not None else None
    if timestamp is None:
        timestamp = now_ms
        if stamp is not None:
            fields["unparsed_timestamp"] = _text(stamp)
    level = normalise_level(_text(found["level"][2])) if "level" in found else None
    service = _text(found["service"][2]) if "service" in found else None
    if labels:
        for key, value in labels.items():
            if key == "service":
                service = service or value  # the line's own service wins
            else:
                fields.setdefault(key, value)
    return LogRecord(
        timestamp_ms=timestamp,
        message=_text(found["message"][2]) if "message" in found else "",
        service=service or "",
        level=level or DEFAULT_LEVEL,
        trace_id=_text(found["trace_id"][2]) if "trace_id" in found else "",
        source=source,
        fields=fields,
    )
