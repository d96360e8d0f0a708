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


def _text(value: object) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is int or kind is float:
        return str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _pop(values: dict[str, object], keys: tuple[str, ...]) -> object | None:
    for key in keys:
        if key in values:
            return values.pop(key)
    return None


def to_record(
    pairs: Mapping[str, object],
    *,
    now_ms: int,
    source: str = "",
    labels: Mapping[str, str] | None = None,
) -> LogRecord:
    """The record for one parsed line; unknown keys (and ``labels``) become fields."""
    values = dict(pairs)
    stamp = _pop(values, TIMESTAMP_KEYS)
    timestamp = parse_timestamp(stamp) if stamp is not None else None
    if timestamp is None:
        timestamp = now_ms
        if stamp is not None:
            values["unparsed_timestamp"] = stamp
    level_value = _pop(values, LEVEL_KEYS)
    level = normalise_level(_text(level_value)) if level_value is not None else None
    message = _pop(values, MESSAGE_KEYS)
    service = _pop(values, SERVICE_KEYS)
    trace = _pop(values, TRACE_KEYS)
    fields = {key: _text(value) for key, value in values.items() if value is not None}
    if labels:
        for key, value in labels.items():
            fields.setdefault(key, value)
    if service is None and labels and "service" in labels:
        service = fields.pop("service")
    return LogRecord(
        timestamp_ms=timestamp,
        message=_text(message) if message is not None else "",
        service=_text(service) if service is not None else "",
        level=level or DEFAULT_LEVEL,
        trace_id=_text(trace) if trace is not None else "",
        source=source,
        fields=fields,
    )
