"""The routing tree, with the cases of Alertmanager's dispatch/route_test.go."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from alerts.config import RouteConfig
from alerts.routing import (
    DEFAULT_GROUP_WAIT,
    DEFAULT_REPEAT_INTERVAL,
    Route,
    build_route_tree,
    group_labels,
    match_routes,
    route_group_key,
    walk,
)

TREE = """
receiver: notify-def
routes:
- match: {owner: team-A}
  receiver: notify-A
  routes:
  - match: {env: testing}
    receiver: notify-testing
    group_by: [...]
  - match: {env: production}
    receiver: notify-productionA
    group_wait: 1m
    continue: true
  - match_re: {env: "produ.*", job: ".*"}
    receiver: notify-productionB
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 1h
    group_by: [job]
- match_re: {owner: "team-(B|C)"}
  group_by: [foo, bar]
  group_wait: 2m
  receiver: notify-BC
- match: {group_by: role}
  group_by: [role]
  routes:
  - match: {env: testing}
    receiver: notify-testing
    routes:
    - match: {wait: long}
      group_wait: 2m
"""


def tree(text: str = TREE) -> Route:
    return build_route_tree(RouteConfig.model_validate(yaml.safe_load(text)))


def summary(route: Route) -> tuple[Any, ...]:
    group_by = "..." if route.group_by_all else sorted(route.group_by)
    return (route.receiver, group_by, route.group_wait, route.group_interval,
            route.repeat_interval)  # fmt: skip


DEFAULTS = (30.0, 300.0, 4 * 3600.0)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"owner": "team-A"}, [("notify-A", [], *DEFAULTS, '{}/{owner="team-A"}')]),
        (
            {"owner": "team-A", "env": "unset"},
            [("notify-A", [], *DEFAULTS, '{}/{owner="team-A"}')],
        ),
        (
            {"owner": "team-C"},
            [("notify-BC", ["bar", "foo"], 120.0, 300.0, 14400.0,
              '{}/{owner=~"^(?:team-(B|C))$"}')],
        ),
        (
            {"owner": "team-A", "env": "testing"},
            [("notify-testing", "...", *DEFAULTS, '{}/{owner="team-A"}/{env="testing"}')],
        ),
        (
            {"owner": "team-A", "env": "production"},
            [
                ("notify-productionA", [], 60.0, 300.0, 14400.0,
                 '{}/{owner="team-A"}/{env="production"}'),
                ("notify-productionB", ["job"], 30.0, 300.0, 3600.0,
                 '{}/{owner="team-A"}/{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}'),
            ],
        ),
        ({"group_by": "role"}, [("notify-def", ["role"], *DEFAULTS, '{}/{group_by="role"}')]),
        (
            {"env": "testing", "group_by": "role"},
            [("notify-testing", ["role"], *DEFAULTS, '{}/{group_by="role"}/{env="testing"}')],
        ),
        (
            {"env": "testing", "group_by": "role", "wait": "long"},
            [("notify-testing", ["role"], 120.0, 300.0, 14400.0,
              '{}/{group_by="role"}/{env="testing"}/{wait="long"}')],
        ),
        ({"owner": "nobody"}, [("notify-def", [], *DEFAULTS, "{}")]),
    ],
)  # fmt: skip
def test_routes_match_as_in_alertmanager(
    labels: dict[str, str], expected: list[tuple[Any, ...]]
) -> None:
    found = [(*summary(route), route.key) for route in match_routes(tree(), labels)]
    assert found == expected


NEW_SYNTAX = """
receiver: default
routes:
- matchers: ['team="checkout"']
  receiver: checkout
  continue: true
- matchers: ['severity="critical"']
  receiver: pager
- matchers: ['severity="critical"']
  receiver: never
"""


def test_continue_sends_to_the_next_matching_sibling_and_the_first_match_stops() -> None:
    routes = match_routes(tree(NEW_SYNTAX), {"team": "checkout", "severity": "critical"})
    assert [r.receiver for r in routes] == ["checkout", "pager"]
    assert [r.receiver for r in match_routes(tree(NEW_SYNTAX), {"team": "checkout"})] == [
        "checkout"
    ]


def test_route_ids_tell_apart_siblings_with_the_same_matchers() -> None:
    keys = [r.key for r in walk(tree(NEW_SYNTAX))]
    ids = [r.id for r in walk(tree(NEW_SYNTAX))]
    assert keys[2] == keys[3] == '{}/{severity="critical"}'
    assert len(set(ids)) == 4


def test_time_intervals_belong_to_their_own_route_only() -> None:
    muted = tree(
        """
receiver: a
routes:
- matchers: [team=db]
  mute_time_intervals: [night]
  active_time_intervals: [weekdays]
  routes:
  - matchers: [severity=critical]
"""
    )
    (parent,) = muted.routes
    (child,) = parent.routes
    assert parent.mute_time_intervals == ("night",)
    assert child.mute_time_intervals == () and child.active_time_intervals == ()
    assert child.receiver == "a"


def test_group_key_is_route_key_then_group_labels() -> None:
    text = "receiver: x\nroutes:\n- matchers: ['severity=\"critical\"']\n  group_by: [alertname]\n"
    (critical,) = tree(text).routes
    labels = {"alertname": "X", "severity": "critical", "instance": "a"}
    grouping = group_labels(critical, labels)
    assert grouping == {"alertname": "X"}
    assert route_group_key(critical, grouping) == '{}/{severity="critical"}:{alertname="X"}'


def test_defaults_apply_to_the_root() -> None:
    root = tree("receiver: r\n")
    assert (root.group_wait, root.repeat_interval) == (DEFAULT_GROUP_WAIT, DEFAULT_REPEAT_INTERVAL)
    assert root.key == root.id == "{}"
