"""Health check pages: the list, one check with its history and response-time chart,
and a read-only status page per ``group`` label that can be shared without login."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from console.auth import Role, public, requires
from console.check_reports import (
    check_report,
    check_reports,
    in_group,
    public_json,
    response_time_query,
)
from console.context import current
from store.uptime import UPTIME_WINDOWS

blueprint = Blueprint("check_pages", __name__)


@blueprint.app_template_filter("ratio")
def format_ratio(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio * 100:.2f}%"


@blueprint.route("/checks")
@requires(Role.VIEWER)
def checks() -> str:
    context = current()
    reports = check_reports(context.database, context.clock())
    return render_template(
        "checks.html", reports=reports, windows=list(UPTIME_WINDOWS), now=context.clock()
    )


@blueprint.route("/checks/<name>")
@requires(Role.VIEWER)
def check(name: str) -> str:
    context = current()
    report = check_report(context.database, name, context.clock())
    if report is None:
        abort(404)
    return render_template(
        "check.html",
        report=report,
        windows=list(UPTIME_WINDOWS),
        history=list(reversed(report.history)),
        chart_query=response_time_query(name),
        now=context.clock(),
    )


@blueprint.route("/status/<group>")
@public
def status(group: str) -> str:
    context = current()
    reports = [r for r in check_reports(context.database, context.clock()) if in_group(r, group)]
    if not reports:
        abort(404)
    return render_template(
        "status.html",
        group=group,
        checks=[public_json(report) for report in reports],
        windows=list(UPTIME_WINDOWS),
        all_up=all(report.check.status == "up" for report in reports),
        now=context.clock(),
    )
