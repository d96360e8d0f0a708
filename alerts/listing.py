"""Alerts as the console lists them: each with its receivers and what mutes it.

Alertmanager's ``/api/v2/alerts`` view: an alert is ``suppressed`` while a
silence or an inhibition mutes it (or every route it takes is in a mute time
interval), else ``active``; ``silenced_by`` holds silence IDs, ``inhibited_by``
the fingerprints of the alerts inhibiting it, ``muted_by`` the time intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from alerts.aggregation import collect_members, mute_statuses
from alerts.alerting import ActiveAlert
from alerts.config import AlertingConfig
from alerts.inhibit import compile_inhibit_rule
from alerts.payload import Alert, sort_alerts
from alerts.routing import build_route_tree, match_routes, time_muted
from alerts.silences import Silence, active_silences
from alerts.state import load_states
from alerts.timeintervals import intervals_containing

ACTIVE = "active"
SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class AlertStatus:
    alert: Alert
    """Labels include the external labels; ``alert.status`` is firing or resolved."""
    state: str
    silenced_by: tuple[str, ...]
    inhibited_by: tuple[str, ...]
    muted_by: tuple[str, ...]
    receivers: tuple[str, ...]

    @property
    def fingerprint(self) -> str:
        return self.alert.fingerprint


def alert_statuses(
    states: Mapping[str, Mapping[int, ActiveAlert]],
    config: AlertingConfig,
    now: float,
    *,
    silences: Sequence[Silence] = (),
    external_labels: Mapping[str, str] | None = None,
    generator_urls: Mapping[str, str] | None = None,
) -> list[AlertStatus]:
    """Firing and recently resolved alerts with their status at ``now`` (pure)."""
    members = collect_members(states, external_labels or {}, generator_urls or {})
    rules = [compile_inhibit_rule(rule) for rule in config.inhibit_rules]
    muted = mute_statuses(members, silences, rules, now)
    tree = build_route_tree(config.route)
    intervals = config.named_time_intervals()
    by_fingerprint = {m.alert.fingerprint: m for m in members}
    statuses: list[AlertStatus] = []
    for alert in sort_alerts([m.alert for m in members]):
        routes = match_routes(tree, by_fingerprint[alert.fingerprint].labels)
        muted_by: list[str] = []
        for route in routes:
            muted_by += intervals_containing(route.mute_time_intervals, intervals, now)
        status = muted.get(alert.fingerprint)
        silenced = status.silenced_by if status else ()
        inhibited = status.inhibited_by if status else ()
        all_time_muted = bool(routes) and all(time_muted(r, intervals, now) for r in routes)
        state = SUPPRESSED if silenced or inhibited or all_time_muted else ACTIVE
        receivers = tuple(dict.fromkeys(r.receiver for r in routes if r.receiver))
        statuses.append(
            AlertStatus(
                alert, state, silenced, inhibited, tuple(dict.fromkeys(muted_by)), receivers
            )
        )
    return statuses


def list_alerts(
    connection: Connection,
    config: AlertingConfig,
    now: float,
    *,
    external_labels: Mapping[str, str] | None = None,
    generator_urls: Mapping[str, str] | None = None,
) -> list[AlertStatus]:
    """``alert_statuses`` for the stored alerts and silences."""
    return alert_statuses(
        load_states(connection),
        config,
        now,
        silences=active_silences(connection, now),
        external_labels=external_labels,
        generator_urls=generator_urls,
    )
