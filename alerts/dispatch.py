"""From alert states to outbox rows: Alertmanager's grouping and timing, thin for now.

Only the root route is used (child routes, matchers, silences and inhibition
come later): alerts are grouped by its ``group_by`` (``...`` = every label,
none = one group), and a group is notified ``group_wait`` after its first
alert fired, then at most every ``group_interval`` when alerts were added or
resolved, and every ``repeat_interval`` while nothing changed. What a
receiver already knows is read from ``alert_states.last_sent_at`` (set for
every alert put in a notification), which plays the part of Alertmanager's
notification log. Each row's idempotency key covers the receiver, group,
alerts and content, plus the group's previous notification time, so a
retried or concurrent dispatch of the same decision inserts nothing new.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy import insert as sql_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from alerts.alerting import FIRING, INACTIVE, ActiveAlert
from alerts.config import AlertingConfig, ReceiverConfig, RouteConfig
from alerts.notifiers import NOTIFIERS
from alerts.payload import Alert, build_message, group_key, sort_alerts
from alerts.state import load_states, mark_sent
from promql.labels import Labels, make_labels
from store.db import write_transaction
from store.models import Notification

DEFAULT_GROUP_WAIT = 30.0
DEFAULT_GROUP_INTERVAL = 300.0
DEFAULT_REPEAT_INTERVAL = 4 * 3600.0
ROOT_ROUTE_KEY = "{}"
GROUP_BY_ALL = "..."

RowKey = tuple[str, int]
"""An alert's identity in ``alert_states``: (rule key, fingerprint)."""


@dataclass(frozen=True)
class Timing:
    group_wait: float = DEFAULT_GROUP_WAIT
    group_interval: float = DEFAULT_GROUP_INTERVAL
    repeat_interval: float = DEFAULT_REPEAT_INTERVAL

    @classmethod
    def of(cls, route: RouteConfig) -> Timing:
        return cls(
            DEFAULT_GROUP_WAIT if route.group_wait is None else route.group_wait,
            DEFAULT_GROUP_INTERVAL if route.group_interval is None else route.group_interval,
            DEFAULT_REPEAT_INTERVAL if route.repeat_interval is None else route.repeat_interval,
        )


@dataclass(frozen=True)
class Member:
    """One alert in a group: as receivers see it, plus the stored rows behind it."""

    alert: Alert
    state: ActiveAlert
    rows: tuple[RowKey, ...]


@dataclass
class AlertGroup:
    key: str
    labels: dict[str, str]
    members: list[Member] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedNotification:
    """An outbox row to create, and the alerts it tells the receiver about."""

    receiver: str
    integration: str
    url: str
    group_key: str
    body: str
    idempotency_key: str
    rows: tuple[RowKey, ...]


def group_labels(labels: Labels, group_by: Sequence[str] | None) -> dict[str, str]:
    """The labels that name an alert's group (Alertmanager's getGroupLabels)."""
    if group_by is not None and GROUP_BY_ALL in group_by:
        return dict(labels)
    wanted = set(group_by or ())
    return {name: value for name, value in labels if name in wanted}


def group_alerts(
    members: Sequence[Member], group_by: Sequence[str] | None, route_key: str = ROOT_ROUTE_KEY
) -> dict[str, AlertGroup]:
    groups: dict[str, AlertGroup] = {}
    for member in members:
        labels = group_labels(member.alert.labels, group_by)
        key = group_key(route_key, labels)
        groups.setdefault(key, AlertGroup(key, labels)).members.append(member)
    return groups


def _known_firing(alert: ActiveAlert) -> bool:
    """The receiver was told this alert fires, and not yet that it resolved."""
    sent, fired = alert.last_sent_at, alert.fired_at
    if sent is None or fired is None or sent < fired:
        return False
    return alert.resolved_at is None or sent < alert.resolved_at


def _resolution_sent(alert: ActiveAlert) -> bool:
    sent, resolved = alert.last_sent_at, alert.resolved_at
    return sent is not None and resolved is not None and sent >= resolved


def notification_due(group: AlertGroup, timing: Timing, now: float, send_resolved: bool) -> bool:
    """Whether ``group`` should be notified at ``now`` (Alertmanager's flush + dedup)."""
    firing = {m.alert.fingerprint for m in group.members if m.state.state == FIRING}
    resolved = [m for m in group.members if m.state.state == INACTIVE]
    known = {m.alert.fingerprint for m in group.members if _known_firing(m.state)}
    if not known:
        # A new group: wait for more alerts, and never open with resolutions only.
        starts = [m.state.fired_at for m in group.members if m.state.fired_at is not None]
        return bool(firing) and now >= min(starts) + timing.group_wait
    last = max(m.state.last_sent_at or 0.0 for m in group.members)
    if now < last + timing.group_interval:
        return False
    if not firing <= known or not firing:
        return True
    if send_resolved and resolved:
        return True
    return now >= last + timing.repeat_interval


