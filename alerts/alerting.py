"""The alert state machine, as a pure function of the last states and this query result.

Semantics follow Prometheus's ``rules/alerting.go`` (``AlertingRule.Eval``):
an alert is pending until it has been active for ``for``, then firing; it
keeps firing for ``keep_firing_for`` after its series vanish; a resolved
(firing, then gone) alert is kept 15 minutes so the resolved notification can
still be sent, and a pending alert that vanishes is simply dropped. Being pure
(time and samples are arguments), it is tested minute by minute and the
caller decides where the states live.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from alerts import AlertsError
from alerts.rulefile import RuleModel
from alerts.templates import Template, TemplateData, expand, parse_template
from promql.labels import METRIC_NAME, Labels, fingerprint, make_labels, without_name

PENDING = "pending"
FIRING = "firing"
INACTIVE = "inactive"
RESOLVED_RETENTION = 15 * 60.0
"""How long a resolved alert is kept so its resolution can still be notified."""

ALERT_NAME = "alertname"
ALERTS_METRIC = "ALERTS"
ALERTS_FOR_STATE_METRIC = "ALERTS_FOR_STATE"
ALERT_STATE_LABEL = "alertstate"

Sample = tuple[Labels, float]


class RuleEvaluationError(AlertsError):
    """The rule's result cannot be used; ``alerts`` holds the states to keep instead."""

    def __init__(self, message: str, alerts: Mapping[int, ActiveAlert]) -> None:
        super().__init__(message)
        self.alerts = dict(alerts)


@dataclass(frozen=True)
class ActiveAlert:
    """One alert instance of a rule: its labels and where it is in its life."""

    labels: Labels
    annotations: Labels
    state: str
    active_at: float
    value: float
    fired_at: float | None = None
    resolved_at: float | None = None
    keep_firing_since: float | None = None
    last_sent_at: float | None = None
    """When the dispatcher last put this alert in a notification (None: never)."""

    @property
    def fingerprint(self) -> int:
        return fingerprint(self.labels)


@dataclass(frozen=True)
class Transition:
    """An alert changing state in one evaluation, for logs and the console."""

    labels: Labels
    from_state: str
    to_state: str
    at: float
    value: float


@dataclass(frozen=True)
class AlertingRule:
    """An alerting rule ready to evaluate: templates parsed, group labels merged."""

    key: str
    """Stable identity of the rule in storage (file; group; name)."""
    name: str
    expr: str
    hold: float
    keep_firing_for: float
    labels: tuple[tuple[str, Template], ...]
    annotations: tuple[tuple[str, Template], ...]

    @classmethod
    def from_model(
        cls, model: RuleModel, key: str, group_labels: Mapping[str, str] | None = None
    ) -> AlertingRule:
        """Compile a checked rule; raises TemplateError for an unsupported template."""
        labels = {**(group_labels or {}), **model.labels}
        return cls(
            key=key,
            name=model.alert or "",
            expr=model.expr,
            hold=model.for_,
            keep_firing_for=model.keep_firing_for,
            labels=tuple((k, parse_template(v)) for k, v in sorted(labels.items())),
            annotations=tuple((k, parse_template(v)) for k, v in sorted(model.annotations.items())),
        )


