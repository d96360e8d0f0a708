"""Alertmanager's API v2 under ``/api/v2``, so amtool and Grafana's Alertmanager data source work.

Shapes follow ``api/v2/openapi.yaml`` and the handlers of ``api/v2/api.go``:
bare JSON (no Prometheus envelope), errors as ``alertmanager_errors`` says, times as
strfmt writes them (RFC 3339, milliseconds, UTC). Vigil is one process
with no cluster, so the status says ``disabled`` as a lone Alertmanager does.
Alerts are the rule states the agent stores (Vigil takes no alerts from
outside, so ``POST /alerts`` is not served): a firing alert's ``endsAt`` is
four evaluation intervals ahead and its ``updatedAt`` now, as if Prometheus
had just re-sent it. Silences are in ``alertmanager_silences``.
"""

from __future__ import annotations

import platform
import re
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import yaml
from flask import Blueprint, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from sqlalchemy import Connection

from alerts.config import AlertingConfig
from alerts.listing import ACTIVE, SUPPRESSED, AlertStatus, list_alerts
from alerts.matchers import MatcherError, parse_matcher
from alerts.routing import (
    Route,
    build_route_tree,
    group_labels,
    match_routes,
    route_group_key,
    time_muted,
)
from alerts.rule_definitions import generator_urls
from alerts.timeintervals import intervals_containing
from console.api.alertmanager_errors import Invalid, Rejected
from console.api.rules import rule_groups
from console.auth import Role, requires
from console.context import EXTENSION_KEY, current
from promql.matchers import InvalidRegexError, Matcher, compile_regex

blueprint = Blueprint("alertmanager_api", __name__, url_prefix="/api/v2")
SECRET = "<secret>"
_STARTED_KEY = "vigil_alertmanager_started"
_TRUE = {"1", "t", "true", "y", "yes", "on", "ok", "enabled", "selected", "checked"}
_SECRET_WORDS = ("secret", "password", "token", "api_key", "routing_key", "url")


@blueprint.errorhandler(Rejected)
@blueprint.errorhandler(Invalid)
def _refused(error: Rejected | Invalid) -> Response:
    return error.response()


@blueprint.after_request
def no_store(response: Response) -> Response:
    """Alertmanager's API answers are never cached (api.go sets this on every response)."""
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.record_once
def _remember_start(state: BlueprintSetupState) -> None:
    context = state.app.extensions.get(EXTENSION_KEY)
    state.app.extensions[_STARTED_KEY] = context.clock() if context else time.time()


def am_time(epoch: float) -> str:
    """strfmt.DateTime in JSON: ``2023-11-14T22:13:20.000Z`` (milliseconds, truncated)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def render_config(config: AlertingConfig) -> str:
    """The alerting section as YAML, secrets replaced by ``<secret>`` as Alertmanager shows them.

    Webhook URLs count as secrets (chat and paging hooks carry tokens in
    them), as do every header value and any key naming a secret or password.
    """
    return yaml.safe_dump(
        _redact(config.model_dump(mode="json", by_alias=True, exclude_unset=True)),
        sort_keys=False,
        allow_unicode=True,
    )


def _redact(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        if key == "headers":
            return {name: SECRET for name in value}
        return {name: _redact(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, key) for item in value]
    secret_key = any(word in key for word in _SECRET_WORDS) and not key.endswith("_file")
    if value is not None and (secret_key or value == "**********"):
        return SECRET
    return value


def _version_info() -> dict[str, str]:
    try:
        version = metadata.version("vigil")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "branch": "",
        "buildDate": "",
        "buildUser": "",
        "goVersion": f"python{platform.python_version()}",
        "revision": "",
        "version": version,
    }


def bool_param(name: str) -> bool:
    """swag.ConvertBool, which refuses nothing: true unless set to something not true."""
    text = request.args.get(name)
    return not text or text.lower() in _TRUE


def filter_param(name: str = "filter") -> list[Matcher]:
    try:
        return [parse_matcher(text) for text in request.args.getlist(name)]
    except MatcherError as error:
        prefix = "" if name == "filter" else f"failed to parse {name} param: "
        raise Rejected(prefix + str(error)) from None


def _receiver_regex() -> re.Pattern[str] | None:
    text = request.args.get("receiver")
    if text is None:
        return None
    try:
        return compile_regex(text)
    except InvalidRegexError as error:
        raise Rejected(f"failed to parse receiver param: {error}") from None


def matches_filter(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    """api.go's matchFilterLabels: an empty value also matches (or not) a missing label."""
    for matcher in matchers:
        present = matcher.name in labels
        negative = matcher.type.value in ("!=", "!~")
        if matcher.value == "" and present == negative:
            continue
        if not matcher.matches(labels.get(matcher.name, "")):
            return False
    return True


def alert_statuses(connection: Connection, now: float) -> list[AlertStatus]:
    """The stored alerts with their receivers and what mutes them, as ``/api/v2/alerts`` lists."""
    config = current().loaded.config
    external_url = config.server.external_url or f"http://{config.server.bind}"
    return list_alerts(
        connection,
        config.alerting,
        now,
        external_labels=config.global_.external_labels,
        generator_urls=generator_urls(rule_groups(), external_url),
    )


