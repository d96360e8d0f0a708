"""Dashboards over REST: the list, one dashboard, its YAML, and each panel's figure.

A panel's figure has its own URL so the page draws and refreshes panels one by
one; variables travel as ``var-<name>=value`` and the time range as
``from``/``to`` (``now-1h``, RFC 3339 or Unix seconds), as the page's URL has them.
"""

from __future__ import annotations

from typing import Any

import yaml
from flask import Blueprint, Flask, Response, current_app, request

from console.api.envelope import ApiError, bad_data, success, success_json
from console.api.params import requested_range
from console.auth import Role, requires
from console.context import current
from console.figure_cache import FigureCache
from console.panel_data import UnknownDatasource, label_values_from, panel_figure
from dashboards.library import DashboardFile, DashboardLibrary
from dashboards.model import Dashboard, panel_ids
from dashboards.timerange import TimeRange
from dashboards.variables import (
    ResolvedVariable,
    apply_to_panel,
    panel_values,
    resolve_variables,
)
from promql.errors import ParseError, PromQLError

blueprint = Blueprint("dashboards_api", __name__, url_prefix="/api/v1")
LIBRARY_KEY = "vigil_dashboards"
CACHE_KEY = "vigil_figure_cache"
VARIABLE_PREFIX = "var-"


def install(app: Flask) -> None:
    """One dashboard library and figure cache per app, from the ``dashboards:`` section."""
    from console.context import EXTENSION_KEY

    loaded = app.extensions[EXTENSION_KEY].loaded
    app.extensions[LIBRARY_KEY] = DashboardLibrary(loaded.config.dashboards, loaded.base_dir)
    app.extensions[CACHE_KEY] = FigureCache()


def library() -> DashboardLibrary:
    found: DashboardLibrary = current_app.extensions[LIBRARY_KEY]
    return found


def requested_variables() -> dict[str, list[str]]:
    return {
        name[len(VARIABLE_PREFIX) :]: request.args.getlist(name)
        for name in request.args
        if name.startswith(VARIABLE_PREFIX)
    }


def resolve_for_request(dashboard: Dashboard, time_range: TimeRange) -> list[ResolvedVariable]:
    context = current()
    return resolve_variables(
        dashboard, requested_variables(), label_values_from(context.datasources, time_range.end)
    )


def summary(item: DashboardFile) -> dict[str, Any]:
    return {
        "uid": item.uid,
        "title": item.title,
        "tags": item.dashboard.tags if item.dashboard else [],
        "builtin": item.builtin,
        "file": str(item.path),
        "error": item.error,
    }


def found(uid: str) -> DashboardFile:
    item = library().get(uid)
    if item is None:
        raise ApiError("not_found", f'dashboard "{uid}" not found')
    return item


def usable(uid: str) -> Dashboard:
    item = found(uid)
    if item.dashboard is None:
        raise ApiError("execution", f'dashboard "{uid}" cannot be loaded: {item.error}')
    return item.dashboard


@blueprint.route("/dashboards", methods=["GET"])
@requires(Role.VIEWER)
def list_dashboards() -> Response:
    return success([summary(item) for item in library().dashboards()])


@blueprint.route("/dashboards/<uid>", methods=["GET"])
@requires(Role.VIEWER)
def get_dashboard(uid: str) -> Response:
    item = found(uid)
    body = summary(item)
    body["problems"] = [str(problem) for problem in item.problems]
    body["dashboard"] = (
        item.dashboard.model_dump(mode="json", exclude_defaults=True) if item.dashboard else None
    )
    body["panels"] = (
        [panel_id for panel_id, _ in panel_ids(item.dashboard)] if item.dashboard else []
    )
    return success(body)


@blueprint.route("/dashboards/<uid>/export", methods=["GET"])
@requires(Role.VIEWER)
def export_dashboard(uid: str) -> Response:
    dashboard = usable(uid)
    data = dashboard.model_dump(mode="json", exclude_defaults=True)
    data["uid"] = uid
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    response = Response(text, mimetype="application/yaml")
    response.headers["Content-Disposition"] = f'attachment; filename="{uid}.yml"'
    return response


@blueprint.route("/dashboards/<uid>/panels/<panel_id>", methods=["GET"])
@requires(Role.VIEWER)
def panel_data(uid: str, panel_id: str) -> Response:
    item = found(uid)
    dashboard = usable(uid)
    panel = dict(panel_ids(dashboard)).get(panel_id)
    if panel is None:
        raise ApiError("not_found", f'dashboard "{uid}" has no panel "{panel_id}"')
    time_range = requested_range(current().clock())
    values = panel_values(
        dashboard, requested_variables(), label_values_from(current().datasources, time_range.end)
    )
    interpolated = apply_to_panel(panel, values)
    cache: FigureCache = current_app.extensions[CACHE_KEY]
    key = (uid, item.stamp, interpolated.model_dump_json(), time_range)
    try:
        encoded = cache.figure_json(
            key,
            time_range.step,
            lambda: panel_figure(interpolated, current().datasources, time_range),
        )
    except ParseError as error:
        raise bad_data(f'invalid parameter "query": {error}') from None
    except (PromQLError, UnknownDatasource) as error:
        raise ApiError("execution", str(error)) from None
    return success_json(encoded)