def evaluate_alert_rule(
    rule: AlertingRule,
    samples: Sequence[Sample],
    previous: Mapping[int, ActiveAlert],
    now: float,
    external_labels: Mapping[str, str] | None = None,
    *,
    external_url: str = "",
    limit: int = 0,
) -> tuple[dict[int, ActiveAlert], list[Transition]]:
    """The rule's alerts after an evaluation at ``now`` that returned ``samples``.

    ``previous`` is the result of the last evaluation (keyed by fingerprint of
    the alert's labels). Raises RuleEvaluationError for a result with two
    samples giving the same alert labels, or more than ``limit`` alerts.
    """
    found = _alerts_from_samples(rule, samples, now, external_labels or {}, external_url)
    if found is None:
        raise RuleEvaluationError(
            "vector contains metrics with the same labelset after applying alert labels",
            previous,
        )
    active = dict(previous)
    for fp, alert in found.items():
        old = active.get(fp)
        if old is not None and old.state != INACTIVE:
            active[fp] = replace(old, value=alert.value, annotations=alert.annotations)
        else:
            active[fp] = alert

    result: dict[int, ActiveAlert] = {}
    transitions: list[Transition] = []
    counted = 0
    for fp, alert in active.items():
        before = previous.get(fp)
        before_state = before.state if before is not None else INACTIVE
        if fp not in found:
            keep_firing = False
            if alert.state == FIRING and rule.keep_firing_for > 0:
                if alert.keep_firing_since is None:
                    alert = replace(alert, keep_firing_since=now)
                assert alert.keep_firing_since is not None
                keep_firing = now - alert.keep_firing_since < rule.keep_firing_for
            drop = alert.state == PENDING or (
                alert.resolved_at is not None and now - alert.resolved_at > RESOLVED_RETENTION
            )
            if not keep_firing:
                if alert.state != INACTIVE:
                    alert = replace(alert, state=INACTIVE, resolved_at=now)
                if not drop:
                    result[fp] = alert
                if before_state != INACTIVE:
                    transitions.append(
                        Transition(alert.labels, before_state, INACTIVE, now, alert.value)
                    )
                continue
        else:
            alert = replace(alert, keep_firing_since=None)
        counted += 1
        if alert.state == PENDING and now - alert.active_at >= rule.hold:
            alert = replace(alert, state=FIRING, fired_at=now)
        if alert.state == FIRING and now - alert.active_at < rule.hold:
            # ``for`` grew on a reload: back to pending, as Prometheus does.
            alert = replace(alert, state=PENDING, fired_at=None, keep_firing_since=None)
        result[fp] = alert
        if alert.state != before_state:
            transitions.append(
                Transition(alert.labels, before_state, alert.state, now, alert.value)
            )

    if limit > 0 and counted > limit:
        raise RuleEvaluationError(f"exceeded limit of {limit} with {counted} alerts", {})
    return result, transitions


def _alerts_from_samples(
    rule: AlertingRule,
    samples: Sequence[Sample],
    now: float,
    external_labels: Mapping[str, str],
    external_url: str,
) -> dict[int, ActiveAlert] | None:
    """New pending alerts for the samples, or None when two collide on labels."""
    found: dict[int, ActiveAlert] = {}
    for sample_labels, value in samples:
        data = TemplateData(dict(sample_labels), value, external_labels, external_url)
        names = dict(without_name(sample_labels))
        for name, template in rule.labels:
            names[name] = expand(template, data)
        names[ALERT_NAME] = rule.name
        labels = make_labels(names)
        annotations = tuple((name, expand(template, data)) for name, template in rule.annotations)
        fp = fingerprint(labels)
        if fp in found:
            return None
        found[fp] = ActiveAlert(labels, annotations, PENDING, active_at=now, value=value)
    return found


def alerts_series(rule: AlertingRule, alerts: Iterable[ActiveAlert]) -> list[Sample]:
    """The ``ALERTS`` and ``ALERTS_FOR_STATE`` samples Prometheus writes for active alerts.

    ``ALERTS`` is 1 with an ``alertstate`` label; ``ALERTS_FOR_STATE`` holds the
    Unix second the alert became active. Resolved alerts produce nothing.
    """
    series: list[Sample] = []
    raw_labels = {name: template.source for name, template in rule.labels}
    for alert in alerts:
        if alert.state == INACTIVE:
            continue
        base = {**raw_labels, **dict(alert.labels), ALERT_NAME: rule.name}
        series.append(
            (
                make_labels({**base, METRIC_NAME: ALERTS_METRIC, ALERT_STATE_LABEL: alert.state}),
                1.0,
            )
        )
        series.append(
            (
                make_labels({**base, METRIC_NAME: ALERTS_FOR_STATE_METRIC}),
                float(int(alert.active_at)),
            )
        )
    return series
