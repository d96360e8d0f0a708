"""``/api/v1/checks``: health check state, uptime over 24 h / 7 d / 30 d, history, response time.

Uptime comes from the history of status changes (see ``store.uptime``);
response times are ``probe_duration_seconds`` samples read with PromQL.
"""

from __future__ import annotations

from flask import Blueprint, Response

from console.api.envelope import ApiError, success
from console.api.params import requested_range
from console.auth import Role, public, requires
from console.check_reports import (
    check_report,
    check_reports,
    in_group,
    public_json,
    report_json,
    response_time_query,
)
from console.context import current
from promql.errors import PromQLError
from promql.values import Matrix
from store.datasources import LOCAL_DATASOURCE

blueprint = Blueprint("checks_api", __name__, url_prefix="/api/v1")
DEFAULT_RESPONSE_RANGE = "now-24h"
TARGET_POINTS = 288


@blueprint.route("/checks", methods=["GET"])
@requires(Role.VIEWER)
def checks() -> Response:
    context = current()
    reports = check_reports(context.database, context.clock())
    return success([report_json(report, with_history=False) for report in reports])


@blueprint.route("/checks/<name>", methods=["GET"])
@requires(Role.VIEWER)
def check(name: str) -> Response:
    context = current()
    report = check_report(context.database, name, context.clock())
    if report is None:
        raise ApiError("not_found", f'health check "{name}" not found')
    return success(report_json(report, with_history=True))


@blueprint.route("/checks/<name>/response_times", methods=["GET"])
@requires(Role.VIEWER)
def response_times(name: str) -> Response:
    """``probe_duration_seconds`` of one check as ``[[unix seconds, seconds], ...]``."""
    context = current()
    window = requested_range(
        context.clock(), default_from=DEFAULT_RESPONSE_RANGE, points=TARGET_POINTS
    )
    query = response_time_query(name)
    try:
        result = context.datasources[LOCAL_DATASOURCE].range_query(
            query, window.start, window.end, window.step
        )
    except PromQLError as error:
        raise ApiError("execution", str(error)) from None
    assert isinstance(result, Matrix)
    values = sorted(
        [timestamp / 1000, value]
        for series in result.series  # one, unless the target changed within the range
        for timestamp, value in zip(series.timestamps, series.values, strict=True)
    )
    return success({"query": query, "values": values})


@blueprint.route("/status_pages/<group>", methods=["GET"])
@public
def group_status(group: str) -> Response:
    """The public status of the checks labelled ``group=<group>``: shareable without login."""
    context = current()
    reports = [r for r in check_reports(context.database, context.clock()) if in_group(r, group)]
    if not reports:
        raise ApiError("not_found", f'no health checks in group "{group}"')
    return success({"group": group, "checks": [public_json(report) for report in reports]})
