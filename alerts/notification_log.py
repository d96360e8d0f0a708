"""The notification log: what each receiver integration was last told about each group.

Alertmanager's ``nflog`` plus its dedup stage (``notify/dedup_stage.go``):
one entry per (receiver, integration, index, group key) holds the firing and
resolved alert fingerprints of the last notification, and ``notify_reason``
compares a group's alerts with it to decide whether to notify again. Entries
expire after twice the repeat interval, as Alertmanager's do. One alert in
the groups of several routes is thereby notified once per receiver and group.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Set
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Connection, delete, insert, select

from store.models import NotificationLogEntry
from store.sqlutil import batched

FIRST_NOTIFICATION = "first_notification"
NEW_ALERTS = "new_alerts_in_group"
NEW_RESOLVED = "new_resolved_alerts"
ALL_RESOLVED = "all_alerts_resolved"
REPEAT = "repeat_interval_elapsed"


class LogKey(NamedTuple):
    receiver: str
    integration: str
    idx: int
    group_key: str

    @property
    def id(self) -> str:
        parts = (self.receiver, self.integration, str(self.idx), self.group_key)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class LogEntry:
    key: LogKey
    firing: frozenset[str]
    resolved: frozenset[str]
    sent_at: float
    expires_at: float


def notify_reason(
    entry: LogEntry | None,
    firing: Set[str],
    resolved: Set[str],
    *,
    send_resolved: bool,
    repeat_interval: float,
    now: float,
) -> str | None:
    """Why the group must be notified now, or None to stay quiet (DedupStage.needsUpdate).

    Differs in one boundary: the repeat is due at exactly ``repeat_interval``
    after the last notification (Alertmanager waits for the next flush after it).
    """
    if entry is None:
        return FIRST_NOTIFICATION if firing else None
    if not firing <= entry.firing:
        return NEW_ALERTS if entry.firing else FIRST_NOTIFICATION
    if not firing:
        # Sent even without send_resolved, so the log forgets the firing alerts.
        return ALL_RESOLVED if entry.firing else None
    if send_resolved and not resolved <= entry.resolved:
        return NEW_RESOLVED
    if now >= entry.sent_at + repeat_interval:
        return REPEAT
    return None


def load_log(connection: Connection, now: float) -> dict[LogKey, LogEntry]:
    """Every unexpired entry."""
    entries: dict[LogKey, LogEntry] = {}
    query = select(NotificationLogEntry).where(NotificationLogEntry.expires_at >= now)
    for row in connection.execute(query):
        key = LogKey(row.receiver, row.integration, row.integration_index, row.group_key)
        entries[key] = LogEntry(
            key,
            frozenset(json.loads(row.firing)),
            frozenset(json.loads(row.resolved)),
            row.sent_at,
            row.expires_at,
        )
    return entries


def save_log(connection: Connection, entries: Iterable[LogEntry], now: float) -> None:
    """Replace the entries for these keys and forget expired ones."""
    rows = [
        {
            "id": e.key.id,
            "receiver": e.key.receiver,
            "integration": e.key.integration,
            "integration_index": e.key.idx,
            "group_key": e.key.group_key,
            "firing": json.dumps(sorted(e.firing)),
            "resolved": json.dumps(sorted(e.resolved)),
            "sent_at": e.sent_at,
            "expires_at": e.expires_at,
        }
        for e in entries
    ]
    connection.execute(delete(NotificationLogEntry).where(NotificationLogEntry.expires_at < now))
    for chunk in batched(rows):
        ids = [row["id"] for row in chunk]
        connection.execute(delete(NotificationLogEntry).where(NotificationLogEntry.id.in_(ids)))
        connection.execute(insert(NotificationLogEntry), list(chunk))