def _members(
    states: Mapping[str, Mapping[int, ActiveAlert]],
    external_labels: Mapping[str, str],
    generator_urls: Mapping[str, str],
) -> list[Member]:
    """Alerts a receiver may hear about, one per label set as Alertmanager dedupes them."""
    by_fingerprint: dict[str, Member] = {}
    for rule_key, alerts in sorted(states.items()):
        for fp, state in sorted(alerts.items()):
            if state.fired_at is None or _resolution_sent(state):
                continue  # pending, or its end was already notified
            if state.state not in (FIRING, INACTIVE):
                continue
            labels = make_labels({**external_labels, **dict(state.labels)})
            alert = Alert(
                labels,
                state.annotations,
                starts_at=state.fired_at,
                ends_at=state.resolved_at if state.state == INACTIVE else None,
                generator_url=generator_urls.get(rule_key, ""),
            )
            other = by_fingerprint.get(alert.fingerprint)
            rows: tuple[RowKey, ...] = ((rule_key, fp),)
            if other is not None:
                rows = other.rows + rows
                if other.state.state == FIRING or state.state != FIRING:
                    by_fingerprint[alert.fingerprint] = Member(other.alert, other.state, rows)
                    continue
            by_fingerprint[alert.fingerprint] = Member(alert, state, rows)
    return list(by_fingerprint.values())


def _integrations(receiver: ReceiverConfig) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name in NOTIFIERS:
        found.extend((name, config) for config in getattr(receiver, f"{name}_configs", []))
    return found


def _idempotency_key(parts: Sequence[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def plan_notifications(
    states: Mapping[str, Mapping[int, ActiveAlert]],
    config: AlertingConfig,
    now: float,
    *,
    external_labels: Mapping[str, str] | None = None,
    external_url: str = "",
    generator_urls: Mapping[str, str] | None = None,
) -> list[PlannedNotification]:
    """The notifications due at ``now`` (pure: the caller stores them and marks rows sent)."""
    route = config.route
    receiver = next((r for r in config.receivers if r.name == route.receiver), None)
    if receiver is None:
        return []
    integrations = _integrations(receiver)
    send_resolved = any(getattr(c, "send_resolved", True) for _, c in integrations)
    timing = Timing.of(route)
    members = _members(states, external_labels or {}, generator_urls or {})
    planned: list[PlannedNotification] = []
    for group in group_alerts(members, route.group_by).values():
        if not notification_due(group, timing, now, send_resolved):
            continue
        rows = tuple(row for member in group.members for row in member.rows)
        previous = max(m.state.last_sent_at or 0.0 for m in group.members)
        ordered = sort_alerts([m.alert for m in group.members])
        for index, (kind, integration) in enumerate(integrations):
            alerts = ordered
            if not getattr(integration, "send_resolved", True):
                alerts = [a for a in alerts if a.status == FIRING]
            if not alerts:
                continue
            message = build_message(
                receiver=receiver.name,
                group_key=group.key,
                group_labels=group.labels,
                alerts=alerts,
                external_url=external_url,
                max_alerts=getattr(integration, "max_alerts", 0),
            )
            body = NOTIFIERS[kind].render(message, integration)
            content = hashlib.sha256(body.encode()).hexdigest()
            statuses = ",".join(sorted(f"{a.fingerprint}:{a.status}" for a in alerts))
            identity = (receiver.name, kind, str(index), integration.url, group.key)
            key = _idempotency_key((*identity, statuses, content, repr(previous)))
            planned.append(
                PlannedNotification(
                    receiver.name, kind, integration.url, group.key, body, key, rows
                )
            )
        if not any(p.group_key == group.key for p in planned):
            # Nothing to send (send_resolved off): still record that it was handled.
            planned.append(PlannedNotification(receiver.name, "", "", group.key, "", "", rows))
    return planned


def enqueue(connection: Connection, notification: PlannedNotification, now: float) -> bool:
    """Insert the outbox row unless one with its idempotency key exists; True if inserted."""
    values = {
        "idempotency_key": notification.idempotency_key,
        "receiver": notification.receiver,
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
        insert = sqlite_insert if dialect == "sqlite" else pg_insert
        statement = (
            insert(Notification)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(Notification.id)
        )
        return connection.execute(statement).first() is not None
    exists = connection.scalar(
        select(Notification.id).where(Notification.idempotency_key == notification.idempotency_key)
    )
    if exists is None:
        connection.execute(sql_insert(Notification).values(**values))
    return exists is None


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
        states = load_states(connection)
        planned = plan_notifications(
            states,
            config,
            now,
            external_labels=external_labels,
            external_url=external_url,
            generator_urls=generator_urls,
        )
        for notification in planned:
            if notification.idempotency_key and enqueue(connection, notification, now):
                added.append(notification)
        mark_sent(connection, {row for n in planned for row in n.rows}, now)
    return added
