"""From alert states to outbox rows: Alertmanager's routing, grouping, muting and dedup.

Each call takes every firing and resolved alert, routes it through the tree
into aggregation groups (``aggregation``), and for each group due to flush
asks every integration of the route's receiver whether it needs telling
(``notification_log``). Silenced and inhibited alerts are left out, except
that a receiver told an alert was firing still hears that it resolved; a
route inside a mute time interval (or outside its active ones) sends nothing.
The outbox rows, the log entries and the group states are written in one
transaction, so a process killed at any point neither loses nor repeats a
notification. Each row's idempotency key covers the receiver, integration,
group, alerts, content and the previous notification time, so a retried or
concurrent dispatch of the same decision inserts nothing new.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from alerts.aggregation import (
    Advance,
    Group,
    GroupState,
    Member,
    MuteStatus,
    advance_groups,
    collect_members,
    mute_statuses,
    route_alerts,
)
from alerts.alerting import ActiveAlert
from alerts.config import AlertingConfig, ReceiverConfig
from alerts.inhibit import compile_inhibit_rule
from alerts.notification_log import LogEntry, LogKey, load_log, notify_reason, save_log
from alerts.notifiers import NOTIFIERS
from alerts.payload import build_message, sort_alerts
from alerts.routing import build_route_tree, time_muted
from alerts.silences import Silence, active_silences, delete_expired_silences
from alerts.state import load_states, mark_sent
from store.db import write_transaction
from store.models import AlertGroup, Notification
from store.sqlutil import batched

_PG_LOCK = 0x76696769_6C646973
"""pg_advisory_xact_lock key serializing dispatches on PostgreSQL (SQLite has one writer)."""


@dataclass(frozen=True)
class PlannedNotification:
    """An outbox row to create, and the alerts it tells the receiver about."""

    receiver: str
    integration: str
    url: str
    group_key: str
    body: str
    idempotency_key: str
    rows: tuple[tuple[str, int], ...]
    integration_index: int = 0


@dataclass
class DispatchPlan:
    """What one dispatch decided: rows to enqueue, and the state to store with them."""

    notifications: list[PlannedNotification] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)
    groups: Advance = field(default_factory=Advance)


def integrations(receiver: ReceiverConfig) -> list[tuple[str, int, Any]]:
    """(notifier type, index among that type's configs, settings) of a receiver."""
    found: list[tuple[str, int, Any]] = []
    for kind in NOTIFIERS:
        for index, settings in enumerate(getattr(receiver, f"{kind}_configs", [])):
            found.append((kind, index, settings))
    return found


def _key(parts: Sequence[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _notify_integration(
    group: Group,
    integration: tuple[str, int, Any],
    muted: Mapping[str, MuteStatus],
    entry: LogEntry | None,
    key: LogKey,
    now: float,
    external_url: str,
) -> tuple[PlannedNotification | None, LogEntry | None]:
    """One integration's share of a flush: Alertmanager's mute, dedup and send stages."""
    kind, index, settings = integration
    known = entry.firing if entry else frozenset()
    chosen: list[Member] = []
    still_known: set[str] = set()  # muted, but the receiver believes they fire
    for member in group.members:
        fp = member.alert.fingerprint
        if fp in muted and muted[fp].muted:
            if member.firing:
                if fp in known:
                    still_known.add(fp)
                continue
            if fp not in known:
                continue
        chosen.append(member)
    if not chosen:
        return None, None
    firing = {m.alert.fingerprint for m in chosen if m.firing}
    resolved = {m.alert.fingerprint for m in chosen if not m.firing}
    send_resolved = bool(getattr(settings, "send_resolved", True))
    repeat = group.route.repeat_interval
    if (
        notify_reason(
            entry, firing, resolved, send_resolved=send_resolved, repeat_interval=repeat, now=now
        )
        is None
    ):
        return None, None
    expires = now + 2 * repeat
    logged = LogEntry(key, frozenset(firing | still_known), frozenset(resolved), now, expires)
    sent = chosen if send_resolved else [m for m in chosen if m.firing]
    if not sent:
        return None, logged  # only resolutions, which this integration does not send
    alerts = sort_alerts([m.alert for m in sent])
    message = build_message(
        receiver=key.receiver,
        group_key=group.key,
        group_labels=group.labels,
        alerts=alerts,
        external_url=external_url,
        max_alerts=getattr(settings, "max_alerts", 0),
    )
    body = NOTIFIERS[kind].render(message, settings)
    statuses = ",".join(sorted(f"{a.fingerprint}:{a.status}" for a in alerts))
    previous = repr(entry.sent_at if entry else None)
    identity = (key.receiver, kind, str(index), settings.url, group.key)
    content = hashlib.sha256(body.encode()).hexdigest()
    rows = tuple(row for m in sent for row in m.rows)
    planned = PlannedNotification(
        key.receiver,
        kind,
        settings.url,
        group.key,
        body,
        _key((*identity, statuses, content, previous)),
        rows,
        index,
    )
    return planned, logged


def plan_notifications(
    states: Mapping[str, Mapping[int, ActiveAlert]],
    config: AlertingConfig,
    now: float,
    *,
    external_labels: Mapping[str, str] | None = None,
    external_url: str = "",
    generator_urls: Mapping[str, str] | None = None,
    groups: Mapping[str, GroupState] | None = None,
    log: Mapping[LogKey, LogEntry] | None = None,
    silences: Sequence[Silence] = (),
) -> DispatchPlan:
    """Everything due at ``now`` (pure: the caller stores the plan in one transaction)."""
    members = collect_members(states, external_labels or {}, generator_urls or {})
    tree = build_route_tree(config.route)
    advance = advance_groups(route_alerts(tree, members), groups or {}, now)
    plan = DispatchPlan(groups=advance)
    rules = [compile_inhibit_rule(rule) for rule in config.inhibit_rules]
    muted = mute_statuses(members, silences, rules, now)
    receivers = {receiver.name: receiver for receiver in config.receivers}
    intervals = config.named_time_intervals()
    entries = log or {}
    for group in advance.flush:
        receiver = receivers.get(group.route.receiver or "")
        if receiver is None or not group.members or time_muted(group.route, intervals, now):
            continue
        for integration in integrations(receiver):
            key = LogKey(receiver.name, integration[0], integration[1], group.key)
            planned, logged = _notify_integration(
                group, integration, muted, entries.get(key), key, now, external_url
            )
            if planned is not None:
                plan.notifications.append(planned)
            if logged is not None:
                plan.log.append(logged)
    return plan


def enqueue(connection: Connection, notification: PlannedNotification, now: float) -> bool:
    """Insert the outbox row unless one with its idempotency key exists; True if inserted."""
    values = {
        "idempotency_key": notification.idempotency_key,
        "receiver": notification.receiver,
        "integration": notification.integration,
        "integration_index": notification.integration_index,
        "group_key": notification.group_key,
        "url": notification.url,
        "payload": notification.body,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "last_error": "",
    }
    dialect = connection.dialect.name
    if dialect in ("sqlite", "postgresql"):
        upsert = sqlite_insert if dialect == "sqlite" else pg_insert
        statement = (
            upsert(Notification)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(Notification.id)
        )
        return connection.execute(statement).first() is not None
    exists = connection.scalar(
        select(Notification.id).where(Notification.idempotency_key == notification.idempotency_key)
    )
    if exists is None:
        connection.execute(insert(Notification).values(**values))
    return exists is None


def load_groups(connection: Connection) -> dict[str, GroupState]:
    groups: dict[str, GroupState] = {}
    for row in connection.execute(select(AlertGroup)):
        labels = tuple((str(k), str(v)) for k, v in json.loads(row.labels))
        groups[row.id] = GroupState(
            row.id,
            row.route_id,
            row.group_key,
            row.receiver,
            labels,
            row.first_seen_at,
            row.next_flush_at,
            row.last_flush_at,
        )
    return groups


def save_groups(connection: Connection, advance: Advance) -> None:
    """Write the changed group states and drop the forgotten ones."""
    rows = [
        {
            "id": s.id,
            "route_id": s.route_id,
            "group_key": s.group_key,
            "receiver": s.receiver,
            "labels": json.dumps([list(pair) for pair in s.labels]),
            "first_seen_at": s.first_seen_at,
            "next_flush_at": s.next_flush_at,
            "last_flush_at": s.last_flush_at,
        }
        for s in advance.store.values()
    ]
    stale = [*advance.forget, *advance.store]
    for ids in batched(stale):
        connection.execute(delete(AlertGroup).where(AlertGroup.id.in_(list(ids))))
    for chunk in batched(rows):
        connection.execute(insert(AlertGroup), list(chunk))


def flush_due(engine: Engine, now: float) -> bool:
    """Whether an aggregation group is due to flush at ``now`` (one indexed read)."""
    with engine.connect() as connection:
        first = connection.execute(select(func.min(AlertGroup.next_flush_at))).scalar()
    return first is not None and first <= now


def dispatch(
    engine: Engine,
    config: AlertingConfig,
    now: float,
    *,
    external_labels: Mapping[str, str] | None = None,
    external_url: str = "",
    generator_urls: Mapping[str, str] | None = None,
) -> list[PlannedNotification]:
    """Turn due alert groups into outbox rows, in one write transaction; returns rows added."""
    added: list[PlannedNotification] = []
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        plan = plan_notifications(
            load_states(connection),
            config,
            now,
            external_labels=external_labels,
            external_url=external_url,
            generator_urls=generator_urls,
            groups=load_groups(connection),
            log=load_log(connection, now),
            silences=active_silences(connection, now),
        )
        for notification in plan.notifications:
            if enqueue(connection, notification, now):
                added.append(notification)
        save_log(connection, plan.log, now)
        save_groups(connection, plan.groups)
        delete_expired_silences(connection, now)
        mark_sent(connection, {row for n in plan.notifications for row in n.rows}, now)
    return added
