"""The Alertmanager webhook message, version 4, byte for byte as Alertmanager writes it.

Receivers written for Alertmanager (PagerDuty bridges, chat relays, custom
scripts) must work unchanged, so field order, the 16-hex-digit FNV-1a
fingerprint, RFC 3339 times with the zero time for unresolved alerts, the
group key syntax and Go's JSON escaping all follow Alertmanager's
``notify/webhook`` and ``template`` packages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from promql.labels import Labels

WEBHOOK_VERSION = "4"
ZERO_TIME = "0001-01-01T00:00:00Z"
FIRING = "firing"
RESOLVED = "resolved"

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Alert:
    """An alert as Alertmanager sees it: labels include the external labels."""

    labels: Labels
    annotations: Labels
    starts_at: float
    ends_at: float | None = None
    """When it resolved; None while it is firing."""
    generator_url: str = ""

    @property
    def status(self) -> str:
        return RESOLVED if self.ends_at is not None else FIRING

    @property
    def fingerprint(self) -> str:
        return alert_fingerprint(self.labels)


def alert_fingerprint(labels: Labels) -> str:
    """Alertmanager's fingerprint: FNV-1a 64 over sorted names and values, 0xff-separated."""
    value = _FNV_OFFSET
    for name, label_value in sorted(labels):
        for part in (name, label_value):
            for byte in part.encode():
                value = ((value ^ byte) * _FNV_PRIME) & _MASK64
            value = ((value ^ 0xFF) * _FNV_PRIME) & _MASK64
    return f"{value:016x}"


def rfc3339(timestamp: float | None) -> str:
    """Go's time.Time JSON form in UTC, to the microsecond (trailing zeros trimmed)."""
    if timestamp is None:
        return ZERO_TIME
    seconds, micros = divmod(round(timestamp * 1_000_000), 1_000_000)
    text = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if micros:
        text += "." + f"{micros:06d}".rstrip("0")
    return text + "Z"


def go_quote(text: str) -> str:
    """strconv.Quote for the printable text label values usually hold."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return f'"{escaped}"'


def format_label_set(labels: Mapping[str, str]) -> str:
    """model.LabelSet.String(): ``{a="1", b="2"}``."""
    return "{" + ", ".join(f"{k}={go_quote(labels[k])}" for k in sorted(labels)) + "}"


def group_key(route_key: str, group_labels: Mapping[str, str]) -> str:
    """The aggregation group's key, e.g. ``{}:{alertname="Down"}`` for the root route."""
    return f"{route_key}:{format_label_set(group_labels)}"


def quote_meta(text: str) -> str:
    """Go's regexp.QuoteMeta, which Alertmanager applies to the receiver name."""
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", text)


def generator_url(external_url: str, expr: str) -> str:
    """Link back to the expression, as Prometheus builds it."""
    return f"{external_url.rstrip('/')}/graph?g0.expr={quote_plus(expr)}&g0.tab=1"


def sort_alerts(alerts: Sequence[Alert]) -> list[Alert]:
    """Alertmanager's order: by job, then instance (missing last), then all labels."""

    def key(alert: Alert) -> tuple[Any, ...]:
        labels = dict(alert.labels)
        parts: list[Any] = []
        for name in ("job", "instance"):
            parts.append((0, labels[name]) if name in labels else (1, ""))
        parts.append(sorted(alert.labels))
        return tuple(parts)

    return sorted(alerts, key=key)


def _common(pairs: Sequence[Labels]) -> dict[str, str]:
    if not pairs:
        return {}
    common = dict(pairs[0])
    for other in pairs[1:]:
        values = dict(other)
        common = {k: v for k, v in common.items() if values.get(k) == v}
    return common


def build_message(
    *,
    receiver: str,
    group_key: str,
    group_labels: Mapping[str, str],
    alerts: Sequence[Alert],
    external_url: str,
    max_alerts: int = 0,
) -> dict[str, Any]:
    """The webhook message for ``alerts`` (already in notification order)."""
    truncated = 0
    if max_alerts and len(alerts) > max_alerts:
        truncated = len(alerts) - max_alerts
        alerts = alerts[:max_alerts]
    status = FIRING if any(a.status == FIRING for a in alerts) else RESOLVED
    return {
        "receiver": quote_meta(receiver),
        "status": status,
        "alerts": [
            {
                "status": alert.status,
                "labels": dict(sorted(alert.labels)),
                "annotations": dict(sorted(alert.annotations)),
                "startsAt": rfc3339(alert.starts_at),
                "endsAt": rfc3339(alert.ends_at),
                "generatorURL": alert.generator_url,
                "fingerprint": alert.fingerprint,
            }
            for alert in alerts
        ],
        "groupLabels": dict(sorted(group_labels.items())),
        "commonLabels": dict(sorted(_common([a.labels for a in alerts]).items())),
        "commonAnnotations": dict(sorted(_common([a.annotations for a in alerts]).items())),
        "externalURL": external_url,
        "version": WEBHOOK_VERSION,
        "groupKey": group_key,
        "truncatedAlerts": truncated,
    }


def encode_message(message: Mapping[str, Any]) -> str:
    """JSON as Go's encoder writes it: compact, HTML-safe escapes, trailing newline."""
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text + "\n"
