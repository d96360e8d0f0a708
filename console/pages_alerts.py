"""The Alerts, Rules and Notifications pages: server-rendered from the data the APIs serve.

Alerts show firing alerts with what ``/api/v2/alerts`` says about them
(receivers, silences, inhibitions) and pending ones, which Alertmanager never
sees, with the receivers and silences they would get. Rules render the
``/api/v1/rules`` answer itself, so page and API cannot disagree. State
changes are plain form POSTs that redirect back (no script needed); each
form includes ``_csrf.html``, empty until CSRF tokens land.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from alerts.alerting import ALERT_NAME, INACTIVE, PENDING
from alerts.listing import AlertStatus
from alerts.matchers import format_matchers, sort_matchers
from alerts.outbox import DEAD
from alerts.payload import alert_fingerprint
from alerts.routing import build_route_tree, match_routes
from alerts.silences import active_silences, silenced_by
from alerts.state import load_states
from console import auth
from console.api import rules as rules_api
from console.api.alertmanager import alert_statuses
from console.api.envelope import ApiError
from console.api.notifications import STATUSES, list_outbox, retry
from console.auth import Role, requires
from console.context import current
from promql.labels import make_labels
from promql.matchers import Matcher, MatchType
from store.db import write_transaction

blueprint = Blueprint("alert_pages", __name__)

NOTICES = {
    "retried": "Notification {id} is due again and will be sent on the agent's next delivery run.",
    "created": "Silence {id} saved.",
    "expired": "Silence {id} expired.",
}


def can_edit() -> bool:
    """Whether to offer state-changing buttons (the endpoints check again)."""
    return auth.current_caller().role >= Role.EDITOR


def notice() -> str:
    """The message a redirect asked for, from a fixed list (never text from the URL)."""
    template = NOTICES.get(request.args.get("notice", ""))
    subject = request.args.get("id", "")
    if template is None or not re.fullmatch(r"[\w-]{1,64}", subject):
        return ""
    return template.format(id=subject)


def silence_link(labels: dict[str, str]) -> str:
    matchers = sort_matchers(Matcher(n, MatchType.EQUAL, v) for n, v in labels.items())
    return url_for("silence_pages.silence_form", matchers=format_matchers(matchers))


@dataclass
class AlertRow:
    labels: dict[str, str]
    annotations: dict[str, str]
    state: str
    active_at: float
    value: str
    receivers: tuple[str, ...]
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    muted_by: tuple[str, ...] = ()
    silence_url: str = ""


@dataclass
class AlertGroupView:
    name: str
    receivers: tuple[str, ...]
    rows: list[AlertRow] = field(default_factory=list)

    @property
    def firing(self) -> int:
        return sum(1 for row in self.rows if row.state != PENDING)


def _value(value: float) -> str:
    return "NaN" if math.isnan(value) else f"{value:g}"


def alert_groups() -> list[AlertGroupView]:
    """Firing and pending alerts, grouped by alertname and receivers (the stored states, as
    ``/api/v2/alerts``: the agent retires the alerts of rules that were removed)."""
    context = current()
    config, now = context.loaded.config, context.clock()
    external = config.global_.external_labels
    tree = build_route_tree(config.alerting.route)
    with context.database.connect() as connection:
        states = load_states(connection)
        statuses: dict[str, AlertStatus] = {
            s.fingerprint: s for s in alert_statuses(connection, now)
        }
        silences = active_silences(connection, now)
    groups: dict[tuple[str, tuple[str, ...]], AlertGroupView] = {}
    for alerts in states.values():
        for alert in alerts.values():
            if alert.state == INACTIVE:
                continue
            labels = {**external, **dict(alert.labels)}
            status = statuses.get(alert_fingerprint(make_labels(labels)))
            row = AlertRow(
                labels=labels,
                annotations=dict(alert.annotations),
                state=alert.state,
                active_at=alert.active_at,
                value=_value(alert.value),
                receivers=tuple(
                    dict.fromkeys(r.receiver or "" for r in match_routes(tree, labels))
                ),
                silence_url=silence_link(labels),
            )
            if status is not None and alert.state != PENDING:
                row.receivers, row.silenced_by = status.receivers, status.silenced_by
                row.inhibited_by, row.muted_by = status.inhibited_by, status.muted_by
            else:
                row.silenced_by = tuple(silenced_by(silences, labels, now))
            name = labels.get(ALERT_NAME, "")
            group = groups.setdefault((name, row.receivers), AlertGroupView(name, row.receivers))
            group.rows.append(row)
    for group in groups.values():
        group.rows.sort(key=lambda r: (r.state == PENDING, sorted(r.labels.items())))
    return [groups[key] for key in sorted(groups)]


@blueprint.route("/alerts")
@requires(Role.VIEWER)
def alerts() -> str:
    return render_template(
        "alerts.html", groups=alert_groups(), now=current().clock(), can_edit=can_edit()
    )


@blueprint.route("/rules")
@requires(Role.VIEWER)
def rules() -> str:
    """The ``/api/v1/rules`` answer, rendered: the page shows exactly what the API says."""
    answer: Any = rules_api.rules().get_json()
    return render_template("rules.html", groups=answer["data"]["groups"], now=current().clock())


@blueprint.route("/notifications")
@requires(Role.VIEWER)
def notifications() -> str:
    return _notifications_page()


def _notifications_page(error: str = "") -> str:
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    with current().database.connect() as connection:
        dead = list_outbox(connection, DEAD, 50)
        log = list_outbox(connection, status, 200)
    return render_template(
        "notifications.html",
        dead=dead,
        log=log,
        status=status,
        statuses=STATUSES,
        notice=notice(),
        error=error,
        can_edit=can_edit(),
        now=current().clock(),
    )


@blueprint.route("/notifications/<int:notification_id>/retry", methods=["POST"])
@requires(Role.EDITOR)
def retry_notification(notification_id: int) -> BaseResponse | tuple[str, int]:
    context = current()
    try:
        with write_transaction(context.database) as connection:
            retry(connection, notification_id, context.clock())
    except ApiError as error:
        return _notifications_page(error.message), 404 if error.error_type == "not_found" else 400
    return redirect(url_for("alert_pages.notifications", notice="retried", id=notification_id))
