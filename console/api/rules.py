"""``/api/v1/rules`` and ``/api/v1/alerts`` in Prometheus's shapes, plus ``/api/v1/status/reload``.

The console does not evaluate rules: definitions are the groups the agent
loaded (``alerts.rule_definitions``), alert states come from ``alert_states``
and health from ``rule_status``, all written by the agent, so an agent
reload shows here at once. A rule file that stops loading keeps the last
good definitions, as in the agent; the reload error is at
``/api/v1/status/reload``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response

from alerts.alerting import FIRING, INACTIVE, PENDING, ActiveAlert
from alerts.rule_definitions import (
    ALERTING,
    RECORDING,
    GroupDefinition,
    RuleDefinition,
    load_definitions,
)
from alerts.rule_status import EvaluationStatus, bounded_key, load_statuses, reload_status
from alerts.state import load_states
from console.api.envelope import bad_data, success
from console.api.params import param, param_list
from console.auth import Role, requires
from console.context import current

blueprint = Blueprint("rules_api", __name__, url_prefix="/api/v1")
_CACHE_KEY = "vigil_rule_definitions"
_STATE_ORDER = {INACTIVE: 0, PENDING: 1, FIRING: 2}


def go_time(epoch: float | None) -> str:
    """A Go ``time.Time`` in JSON (RFC 3339 with trimmed nanoseconds); None is Go's zero time."""
    if epoch is None:
        return "0001-01-01T00:00:00Z"
    moment = datetime.fromtimestamp(epoch, UTC)
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def go_float_e(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'e', -1, 64)``: shortest digits, always an exponent."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return ("-" if math.copysign(1.0, value) < 0 else "") + "0e+00"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(str(d) for d in digit_tuple).rstrip("0")
    power = len(digit_tuple) - 1 + exponent
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"


def rule_groups() -> list[GroupDefinition]:
    """The rule groups the agent has loaded (not the files named by the console's config)."""
    return load_definitions(current().database)


def _api_alert(alert: ActiveAlert) -> dict[str, Any]:
    body: dict[str, Any] = {
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "state": alert.state,
        "activeAt": go_time(alert.active_at),
        "value": go_float_e(alert.value if alert.value is not None else math.nan),
    }
    keep_firing_since = getattr(alert, "keep_firing_since", None)
    if keep_firing_since is not None:
        body["keepFiringSince"] = go_time(keep_firing_since)
    return body


def _active(alerts: dict[int, ActiveAlert] | None) -> list[ActiveAlert]:
    """Prometheus's ``ActiveAlerts``: pending and firing ones, resolved ones left out."""
    return [a for a in (alerts or {}).values() if a.state != INACTIVE]


def _status_fields(status: EvaluationStatus) -> dict[str, Any]:
    fields: dict[str, Any] = {"health": status.health}
    if status.last_error:
        fields["lastError"] = status.last_error
    fields["evaluationTime"] = status.evaluation_seconds
    fields["lastEvaluation"] = go_time(status.last_evaluation)
    return fields


def _alerting_rule(
    rule: RuleDefinition, alerts: list[ActiveAlert], status: EvaluationStatus, include: bool
) -> dict[str, Any]:
    state = max((a.state for a in alerts), key=_STATE_ORDER.__getitem__, default=INACTIVE)
    return {
        "state": state,
        "name": rule.name,
        "query": rule.expr,
        "duration": rule.hold,
        "keepFiringFor": rule.keep_firing_for,
        "labels": dict(rule.labels),
        "annotations": dict(rule.annotations),
        "alerts": [_api_alert(a) for a in alerts] if include else None,
        **_status_fields(status),
        "type": "alerting",
    }


def _recording_rule(rule: RuleDefinition, status: EvaluationStatus) -> dict[str, Any]:
    return {
        "name": rule.name,
        "query": rule.expr,
        "labels": dict(rule.labels),
        **_status_fields(status),
        "type": "recording",
    }


def _exclude_alerts() -> bool:
    text = (param("exclude_alerts") or "").lower()
    if text in ("", "0", "f", "false"):
        return False
    if text in ("1", "t", "true"):
        return True
    raise bad_data(
        f'invalid parameter "exclude_alerts": error converting exclude_alerts: '
        f'strconv.ParseBool: parsing "{text}": invalid syntax'
    )


@blueprint.route("/rules", methods=["GET"])
@requires(Role.VIEWER)
def rules() -> Response:
    kind = (param("type") or "").lower()
    if kind not in ("", "alert", "record"):
        raise bad_data(f'invalid parameter "type": not supported value "{kind}"')
    include_alerts = not _exclude_alerts()
    names, group_names, files = (
        set(param_list("rule_name[]")),
        set(param_list("rule_group[]")),
        set(param_list("file[]")),
    )
    groups = rule_groups()
    database = current().database
    group_statuses, rule_statuses = load_statuses(database)
    with database.connect() as connection:
        states = load_states(connection)
    out = []
    for group in groups:
        if (group_names and group.name not in group_names) or (files and group.file not in files):
            continue
        api_rules = []
        for rule in group.rules:
            if names and rule.name not in names:
                continue
            status = rule_statuses.get(bounded_key(rule.key), EvaluationStatus())
            if rule.type == ALERTING and kind in ("", "alert"):
                alerts = _active(states.get(rule.key))
                api_rules.append(_alerting_rule(rule, alerts, status, include_alerts))
            elif rule.type == RECORDING and kind in ("", "record"):
                api_rules.append(_recording_rule(rule, status))
        if not api_rules:
            continue
        group_status = group_statuses.get(bounded_key(group.key), EvaluationStatus())
        out.append(
            {
                "name": group.name,
                "file": group.file,
                "rules": api_rules,
                "interval": group.interval,
                "limit": group.limit,
                "evaluationTime": group_status.evaluation_seconds,
                "lastEvaluation": go_time(group_status.last_evaluation),
            }
        )
    return success({"groups": out})


@blueprint.route("/alerts", methods=["GET"])
@requires(Role.VIEWER)
def alerts() -> Response:
    database = current().database
    with database.connect() as connection:
        states = load_states(connection)
    out = [
        _api_alert(alert)
        for group in rule_groups()
        for rule in group.rules
        if rule.type == ALERTING
        for alert in _active(states.get(rule.key))
    ]
    return success({"alerts": out})


@blueprint.route("/status/reload", methods=["GET"])
@requires(Role.VIEWER)
def reload() -> Response:
    """Vigil's own: how the agent's last configuration reload went (Prometheus has no such API)."""
    status = reload_status(current().database)
    if status is None:
        return success({"lastReloadSuccessful": None, "lastReloadTime": None, "lastError": ""})
    return success(
        {
            "lastReloadSuccessful": status.successful,
            "lastReloadTime": go_time(status.at),
            "lastError": status.error,
        }
    )
