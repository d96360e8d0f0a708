"""Evaluating rule groups against the store and writing back what they produce.

The engine, the querier and the clock come in from the agent; this module only
joins the pure rule machinery (``alerts.manager``) to PromQL and the store, like
Prometheus's ``rules.EngineQueryFunc``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from prometheus_client import Counter, Gauge
from sqlalchemy import Engine

from alerts.config import AlertingConfig
from alerts.dispatch import dispatch, flush_due
from alerts.manager import GroupResult, QueryFunc, RuleGroup, evaluate_group
from alerts.rule_status import ERR, OK, EvaluationStatus, save_group_status
from promql.engine import Engine as QueryEngine
from promql.engine import parse_cached
from promql.errors import ParseError
from promql.labels import Labels
from promql.querier import Querier
from promql.values import Scalar, Vector
from store.datasources import Datasource, LocalDatasource
from store.db import write_transaction
from store.samples import append_samples
from store.series import SeriesIndex

GROUP_DURATION = Gauge(
    "vigil_rule_group_last_duration_seconds",
    "How long the last evaluation of the rule group took.",
    ["rule_group"],
)
GROUP_LAST_EVALUATION = Gauge(
    "vigil_rule_group_last_evaluation_timestamp_seconds",
    "When the rule group was last evaluated.",
    ["rule_group"],
)
EVALUATION_FAILURES = Counter(
    "vigil_rule_evaluation_failures_total",
    "Rule evaluations that failed, by rule group.",
    ["rule_group"],
)


def engine_query_func(query_engine: QueryEngine, querier: Querier) -> DatasourceQuery:
    """Rules evaluated by Vigil's engine over ``querier``."""
    return datasource_query_func(LocalDatasource(query_engine, querier))


def datasource_query_func(datasource: Datasource) -> DatasourceQuery:
    """Instant queries as rules need them: a vector, or a scalar as one unlabelled sample."""
    return DatasourceQuery(datasource)


class DatasourceQuery:
    """A ``QueryFunc`` over a datasource, which a group binds to each of its evaluations."""

    def __init__(self, datasource: Datasource) -> None:
        self._datasource = datasource

    def __call__(self, expression: str, at: float) -> list[tuple[Labels, float]]:
        value = self._datasource.instant_query(expression, at)
        if isinstance(value, Vector):
            return [(sample.labels, sample.value) for sample in value.samples]
        if isinstance(value, Scalar):
            return [((), value.value)]
        raise ValueError(
            f"rule expression must return a vector or scalar, got {type(value).__name__}"
        )

    def for_evaluation(self, expressions: Sequence[str], at: float) -> DatasourceQuery:
        """The same queries with the data of ``expressions`` at ``at`` read in one go:
        a group's rules share their selectors, and one read serves them all."""
        return DatasourceQuery(self._datasource.prefetched(expressions, at))

    def recorded(self, samples: Sequence[tuple[Labels, float]], at: float) -> None:
        """A recording rule's output, for the rest of this evaluation to see."""
        self._datasource.record(samples, at)


def expression_error(expression: str) -> str | None:
    """The parser's message for a rule expression, or None when it parses.

    Parsed through the engine's cache, so evaluation finds the rule parsed at load.
    """
    try:
        parse_cached(expression)
    except ParseError as error:
        return str(error)
    return None


class GroupLoop:
    """One rule group: evaluate, store recording-rule and ALERTS series, plan notifications."""

    def __init__(
        self,
        group: RuleGroup,
        database: Engine,
        index: SeriesIndex,
        query: QueryFunc,
        alerting: AlertingConfig,
        *,
        external_labels: Mapping[str, str],
        external_url: str,
        generator_urls: Mapping[str, str],
        clock: Callable[[], float] = time.time,
        timer: Callable[[], float] = time.perf_counter,
        on_enqueued: Callable[[], object] | None = None,
    ) -> None:
        self.group = group
        self._database = database
        self._index = index
        self._query = query
        self._alerting = alerting
        self._external_labels = dict(external_labels)
        self._external_url = external_url
        self._generator_urls = dict(generator_urls)
        self._clock = clock
        self._timer = timer
        self._on_enqueued = on_enqueued
        """Called when a dispatch added outbox rows (the agent wakes its delivery job)."""
        self.last_result: GroupResult | None = None
        self._dispatched = False

    def run_once(self) -> GroupResult:
        """Evaluate, store the samples and the group's status, then plan notifications."""
        now = self._clock()
        started = self._timer()
        query = self._query
        on_recorded = None
        if isinstance(query, DatasourceQuery):
            at = now - self.group.query_offset
            query = query.for_evaluation([rule.expr for rule in self.group.rules], at)
            on_recorded = query.recorded
        result = evaluate_group(
            self._database,
            self.group,
            query,
            now,
            on_recorded=on_recorded,
            external_labels=self._external_labels,
            external_url=self._external_url,
            timer=self._timer,
        )
        timestamp_ms = int(result.timestamp * 1000)
        with write_transaction(self._database) as connection:
            append_samples(
                connection,
                self._index,
                [(labels, timestamp_ms, value) for labels, value in result.series],
            )
            duration = self._timer() - started
            save_group_status(
                connection,
                self.group.key,
                EvaluationStatus(OK, "", duration, now),
                {
                    rule.key: EvaluationStatus(
                        ERR if rule.key in result.rule_errors else OK,
                        result.rule_errors.get(rule.key, ""),
                        result.rule_seconds.get(rule.key, 0.0),
                        now,
                    )
                    for rule in self.group.rules
                },
            )
        GROUP_DURATION.labels(self.group.key).set(duration)
        GROUP_LAST_EVALUATION.labels(self.group.key).set(now)
        if result.rule_errors:
            EVALUATION_FAILURES.labels(self.group.key).inc(len(result.rule_errors))
        if self._needs_dispatch(result, now):
            added = dispatch(
                self._database,
                self._alerting,
                now,
                external_labels=self._external_labels,
                external_url=self._external_url,
                generator_urls=self._generator_urls,
            )
            self._dispatched = True
            if added and self._on_enqueued is not None:
                self._on_enqueued()
        self.last_result = result
        return result

    def _needs_dispatch(self, result: GroupResult, now: float) -> bool:
        """Dispatch after the first evaluation (the routes may be new), when an alert
        changed state or a rule failed, and when an aggregation group is due to flush.

        Between those, dispatching would only find nothing to send: new groups open
        when an alert starts firing, and everything else waits for a group's flush.
        Skipping it spares every quiet group a read of every alert in the store.
        """
        return (
            not self._dispatched
            or bool(result.transitions)
            or bool(result.rule_errors)
            or flush_due(self._database, now)
        )
