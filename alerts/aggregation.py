"""Aggregation groups: alerts grouped per route, and when each group is flushed.

As in Alertmanager's ``dispatch/dispatch.go``, an alert joins one group per
route it matches (named by the route and its ``group_by`` labels). A group
flushes ``group_wait`` after its first alert fired (at once when that is
already past), then every ``group_interval``; a flush hands every alert to
the receiver's dedup (``notification_log``) and drops the resolved ones from
the group, which is empty, and closed, when none is left. Group states are
values the caller stores, so a restart neither waits again nor flushes early.
Silences and inhibition do not change membership; they mute at flush time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from alerts.alerting import FIRING, INACTIVE, RESOLVED_RETENTION, ActiveAlert
from alerts.inhibit import InhibitRule, inhibitions
from alerts.payload import Alert
from alerts.routing import Route, group_labels, match_routes, route_group_key
from alerts.silences import Silence, silenced_by
from promql.labels import Labels, make_labels

RowKey = tuple[str, int]
"""An alert's identity in ``alert_states``: (rule key, fingerprint)."""

GROUP_RETENTION = 2 * RESOLVED_RETENTION
"""How long a closed group is remembered: its resolved alerts are gone by then."""


@dataclass(frozen=True)
class Member:
    """One alert as receivers see it, plus the stored rows behind it."""

    alert: Alert
    state: ActiveAlert
    rows: tuple[RowKey, ...]

    @property
    def firing(self) -> bool:
        return self.alert.ends_at is None

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.alert.labels)


@dataclass(frozen=True)
class MuteStatus:
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()

    @property
    def muted(self) -> bool:
        return bool(self.silenced_by or self.inhibited_by)


@dataclass(frozen=True)
class GroupState:
    """What is stored of a group between dispatches (``alert_groups``)."""

    id: str
    route_id: str
    group_key: str
    receiver: str
    labels: Labels
    first_seen_at: float
    next_flush_at: float | None
    """None: the group is empty (closed) until an alert fires in it again."""
    last_flush_at: float | None = None


@dataclass
class Group:
    route: Route
    key: str
    labels: dict[str, str]
    members: list[Member] = field(default_factory=list)

    @property
    def id(self) -> str:
        return group_id(self.route.id, self.key)


def group_id(route_id: str, key: str) -> str:
    return hashlib.sha256(f"{route_id}\x1f{key}".encode()).hexdigest()


def collect_members(
    states: Mapping[str, Mapping[int, ActiveAlert]],
    external_labels: Mapping[str, str],
    generator_urls: Mapping[str, str],
) -> list[Member]:
    """Firing and resolved alerts, one per label set as Alertmanager dedupes them."""
    by_fingerprint: dict[str, Member] = {}
    for rule_key, alerts in sorted(states.items()):
        for fp, state in sorted(alerts.items()):
            if state.fired_at is None or state.state not in (FIRING, INACTIVE):
                continue  # pending
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
                if other.firing or state.state != FIRING:
                    by_fingerprint[alert.fingerprint] = Member(other.alert, other.state, rows)
                    continue
            by_fingerprint[alert.fingerprint] = Member(alert, state, rows)
    return list(by_fingerprint.values())


def mute_statuses(
    members: Sequence[Member],
    silences: Sequence[Silence],
    inhibit_rules: Sequence[InhibitRule],
    now: float,
) -> dict[str, MuteStatus]:
    """Silences and inhibitions of each alert (by fingerprint) at ``now``."""
    labels = {m.alert.fingerprint: m.labels for m in members}
    firing = {m.alert.fingerprint: labels[m.alert.fingerprint] for m in members if m.firing}
    inhibited = inhibitions(inhibit_rules, firing, labels)
    statuses: dict[str, MuteStatus] = {}
    for fingerprint, alert_labels in labels.items():
        silenced = tuple(silenced_by(silences, alert_labels, now))
        source = inhibited.get(fingerprint)
        if silenced or source:
            statuses[fingerprint] = MuteStatus(silenced, (source,) if source else ())
    return statuses


def route_alerts(tree: Route, members: Sequence[Member]) -> dict[str, Group]:
    """Every alert put in the group of each route it matches, by group ID."""
    groups: dict[str, Group] = {}
    for member in members:
        for route in match_routes(tree, member.labels):
            if route.receiver is None:
                continue
            labels = group_labels(route, member.labels)
            group = Group(route, route_group_key(route, labels), labels)
            groups.setdefault(group.id, group).members.append(member)
    return groups


def _still_in_group(member: Member, state: GroupState | None) -> bool:
    """Resolved alerts leave a group at the first flush after they resolved."""
    if member.firing or state is None or state.last_flush_at is None:
        return True
    return member.alert.ends_at is not None and member.alert.ends_at > state.last_flush_at


@dataclass
class Advance:
    """The outcome of one dispatch for the groups: what to flush, what to store."""

    flush: list[Group] = field(default_factory=list)
    store: dict[str, GroupState] = field(default_factory=dict)
    """Changed group states by ID."""
    forget: list[str] = field(default_factory=list)


def advance_groups(
    groups: Mapping[str, Group], stored: Mapping[str, GroupState], now: float
) -> Advance:
    """Open new groups, pick the ones due, close the empty ones (pure)."""
    result = Advance()
    for gid, group in sorted(groups.items()):
        state = stored.get(gid)
        members = [m for m in group.members if _still_in_group(m, state)]
        firing = [m for m in members if m.firing]
        if state is None or state.next_flush_at is None:
            if not firing:
                continue  # only resolutions: no group is opened for those
            first = min(m.alert.starts_at for m in firing)
            state = GroupState(
                gid,
                group.route.id,
                group.key,
                group.route.receiver or "",
                make_labels(group.labels),
                first,
                first + group.route.group_wait,
                state.last_flush_at if state else None,
            )
            result.store[gid] = state
        assert state.next_flush_at is not None
        if now < state.next_flush_at:
            continue
        result.flush.append(Group(group.route, group.key, group.labels, members))
        next_flush = now + group.route.group_interval if firing else None
        result.store[gid] = replace(state, next_flush_at=next_flush, last_flush_at=now)
    for gid, state in sorted(stored.items()):
        if gid in groups:
            continue
        if state.next_flush_at is not None:
            result.store[gid] = replace(state, next_flush_at=None)  # its alerts are gone
        elif max(state.last_flush_at or 0.0, state.first_seen_at) < now - GROUP_RETENTION:
            result.forget.append(gid)
    return result
