"""Rule groups and their evaluation cycle: query, decide alert states, persist.

The counterpart of Prometheus's ``rules/manager.go``: the caller injects a
``QueryFunc`` (the PromQL engine) and the clock, and gets back the samples to
store (recording rules, ``ALERTS``, ``ALERTS_FOR_STATE``). Alert states of a
group are loaded and saved in one write transaction, after the queries ran,
so the write lock is never held while PromQL works.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine

from alerts.alerting import (
    ActiveAlert,
    AlertingRule,
    RuleEvaluationError,
    Sample,
    Transition,
    alerts_series,
    evaluate_alert_rule,
)
from alerts.rule_definitions import describe_groups, save_definitions
from alerts.rule_definitions import generator_urls as definition_urls
from alerts.rule_status import prune_statuses
from alerts.rulefile import ExprValidator, RuleFile, load_rule_files
from alerts.state import load_states, prune_rules, save_states
from alerts.templates import EvaluationContext
from alerts.templates import Sample as TemplateSample
from promql.labels import METRIC_NAME, Labels, fingerprint, make_labels
from store.db import write_transaction

QueryFunc = Callable[[str, float], list[tuple[Labels, float]]]
"""(PromQL expression, evaluation time in seconds) -> instant vector."""

_MAX_KEY = 512


@dataclass(frozen=True)
class RecordingRule:
    key: str
    name: str
    expr: str
    labels: tuple[tuple[str, str], ...]


Rule = AlertingRule | RecordingRule


@dataclass(frozen=True)
class RuleGroup:
    file: str
    name: str
    interval: float
    query_offset: float
    limit: int
    rules: tuple[Rule, ...]

    @property
    def key(self) -> str:
        """Prometheus's group key: ``file;name``."""
        return f"{self.file};{self.name}"


@dataclass
class GroupResult:
    """What one evaluation of a group produced."""

    timestamp: float
    """The samples' time: the evaluation time minus the group's query_offset."""
    series: list[Sample] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    """Rule name -> why it failed this time (other rules still ran)."""
    rule_errors: dict[str, str] = field(default_factory=dict)
    """The same by rule key (names may repeat within a group)."""
    rule_seconds: dict[str, float] = field(default_factory=dict)
    """Rule key -> how long its evaluation took."""

    def fail(self, rule: Rule, message: str) -> None:
        self.errors[rule.name] = message
        self.rule_errors[rule.key] = message


def _rule_key(group_key: str, name: str, seen: dict[str, int]) -> str:
    count = seen.get(name, 0)
    seen[name] = count + 1
    key = f"{group_key};{name}" + (f"#{count}" if count else "")
    if len(key) > _MAX_KEY:
        key = key[: _MAX_KEY - 65] + ";" + hashlib.sha256(key.encode()).hexdigest()
    return key


def build_groups(
    files: Iterable[RuleFile], *, default_interval: float, default_query_offset: float = 0.0
) -> list[RuleGroup]:
    """Compile checked rule files into groups ready to evaluate."""
    groups: list[RuleGroup] = []
    for rule_file in files:
        for model in rule_file.groups:
            group_key = f"{rule_file.path};{model.name}"
            seen: dict[str, int] = {}
            rules: list[Rule] = []
            for rule in model.rules:
                key = _rule_key(group_key, rule.name, seen)
                if rule.alert:
                    rules.append(AlertingRule.from_model(rule, key, model.labels))
                else:
                    labels = {**model.labels, **rule.labels}
                    rules.append(
                        RecordingRule(key, rule.name, rule.expr, tuple(sorted(labels.items())))
                    )
            groups.append(
                RuleGroup(
                    rule_file.path,
                    model.name,
                    model.interval or default_interval,
                    default_query_offset if model.query_offset is None else model.query_offset,
                    model.limit,
                    tuple(rules),
                )
            )
    return groups


def load_groups(
    paths: Iterable[str | Path],
    *,
    default_interval: float,
    validate_expr: ExprValidator | None = None,
) -> list[RuleGroup]:
    """Load and compile rule files; raises ConfigError listing every problem."""
    files = load_rule_files(paths, validate_expr)
    return build_groups(files, default_interval=default_interval)


def generator_urls(groups: Iterable[RuleGroup], external_url: str) -> dict[str, str]:
    """Rule key -> link to its expression, for the dispatcher's ``generatorURL``."""
    return definition_urls(describe_groups(groups), external_url)


