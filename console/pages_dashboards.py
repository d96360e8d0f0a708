"""Dashboards, Explore and Settings pages.

Pages are server-rendered (variables resolved here, so a chained variable's
options are right on first paint); each panel's figure is fetched from its own
URL by vigil.js, with the time range the page's URL carries.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import yaml
from flask import Blueprint, abort, render_template, request, url_for

from console.api.dashboards import library, resolve_for_request
from console.api.envelope import ApiError
from console.api.params import requested_range
from console.auth import Role, requires
from console.context import current
from console.settings_view import effective_settings
from dashboards.panels import PANEL_TYPES
from dashboards.units import UNITS
from dashboards.variables import ALL, PanelInstance, expand_rows

blueprint = Blueprint("dashboard_pages", __name__)


@blueprint.route("/dashboards")
@requires(Role.VIEWER)
def dashboards() -> str:
    return render_template("dashboards.html", dashboards=library().dashboards())


@blueprint.route("/d/<uid>")
@requires(Role.VIEWER)
def dashboard(uid: str) -> str:
    item = library().get(uid)
    if item is None:
        abort(404)
    if item.dashboard is None:
        return render_template("dashboard.html", item=item, rows=[], variables=[], error=None)
    try:
        time_range = requested_range(current().clock())
    except ApiError as error:
        return render_template(
            "dashboard.html", item=item, rows=[], variables=[], error=error.message
        )
    resolved = resolve_for_request(item.dashboard, time_range)
    selected = {f"var-{v.variable.name}": v.selected for v in resolved}
    rows = [
        (title, [panel_entry(item.uid, instance, selected) for instance in instances])
        for title, instances in expand_rows(item.dashboard, resolved)
    ]
    return render_template(
        "dashboard.html", item=item, rows=rows, variables=resolved, error=None, all_value=ALL
    )


def panel_entry(
    uid: str, instance: PanelInstance, selected: dict[str, list[str]]
) -> dict[str, Any]:
    """What the template needs for one panel: its figure URL carries the variables."""
    overrides = {f"var-{name}": [value] for name, value in instance.overrides.items()}
    query = urlencode({**selected, **overrides}, doseq=True)
    url = url_for("dashboards_api.panel_data", uid=uid, panel_id=instance.id)
    return {
        "id": instance.id,
        "panel": instance.panel,
        "kind": PANEL_TYPES[instance.panel.type].query_kind,
        "url": f"{url}?{query}" if query else url,
    }


@blueprint.route("/explore")
@requires(Role.VIEWER)
def explore() -> str:
    unit = request.args.get("unit", "none")
    return render_template(
        "explore.html",
        query=request.args.get("query", ""),
        units=sorted(UNITS),
        unit=unit if unit in UNITS else "none",
    )


@blueprint.route("/settings")
@requires(Role.VIEWER)
def settings() -> str:
    loaded = current().loaded
    sections: dict[str, Any] = effective_settings(loaded.config)
    rendered = {
        name: yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=False)
        for name, value in sections.items()
    }
    return render_template("settings.html", sections=rendered, source=loaded.source)
