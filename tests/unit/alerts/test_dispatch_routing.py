"""The planner with a route tree: per-route groups and timing, muting, per-receiver dedup.

A stepped clock drives the pure planner; the world keeps what dispatch would
store (group states, the notification log) between steps.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from alerts.aggregation import GroupState
from alerts.alerting import FIRING, INACTIVE, ActiveAlert
from alerts.config import AlertingConfig
from alerts.dispatch import PlannedNotification, plan_notifications
from alerts.matchers import parse_matchers
from alerts.notification_log import LogEntry, LogKey
from alerts.silences import Silence
from promql.labels import make_labels

T0 = 1_704_067_200.0  # 2024-01-01T00:00:00Z, a Monday
RULE = "rules.yml;g;r"


def alert(name: str, at: float = T0, **labels: str) -> ActiveAlert:
    return ActiveAlert(make_labels({"alertname": name, **labels}), (), FIRING, at, 1.0, fired_at=at)


def receivers(*names: str, **webhook: Any) -> list[dict[str, Any]]:
    return [{"name": n, "webhook_configs": [{"url": f"http://hook/{n}", **webhook}]} for n in names]


TREE: dict[str, Any] = {
    "route": {
        "receiver": "ops",
        "group_by": ["alertname"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "4h",
        "routes": [
            {"matchers": ['team="checkout"'], "receiver": "checkout", "continue": True},
            {"matchers": ['severity="critical"'], "receiver": "pager", "group_wait": "10s",
             "repeat_interval": "1h"},
        ],
    },
    "receivers": receivers("ops", "checkout", "pager"),
}  # fmt: skip


class World:
    def __init__(self, config: dict[str, Any], *alerts: ActiveAlert) -> None:
        self.config = AlertingConfig.model_validate(config)
        self.states: dict[str, dict[int, ActiveAlert]] = {RULE: {}}
        self.groups: dict[str, GroupState] = {}
        self.log: dict[LogKey, LogEntry] = {}
        self.silences: list[Silence] = []
        for a in alerts:
            self.add(a)

    def add(self, a: ActiveAlert) -> ActiveAlert:
        self.states[RULE][a.fingerprint] = a
        return a

    def resolve(self, a: ActiveAlert, at: float) -> None:
        self.add(replace(self.states[RULE][a.fingerprint], state=INACTIVE, resolved_at=at))

    def silence(self, matchers: str, start: float, end: float, sid: str = "s") -> None:
        self.silences.append(Silence(sid, parse_matchers(matchers), start, end, "me", "", start))

    def step(self, now: float) -> list[tuple[str, list[tuple[str, str]]]]:
        """Dispatch at ``now``: (receiver, [(alertname + instance, status)]) per notification."""
        plan = plan_notifications(
            self.states, self.config, now, groups=self.groups, log=self.log,
            silences=self.silences,
        )  # fmt: skip
        self.groups.update(plan.groups.store)
        self.log.update((e.key, e) for e in plan.log)
        return sorted((n.receiver, summary(n)) for n in plan.notifications)


def summary(notification: PlannedNotification) -> list[tuple[str, str]]:
    alerts = json.loads(notification.body)["alerts"]
    return [
        (a["labels"]["alertname"] + a["labels"].get("instance", ""), a["status"]) for a in alerts
    ]


def test_continue_notifies_two_receivers_each_on_its_routes_timing() -> None:
    world = World(TREE, alert("Down", team="checkout", severity="critical"))
    assert world.step(T0 + 9) == []
    # The pager route waits 10s; the checkout route inherits the root's 30s.
    assert world.step(T0 + 10) == [("pager", [("Down", "firing")])]
    assert world.step(T0 + 30) == [("checkout", [("Down", "firing")])]
    assert world.step(T0 + 31) == []
    # Repeats follow each route's repeat_interval: 1h for the pager, 4h for checkout.
    assert world.step(T0 + 3610) == [("pager", [("Down", "firing")])]
    assert world.step(T0 + 4 * 3600 + 30) == [
        ("checkout", [("Down", "firing")]),
        ("pager", [("Down", "firing")]),
    ]


def test_an_alert_matching_no_child_goes_to_the_root_receiver() -> None:
    world = World(TREE, alert("Slow", severity="warning"))
    assert world.step(T0 + 30) == [("ops", [("Slow", "firing")])]


def test_group_keys_and_the_log_are_per_route() -> None:
    world = World(TREE, alert("Down", team="checkout", severity="critical"))
    plan = plan_notifications(world.states, world.config, T0 + 30)
    assert sorted(n.group_key for n in plan.notifications) == [
        '{}/{severity="critical"}:{alertname="Down"}',
        '{}/{team="checkout"}:{alertname="Down"}',
    ]
    assert sorted((e.key.receiver, e.key.integration, e.key.idx) for e in plan.log) == [
        ("checkout", "webhook", 0),
        ("pager", "webhook", 0),
    ]


def test_group_interval_batches_changes_and_resolution_goes_to_both_receivers() -> None:
    world = World(TREE, alert("Down", team="checkout", severity="critical", instance="1"))
    world.step(T0 + 10)
    world.step(T0 + 30)
    world.add(alert("Down", T0 + 60, team="checkout", severity="critical", instance="2"))
    assert world.step(T0 + 300) == []  # neither group's interval is over
    assert world.step(T0 + 310) == [("pager", [("Down1", "firing"), ("Down2", "firing")])]
    assert world.step(T0 + 330) == [("checkout", [("Down1", "firing"), ("Down2", "firing")])]
    world.resolve(alert("Down", team="checkout", severity="critical", instance="1"), T0 + 400)
    assert world.step(T0 + 610) == [("pager", [("Down1", "resolved"), ("Down2", "firing")])]
    assert world.step(T0 + 630) == [("checkout", [("Down1", "resolved"), ("Down2", "firing")])]
    assert world.step(T0 + 930) == []  # the resolution left both groups


def test_send_resolved_is_per_integration() -> None:
    config = {
        "route": {"receiver": "ops", "group_wait": "0s", "group_interval": "1m"},
        "receivers": [
            {
                "name": "ops",
                "webhook_configs": [
                    {"url": "http://hook/all"},
                    {"url": "http://hook/firing-only", "send_resolved": False},
                ],
            }
        ],
    }
    a, b = alert("A"), alert("B")
    world = World(config, a, b)
    plan = plan_notifications(world.states, world.config, T0)
    assert sorted(n.url for n in plan.notifications) == [
        "http://hook/all",
        "http://hook/firing-only",
    ]
    world.step(T0)
    world.resolve(a, T0 + 10)
    plan = plan_notifications(
        world.states, world.config, T0 + 60, groups=world.groups, log=world.log
    )
    assert [(n.url, summary(n)) for n in plan.notifications] == [
        ("http://hook/all", [("A", "resolved"), ("B", "firing")])
    ]


def test_a_silenced_alert_is_not_notified_until_the_silence_ends() -> None:
    world = World(TREE, alert("Slow", severity="warning", instance="1"))
    world.silence('alertname="Slow"', T0, T0 + 600)
    assert world.step(T0 + 30) == []
    assert world.step(T0 + 330) == []
    assert world.step(T0 + 600) == []  # the group flushes every 5m, not when silences end
    assert world.step(T0 + 630) == [("ops", [("Slow1", "firing")])]  # silence expired


def test_silencing_a_notified_alert_keeps_it_quiet_but_its_resolution_goes_out() -> None:
    one = alert("Slow", severity="warning", instance="1")
    world = World(TREE, one, alert("Slow", severity="warning", instance="2"))
    assert world.step(T0 + 30) == [("ops", [("Slow1", "firing"), ("Slow2", "firing")])]
    world.silence('instance="1"', T0 + 100, T0 + 10 * 3600)
    world.add(alert("Slow", T0 + 200, severity="warning", instance="3"))
    assert world.step(T0 + 330) == [("ops", [("Slow2", "firing"), ("Slow3", "firing")])]
    # The receiver was told instance 1 fires: it hears that it resolved, silence or not.
    world.resolve(one, T0 + 700)
    assert world.step(T0 + 930) == [
        ("ops", [("Slow1", "resolved"), ("Slow2", "firing"), ("Slow3", "firing")])
    ]


def test_a_silenced_alert_that_resolves_unnotified_is_never_sent() -> None:
    hidden = alert("Slow", severity="warning", instance="1")
    world = World(TREE, hidden, alert("Slow", severity="warning", instance="2"))
    world.silence('instance="1"', T0, T0 + 3600)
    assert world.step(T0 + 30) == [("ops", [("Slow2", "firing")])]
    world.resolve(hidden, T0 + 100)
    assert world.step(T0 + 330) == []


def test_an_unsilenced_alert_never_notified_counts_as_new() -> None:
    world = World(TREE, alert("Slow", severity="warning", instance="1"))
    world.add(alert("Slow", severity="warning", instance="2"))
    world.silence('instance="2"', T0, T0 + 400)
    assert world.step(T0 + 30) == [("ops", [("Slow1", "firing")])]
    assert world.step(T0 + 330) == []
    assert world.step(T0 + 630) == [("ops", [("Slow1", "firing"), ("Slow2", "firing")])]


INHIBITING = {
    **TREE,
    "inhibit_rules": [
        {
            "source_matchers": ['alertname="NodeDown"'],
            "target_matchers": ['alertname!="NodeDown"'],
            "equal": ["instance"],
        }
    ],
}


def test_inhibited_alerts_wait_for_their_source_to_resolve() -> None:
    down = alert("NodeDown", severity="warning", instance="a")
    world = World(INHIBITING, down, alert("Slow", severity="warning", instance="a"))
    world.add(alert("Slow", severity="warning", instance="b"))
    assert world.step(T0 + 30) == [
        ("ops", [("NodeDowna", "firing")]),
        ("ops", [("Slowb", "firing")]),
    ]
    world.resolve(down, T0 + 100)
    assert world.step(T0 + 330) == [
        ("ops", [("NodeDowna", "resolved")]),
        ("ops", [("Slowa", "firing"), ("Slowb", "firing")]),
    ]


MUTED = {
    **TREE,
    "route": {
        **TREE["route"],
        "routes": [
            {"matchers": ["severity=warning"], "mute_time_intervals": ["night"]},
            {"matchers": ["severity=info"], "active_time_intervals": ["night"]},
        ],
    },
    "time_intervals": [
        {
            "name": "night",
            "time_intervals": [{"times": [{"start_time": "00:00", "end_time": "06:00"}]}],
        }
    ],
}


def test_a_route_in_a_mute_interval_sends_nothing_until_it_ends() -> None:
    world = World(MUTED, alert("Slow", severity="warning"))
    assert world.step(T0 + 30) == []
    assert world.step(T0 + 6 * 3600 - 60) == []  # flushed, muted: next flush 5m later
    assert world.step(T0 + 6 * 3600) == []
    assert world.step(T0 + 6 * 3600 + 240) == [("ops", [("Slow", "firing")])]


def test_a_route_with_active_intervals_sends_only_inside_them() -> None:
    world = World(MUTED, alert("Info", T0 + 6 * 3600, severity="info"))
    assert world.step(T0 + 6 * 3600 + 30) == []
    assert world.step(T0 + 24 * 3600) == [("ops", [("Info", "firing")])]


def test_a_closed_group_reopens_with_group_wait_and_without_old_resolutions() -> None:
    first = alert("Down", instance="1")
    world = World(TREE, first)
    world.step(T0 + 30)
    world.resolve(first, T0 + 60)
    assert world.step(T0 + 330) == [("ops", [("Down1", "resolved")])]
    world.add(alert("Down", T0 + 400, instance="2"))
    assert world.step(T0 + 429) == []
    assert world.step(T0 + 430) == [("ops", [("Down2", "firing")])]