def record(rule: RecordingRule, samples: Sequence[Sample], limit: int = 0) -> list[Sample]:
    """A recording rule's output: samples renamed to ``record`` with its labels applied."""
    out: dict[int, Sample] = {}
    for labels, value in samples:
        named = make_labels({**dict(labels), **dict(rule.labels), METRIC_NAME: rule.name})
        fp = fingerprint(named)
        if fp in out:
            raise RuleEvaluationError(
                "vector contains metrics with the same labelset after applying rule labels", {}
            )
        out[fp] = (named, value)
    if limit > 0 and len(out) > limit:
        raise RuleEvaluationError(f"exceeded limit of {limit} with {len(out)} series", {})
    return list(out.values())


def template_query(query: QueryFunc) -> Callable[[str, float], list[TemplateSample]]:
    """The rule engine's query function in the shape the templates' ``query`` returns."""

    def run(expression: str, at: float) -> list[TemplateSample]:
        return [TemplateSample(dict(labels), value) for labels, value in query(expression, at)]

    return run


def bind_templates(rule: AlertingRule, context: EvaluationContext) -> AlertingRule:
    """The rule with its templates rendering at ``context`` (time, query, rule name)."""
    return replace(
        rule,
        labels=tuple((name, t.bind(context)) for name, t in rule.labels),
        annotations=tuple((name, t.bind(context)) for name, t in rule.annotations),
    )


def evaluate_group(
    engine: Engine,
    group: RuleGroup,
    query: QueryFunc,
    now: float,
    *,
    external_labels: Mapping[str, str] | None = None,
    external_url: str = "",
    timer: Callable[[], float] = time.perf_counter,
    on_recorded: Callable[[list[Sample], float], None] | None = None,
) -> GroupResult:
    """Evaluate every rule of ``group`` at ``now`` and persist its alerts' states.

    Rules run in order, and what each produces (a recording rule's samples, an
    alerting rule's ``ALERTS`` and ``ALERTS_FOR_STATE``) goes to ``on_recorded`` at
    once, so a later rule of the group sees this evaluation's values, as in
    Prometheus, which commits each rule's output before the next rule runs.
    """
    result = GroupResult(timestamp=now - group.query_offset)
    alerting = [r for r in group.rules if isinstance(r, AlertingRule)]
    with engine.connect() as connection:
        previous = load_states(connection, [r.key for r in alerting])
    templates_query = template_query(query)
    evaluated: list[tuple[AlertingRule, dict[int, ActiveAlert]]] = []
    for rule in group.rules:
        started = timer()
        produced: list[Sample] = []
        try:
            answer = query(rule.expr, result.timestamp)
        except Exception as error:  # a failing query must not stop the other rules
            result.fail(rule, f"query failed: {error}")
        else:
            if isinstance(rule, RecordingRule):
                try:
                    produced = record(rule, answer, group.limit)
                except RuleEvaluationError as error:
                    result.fail(rule, str(error))
            else:
                bound = bind_templates(rule, EvaluationContext(rule.name, now, templates_query))
                try:
                    alerts, transitions = evaluate_alert_rule(
                        bound,
                        answer,
                        previous.get(rule.key, {}),
                        now,
                        external_labels,
                        external_url=external_url,
                        limit=group.limit,
                    )
                except RuleEvaluationError as error:
                    alerts, transitions = error.alerts, []
                    result.fail(rule, str(error))
                evaluated.append((rule, alerts))
                result.transitions.extend(transitions)
                produced = alerts_series(rule, alerts.values())
        if produced:
            result.series.extend(produced)
            if on_recorded is not None:
                on_recorded(produced, result.timestamp)
        result.rule_seconds[rule.key] = timer() - started
    with write_transaction(engine) as connection:
        for rule, alerts in evaluated:
            save_states(connection, rule.key, alerts, previous.get(rule.key, {}))
    return result


def retire_removed_rules(engine: Engine, groups: Iterable[RuleGroup], now: float) -> None:
    """After a reload: resolve alerts of rules that no longer exist (see ``prune_rules``).

    The evaluation status of removed groups and rules goes too, and the
    loaded groups are recorded for the console (``alerts.rule_definitions``).
    """
    groups = list(groups)
    keys = {rule.key for group in groups for rule in group.rules}
    with write_transaction(engine) as connection:
        prune_rules(connection, keys, now)
        prune_statuses(connection, {group.key for group in groups}, keys)
        save_definitions(connection, describe_groups(groups))
