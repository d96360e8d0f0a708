"""Grouping and group_wait/group_interval/repeat_interval, on the pure planner."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from alerts.aggregation import GroupState
from alerts.alerting import FIRING, INACTIVE, ActiveAlert
from alerts.config import AlertingConfig
from alerts.dispatch import PlannedNotification, plan_notifications
from alerts.notification_log import LogEntry, LogKey
from alerts.routing import build_route_tree, group_labels
from promql.labels import make_labels

T0 = 1_000_000.0
RULE = "rules.yml;g;Down"


def config(**route: Any) -> AlertingConfig:
    return AlertingConfig.model_validate(
        {
            "route": {
                "receiver": "ops",
                "group_wait": "30s",
                "group_interval": "5m",
                "repeat_interval": "1h",
                **route,
            },
            "receivers": [{"name": "ops", "webhook_configs": [{"url": "http://hook/a"}]}],
        }
    )


def firing(instance: str, alertname: str = "Down", at: float = T0) -> ActiveAlert:
    labels = make_labels({"alertname": alertname, "instance": instance})
    return ActiveAlert(labels, (), FIRING, active_at=at, value=1.0, fired_at=at)


class World:
    """Alert states plus the dispatcher's stored groups and log, advanced in time."""

    def __init__(self, cfg: AlertingConfig, *alerts: ActiveAlert) -> None:
        self.cfg = cfg
        self.states: dict[str, dict[int, ActiveAlert]] = {RULE: {a.fingerprint: a for a in alerts}}
        self.groups: dict[str, GroupState] = {}
        self.log: dict[LogKey, LogEntry] = {}

    def dispatch(self, now: float) -> list[PlannedNotification]:
        plan = plan_notifications(
            self.states,
            self.cfg,
            now,
            external_labels={"env": "prod"},
            groups=self.groups,
            log=self.log,
        )
        self.groups.update(plan.groups.store)
        for gid in plan.groups.forget:
            del self.groups[gid]
        self.log.update((entry.key, entry) for entry in plan.log)
        return plan.notifications

    def set(self, alert: ActiveAlert) -> None:
        self.states[RULE][alert.fingerprint] = alert

    def resolve(self, alert: ActiveAlert, at: float) -> None:
        current = self.states[RULE][alert.fingerprint]
        self.set(replace(current, state=INACTIVE, resolved_at=at))


def alerts_of(notification: PlannedNotification) -> list[tuple[str, str]]:
    body = json.loads(notification.body)
    return [(a["labels"]["instance"], a["status"]) for a in body["alerts"]]


def test_group_labels() -> None:
    labels = make_labels({"alertname": "A", "job": "x", "instance": "i"})

    def tree(group_by: list[str] | None) -> Any:
        return build_route_tree(config(group_by=group_by).route)

    assert group_labels(tree(["alertname", "cluster"]), labels) == {"alertname": "A"}
    assert group_labels(tree(["..."]), labels) == dict(labels)
    assert group_labels(tree(None), labels) == {}


def test_grouping_by_alertname_and_by_everything() -> None:
    alerts = [firing("a"), firing("b"), firing("c", alertname="Slow")]
    by_name = World(config(group_by=["alertname"]), *alerts).dispatch(T0 + 30)
    assert sorted(n.group_key for n in by_name) == [
        '{}:{alertname="Down"}',
        '{}:{alertname="Slow"}',
    ]
    everything = World(config(group_by=["..."]), *alerts).dispatch(T0 + 30)
    assert len(everything) == 3
    (single,) = World(config(), *alerts).dispatch(T0 + 30)
    assert single.group_key == "{}:{}"
    assert json.loads(single.body)["commonLabels"] == {"env": "prod"}  # external labels added


def test_group_wait_then_group_interval_then_repeat() -> None:
    a, b = firing("a"), firing("b", at=T0 + 40)
    world = World(config(group_by=["alertname"]), a)
    assert world.dispatch(T0 + 29) == []  # group_wait not over
    (first,) = world.dispatch(T0 + 30)
    assert alerts_of(first) == [("a", "firing")]
    assert world.dispatch(T0 + 31) == []  # nothing new
    world.set(b)
    assert world.dispatch(T0 + 60) == []  # new alert waits for group_interval
    (second,) = world.dispatch(T0 + 330)
    assert alerts_of(second) == [("a", "firing"), ("b", "firing")]
    assert world.dispatch(T0 + 330 + 300) == []  # unchanged: only the repeat interval
    (repeat,) = world.dispatch(T0 + 330 + 3600)
    assert alerts_of(repeat) == alerts_of(second)
    assert repeat.idempotency_key != second.idempotency_key  # a repeat is a new row


def test_resolution_is_sent_once_then_the_alert_leaves_the_group() -> None:
    a, b = firing("a"), firing("b")
    world = World(config(), a, b)
    world.dispatch(T0 + 30)
    world.resolve(a, T0 + 100)
    assert world.dispatch(T0 + 200) == []  # group_interval since the last notification
    (resolved,) = world.dispatch(T0 + 330)
    assert alerts_of(resolved) == [("a", "resolved"), ("b", "firing")]
    world.resolve(b, T0 + 400)
    (all_resolved,) = world.dispatch(T0 + 630)
    assert alerts_of(all_resolved) == [("b", "resolved")]
    assert json.loads(all_resolved.body)["status"] == "resolved"
    assert world.dispatch(T0 + 5000) == []


def test_send_resolved_false_never_sends_resolutions() -> None:
    cfg = AlertingConfig.model_validate(
        {
            "route": {"receiver": "ops", "group_wait": "0s"},
            "receivers": [
                {"name": "ops", "webhook_configs": [{"url": "http://h", "send_resolved": False}]}
            ],
        }
    )
    a, b = firing("a"), firing("b")
    world = World(cfg, a, b)
    assert len(world.dispatch(T0)) == 1
    world.resolve(a, T0 + 10)
    assert world.dispatch(T0 + 400) == []  # a resolved, b unchanged: no news for this receiver
    world.resolve(b, T0 + 500)
    assert world.dispatch(T0 + 900) == []
    # ...but the group was closed: a new alert starts a new group with group_wait.
    c = firing("c", at=T0 + 1000)
    world.set(c)
    (again,) = world.dispatch(T0 + 1000)
    assert alerts_of(again) == [("c", "firing")]


def test_alerts_resolved_before_the_first_notification_are_not_sent() -> None:
    a = firing("a")
    world = World(config(), a)
    world.resolve(a, T0 + 10)
    assert world.dispatch(T0 + 60) == []


def test_no_receiver_means_no_notifications() -> None:
    world = World(AlertingConfig(), firing("a"))
    assert world.dispatch(T0 + 1000) == []


def test_the_idempotency_key_is_stable_for_the_same_decision() -> None:
    states = {RULE: {firing("a").fingerprint: firing("a")}}
    first = plan_notifications(states, config(), T0 + 30).notifications
    again = plan_notifications(states, config(), T0 + 45).notifications
    assert [n.idempotency_key for n in first] == [n.idempotency_key for n in again]
    assert len(first[0].idempotency_key) == 64
