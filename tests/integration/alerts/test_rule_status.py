"""A group evaluation leaves its health in ``rule_status`` and its metrics in the registry."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import REGISTRY
from sqlalchemy import Engine

from alerts.alerting import FIRING
from alerts.config import AlertingConfig
from alerts.manager import RuleGroup, load_groups, retire_removed_rules
from alerts.rule_loop import GroupLoop
from alerts.rule_status import ERR, OK, load_statuses
from alerts.state import load_states
from promql.labels import Labels, make_labels
from store.series import SeriesIndex

T0 = 1_700_000_000.0
RULES = """\
groups:
  - name: node
    rules:
      - alert: Down
        expr: up == 0
        annotations:
          summary: '{{ $labels.instance }} of {{ query "count(up)" | first | value }} is down'
          broken: '{{ query "nothing" | first }}'
      - record: job:up:sum
        expr: broken_query
"""


def _query(expression: str, at: float) -> list[tuple[Labels, float]]:
    if expression == "broken_query":
        raise ValueError("boom")
    if expression == "count(up)":
        return [((), 3.0)]
    if expression == "nothing":
        return []
    return [(make_labels({"__name__": "up", "instance": "db-1", "job": "node"}), 0.0)]


def _group(tmp_path: Path) -> RuleGroup:
    path = tmp_path / "rules.yml"
    path.write_text(RULES)
    (group,) = load_groups([path], default_interval=15.0)
    return group


def _loop(group: RuleGroup, database: Engine, ticks: list[float]) -> GroupLoop:
    return GroupLoop(
        group,
        database,
        SeriesIndex(),
        _query,
        AlertingConfig(),
        external_labels={},
        external_url="http://vigil",
        generator_urls={},
        clock=lambda: T0,
        timer=lambda: ticks.pop(0) if len(ticks) > 1 else ticks[0],
    )


def test_each_rule_gets_health_error_and_timing_and_the_group_its_duration(
    database: Engine, tmp_path: Path
) -> None:
    group = _group(tmp_path)
    down, recorded = group.rules
    _loop(group, database, [float(i) for i in range(20)]).run_once()

    groups, rules = load_statuses(database)
    assert groups[group.key].health == OK
    assert groups[group.key].last_evaluation == T0
    assert groups[group.key].evaluation_seconds > 0
    assert rules[down.key].health == OK and rules[down.key].last_error == ""
    assert rules[recorded.key].health == ERR
    assert rules[recorded.key].last_error == "query failed: boom"
    assert rules[recorded.key].last_evaluation == T0
    assert rules[down.key].evaluation_seconds > 0


def test_templates_can_query_and_a_failing_template_does_not_stop_evaluation(
    database: Engine, tmp_path: Path
) -> None:
    group = _group(tmp_path)
    _loop(group, database, [0.0]).run_once()
    with database.connect() as connection:
        (alerts,) = load_states(connection).values()
    (alert,) = alerts.values()
    annotations = dict(alert.annotations)
    assert annotations["summary"] == "db-1 of 3 is down"
    assert annotations["broken"].startswith("<error expanding template: ")
    assert "first() called on vector with no elements" in annotations["broken"]
    assert alert.state == FIRING  # no ``for``: fires at once


def test_metrics_follow_the_group(database: Engine, tmp_path: Path) -> None:
    group = _group(tmp_path)
    labels = {"rule_group": group.key}
    before = REGISTRY.get_sample_value("vigil_rule_evaluation_failures_total", labels) or 0.0
    _loop(group, database, [10.0, 10.5, 11.0, 11.5, 12.0, 12.5, 13.0]).run_once()
    assert REGISTRY.get_sample_value("vigil_rule_evaluation_failures_total", labels) == before + 1
    assert (
        REGISTRY.get_sample_value("vigil_rule_group_last_evaluation_timestamp_seconds", labels)
        == T0
    )
    duration = REGISTRY.get_sample_value("vigil_rule_group_last_duration_seconds", labels)
    assert duration is not None and duration > 0


def test_statuses_of_removed_groups_are_forgotten_on_reload(
    database: Engine, tmp_path: Path
) -> None:
    group = _group(tmp_path)
    _loop(group, database, [0.0]).run_once()
    retire_removed_rules(database, [], T0 + 60)
    assert load_statuses(database) == ({}, {})
