"""Chart data as plotly figures, so each chart on a page refreshes on its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response

from console.api.envelope import ApiError, bad_data, success
from console.api.params import param, requested_range
from console.auth import Role, requires
from console.context import current
from dashboards.figures import timeseries_figure
from dashboards.sparklines import sparkline_figures
from dashboards.units import UNITS
from promql.errors import ParseError, PromQLError
from promql.values import Matrix
from store.datasources import LOCAL_DATASOURCE

blueprint = Blueprint("figures_api", __name__, url_prefix="/api/v1")


def _range_matrix() -> Matrix:
    """The ``query`` over the request's time range (``from``/``to`` or ``start``/``end``)."""
    context = current()
    expression = param("query")
    if not expression:
        raise bad_data('invalid parameter "query": missing required parameter')
    time_range = requested_range(current().clock())
    name = param("datasource") or LOCAL_DATASOURCE
    datasource = context.datasources.get(name)
    if datasource is None:
        raise bad_data(f'invalid parameter "datasource": unknown datasource "{name}"')
    try:
        result = datasource.range_query(
            expression, time_range.start, time_range.end, time_range.step
        )
    except ParseError as error:
        raise bad_data(f'invalid parameter "query": {error}') from None
    except PromQLError as error:
        raise ApiError("execution", str(error)) from None
    assert isinstance(result, Matrix)
    return result


def _unit() -> str | None:
    unit = param("unit")
    if unit is not None and unit not in UNITS:
        known = ", ".join(sorted(UNITS))
        raise bad_data(f'invalid parameter "unit": unknown unit "{unit}"; known units: {known}')
    return unit


def _figure(build: Callable[[Matrix, str | None], Any]) -> Response:
    unit = _unit()
    return success(build(_range_matrix(), unit))


@blueprint.route("/figure", methods=["GET"])
@requires(Role.VIEWER)
def figure() -> Response:
    return _figure(
        lambda matrix, unit: timeseries_figure(
            matrix, title=param("title") or "", unit=unit, legend=param("legend")
        )
    )


@blueprint.route("/sparklines", methods=["GET"])
@requires(Role.VIEWER)
def sparklines() -> Response:
    """One small figure per value of ``by`` (default ``service``), keyed by that value."""
    label = param("by") or "service"
    return _figure(lambda matrix, unit: sparkline_figures(matrix, label, unit=unit))
