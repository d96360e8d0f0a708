"""The alert state machine, stepped minute by minute like Prometheus's alerting_test.go."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.alerting import (
    FIRING,
    INACTIVE,
    PENDING,
    ActiveAlert,
    AlertingRule,
    RuleEvaluationError,
    alerts_series,
    evaluate_alert_rule,
)
from alerts.rulefile import RuleModel
from promql.labels import Labels, fingerprint, make_labels

BASE = 1_700_000_000.0
MINUTE = 60.0
UP = make_labels({"__name__": "up", "job": "node", "instance": "a"})


def rule(**fields: Any) -> AlertingRule:
    data = {"alert": "InstanceDown", "expr": "up == 0", **fields}
    return AlertingRule.from_model(RuleModel.model_validate(data), "file;group;InstanceDown")


class Steps:
    """Runs one rule through evaluations, keeping its states between them."""

    def __init__(self, alerting_rule: AlertingRule) -> None:
        self.rule = alerting_rule
        self.states: dict[int, ActiveAlert] = {}

    def at(self, minute: float, samples: list[tuple[Labels, float]]) -> dict[int, ActiveAlert]:
        self.states, self.transitions = evaluate_alert_rule(
            self.rule, samples, self.states, BASE + minute * MINUTE, {"region": "eu"}
        )
        return self.states

    def only(self) -> ActiveAlert:
        (alert,) = self.states.values()
        return alert


def test_pending_fires_after_for_and_resolves_kept_for_fifteen_minutes() -> None:
    steps = Steps(rule(**{"for": "5m"}))
    steps.at(0, [(UP, 0.0)])
    alert = steps.only()
    assert (alert.state, alert.active_at, alert.fired_at) == (PENDING, BASE, None)
    assert [(t.from_state, t.to_state) for t in steps.transitions] == [(INACTIVE, PENDING)]
    for minute in range(1, 5):
        steps.at(minute, [(UP, 0.0)])
        assert steps.only().state == PENDING
        assert steps.transitions == []
    steps.at(5, [(UP, 0.0)])
    assert (steps.only().state, steps.only().fired_at) == (FIRING, BASE + 5 * MINUTE)
    assert steps.only().active_at == BASE
    steps.at(6, [])
    alert = steps.only()
    assert (alert.state, alert.resolved_at, alert.fired_at) == (
        INACTIVE,
        BASE + 6 * MINUTE,
        BASE + 5 * MINUTE,
    )
    assert [(t.from_state, t.to_state) for t in steps.transitions] == [(FIRING, INACTIVE)]
    steps.at(21, [])  # exactly 15 minutes later: still kept
    assert steps.only().state == INACTIVE
    assert steps.at(22, []) == {}


def test_labels_and_annotations() -> None:
    steps = Steps(
        rule(
            labels={
                "severity": "page",
                "where": "{{ $labels.instance }}@{{ $externalLabels.region }}",
            },
            annotations={"summary": "value {{ $value }}"},
        )
    )
    steps.at(0, [(UP, 0.5)])
    alert = steps.only()
    assert dict(alert.labels) == {
        "alertname": "InstanceDown",
        "instance": "a",
        "job": "node",
        "severity": "page",
        "where": "a@eu",
    }
    assert alert.annotations == (("summary", "value 0.5"),)
    assert alert.state == FIRING  # no `for`: fires at once
    assert [(t.from_state, t.to_state) for t in steps.transitions] == [(INACTIVE, FIRING)]
    steps.at(1, [(UP, 2.0)])
    assert steps.only().annotations == (("summary", "value 2"),)
    assert steps.only().value == 2.0
    assert steps.only().fired_at == BASE


def test_a_pending_alert_that_vanishes_is_dropped() -> None:
    steps = Steps(rule(**{"for": "10m"}))
    steps.at(0, [(UP, 0.0)])
    assert steps.at(1, []) == {}
    assert [(t.from_state, t.to_state) for t in steps.transitions] == [(PENDING, INACTIVE)]
    steps.at(2, [(UP, 0.0)])
    assert steps.only().active_at == BASE + 2 * MINUTE  # the `for` timer restarted


def test_keep_firing_for_holds_a_firing_alert() -> None:
    steps = Steps(rule(keep_firing_for="3m"))
    steps.at(0, [(UP, 0.0)])
    steps.at(1, [])
    assert (steps.only().state, steps.only().keep_firing_since) == (FIRING, BASE + MINUTE)
    steps.at(2, [(UP, 0.0)])  # back: the keep-firing clock resets
    assert steps.only().keep_firing_since is None
    for minute in (3, 4, 5):
        steps.at(minute, [])
        assert steps.only().state == FIRING
    steps.at(6, [])
    assert (steps.only().state, steps.only().resolved_at) == (INACTIVE, BASE + 6 * MINUTE)


def test_a_resolved_alert_that_returns_starts_over_as_pending() -> None:
    steps = Steps(rule(**{"for": "1m"}))
    steps.at(0, [(UP, 0.0)])
    steps.at(1, [(UP, 0.0)])
    steps.at(2, [])
    steps.at(3, [(UP, 0.0)])
    alert = steps.only()
    assert (alert.state, alert.active_at, alert.resolved_at) == (PENDING, BASE + 3 * MINUTE, None)


def test_growing_for_sends_a_firing_alert_back_to_pending() -> None:
    steps = Steps(rule())
    steps.at(0, [(UP, 0.0)])
    steps.rule = rule(**{"for": "10m"})
    steps.at(1, [(UP, 0.0)])
    assert (steps.only().state, steps.only().fired_at) == (PENDING, None)


def test_duplicate_alert_labels_keep_the_previous_states() -> None:
    steps = Steps(rule())
    steps.at(0, [(UP, 0.0)])
    other = make_labels({"__name__": "other", "job": "node", "instance": "a"})
    with pytest.raises(RuleEvaluationError, match="same labelset") as caught:
        evaluate_alert_rule(steps.rule, [(UP, 0.0), (other, 0.0)], steps.states, BASE + MINUTE)
    assert caught.value.alerts == steps.states


def test_exceeding_the_limit_clears_the_alerts() -> None:
    samples = [(make_labels({"instance": str(i)}), 1.0) for i in range(3)]
    with pytest.raises(RuleEvaluationError, match="exceeded limit of 2 with 3 alerts") as caught:
        evaluate_alert_rule(rule(), samples, {}, BASE, limit=2)
    assert caught.value.alerts == {}
    states, _ = evaluate_alert_rule(rule(), samples, {}, BASE, limit=3)
    assert len(states) == 3


def test_alerts_series() -> None:
    steps = Steps(rule(**{"for": "5m"}, labels={"severity": "page"}))
    steps.at(0.5, [(UP, 0.0)])
    series = dict(alerts_series(steps.rule, steps.states.values()))
    common = {"alertname": "InstanceDown", "instance": "a", "job": "node", "severity": "page"}
    alerts = make_labels({**common, "__name__": "ALERTS", "alertstate": "pending"})
    for_state = make_labels({**common, "__name__": "ALERTS_FOR_STATE"})
    assert series == {alerts: 1.0, for_state: BASE + 30}
    steps.at(5.5, [(UP, 0.0)])
    firing = make_labels({**common, "__name__": "ALERTS", "alertstate": "firing"})
    assert dict(alerts_series(steps.rule, steps.states.values())) == {
        firing: 1.0,
        for_state: BASE + 30,
    }
    steps.at(6, [])
    assert steps.only().state == INACTIVE
    assert alerts_series(steps.rule, steps.states.values()) == []


def test_states_are_keyed_by_the_alert_label_fingerprint() -> None:
    steps = Steps(rule())
    steps.at(0, [(UP, 0.0)])
    ((fp, alert),) = steps.states.items()
    assert fp == fingerprint(alert.labels) == alert.fingerprint