def _api_alert(
    status: AlertStatus, receivers: Sequence[str], state: str, muted_by: Sequence[str], now: float
) -> dict[str, Any]:
    interval = current().loaded.config.global_.evaluation_interval
    body: dict[str, Any] = {
        "annotations": dict(status.alert.annotations),
        "endsAt": am_time(now + 4 * max(interval, 60.0)),
        "fingerprint": status.fingerprint,
        "receivers": [{"name": name} for name in receivers],
        "startsAt": am_time(status.alert.starts_at),
        "status": {
            "inhibitedBy": list(status.inhibited_by),
            "mutedBy": list(muted_by),
            "silencedBy": list(status.silenced_by),
            "state": state,
        },
        "updatedAt": am_time(now),
    }
    if status.alert.generator_url:
        body["generatorURL"] = status.alert.generator_url
    body["labels"] = dict(status.alert.labels)
    return body


def _alert_filter(now: float) -> Any:
    """The filter=, active, silenced and inhibited parameters as one predicate (alertFilter)."""
    matchers = filter_param()
    active, silenced, inhibited = (bool_param(n) for n in ("active", "silenced", "inhibited"))
    bool_param("unprocessed")  # checked only: Vigil has no unprocessed alerts

    def keep(status: AlertStatus) -> bool:
        if status.alert.ends_at is not None and status.alert.ends_at <= now:
            return False  # resolved
        return (
            matches_filter(matchers, dict(status.alert.labels))
            and (active or status.state != ACTIVE)
            and (silenced or not status.silenced_by)
            and (inhibited or not status.inhibited_by)
        )

    return keep


def _receiver_filter() -> Any:
    pattern, receiver_matchers = _receiver_regex(), filter_param("receiver_matchers")

    def keep(name: str) -> bool:
        # Vigil's receivers have no labels: receiver_matchers see an empty set.
        if receiver_matchers and not matches_filter(receiver_matchers, {}):
            return False
        return pattern is None or pattern.fullmatch(name) is not None

    return keep


@blueprint.route("/status", methods=["GET"])
@requires(Role.VIEWER)
def status() -> Response:
    context = current()
    return jsonify(
        {
            "cluster": {"peers": [], "status": "disabled"},
            "config": {"original": render_config(context.loaded.config.alerting)},
            "uptime": am_time(current_app.extensions.get(_STARTED_KEY, context.clock())),
            "versionInfo": _version_info(),
        }
    )


@blueprint.route("/receivers", methods=["GET"])
@requires(Role.VIEWER)
def receivers() -> Response:
    receiver_matchers = filter_param("receiver_matchers")
    if receiver_matchers and not matches_filter(receiver_matchers, {}):
        return jsonify([])
    return jsonify([{"name": r.name} for r in current().loaded.config.alerting.receivers])


@blueprint.route("/alerts", methods=["GET"])
@requires(Role.VIEWER)
def alerts() -> Response:
    now = current().clock()
    keep, receiver_ok = _alert_filter(now), _receiver_filter()
    with current().database.connect() as connection:
        statuses = alert_statuses(connection, now)
    out = [
        _api_alert(s, s.receivers, s.state, s.muted_by, now)
        for s in statuses
        if any(receiver_ok(name) for name in s.receivers) and keep(s)
    ]
    return jsonify(sorted(out, key=lambda alert: str(alert["fingerprint"])))


@blueprint.route("/alerts/groups", methods=["GET"])
@requires(Role.VIEWER)
def alert_groups() -> Response:
    """One group per route and group labels, as the dispatcher's aggregation groups."""
    context = current()
    now = context.clock()
    keep, receiver_ok, show_muted = _alert_filter(now), _receiver_filter(), bool_param("muted")
    alerting = context.loaded.config.alerting
    tree, intervals = build_route_tree(alerting.route), alerting.named_time_intervals()
    with context.database.connect() as connection:
        statuses = [s for s in alert_statuses(connection, now) if keep(s)]
    groups: dict[tuple[str, str], tuple[Route, dict[str, str], list[AlertStatus]]] = {}
    receivers_of: dict[str, list[str]] = {}
    for status in statuses:
        for route in match_routes(tree, status.alert.labels):
            if route.receiver is None or not receiver_ok(route.receiver):
                continue
            labels = group_labels(route, status.alert.labels)
            entry = groups.setdefault(
                (route.id, route_group_key(route, labels)), (route, labels, [])
            )
            entry[2].append(status)
            receivers_of.setdefault(status.fingerprint, []).append(route.receiver)
    out: list[dict[str, Any]] = []
    for route, labels, members in groups.values():
        muted_by: list[str] = []
        if time_muted(route, intervals, now):
            muted_by = intervals_containing(route.mute_time_intervals, intervals, now)
            muted_by = muted_by or list(route.active_time_intervals)
        if muted_by and not show_muted:
            continue
        alerts_out = []
        for s in members:
            state = SUPPRESSED if s.silenced_by or s.inhibited_by or muted_by else ACTIVE
            names = sorted(receivers_of[s.fingerprint])
            alerts_out.append(_api_alert(s, names, state, muted_by, now))
        out.append(
            {
                "alerts": alerts_out,
                "labels": labels,
                "receiver": {"name": route.receiver},
                "routeLabels": {},
            }
        )
    out.sort(key=lambda g: (sorted(g["labels"].items()), str(g["receiver"]["name"])))
    return jsonify(out)
