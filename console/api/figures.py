"""Chart data as plotly figures, so each chart on a page refreshes on its own."""

from __future__ import annotations

from flask import Blueprint, Response

from console.api.envelope import ApiError, bad_data, success
from console.api.params import param, range_params
from console.auth import Role, requires
from console.context import current
from dashboards.figures import timeseries_figure
from promql.errors import ParseError, PromQLError
from promql.values import Matrix
from store.datasources import LOCAL_DATASOURCE

blueprint = Blueprint("figures_api", __name__, url_prefix="/api/v1")
DEFAULT_RANGE_SECONDS = 3600.0
TARGET_POINTS = 240


@blueprint.route("/figure", methods=["GET"])
@requires(Role.VIEWER)
def figure() -> Response:
    context = current()
    expression = param("query")
    if not expression:
        raise bad_data('invalid parameter "query": missing required parameter')
    start, end, step = range_params(context.clock(), DEFAULT_RANGE_SECONDS, TARGET_POINTS)
    name = param("datasource") or LOCAL_DATASOURCE
    datasource = context.datasources.get(name)
    if datasource is None:
        raise bad_data(f'invalid parameter "datasource": unknown datasource "{name}"')
    try:
        result = datasource.range_query(expression, start, end, step)
    except ParseError as error:
        raise bad_data(f'invalid parameter "query": {error}') from None
    except PromQLError as error:
        raise ApiError("execution", str(error)) from None
    assert isinstance(result, Matrix)
    try:
        built = timeseries_figure(
            result, title=param("title") or "", unit=param("unit"), legend=param("legend")
        )
    except ValueError as error:
        raise bad_data(str(error)) from None
    return success(built)
