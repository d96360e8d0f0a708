"""Inhibition rules over the alerts firing now."""

from __future__ import annotations

from typing import Any

from alerts.config import InhibitRuleConfig
from alerts.inhibit import compile_inhibit_rule, inhibited_by, inhibitions


def rule(**fields: Any) -> Any:
    return compile_inhibit_rule(InhibitRuleConfig.model_validate(fields))


NODE_DOWN = rule(
    source_matchers=['alertname="NodeDown"'],
    target_matchers=['severity=~"warning|info"'],
    equal=["instance"],
)
DOWN_A = {"alertname": "NodeDown", "instance": "a", "severity": "critical"}


def test_a_firing_source_mutes_targets_with_the_same_equal_labels() -> None:
    firing = {"src": DOWN_A}
    slow_a = {"alertname": "Slow", "instance": "a", "severity": "warning"}
    slow_b = {"alertname": "Slow", "instance": "b", "severity": "warning"}
    assert inhibited_by([NODE_DOWN], firing, slow_a) == "src"
    assert inhibited_by([NODE_DOWN], firing, slow_b) is None


def test_targets_not_matching_the_target_matchers_are_untouched() -> None:
    page_a = {"alertname": "Slow", "instance": "a", "severity": "critical"}
    assert inhibited_by([NODE_DOWN], {"src": DOWN_A}, page_a) is None


def test_equal_labels_missing_on_both_sides_count_as_equal() -> None:
    firing = {"src": {"alertname": "NodeDown"}}
    assert inhibited_by([NODE_DOWN], firing, {"severity": "info"}) == "src"
    assert inhibited_by([NODE_DOWN], firing, {"severity": "info", "instance": "x"}) is None


def test_alerts_matching_both_sides_do_not_mute_each_other() -> None:
    both = rule(source_matchers=["severity=critical"], target_matchers=["team=db"])
    one = {"severity": "critical", "team": "db", "instance": "1"}
    two = {"severity": "critical", "team": "db", "instance": "2"}
    firing = {"one": one, "two": two}
    assert inhibitions([both], firing, firing) == {}
    firing["web"] = {"severity": "critical", "team": "web"}
    assert inhibitions([both], firing, {"one": one}) == {"one": "web"}


def test_deprecated_match_fields_work_too() -> None:
    old_style = rule(source_match={"alertname": "NodeDown"}, target_match_re={"severity": "warn.*"})
    assert inhibited_by([old_style], {"src": DOWN_A}, {"severity": "warning"}) == "src"


def test_no_rules_no_inhibition() -> None:
    assert inhibitions([], {"src": DOWN_A}, {"t": {"severity": "info"}}) == {}
