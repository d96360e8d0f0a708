"""HTML pages. Server-rendered; charts are fetched as plotly figures and drawn client-side."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import plotly
from flask import Blueprint, Response, redirect, render_template, send_file, url_for
from werkzeug.wrappers import Response as BaseResponse

from alerts.alerting import FIRING
from alerts.state import load_states
from console.auth import Role, public, requires
from console.context import current
from console.fleet import SERVICE_LABEL, build_fleet
from store.checks import list_checks
from store.targets import TargetStatus, list_targets

blueprint = Blueprint("pages", __name__)
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

FLEET_CHARTS = (
    {
        "title": "Requests per second by service",
        "query": "sum by (service) (rate(http_requests_total[1m]))",
        "unit": "reqps",
        "legend": "{{service}}",
    },
    {
        "title": "p95 latency by service",
        "query": "histogram_quantile(0.95, sum by (service, le) "
        "(rate(http_request_duration_seconds_bucket[1m])))",
        "unit": "seconds",
        "legend": "{{service}}",
    },
)


FLEET_SPARKLINES = (
    {"key": "up", "title": "Up", "unit": "percentunit", "query": "avg by (service) (up)"},
    {
        "key": "rate",
        "title": "Requests",
        "unit": "reqps",
        "query": "sum by (service) (rate(http_requests_total[1m]))",
    },
    {
        "key": "errors",
        "title": "Error ratio",
        "unit": "percentunit",
        "query": 'sum by (service) (rate(http_requests_total{status=~"5.."}[1m])) '
        "/ sum by (service) (rate(http_requests_total[1m]))",
    },
    {
        "key": "p95",
        "title": "p95 latency",
        "unit": "seconds",
        "query": "histogram_quantile(0.95, sum by (service, le) "
        "(rate(http_request_duration_seconds_bucket[1m])))",
    },
)


def firing_by_service() -> dict[str, int]:
    """How many alerts fire per ``service`` label (alerts without one are not counted)."""
    with current().database.connect() as connection:
        states = load_states(connection)
    counts: dict[str, int] = {}
    for alerts in states.values():
        for alert in alerts.values():
            service = dict(alert.labels).get(SERVICE_LABEL)
            if alert.state == FIRING and service:
                counts[service] = counts.get(service, 0) + 1
    return counts


@blueprint.app_template_filter("timestamp")
def format_timestamp(epoch: float | None) -> str:
    if epoch is None:
        return "never"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@blueprint.route("/")
@requires(Role.VIEWER)
def index() -> BaseResponse:
    return redirect(url_for("pages.fleet"))


@blueprint.route("/fleet")
@requires(Role.VIEWER)
def fleet() -> str:
    context = current()
    services = build_fleet(list_targets(context.database), list_checks(context.database))
    return render_template(
        "fleet.html",
        services=services,
        charts=FLEET_CHARTS,
        sparklines=FLEET_SPARKLINES,
        firing=firing_by_service(),
        now=context.clock(),
    )


@blueprint.route("/targets")
@requires(Role.VIEWER)
def targets() -> str:
    context = current()
    by_job: dict[str, list[TargetStatus]] = {}
    for target in list_targets(context.database):
        by_job.setdefault(target.job, []).append(target)
    return render_template("targets.html", jobs=by_job, now=context.clock())


@blueprint.route("/vendor/plotly.min.js")
@public
def plotly_js() -> Response:
    """plotly.js from the installed plotly package: no CDN, works offline."""
    return send_file(PLOTLY_JS, mimetype="text/javascript", max_age=86400)
